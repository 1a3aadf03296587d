/**
 * A Cloud TPU node as gpu-burst runs it: a queued resource (Google's recommended way to ask for TPU
 * capacity) that exists only while a burst uses it. At rest nothing exists (checklist X4): the
 * {@link TpuNode} component creates no cloud resource, it records the exact CreateQueuedResource
 * request `burst start <team> <tpu>` sends, so the mocked graph and `burst plan --json` show what a
 * burst will create. {@link tpuQueuedResourceRequest} builds that request; the CLI and the component
 * share it.
 *
 * Deadlines. The TPU v2 API has no field that bounds how long a spot or on-demand queued resource (or
 * its node) runs: `queueingPolicy` bounds only the wait for capacity (`validUntilDuration`), and
 * `guaranteed.minDuration` is a minimum. A run-duration limit exists only for Flex-start
 * (`--provisioning-model=flex-start --max-run-duration`, alpha API, a different provisioning model
 * in a few zones), which gpu-burst does not use. So the hard deadline of a TPU is the backstop's
 * job, fed by the burst record `burst start` writes (and the `gpu-burst-deadline` label on the node),
 * while the on-host agent enforces the idle window and the TTL from each TPU VM.
 */
import * as pulumi from '@pulumi/pulumi';
import { renderStartupScript, type HostAgentSettings } from '../../images/agent/render.js';
import type { GcpTpuNodeItem } from '../../spec/plan.js';

/** OAuth scope of the TPU VMs: all APIs, narrowed by the team service account's IAM roles (G9). */
export const TPU_SERVICE_ACCOUNT_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** How long a queued resource may wait for capacity before it fails, minutes (capped at half the TTL). */
export const DEFAULT_TPU_QUEUE_MINUTES = 60;

/** What the component marks its request with: nothing exists until this command runs. */
export const TPU_CREATED_BY = 'burst start';

/** TPU node ids: letters, digits, `-`; gpu-burst keeps them to GCE's 63-character name limit. */
const NODE_ID = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A protobuf Duration as the client libraries take it. */
export interface ProtoDuration {
  readonly seconds: number;
}

/** The node a queued resource creates (TPU v2 `Node`, the fields gpu-burst sets). */
export interface TpuNodeBody {
  readonly description: string;
  readonly acceleratorType: string;
  readonly runtimeVersion: string;
  readonly networkConfig: { readonly network: string; readonly subnetwork: string; readonly enableExternalIps: false };
  readonly serviceAccount: { readonly email: string; readonly scope: string[] };
  readonly labels: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tags: string[];
}

/**
 * The TPU v2 CreateQueuedResource request, as `TpuClient.createQueuedResource` takes it (arrays are
 * mutable so the value is assignable to the client's own request type).
 */
export interface TpuQueuedResourceRequest {
  /** `projects/<project>/locations/<zone>`. */
  readonly parent: string;
  /** `<team>-<tpu>`. */
  readonly queuedResourceId: string;
  readonly queuedResource: {
    readonly tpu: {
      readonly nodeSpec: [{ readonly parent: string; readonly nodeId: string; readonly node: TpuNodeBody }];
    };
    /** Spot tier (omitted: on-demand). */
    readonly spot?: Record<string, never>;
    readonly queueingPolicy: { readonly validUntilDuration: ProtoDuration };
  };
}

/** Everything the request needs beyond the plan item. */
export interface TpuRequestContext {
  readonly team: string;
  readonly project: string;
  /** VPC network: a name or `projects/<p>/global/networks/<name>`. */
  readonly network: string;
  /** Subnetwork in the zone's region: a name or `projects/<p>/regions/<r>/subnetworks/<name>`. */
  readonly subnetwork: string;
  /** The team's service account (never the default compute account, G1). */
  readonly serviceAccountEmail: string;
  /** The agent's startup script ({@link tpuStartupScript}). */
  readonly startupScript: string;
  /**
   * When the burst starts: adds the `gpu-burst-deadline` label (epoch seconds of start + TTL + grace).
   * @default - no deadline label (the component records the request before any burst starts)
   */
  readonly now?: Date;
  /**
   * Team labels (team, cost-center, managed-by, the file's tags): the queued resource is created by
   * `burst start`, not Pulumi, so the provider's default labels do not reach it.
   * @default - none besides gpu-burst's own
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default - {@link tpuQueueMinutes} of the item */
  readonly queueMinutes?: number;
  /** Minutes the deadline waits past the TTL. @default 5 */
  readonly graceMinutes?: number;
}

/** `<team>-<tpu>`: the queued resource id and the node id. */
export function tpuNodeId(team: string, tpu: string): string {
  return `${team}-${tpu}`;
}

/** The region of a zone (`us-central1-a` -> `us-central1`). */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

/** Minutes the queued resource waits for capacity: {@link DEFAULT_TPU_QUEUE_MINUTES}, at most half the TTL. */
export function tpuQueueMinutes(item: Pick<GcpTpuNodeItem, 'ttlHours'>): number {
  return Math.max(1, Math.min(DEFAULT_TPU_QUEUE_MINUTES, Math.floor((item.ttlHours * 60) / 2)));
}

/** The deadline of a burst started at `now`: TTL plus grace, whole seconds. */
export function tpuDeadline(item: Pick<GcpTpuNodeItem, 'ttlHours'>, now: Date, graceMinutes = 5): Date {
  const deadline = new Date(now.getTime() + item.ttlHours * 3_600_000 + graceMinutes * 60_000);
  deadline.setUTCMilliseconds(0);
  return deadline;
}

/** Labels of a TPU node: the team's, then gpu-burst's own (role, name, TTL, idle window, deadline). */
export function tpuLabels(item: GcpTpuNodeItem, ctx: Pick<TpuRequestContext, 'labels' | 'now' | 'graceMinutes'>): Record<string, string> {
  return {
    ...ctx.labels,
    'gpu-burst-role': 'tpu',
    'gpu-burst-tpu': item.name,
    'gpu-burst-ttl-minutes': String(Math.round(item.ttlHours * 60)),
    'gpu-burst-idle-minutes': String(Math.round(item.idleMinutes)),
    ...(ctx.now ? { 'gpu-burst-deadline': String(tpuDeadline(item, ctx.now, ctx.graceMinutes).getTime() / 1000) } : {}),
  };
}

/**
 * The exact CreateQueuedResource request for a TPU node: one node spec whatever the slice size (the
 * accelerator type decides the hosts: v5litepod-16 is 4 TPU VMs), internal IPs only (the subnet has
 * Private Google Access; G2), the team's service account (G1), OS Login with project SSH keys
 * blocked (G3), the agent's startup script on every host, the spot tier when the item asks for it,
 * and a bound on the wait for capacity. Throws when the item cannot be requested.
 */
export function tpuQueuedResourceRequest(item: GcpTpuNodeItem, ctx: TpuRequestContext): TpuQueuedResourceRequest {
  const id = tpuNodeId(ctx.team, item.name);
  const problems: string[] = [];
  if (!NODE_ID.test(id)) problems.push(`node id '${id}' must be 1-63 lowercase letters, digits or '-', starting with a letter`);
  if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(item.zone)) problems.push(`zone '${item.zone}' is not a zone like us-central1-a`);
  if (!item.runtimeVersion || item.runtimeVersion === '?') problems.push('runtimeVersion is unknown');
  if (!ctx.serviceAccountEmail) problems.push('serviceAccountEmail is required (the default compute service account is never used)');
  if (problems.length > 0) throw new Error(`TPU node ${item.name}: ${problems.join('; ')}`);
  const parent = `projects/${ctx.project}/locations/${item.zone}`;
  const queueSeconds = (ctx.queueMinutes ?? tpuQueueMinutes(item)) * 60;
  return {
    parent,
    queuedResourceId: id,
    queuedResource: {
      tpu: {
        nodeSpec: [
          {
            parent,
            nodeId: id,
            node: {
              description: `gpu-burst TPU node ${item.name} of team ${ctx.team} (created by burst start, removed when idle or at its deadline)`,
              acceleratorType: item.acceleratorType,
              runtimeVersion: item.runtimeVersion,
              networkConfig: { network: ctx.network, subnetwork: ctx.subnetwork, enableExternalIps: false },
              serviceAccount: { email: ctx.serviceAccountEmail, scope: [TPU_SERVICE_ACCOUNT_SCOPE] },
              labels: tpuLabels(item, ctx),
              metadata: {
                'startup-script': ctx.startupScript,
                'enable-oslogin': 'TRUE',
                'block-project-ssh-keys': 'TRUE',
              },
              // The IAP SSH firewall rule targets this tag.
              tags: [`gpu-burst-${ctx.team}`],
            },
          },
        ],
      },
      ...(item.spot ? { spot: {} } : {}),
      queueingPolicy: { validUntilDuration: { seconds: queueSeconds } },
    },
  };
}

/** What the agent on a TPU VM needs besides the item. */
export interface TpuAgentContext {
  readonly team: string;
  /** `gs://<bucket>/teams/<team>/`. */
  readonly artifactPrefix: string;
  /** `sha256:<hex>` of the team file. */
  readonly specHash: string;
}

/** The agent's settings on every TPU VM of the node (launchKind `tpu`: it deletes the queued resource). */
export function tpuAgentSettings(item: GcpTpuNodeItem, ctx: TpuAgentContext): HostAgentSettings {
  const id = tpuNodeId(ctx.team, item.name);
  return {
    cloud: 'gcp',
    launchKind: 'tpu',
    team: ctx.team,
    artifactPrefix: ctx.artifactPrefix,
    idleMinutes: item.idleMinutes,
    ttlHours: item.ttlHours,
    gpu: false,
    tpu: { name: id, queuedResource: id },
    specHash: ctx.specHash,
    ...(item.command ? { trainingCommand: item.command } : {}),
  };
}

/** The startup script that installs the agent on each TPU VM (embedded; GCP metadata holds 256 KB). */
export function tpuStartupScript(item: GcpTpuNodeItem, ctx: TpuAgentContext): string {
  return renderStartupScript(tpuAgentSettings(item, ctx));
}

/** Arguments of a {@link TpuNode}. */
export interface TpuNodeArgs {
  /** The TPU node of the plan (type, zone, runtime, spot, idle window, TTL). */
  readonly item: GcpTpuNodeItem;
  readonly team: string;
  readonly project: string;
  /** The team's service account email. */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /** The burst network (name or id). */
  readonly network: pulumi.Input<string>;
  /** The burst subnet (name or id), in the TPU zone's region. */
  readonly subnetwork: pulumi.Input<string>;
  /** `gs://<bucket>/teams/<team>/`, for the agent. */
  readonly artifactPrefix: pulumi.Input<string>;
  /** `sha256:<hex>` of the team file, for the agent's run manifests. */
  readonly specHash: string;
  /**
   * The team's labels, copied onto the node (a queued resource does not get the provider's labels).
   * @default - none besides gpu-burst's own
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default - {@link tpuQueueMinutes} of the item */
  readonly queueMinutes?: number;
}

/**
 * A TPU node that exists only during a burst. Creates no cloud resource: it records the queued
 * resource request `burst start` sends (output `request`, marked `createdBy: 'burst start'`), so a
 * plan shows the TPU a burst will create and a deploy creates nothing billable (X4).
 */
export class TpuNode extends pulumi.ComponentResource {
  /** Always `burst start`: what creates the queued resource. */
  readonly createdBy: typeof TPU_CREATED_BY = TPU_CREATED_BY;
  /** `<team>-<tpu>`: the queued resource and node id. */
  readonly queuedResourceId: string;
  /** Zone of the slice. */
  readonly zone: string;
  /** The CreateQueuedResource request `burst start` sends (without the start-time deadline label). */
  readonly request: pulumi.Output<TpuQueuedResourceRequest>;

  constructor(name: string, args: TpuNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpu-burst:gcp:TpuNode', name, {}, opts);
    const { item, team } = args;
    this.queuedResourceId = tpuNodeId(team, item.name);
    this.zone = item.zone;
    this.request = pulumi
      .all([args.serviceAccountEmail, args.network, args.subnetwork, args.artifactPrefix])
      .apply(([serviceAccountEmail, network, subnetwork, artifactPrefix]) =>
        tpuQueuedResourceRequest(item, {
          team,
          project: args.project,
          network,
          subnetwork,
          serviceAccountEmail,
          startupScript: tpuStartupScript(item, { team, artifactPrefix, specHash: args.specHash }),
          ...(args.labels ? { labels: args.labels } : {}),
          ...(args.queueMinutes !== undefined ? { queueMinutes: args.queueMinutes } : {}),
        }),
      );
    this.registerOutputs({
      createdBy: this.createdBy,
      queuedResourceId: this.queuedResourceId,
      zone: this.zone,
      acceleratorType: item.acceleratorType,
      hosts: item.hosts,
      request: this.request,
    });
  }
}
