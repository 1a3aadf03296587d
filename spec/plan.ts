/**
 * The plan: what each cloud builds for a team, derived from the validated spec alone.
 *
 * Plan items are a discriminated union on `kind`. Each cloud turns every kind into resources in an
 * exhaustive switch ending in `assertNever`, so a kind one cloud forgets fails to compile instead of
 * disappearing. Items carry cloud-neutral settings in their units; cloud specifics (a GCS soft-delete
 * window) appear only on the plan of the cloud that has them, never to be silently dropped.
 *
 * `layer` says what an item outlives: `storage` items hold data and survive every teardown (AWS:
 * the <team>-storage stack, retained; GCP: protected, retained on delete); `burst` items are
 * torn down with the burst and cost nothing at rest.
 */
import { createHash } from 'node:crypto';
import {
  devBoxType,
  efaInterfacesFor,
  imageKindFor,
  trialResources,
  typesFor,
} from './aws-compute.js';
import { accelerator, findRegion, type AcceleratorId } from './catalog/index.js';
import { findTpuType, gcpDevBoxType, gcpImageKindFor, gpuMachineTypeFor, tpuZoneFor, zonesOffering } from './gcp-compute.js';
import type { AwsImageHost, GcpImageHost } from './images.js';
import { teamPrefix } from './layout.js';
import type { TeamSpec } from './schema.js';

/** What an item outlives: `storage` survives teardown, `burst` goes with it. */
export type Layer = 'storage' | 'burst';

/** The artifact bucket: checkpoints, datasets, run manifests. */
export interface ArtifactStoreItem {
  readonly kind: 'artifactStore';
  readonly layer: 'storage';
  /** Logical name, unique in the team. */
  readonly name: 'artifacts';
  /** Key prefix the team writes under (`teams/<team>/`). */
  readonly prefix: string;
  readonly noncurrentVersionDays: number;
  readonly incompleteUploadDays: number;
  /** GCP only: Cloud Storage location of the bucket. */
  readonly location?: string;
  /** GCP only: soft-delete retention, days (7 to 90). */
  readonly softDeleteDays?: number;
}

/** The registry training images are pushed to (tags immutable, untagged images expire). */
export interface ImageRepositoryItem {
  readonly kind: 'imageRepository';
  readonly layer: 'storage';
  readonly name: 'training-images';
  readonly untaggedImageDays: number;
}

/** The burst network: private subnets only, object storage reachable without NAT, no NAT at rest. */
export interface NetworkItem {
  readonly kind: 'network';
  readonly layer: 'burst';
  readonly name: 'network';
  readonly cidr: string;
  /** Zones the subnets span; undefined on AWS means "the region's first two" (Fn::GetAZs). */
  readonly zones?: readonly string[];
}

/** Idle window and hard TTL of a host (from the item, else the team's `shutdown:` defaults). */
export interface HostShutdown {
  /** Minutes every idle signal must stay quiet before the agent removes the host. */
  readonly idleMinutes: number;
  /** Hours after boot at which the host goes away whatever the signals say. */
  readonly ttlHours: number;
}

/** How a fleet buys capacity. */
export type Market = 'spot' | 'on-demand' | 'mixed';

/**
 * An AWS GPU (or Trainium) fleet: an Auto Scaling group at 0 at rest, resized by `burst start`.
 * Instance types are resolved from the catalog (or the file's override) and ordered cheapest spot
 * first.
 */
export interface AwsGpuFleetItem extends HostShutdown {
  readonly kind: 'gpuFleet';
  readonly layer: 'burst';
  /** Fleet name, unique in the team (`aws.fleets[].name`). */
  readonly name: string;
  readonly accelerator: AcceleratorId;
  /** `gpu` or `trainium`: decides the default image and whether the agent watches nvidia-smi. */
  readonly family: 'gpu' | 'trainium';
  /** Accelerators per node. */
  readonly count: number;
  /** EC2 instance types the group may launch, at least one; all carry `count` x `accelerator`. */
  readonly instanceTypes: readonly string[];
  /** vCPUs of the largest type (quota and cost figures use it). */
  readonly vCpusPerNode: number;
  /** Nodes of a full burst: the group's MaxSize and the default of `burst start --nodes`. */
  readonly nodes: number;
  /** True when nodes > 1: one AZ, a cluster placement group, EFA where `efaInterfaces` > 0. */
  readonly multiNode: boolean;
  /** EFA interfaces each node gets (the smallest count among `instanceTypes`); 0 means none. */
  readonly efaInterfaces: number;
  readonly market: Market;
  /** Instances bought on demand before any spot (market `mixed`; 0 otherwise, or nodes for on-demand). */
  readonly onDemandBase: number;
  /** Size of the encrypted gp3 root volume, GiB (deleted with the instance: data lives in the artifact store). */
  readonly rootVolumeGiB: number;
  /** The machine image every node boots. */
  readonly image: AwsImageHost;
  /** Training command (argv): when set the agent runs it and a node goes away when it exits. */
  readonly command?: readonly string[];
}

/**
 * An AWS sweep group: AWS Batch (managed spot compute environment scaling to 0 vCPU, job queue,
 * job definition). A sweep is one array job; resources do not grow with trials.
 */
export interface AwsSweepGroupItem {
  readonly kind: 'sweepGroup';
  readonly layer: 'burst';
  readonly name: string;
  readonly accelerator: AcceleratorId;
  /** GPUs per trial (the job's GPU resource requirement). */
  readonly count: number;
  /** Instance types the compute environment may launch. */
  readonly instanceTypes: readonly string[];
  /** Ceiling of the compute environment (maxvCpus); minvCpus is always 0. */
  readonly maxVCpus: number;
  /** vCPUs each trial asks for (fits the smallest type). */
  readonly vCpusPerTrial: number;
  /** Memory each trial asks for, MiB (fits the smallest type after the ECS agent's share). */
  readonly memoryMiBPerTrial: number;
  /** Hours a trial may run: the job timeout (attemptDurationSeconds). */
  readonly trialHours: number;
  /** Attempts per trial: retried on spot reclaim (host EC2 status), never on an application error. */
  readonly attempts: number;
  /** Tag of the training image in the team's repository. */
  readonly imageTag: string;
  /** Command (argv) overriding the image's entry point. */
  readonly command?: readonly string[];
}

/** The dev box: one instance with a persistent data volume, stopped (not terminated) when idle. */
export interface AwsDevBoxItem extends HostShutdown {
  readonly kind: 'devBox';
  readonly layer: 'burst';
  readonly name: 'devbox';
  readonly instanceType: string;
  /** The accelerator it carries, or undefined for a CPU box. */
  readonly accelerator?: AcceleratorId;
  /** True when the instance has NVIDIA GPUs. */
  readonly gpu: boolean;
  readonly vCpus: number;
  readonly rootVolumeGiB: number;
  /** Encrypted gp3 data volume mounted at /data, kept across stops (retained on teardown). */
  readonly dataVolumeGiB: number;
  /** A retained data volume to re-attach instead of creating one. */
  readonly dataVolumeId?: string;
  readonly image: AwsImageHost;
}

/**
 * Auto-shutdown layers (b) and (c) for the team's burst: per-burst deadlines (set by `burst start`),
 * the scheduled serverless backstop, spot interruption and rebalance rules. Layer (a), the agent,
 * is on every host.
 */
export interface AutoShutdownItem {
  readonly kind: 'autoShutdown';
  readonly layer: 'burst';
  readonly name: 'auto-shutdown';
  /** Minutes between backstop runs. */
  readonly everyMinutes: number;
  /**
   * The backstop scales a group to zero once it is older than its TTL, or idle by CloudWatch
   * metrics for this many times its idle window (the agent acts first).
   */
  readonly idleGraceFactor: number;
  /** Average CPU utilisation (percent) under which CloudWatch counts a host idle. */
  readonly idleCpuPercent: number;
}

/** Team alerts: an encrypted notification topic and a monthly AWS Budget alerting at its thresholds. */
export interface BudgetItem {
  readonly kind: 'budget';
  readonly layer: 'storage';
  readonly name: 'budget';
  readonly monthlyUsd: number;
  /** Percentages of the budget (actual spend) that alert. */
  readonly thresholdsPercent: readonly number[];
  /** Addresses subscribed to the topic and to the budget's alerts. */
  readonly emails: readonly string[];
  /** GCP only: the billing account the budget is created on. */
  readonly billingAccount?: string;
}

/** A GCP GPU fleet: an instance template and a regional managed instance group at 0 at rest. */
export interface GcpGpuFleetItem extends HostShutdown {
  readonly kind: 'gpuFleet';
  readonly layer: 'burst';
  readonly name: string;
  readonly accelerator: AcceleratorId;
  /** GPUs per node. */
  readonly count: number;
  readonly machineType: string;
  /** The `guestAccelerators` type, e.g. `nvidia-l4`. */
  readonly acceleratorType: string;
  /** True when the template attaches the GPUs (N1); false when the machine type fixes them (A2, A3, G2). */
  readonly attached: boolean;
  readonly vCpusPerNode: number;
  /** Nodes of a full burst: the most `burst start` may ask for. */
  readonly nodes: number;
  /** True when nodes > 1: one zone and a compact placement policy. */
  readonly multiNode: boolean;
  /** Zones the group distributes nodes over (one for a multi-node fleet). */
  readonly zones: readonly string[];
  readonly market: 'spot' | 'on-demand';
  readonly rootVolumeGiB: number;
  readonly image: GcpImageHost;
  readonly command?: readonly string[];
}

/** A Cloud TPU node: nothing at rest; `burst start` creates a queued resource from this spec. */
export interface GcpTpuNodeItem extends HostShutdown {
  readonly kind: 'tpuNode';
  readonly layer: 'burst';
  readonly name: string;
  readonly accelerator: AcceleratorId;
  /** TPU API accelerator type, e.g. `v5litepod-8`. */
  readonly acceleratorType: string;
  readonly chips: number;
  /** TPU VMs of the slice (more than 1: multi-host). */
  readonly hosts: number;
  readonly runtimeVersion: string;
  readonly zone: string;
  readonly spot: boolean;
  readonly command?: readonly string[];
}

/** A GCP sweep group: what Google Cloud Batch jobs of `burst sweep submit` run with. */
export interface GcpSweepGroupItem {
  readonly kind: 'sweepGroup';
  readonly layer: 'burst';
  readonly name: string;
  readonly accelerator: AcceleratorId;
  /** GPUs per trial. */
  readonly count: number;
  readonly machineType: string;
  readonly acceleratorType: string;
  readonly attached: boolean;
  /** Trials that run at once. */
  readonly parallelism: number;
  readonly trialHours: number;
  readonly attempts: number;
  readonly imageTag: string;
  readonly command?: readonly string[];
}

/** The GCP dev box: one VM and a data disk, stopped (not deleted) when idle. */
export interface GcpDevBoxItem extends HostShutdown {
  readonly kind: 'devBox';
  readonly layer: 'burst';
  readonly name: 'devbox';
  readonly machineType: string;
  readonly accelerator?: AcceleratorId;
  readonly acceleratorType?: string;
  /** GPUs (0 for a CPU box). */
  readonly count: number;
  readonly attached: boolean;
  readonly gpu: boolean;
  readonly vCpus: number;
  readonly zone: string;
  readonly rootVolumeGiB: number;
  /** Persistent data disk mounted at /data, kept across stops and retained on teardown. */
  readonly dataVolumeGiB: number;
  readonly image: GcpImageHost;
}

/** Items both clouds build. */
export type CommonPlanItem = ArtifactStoreItem | ImageRepositoryItem | NetworkItem;
/** Everything AWS can be asked to build. */
export type AwsPlanItem = CommonPlanItem | AwsGpuFleetItem | AwsSweepGroupItem | AwsDevBoxItem | AutoShutdownItem | BudgetItem;
/** Everything GCP can be asked to build. */
export type GcpPlanItem =
  | CommonPlanItem
  | GcpGpuFleetItem
  | GcpTpuNodeItem
  | GcpSweepGroupItem
  | GcpDevBoxItem
  | AutoShutdownItem
  | BudgetItem;
/** Everything a cloud can be asked to build. */
export type PlanItem = AwsPlanItem | GcpPlanItem;

/** Tags (AWS) / labels (GCP) every resource of a team carries. */
export type Tags = Readonly<Record<string, string>>;

/** What gpu-burst builds for one team on AWS. */
export interface AwsPlan {
  readonly cloud: 'aws';
  readonly team: string;
  /** `sha256:<hex>` of the validated team file: hosts record it in their run manifests. */
  readonly specHash: string;
  readonly region: string;
  readonly description: string;
  readonly tags: Tags;
  readonly items: readonly AwsPlanItem[];
}

/** What gpu-burst builds for one team on GCP. */
export interface GcpPlan {
  readonly cloud: 'gcp';
  readonly team: string;
  /** `sha256:<hex>` of the validated team file. */
  readonly specHash: string;
  readonly project: string;
  readonly region: string;
  readonly zones: readonly string[];
  readonly description: string;
  readonly tags: Tags;
  readonly items: readonly GcpPlanItem[];
}

/** A cloud's plan. */
export type CloudPlan = AwsPlan | GcpPlan;

/** A team's plans, one per cloud its file has a section for. */
export interface TeamPlan {
  readonly team: string;
  readonly file: string;
  readonly aws?: AwsPlan;
  readonly gcp?: GcpPlan;
}

/** Compile-time exhaustiveness: a switch over a union ends here. */
export function assertNever(value: never, what = 'plan item'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}

/** The tags every resource of the team carries, gpu-burst's own last so they cannot be overridden. */
export function teamTags(spec: TeamSpec): Tags {
  return { ...spec.tags, team: spec.team, 'cost-center': spec.costCenter ?? spec.team, 'managed-by': 'gpu-burst' };
}

/**
 * `sha256:<hex>` of the validated spec (defaults applied, keys sorted, the file path left out): the
 * same team file gives the same hash wherever it is checked out, and any change that alters what
 * is built changes it.
 */
export function specHash(spec: TeamSpec): string {
  const { file: _file, ...content } = spec;
  const canonical = JSON.stringify(content, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** Budget alert thresholds, percent of the monthly budget. */
export const BUDGET_THRESHOLDS_PERCENT = [50, 80, 100] as const;

/** How often the serverless backstop runs, minutes. */
export const BACKSTOP_EVERY_MINUTES = 15;

/** The dev box's idle window when neither it nor the file sets one: people think between cells. */
export const DEV_BOX_IDLE_MINUTES = 60;

type AwsSection = NonNullable<TeamSpec['aws']>;

function awsComputeItems(spec: TeamSpec, aws: AwsSection): AwsPlanItem[] {
  const region = aws.region;
  const shutdown = spec.shutdown;
  const items: AwsPlanItem[] = [];
  for (const f of aws.fleets) {
    const types = typesFor(region, f);
    const multiNode = f.nodes > 1;
    const family = accelerator(f.accelerator).family;
    items.push({
      kind: 'gpuFleet',
      layer: 'burst',
      name: f.name,
      accelerator: f.accelerator,
      family: family === 'trainium' ? 'trainium' : 'gpu',
      count: f.count,
      instanceTypes: types.map((t) => t.instanceType),
      vCpusPerNode: Math.max(0, ...types.map((t) => t.vCpus)),
      nodes: f.nodes,
      multiNode,
      efaInterfaces: efaInterfacesFor(types, multiNode, f.efa),
      market: f.market,
      onDemandBase: f.market === 'on-demand' ? f.nodes : f.market === 'mixed' ? f.onDemandBase : 0,
      rootVolumeGiB: f.diskGiB,
      image: { cloud: 'aws', region, kind: imageKindFor(f.accelerator, f.image) },
      idleMinutes: f.idleMinutes ?? shutdown.idleMinutes,
      ttlHours: f.ttlHours ?? shutdown.ttlHours,
      ...(f.command ? { command: f.command } : {}),
    });
  }
  for (const g of aws.sweeps) {
    const types = typesFor(region, g);
    const trial = trialResources(types);
    items.push({
      kind: 'sweepGroup',
      layer: 'burst',
      name: g.name,
      accelerator: g.accelerator,
      count: g.count,
      instanceTypes: types.map((t) => t.instanceType),
      maxVCpus: g.maxVCpus,
      vCpusPerTrial: trial.vCpus,
      memoryMiBPerTrial: trial.memoryMiB,
      trialHours: g.trialHours,
      attempts: g.attempts,
      imageTag: g.imageTag,
      ...(g.command ? { command: g.command } : {}),
    });
  }
  const box = aws.devBox;
  if (box) {
    const type = devBoxType(region, box);
    const carried = type?.accelerator;
    items.push({
      kind: 'devBox',
      layer: 'burst',
      name: 'devbox',
      instanceType: type?.instanceType ?? box.instanceType ?? '?',
      ...(carried ? { accelerator: carried } : {}),
      gpu: carried !== undefined && accelerator(carried).family === 'gpu',
      vCpus: type?.vCpus ?? 0,
      rootVolumeGiB: box.diskGiB,
      dataVolumeGiB: box.dataGiB,
      ...(box.dataVolumeId ? { dataVolumeId: box.dataVolumeId } : {}),
      image: { cloud: 'aws', region, kind: imageKindFor(carried, box.image) },
      idleMinutes: box.idleMinutes ?? DEV_BOX_IDLE_MINUTES,
      ttlHours: box.ttlHours ?? shutdown.ttlHours,
    });
  }
  items.push({ kind: 'autoShutdown', layer: 'burst', name: 'auto-shutdown', everyMinutes: BACKSTOP_EVERY_MINUTES, idleGraceFactor: 2, idleCpuPercent: 5 });
  return items;
}

type GcpSection = NonNullable<TeamSpec['gcp']>;

function gcpComputeItems(spec: TeamSpec, gcp: GcpSection, zones: readonly string[]): GcpPlanItem[] {
  const region = gcp.region;
  const shutdown = spec.shutdown;
  const items: GcpPlanItem[] = [];
  for (const f of gcp.fleets) {
    const type = gpuMachineTypeFor(region, f);
    const multiNode = f.nodes > 1;
    const offered = zonesOffering(type, zones);
    items.push({
      kind: 'gpuFleet',
      layer: 'burst',
      name: f.name,
      accelerator: f.accelerator,
      count: f.count,
      machineType: type?.machineType ?? f.machineType ?? '?',
      acceleratorType: type?.acceleratorType ?? '?',
      attached: type?.attached ?? false,
      vCpusPerNode: type?.vCpus ?? 0,
      nodes: f.nodes,
      multiNode,
      zones: multiNode ? offered.slice(0, 1) : offered,
      market: f.market,
      rootVolumeGiB: f.diskGiB,
      image: { cloud: 'gcp', kind: gcpImageKindFor(f.image) },
      idleMinutes: f.idleMinutes ?? shutdown.idleMinutes,
      ttlHours: f.ttlHours ?? shutdown.ttlHours,
      ...(f.command ? { command: f.command } : {}),
    });
  }
  for (const t of gcp.tpus) {
    const type = findTpuType(t.type);
    items.push({
      kind: 'tpuNode',
      layer: 'burst',
      name: t.name,
      accelerator: type?.accelerator ?? 'tpu-v5e',
      acceleratorType: t.type,
      chips: type?.chips ?? 0,
      hosts: type?.hosts ?? 1,
      runtimeVersion: t.runtimeVersion ?? type?.runtimeVersion ?? '?',
      zone: (type && tpuZoneFor(type, region, zones, t.zone)) ?? t.zone ?? '?',
      spot: t.spot,
      idleMinutes: t.idleMinutes ?? shutdown.idleMinutes,
      ttlHours: t.ttlHours ?? shutdown.ttlHours,
      ...(t.command ? { command: t.command } : {}),
    });
  }
  for (const g of gcp.sweeps) {
    const type = gpuMachineTypeFor(region, g);
    items.push({
      kind: 'sweepGroup',
      layer: 'burst',
      name: g.name,
      accelerator: g.accelerator,
      count: g.count,
      machineType: type?.machineType ?? g.machineType ?? '?',
      acceleratorType: type?.acceleratorType ?? '?',
      attached: type?.attached ?? false,
      parallelism: g.parallelism,
      trialHours: g.trialHours,
      attempts: g.attempts,
      imageTag: g.imageTag,
      ...(g.command ? { command: g.command } : {}),
    });
  }
  const box = gcp.devBox;
  if (box) {
    const type = gcpDevBoxType(region, box);
    items.push({
      kind: 'devBox',
      layer: 'burst',
      name: 'devbox',
      machineType: type?.machineType ?? box.machineType ?? '?',
      ...(type?.accelerator ? { accelerator: type.accelerator } : {}),
      ...(type?.acceleratorType ? { acceleratorType: type.acceleratorType } : {}),
      count: type?.acceleratorCount ?? 0,
      attached: type?.attached ?? false,
      gpu: (type?.acceleratorCount ?? 0) > 0,
      vCpus: type?.vCpus ?? 0,
      zone: box.zone ?? zones[0] ?? `${region}-a`,
      rootVolumeGiB: box.diskGiB,
      dataVolumeGiB: box.dataGiB,
      image: { cloud: 'gcp', kind: gcpImageKindFor(box.image) },
      idleMinutes: box.idleMinutes ?? DEV_BOX_IDLE_MINUTES,
      ttlHours: box.ttlHours ?? shutdown.ttlHours,
    });
  }
  if (gcp.billingAccount) {
    items.push({
      kind: 'budget',
      layer: 'storage',
      name: 'budget',
      monthlyUsd: spec.budget.monthlyUsd,
      thresholdsPercent: BUDGET_THRESHOLDS_PERCENT,
      emails: spec.budget.emails,
      billingAccount: gcp.billingAccount,
    });
  }
  items.push({ kind: 'autoShutdown', layer: 'burst', name: 'auto-shutdown', everyMinutes: BACKSTOP_EVERY_MINUTES, idleGraceFactor: 2, idleCpuPercent: 5 });
  return items;
}

function description(spec: TeamSpec): string {
  return spec.description ?? `gpu-burst team ${spec.team}`;
}

/** Derives what each cloud builds for a validated team. */
export function planTeam(spec: TeamSpec): TeamPlan {
  const tags = teamTags(spec);
  const hash = specHash(spec);
  const storage = {
    kind: 'artifactStore',
    layer: 'storage',
    name: 'artifacts',
    prefix: teamPrefix(spec.team),
    noncurrentVersionDays: spec.storage.noncurrentVersionDays,
    incompleteUploadDays: spec.storage.incompleteUploadDays,
  } as const;
  const images: ImageRepositoryItem = {
    kind: 'imageRepository',
    layer: 'storage',
    name: 'training-images',
    untaggedImageDays: spec.storage.untaggedImageDays,
  };

  let aws: AwsPlan | undefined;
  if (spec.aws) {
    aws = {
      cloud: 'aws',
      team: spec.team,
      specHash: hash,
      region: spec.aws.region,
      description: description(spec),
      tags,
      items: [
        storage,
        images,
        {
          kind: 'budget',
          layer: 'storage',
          name: 'budget',
          monthlyUsd: spec.budget.monthlyUsd,
          thresholdsPercent: BUDGET_THRESHOLDS_PERCENT,
          emails: spec.budget.emails,
        },
        {
          kind: 'network',
          layer: 'burst',
          name: 'network',
          cidr: spec.aws.vpcCidr,
          ...(spec.aws.availabilityZones ? { zones: spec.aws.availabilityZones } : {}),
        },
        ...awsComputeItems(spec, spec.aws),
      ],
    };
  }

  let gcp: GcpPlan | undefined;
  if (spec.gcp) {
    const zones = spec.gcp.zones ?? findRegion('gcp', spec.gcp.region)?.zones ?? [];
    gcp = {
      cloud: 'gcp',
      team: spec.team,
      specHash: hash,
      project: spec.gcp.project,
      region: spec.gcp.region,
      zones,
      description: description(spec),
      tags,
      items: [
        {
          ...storage,
          location: (spec.gcp.storage.location ?? spec.gcp.region).toUpperCase(),
          softDeleteDays: spec.gcp.storage.softDeleteDays,
        },
        images,
        { kind: 'network', layer: 'burst', name: 'network', cidr: spec.gcp.subnetCidr, zones },
        ...gcpComputeItems(spec, spec.gcp, zones),
      ],
    };
  }

  return { team: spec.team, file: spec.file, ...(aws ? { aws } : {}), ...(gcp ? { gcp } : {}) };
}
