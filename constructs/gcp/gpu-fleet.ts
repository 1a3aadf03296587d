/**
 * A GPU fleet on Compute Engine: an instance template from a Deep Learning VM image and a regional
 * managed instance group that rests at zero VMs and is sized by `burst start`.
 *
 * ## How torchrun finds its peers on a multi-node fleet
 *
 * A multi-node fleet is one group in one zone with a compact placement policy, and a firewall rule
 * that lets its nodes (network tag `gpu-burst-<team>-<fleet>`) reach each other on every port. A
 * node may read its own group (`compute.instanceGroupManagers.get`), and Compute Engine's internal
 * DNS resolves every VM name, so each node runs the same recipe and reaches the same answer:
 *
 * ```bash
 * md() { curl -s -H 'Metadata-Flavor: Google' "http://metadata.google.internal/computeMetadata/v1/instance/$1"; }
 * CREATED_BY=$(md attributes/created-by)               # projects/P/regions/R/instanceGroupManagers/G
 * GROUP=$(basename "$CREATED_BY"); REGION=$(echo "$CREATED_BY" | cut -d/ -f4)
 * NNODES=$(gcloud compute instance-groups managed describe "$GROUP" --region "$REGION" --format='value(targetSize)')
 * until PEERS=$(gcloud compute instance-groups managed list-instances "$GROUP" --region "$REGION" \
 *         --filter='instanceStatus=RUNNING' --format='value(instance.basename())' | sort) \
 *       && [ "$(printf '%s\n' "$PEERS" | grep -c .)" -ge "$NNODES" ]; do sleep 10; done
 * MASTER_ADDR=$(printf '%s\n' "$PEERS" | head -n 1)    # lowest name hosts the rendezvous (internal DNS)
 * torchrun --nnodes="$NNODES" --nproc-per-node=gpu --rdzv-backend=c10d \
 *   --rdzv-endpoint="$MASTER_ADDR:29500" --rdzv-id="$GROUP" train.py
 * ```
 *
 * A spot reclaim of one node ends the rendezvous for all; the group recreates the node when
 * capacity returns and trainers resume from their last checkpoint in the artifact store.
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import {
  bootDiskTypeFor,
  gcpAgentScript,
  guestAcceleratorsFor,
  hostLabels,
  hostMetadata,
  hostNetworkTag,
  hostScheduling,
  HOST_SCOPES,
  privateNetworkInterface,
  shieldedConfig,
  type GcpHostAgentOptions,
  type GcpMarket,
} from './host.js';

/** Properties of the group Pulumi must never reset: `burst start`, the agent and the backstop own its size (traps.md). */
export const GROUP_IGNORED_CHANGES: readonly string[] = ['targetSize'];

/** Arguments of a {@link GpuFleet}. */
export interface GpuFleetArgs {
  /** The team (names, labels, tags, agent configuration). */
  readonly team: string;
  /** Fleet name, unique in the team: the group is `<team>-<fleet>`. */
  readonly fleetName: string;
  /** Region of the group. */
  readonly region: string;
  /** Zones the group may create VMs in (one for a multi-node fleet). */
  readonly zones: readonly string[];
  /** Machine type, e.g. `g2-standard-8` or `n1-standard-8`. */
  readonly machineType: string;
  /** GPUs per node and how they are attached. */
  readonly gpus: {
    /** The `guestAccelerators` type, e.g. `nvidia-l4`. */
    readonly acceleratorType: string;
    /** GPUs per node. */
    readonly count: number;
    /** True for N1 machine types, which carry GPUs only when the template attaches them. */
    readonly attached: boolean;
  };
  /** Nodes of a full burst: the most `burst start` asks for (recorded in the group's description). */
  readonly nodes: number;
  /**
   * One zone, a compact placement policy and node-to-node traffic (NCCL).
   * @default - nodes > 1
   */
  readonly multiNode?: boolean;
  /**
   * How the fleet buys capacity.
   * @default 'spot'
   */
  readonly market?: GcpMarket;
  /** Boot disk per node, GiB (deleted with the node). */
  readonly rootVolumeGiB: number;
  /** Boot image: a pinned self-link or `projects/<p>/global/images/family/<f>` (see `hostImage`). */
  readonly image: string;
  /** Minutes every idle signal must stay quiet before a node removes itself. */
  readonly idleMinutes: number;
  /** Hours after boot at which a node goes away whatever the signals say (plus a grace for the native deadline). */
  readonly ttlHours: number;
  /**
   * Training command (argv) the agent runs on every node; a node goes away when it exits.
   * @default - none: training is started by hand (SSH through IAP)
   */
  readonly command?: readonly string[];
  /** The burst subnet (self-link or id). */
  readonly subnetwork: pulumi.Input<string>;
  /** The burst network (self-link or id): a multi-node fleet's firewall rule lives there. */
  readonly network: pulumi.Input<string>;
  /** The team's service account (`TeamIdentity.email`). */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /** Name of the team's artifact bucket. */
  readonly artifactBucket: pulumi.Input<string>;
  /** Run-manifest facts and signals for the on-host agent. */
  readonly agent: GcpHostAgentOptions;
  /**
   * OAuth scopes of the nodes.
   * @default HOST_SCOPES (storage read/write, compute, logging, monitoring)
   */
  readonly scopes?: readonly string[];
  /**
   * Shielded VM Secure Boot (only for images whose GPU drivers are signed).
   * @default false
   */
  readonly secureBoot?: boolean;
  /**
   * Recreate a node that fails or is reclaimed (instance lifecycle policy REPAIR); false leaves it
   * gone (DO_NOTHING).
   * @default true
   */
  readonly repairFailedNodes?: boolean;
  /**
   * Labels for the nodes and their boot disks besides gpu-burst's own (a disk made from a template
   * does not get the provider's default labels: pass the team's here).
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A GPU fleet: a regional managed instance group with target size 0 that a deploy never resizes
 * (`targetSize` is ignored after creation), and the instance template its nodes come from.
 *
 * - Nodes run as the team's service account with minimal scopes (G1), have no external IP (G2),
 *   OS Login with project SSH keys blocked (G3), vTPM and integrity monitoring (G4), spot or
 *   standard scheduling with a native deadline and terminate-on-maintenance (G5), and a boot disk
 *   deleted with them (G6).
 * - The agent (launch kind `mig`) deletes an idle or expired node from its group, which lowers the
 *   group's target size; the native deadline deletes it if the agent cannot.
 * - A template change never touches running nodes: updates are OPPORTUNISTIC (only new nodes get
 *   the new template) and zones are never rebalanced. Single-node fleets take any zone with
 *   capacity (shape ANY); multi-node fleets stay in one zone (ANY_SINGLE_ZONE) with a compact
 *   placement policy.
 */
export class GpuFleet extends pulumi.ComponentResource {
  /** The managed instance group `<team>-<fleet>`. */
  readonly group: gcp.compute.RegionInstanceGroupManager;
  /** The nodes' instance template. */
  readonly template: gcp.compute.InstanceTemplate;
  /** The compact placement policy of a multi-node fleet. */
  readonly placementPolicy?: gcp.compute.ResourcePolicy;
  /** The node-to-node firewall rule of a multi-node fleet. */
  readonly nodeFirewall?: gcp.compute.Firewall;
  /** The group's name. */
  readonly groupName: string;

  constructor(name: string, args: GpuFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    const multiNode = args.multiNode ?? args.nodes > 1;
    const market = args.market ?? 'spot';
    validate(name, args, multiNode);
    super('gpu-burst:gcp:GpuFleet', name, {}, opts);
    const base = `${args.team}-${args.fleetName}`;
    this.groupName = base;
    const nodeTag = `${hostNetworkTag(args.team)}-${args.fleetName}`;
    const labels = {
      ...args.labels,
      ...hostLabels({ role: 'fleet', fleet: args.fleetName, ttlHours: args.ttlHours, idleMinutes: args.idleMinutes }),
    };

    if (multiNode) {
      this.placementPolicy = new gcp.compute.ResourcePolicy(
        `${base}-compact`,
        {
          name: `${base}-compact`,
          region: args.region,
          description: `gpu-burst ${args.team} fleet ${args.fleetName}: nodes close together (NCCL)`,
          // No vmCount: with one, exactly that many VMs must be created at once, and
          // `burst start --nodes` may ask for fewer.
          groupPlacementPolicy: { collocation: 'COLLOCATED' },
        },
        { parent: this },
      );
      this.nodeFirewall = new gcp.compute.Firewall(
        `${base}-nodes`,
        {
          name: `${base}-nodes`,
          network: args.network,
          description: `gpu-burst ${args.team} fleet ${args.fleetName}: NCCL and rendezvous between its nodes only`,
          direction: 'INGRESS',
          priority: 1000,
          sourceTags: [nodeTag],
          targetTags: [nodeTag],
          allows: [{ protocol: 'all' }],
        },
        { parent: this },
      );
    }

    const script = gcpAgentScript(
      {
        launchKind: 'mig',
        team: args.team,
        idleMinutes: args.idleMinutes,
        ttlHours: args.ttlHours,
        gpu: true,
        ...(args.command ? { trainingCommand: args.command } : {}),
      },
      args.artifactBucket,
      args.agent,
    );

    this.template = new gcp.compute.InstanceTemplate(
      base,
      {
        namePrefix: `${base}-`,
        description: `gpu-burst ${args.team} fleet ${args.fleetName}: ${args.gpus.count} x ${args.gpus.acceleratorType} per node, ${market}`,
        machineType: args.machineType,
        disks: [
          {
            boot: true,
            autoDelete: true,
            sourceImage: args.image,
            diskSizeGb: args.rootVolumeGiB,
            diskType: bootDiskTypeFor(args.machineType),
            labels,
          },
        ],
        guestAccelerators: guestAcceleratorsFor({ acceleratorType: args.gpus.acceleratorType, count: args.gpus.count, attached: args.gpus.attached }),
        scheduling: hostScheduling(market, args.ttlHours, { terminationAction: 'DELETE', gpu: true }),
        shieldedInstanceConfig: shieldedConfig(args.secureBoot ?? false),
        metadata: hostMetadata(script),
        networkInterfaces: [privateNetworkInterface(args.subnetwork, args.machineType)],
        serviceAccount: { email: args.serviceAccountEmail, scopes: [...(args.scopes ?? HOST_SCOPES)] },
        labels,
        tags: multiNode ? [hostNetworkTag(args.team), nodeTag] : [hostNetworkTag(args.team)],
        ...(this.placementPolicy ? { resourcePolicies: this.placementPolicy.name } : {}),
      },
      { parent: this },
    );

    this.group = new gcp.compute.RegionInstanceGroupManager(
      base,
      {
        name: base,
        region: args.region,
        baseInstanceName: base,
        description: `gpu-burst ${args.team} fleet ${args.fleetName}: 0 nodes at rest, up to ${args.nodes} during a burst (burst start)`,
        versions: [{ name: 'primary', instanceTemplate: this.template.id }],
        targetSize: 0,
        distributionPolicyZones: [...args.zones],
        distributionPolicyTargetShape: multiNode ? 'ANY_SINGLE_ZONE' : 'ANY',
        updatePolicy: {
          // Only VMs created later (a resize, a repair) get a new template; running nodes are never
          // restarted or replaced by a deploy.
          type: 'OPPORTUNISTIC',
          minimalAction: 'REFRESH',
          instanceRedistributionType: 'NONE',
          maxSurgeFixed: 0,
          maxUnavailableFixed: args.zones.length,
          replacementMethod: 'SUBSTITUTE',
        },
        instanceLifecyclePolicy: {
          defaultActionOnFailure: (args.repairFailedNodes ?? true) ? 'REPAIR' : 'DO_NOTHING',
          forceUpdateOnRepair: 'NO',
        },
        waitForInstances: false,
      },
      // The group's name is fixed (the CLI and the agent find it by name): a replacement must
      // delete the old group first.
      { parent: this, ignoreChanges: [...GROUP_IGNORED_CHANGES], deleteBeforeReplace: true },
    );

    this.registerOutputs({ group: this.group.name, template: this.template.name });
  }
}

function validate(name: string, args: GpuFleetArgs, multiNode: boolean): void {
  const problems: string[] = [];
  const whole = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  const base = `${args.team}-${args.fleetName}`;
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(base) || base.length > 53) {
    problems.push(`'${base}' is not a group name (at most 53 of a-z 0-9 -, so the node tag gpu-burst-${base} fits 63)`);
  }
  if (args.zones.length === 0) problems.push('zones must name at least one zone');
  for (const zone of args.zones) {
    if (!zone.startsWith(`${args.region}-`)) problems.push(`zone '${zone}' is not in region ${args.region}`);
  }
  if (multiNode && args.zones.length !== 1) problems.push(`a multi-node fleet uses one zone (compact placement), got ${args.zones.length}`);
  if (!whole(args.nodes, 1, 1000)) problems.push(`nodes must be a whole number >= 1, got ${args.nodes}`);
  if (!whole(args.gpus.count, 1, 16)) problems.push(`gpus.count must be a whole number from 1 to 16, got ${args.gpus.count}`);
  if (args.gpus.attached !== args.machineType.startsWith('n1-')) {
    problems.push(`gpus.attached is ${args.gpus.attached} but ${args.machineType} ${args.machineType.startsWith('n1-') ? 'carries GPUs only when attached' : 'fixes its own GPUs'}`);
  }
  if (!whole(args.rootVolumeGiB, 10, 65_536)) problems.push(`rootVolumeGiB must be a whole number from 10 to 65536, got ${args.rootVolumeGiB}`);
  if (!(args.ttlHours * 60 > args.idleMinutes)) problems.push(`ttlHours (${args.ttlHours}) must be longer than the idle window (${args.idleMinutes} min)`);
  if (problems.length > 0) throw new Error(`GpuFleet ${name}: ${problems.join('; ')}`);
}
