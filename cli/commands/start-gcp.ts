/**
 * `burst start <team> <fleet|devbox|tpu> [--nodes N] [--no-wait] [--json] [--cloud gcp]` on Google
 * Cloud. Nothing billable exists at rest (X4), so a burst starts here, through the APIs:
 *
 * - a fleet: its regional managed instance group `<team>-<fleet>` (target size 0 at rest, which
 *   `pulumi up` ignores) is resized to N;
 * - the dev box: the stopped VM `<team>-devbox` is started (its disks were kept);
 * - a TPU node: the queued resource `<team>-<tpu>` is created from the request the TpuNode
 *   component records (constructs/gcp/tpu-node.ts).
 *
 * Before anything starts, the burst record `gs://<artifact bucket>/teams/<team>/bursts/<target>.json`
 * is written with the deadline (now + TTL + grace): the backstop ends the burst there whatever the
 * hosts do. VMs also carry their own `maxRunDuration` (auto-shutdown layer b); the TPU API has none,
 * so for a TPU the record is the deadline. Clients, clock and sleep are injected, so tests run
 * against fakes without waiting. `gcpFailure` maps Google API errors to readable messages for every
 * GCP command.
 */
import type { GcpDevBoxItem, GcpGpuFleetItem, GcpPlan, GcpTpuNodeItem } from '../../spec/plan.js';
import type { TpuQueuedResourceRequest } from '../../constructs/gcp/tpu-node.js';
import { planTeam } from '../../spec/plan.js';
import { teamPrefix } from '../../spec/layout.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { didYouMean, listForMessage } from '../../spec/suggest.js';
import { columns, style } from '../output.js';
import { gcpFailure, type GcpCall } from '../gcp-errors.js';

export { GCP_CREDENTIALS, gcpFailure, quotaName, type GcpCall } from '../gcp-errors.js';

/** The target name that means the team's dev box. */
const DEVBOX = 'devbox';
/** Minutes the deadline waits past the TTL, so the agent (which uploads a checkpoint first) acts first. */
export const GCP_DEADLINE_GRACE_MINUTES = 5;
/** How often VMs and queued resources are polled. */
export const GCP_POLL_MS = 10_000;
/** How long `--wait` waits for VMs. */
export const GCP_VM_WAIT_MS = 10 * 60_000;
/**
 * How long `--wait` waits for a TPU: capacity may take longer (the queued resource waits up to its
 * queueing window), but the command should not hold a terminal for an hour.
 */
export const GCP_TPU_WAIT_MS = 20 * 60_000;

// ---------------------------------------------------------------------------------------------
// Clients (the parts of the Google clients the command uses; fakes implement the same)

/** A Compute Engine operation as a call starts it (`LROperation`: the operation is its `latestResponse`). */
export interface ComputeOperationLike {
  readonly name?: string | null;
  readonly latestResponse?: unknown;
}

/** A Compute Engine Operation resource. */
export interface ComputeOperationResource {
  readonly name?: string | null;
  readonly status?: unknown;
  readonly error?: { readonly errors?: readonly ComputeErrorLike[] | null } | null;
}

/** One error of an operation or of a managed instance's last attempt. */
export interface ComputeErrorLike {
  readonly code?: string | null;
  readonly message?: string | null;
}

/** The part of a managed instance group the command reads. */
export interface MigLike {
  readonly name?: string | null;
  readonly targetSize?: number | null;
}

/** A member of a managed instance group. */
export interface ManagedInstanceLike {
  /** URL of the VM (`.../zones/<zone>/instances/<name>`). */
  readonly instance?: string | null;
  readonly instanceStatus?: string | null;
  readonly currentAction?: string | null;
  readonly lastAttempt?: { readonly errors?: { readonly errors?: readonly ComputeErrorLike[] | null } | null } | null;
}

/** The part of a VM the command reads. */
export interface InstanceLike {
  readonly name?: string | null;
  readonly status?: string | null;
  readonly zone?: string | null;
  readonly creationTimestamp?: string | null;
  readonly networkInterfaces?: readonly { readonly networkIP?: string | null }[] | null;
}

/** A `RegionInstanceGroupManagersClient` from @google-cloud/compute. */
export interface MigClientLike {
  get(request: { project: string; region: string; instanceGroupManager: string }): Promise<[MigLike, ...unknown[]]>;
  resize(request: { project: string; region: string; instanceGroupManager: string; size: number }): Promise<[ComputeOperationLike, ...unknown[]]>;
  listManagedInstances(request: { project: string; region: string; instanceGroupManager: string }): Promise<[ManagedInstanceLike[], ...unknown[]]>;
}

/** An `InstancesClient` from @google-cloud/compute. */
export interface InstancesClientLike {
  get(request: { project: string; zone: string; instance: string }): Promise<[InstanceLike, ...unknown[]]>;
  start(request: { project: string; zone: string; instance: string }): Promise<[ComputeOperationLike, ...unknown[]]>;
}

/** A `ZoneOperationsClient` from @google-cloud/compute (to learn why a start failed). */
export interface ZoneOperationsClientLike {
  wait(request: { project: string; zone: string; operation: string }): Promise<[ComputeOperationResource, ...unknown[]]>;
}

/** A queued resource as the TPU v2 API returns it. */
export interface QueuedResourceLike {
  readonly name?: string | null;
  readonly state?: {
    readonly state?: unknown;
    readonly failedData?: { readonly error?: { readonly message?: string | null } | null } | null;
  } | null;
}

/** A TPU node as the TPU v2 API returns it. */
export interface TpuNodeLike {
  readonly state?: unknown;
  readonly networkEndpoints?: readonly { readonly ipAddress?: string | null }[] | null;
}

/** A long-running TPU operation. */
export interface TpuOperationLike {
  promise(): Promise<unknown>;
}

/** A v2 `TpuClient` from @google-cloud/tpu. */
export interface TpuClientLike {
  getQueuedResource(request: { name: string }): Promise<[QueuedResourceLike, ...unknown[]]>;
  createQueuedResource(request: TpuQueuedResourceRequest): Promise<[TpuOperationLike, ...unknown[]]>;
  deleteQueuedResource(request: { name: string; force: boolean }): Promise<[TpuOperationLike, ...unknown[]]>;
  getNode(request: { name: string }): Promise<[TpuNodeLike, ...unknown[]]>;
}

/** A bucket as `Storage.getBuckets` lists it. */
export interface BucketLike {
  readonly name: string;
  readonly metadata?: { readonly labels?: Readonly<Record<string, string | null | undefined>> | null } | null;
}

/** The part of a `Storage` client from @google-cloud/storage the command uses. */
export interface StorageLike {
  getBuckets(options: { project: string }): Promise<[BucketLike[], ...unknown[]]>;
  bucket(name: string): { file(path: string): { save(data: string, options: { contentType: string; resumable: boolean }): Promise<unknown> } };
}

/** Where the command gets its Google clients. */
export interface GcpStartClients {
  regionInstanceGroupManagers(): MigClientLike | Promise<MigClientLike>;
  instances(): InstancesClientLike | Promise<InstancesClientLike>;
  zoneOperations(): ZoneOperationsClientLike | Promise<ZoneOperationsClientLike>;
  tpu(): TpuClientLike | Promise<TpuClientLike>;
  storage(project: string): StorageLike | Promise<StorageLike>;
}

/** Everything `runStartGcp` touches outside its arguments. */
export interface GcpStartDeps {
  readonly clients: GcpStartClients;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * The team's service account email (TPU nodes run as it).
   * @default - `<teamServiceAccountId(team)>@<project>.iam.gserviceaccount.com`
   */
  readonly serviceAccountEmail?: (team: string, project: string) => string | Promise<string>;
}

/** Options of `burst start` on GCP. */
export interface GcpStartOptions {
  /** Nodes of a fleet to start. @default - the fleet's `nodes` */
  readonly nodes?: number;
  /** Wait until the hosts run and print how to reach them. @default true */
  readonly wait?: boolean;
  /** Print one JSON document (progress still goes to stderr). @default false */
  readonly json?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Targets

/** What a GCP team can start. */
export type GcpStartTarget =
  | { readonly kind: 'fleet'; readonly name: string; readonly item: GcpGpuFleetItem }
  | { readonly kind: 'devbox'; readonly name: typeof DEVBOX; readonly item: GcpDevBoxItem }
  | { readonly kind: 'tpu'; readonly name: string; readonly item: GcpTpuNodeItem };

/** The fleets, TPU nodes and dev box of a GCP plan, by target name (a fleet named `devbox` yields to the dev box). */
export function gcpStartTargets(plan: GcpPlan | undefined): GcpStartTarget[] {
  const targets: GcpStartTarget[] = [];
  for (const item of plan?.items ?? []) {
    if (item.kind === 'gpuFleet') targets.push({ kind: 'fleet', name: item.name, item });
    else if (item.kind === 'tpuNode') targets.push({ kind: 'tpu', name: item.name, item });
    else if (item.kind === 'devBox') targets.push({ kind: 'devbox', name: DEVBOX, item });
  }
  return targets;
}

/** True when the team's gcp section has a target of this name. */
export function hasGcpTarget(spec: TeamSpec, target: string): boolean {
  return gcpStartTargets(planTeam(spec).gcp).some((t) => t.name === target);
}

/**
 * Which cloud `burst start` acts on: `--cloud` when given; else the only cloud the team has; else
 * AWS when its section has the target (AWS wins a name both have), else GCP when its section has it.
 */
export function pickStartCloud(spec: TeamSpec, target: string, opts: { cloud?: 'aws' | 'gcp'; awsTargets: readonly string[] }): 'aws' | 'gcp' {
  if (opts.cloud) {
    if (!spec[opts.cloud]) throw new UserError(`team ${spec.team} has no ${opts.cloud}: section in ${spec.file}; drop --cloud ${opts.cloud}`);
    return opts.cloud;
  }
  if (!spec.gcp) return 'aws';
  if (!spec.aws) return 'gcp';
  if (opts.awsTargets.includes(target)) return 'aws';
  const gcpNames = gcpStartTargets(planTeam(spec).gcp).map((t) => t.name);
  if (gcpNames.includes(target)) return 'gcp';
  const all = [...new Set([...opts.awsTargets, ...gcpNames])];
  throw new UserError(`team ${spec.team} has nothing named '${target}' to start${didYouMean(target, all)} (aws: ${listForMessage([...opts.awsTargets]) || 'none'}; gcp: ${listForMessage(gcpNames) || 'none'})`);
}

/** A validated request. */
export interface GcpStartRequest {
  readonly target: GcpStartTarget;
  readonly nodes: number;
}

/** Checks the target and `--nodes` against the team file; every error says what would be right. */
export function resolveGcpStart(spec: TeamSpec, target: string, nodes: number | undefined): GcpStartRequest {
  const targets = gcpStartTargets(planTeam(spec).gcp);
  const names = targets.map((t) => t.name);
  const found = targets.find((t) => t.name === target && (target !== DEVBOX || t.kind === 'devbox')) ?? targets.find((t) => t.name === target);
  if (!found) {
    if (target === DEVBOX) {
      throw new UserError(
        `team ${spec.team} has no dev box; add gcp.devBox to ${spec.file} and deploy (pulumi up -s ${spec.team})` +
          (names.length > 0 ? `, or start one of ${listForMessage(names)}` : ''),
      );
    }
    if (names.length === 0) {
      throw new UserError(`team ${spec.team} has no fleets, TPU nodes or dev box in ${spec.file}; add gcp.fleets, gcp.tpus or gcp.devBox, deploy, then start`);
    }
    throw new UserError(`team ${spec.team} has no fleet or TPU node '${target}'${didYouMean(target, names)} (it can start ${listForMessage(names)})`);
  }
  if (found.kind === 'devbox') {
    if (nodes !== undefined) throw new UserError('--nodes does not apply to the dev box (it is one VM); drop --nodes');
    return { target: found, nodes: 1 };
  }
  if (found.kind === 'tpu') {
    if (nodes !== undefined) {
      throw new UserError(
        `--nodes does not apply to TPU node '${found.name}': its type sets the hosts (${found.item.acceleratorType} is ${found.item.hosts} TPU VM${found.item.hosts === 1 ? '' : 's'}); drop --nodes`,
      );
    }
    return { target: found, nodes: found.item.hosts };
  }
  const max = found.item.nodes;
  if (nodes === undefined) return { target: found, nodes: max };
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > max) {
    const more = Number.isInteger(nodes) && nodes > max ? `; to run more, raise nodes of fleet '${found.name}' in ${spec.file} and deploy (pulumi up -s ${spec.team})` : '';
    throw new UserError(`--nodes must be a whole number from 1 to ${max} for fleet '${found.name}' (nodes: ${max}); got ${nodes}${more}`);
  }
  return { target: found, nodes };
}

// ---------------------------------------------------------------------------------------------
// Report

/** A host the burst runs on. */
export interface GcpStartedHost {
  readonly name: string;
  readonly zone: string;
  readonly internalIp: string;
  /** Multi-node fleets: torchrun `--node-rank` (creation order). */
  readonly nodeRank?: number;
  /** TPU VMs: the worker index `--worker` takes. */
  readonly worker?: number;
  /** A shell through IAP. */
  readonly ssh: string;
  /** Dev box: forwards Jupyter to http://localhost:8888. */
  readonly jupyter?: string;
}

/** The burst record the backstop reads. */
export interface BurstRecord {
  readonly target: string;
  readonly kind: 'fleet' | 'devbox' | 'tpu';
  readonly nodes: number;
  readonly startedAt: string;
  readonly deadline: string;
  readonly team: string;
  readonly cloud: 'gcp';
  /** The MIG, VM or queued resource the backstop acts on. */
  readonly resource: string;
  /** Its region (MIG) or zone (VM, TPU). */
  readonly location: string;
}

/** What `burst start` did on GCP; `--json` prints it. */
export interface GcpStartReport {
  readonly team: string;
  readonly cloud: 'gcp';
  readonly project: string;
  readonly target: string;
  readonly kind: 'fleet' | 'devbox' | 'tpu';
  readonly region: string;
  /** Zone of the dev box or TPU. */
  readonly zone?: string;
  /** VMs asked for (TPU: the slice's hosts). */
  readonly desiredCapacity: number;
  /** Nodes of a full burst. */
  readonly nodes: number;
  readonly deadline: string;
  readonly deadlineBy: string;
  /** `gs://.../teams/<team>/bursts/<target>.json`. */
  readonly burstRecord: string;
  readonly idleMinutes: number;
  readonly ttlHours: number;
  readonly managedInstanceGroup?: string;
  readonly instanceName?: string;
  readonly queuedResource?: string;
  readonly acceleratorType?: string;
  /** TPU: the queued resource's state when the command returned. */
  readonly state?: string;
  readonly alreadyRunning?: boolean;
  readonly waited: boolean;
  readonly hosts: readonly GcpStartedHost[];
  /** TPU: runs a command on every TPU VM. */
  readonly runOnAll?: string;
  readonly torchrun?: string;
  readonly stopNow: string;
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** What `burst start` prints for a person. */
export function renderGcpStartReport(r: GcpStartReport): string {
  const deadline = formatTime(new Date(r.deadline));
  const what =
    r.kind === 'fleet'
      ? `fleet ${r.target} of team ${r.team} in ${r.region}: ${r.desiredCapacity} of ${r.nodes} node${r.nodes === 1 ? '' : 's'} (managed instance group ${r.managedInstanceGroup})`
      : r.kind === 'devbox'
        ? `dev box ${r.instanceName} of team ${r.team} in ${r.zone}${r.alreadyRunning ? ' (already running)' : ''}`
        : `TPU node ${r.target} of team ${r.team} in ${r.zone}: ${r.acceleratorType}, ${r.nodes} TPU VM${r.nodes === 1 ? '' : 's'} (queued resource ${r.queuedResource}${r.state ? `, ${r.state}` : ''})`;
  const lines = [
    `${style.ok('started')}  ${what}`,
    ...columns(
      [
        ['egress', 'none: internal IPs only; Google APIs and Cloud Storage through Private Google Access'],
        ['deadline', `${deadline}: ${r.deadlineBy}, whatever the agent does`],
        ['record', r.burstRecord],
      ],
      '  ',
    ),
  ];
  if (!r.waited) {
    const watch =
      r.kind === 'fleet'
        ? `gcloud compute instance-groups managed list-instances ${r.managedInstanceGroup} --region ${r.region} --project ${r.project}`
        : r.kind === 'devbox'
          ? `gcloud compute instances describe ${r.instanceName} --zone ${r.zone} --project ${r.project}`
          : `gcloud compute tpus queued-resources describe ${r.queuedResource} --zone ${r.zone} --project ${r.project}`;
    lines.push('', `Not waiting (--no-wait): the hosts are starting. Watch: ${watch}`);
  } else {
    const header = r.kind === 'tpu' ? ['worker', 'node', 'zone', 'internal IP'] : r.torchrun ? ['node', 'VM', 'zone', 'internal IP'] : ['VM', 'zone', 'internal IP'];
    const rows = r.hosts.map((h) =>
      r.kind === 'tpu'
        ? [String(h.worker ?? ''), h.name, h.zone, h.internalIp]
        : r.torchrun
          ? [String(h.nodeRank ?? ''), h.name, h.zone, h.internalIp]
          : [h.name, h.zone, h.internalIp],
    );
    lines.push('', ...columns([header, ...rows], '  '));
    lines.push('', 'Connect (SSH through IAP; OS Login):');
    for (const ssh of [...new Set(r.hosts.map((h) => h.ssh))]) lines.push(`  ${ssh}`);
    if (r.runOnAll) lines.push('', 'Run a command on every TPU VM of the slice:', `  ${r.runOnAll}`);
    const jupyter = r.hosts.find((h) => h.jupyter)?.jupyter;
    if (jupyter) lines.push('', 'Jupyter (bound to localhost on the box): forward the port through IAP, then open http://localhost:8888', `  ${jupyter}`);
  }
  if (r.torchrun) {
    lines.push('', `Multi-node: run this on every node with its node rank (the node column above); MASTER_ADDR is node 0's internal IP:`, `  ${r.torchrun}`);
  }
  const idle =
    r.kind === 'fleet'
      ? `the agent deletes a VM from the group once it has been idle for ${r.idleMinutes} minutes; each VM stops ${r.ttlHours} h after it starts (maxRunDuration)`
      : r.kind === 'devbox'
        ? `the agent stops the dev box once it has been idle for ${r.idleMinutes} minutes (its disks stay); it stops ${r.ttlHours} h after it starts (maxRunDuration)`
        : `the agent deletes the queued resource once the TPU has been idle for ${r.idleMinutes} minutes or ${r.ttlHours} h after it boots`;
  lines.push('', `How it ends: ${idle}; at ${deadline} the backstop ends it whatever runs.`, `Stop it now: ${r.stopNow}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Starting

/** What every step needs. */
interface Ctx {
  readonly team: string;
  readonly project: string;
  readonly region: string;
  readonly deps: GcpStartDeps;
  readonly progress: (key: string, text: string) => void;
}

async function call<T>(ctx: Ctx, action: string, fn: () => Promise<T>, extra: Omit<GcpCall, 'action' | 'team'> = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw gcpFailure(err, { action, team: ctx.team, ...extra });
  }
}

/** Progress on stderr: a line when the state changes, else at most one every 30 s. */
function progressPrinter(deps: GcpStartDeps): (key: string, text: string) => void {
  let lastKey: string | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (key, text) => {
    const t = deps.now().getTime();
    if (key === lastKey && t - lastAt < 30_000) return;
    lastKey = key;
    lastAt = t;
    deps.stderr(style.dim(`${text}\n`));
  };
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 5 || code === 404 || /was not found|NOT_FOUND/.test((err as { message?: string } | null)?.message ?? '');
}

function lastSegment(url: string | null | undefined): string {
  return (url ?? '').split('/').pop() ?? '';
}

function sshCommand(vm: string, zone: string, project: string): string {
  return `gcloud compute ssh ${vm} --zone ${zone} --tunnel-through-iap --project ${project}`;
}

/** Finds the team's artifact bucket: labelled team=<team> and gpu-burst-role=artifacts. */
async function artifactBucket(storage: StorageLike, ctx: Ctx): Promise<string> {
  const [buckets] = await call(ctx, 'storage.buckets.list', () => storage.getBuckets({ project: ctx.project }));
  const mine = buckets.filter((b) => b.metadata?.labels?.['team'] === ctx.team && b.metadata?.labels?.['gpu-burst-role'] === 'artifacts');
  const [bucket, ...more] = mine;
  if (!bucket) {
    throw new UserError(
      `project ${ctx.project} has no artifact bucket labelled team=${ctx.team} and gpu-burst-role=artifacts; deploy first: pulumi up -s ${ctx.team}`,
    );
  }
  if (more.length > 0) {
    throw new UserError(
      `${mine.length} buckets in ${ctx.project} are labelled team=${ctx.team} and gpu-burst-role=artifacts (${listForMessage(mine.map((b) => b.name))}); ` +
        'burst start needs exactly one: remove the label from the stray bucket',
    );
  }
  return bucket.name;
}

/** Writes the burst record; returns its gs:// URL. */
async function writeRecord(storage: StorageLike, bucket: string, record: BurstRecord, ctx: Ctx): Promise<string> {
  const path = `${teamPrefix(ctx.team)}bursts/${record.target}.json`;
  await call(ctx, 'storage.objects.create', () =>
    storage.bucket(bucket).file(path).save(`${JSON.stringify(record, null, 2)}\n`, { contentType: 'application/json', resumable: false }),
  );
  return `gs://${bucket}/${path}`;
}

/** Starts a burst on GCP and returns what happened; progress goes to `deps.stderr`. */
export async function startGcpBurst(spec: TeamSpec, target: string, opts: GcpStartOptions, deps: GcpStartDeps): Promise<GcpStartReport> {
  const plan = planTeam(spec).gcp;
  if (!plan) throw new UserError(`team ${spec.team} has no gcp: section in ${spec.file}; burst start on GCP needs a deployed Pulumi stack`);
  const request = resolveGcpStart(spec, target, opts.nodes);
  const ctx: Ctx = { team: spec.team, project: plan.project, region: plan.region, deps, progress: progressPrinter(deps) };
  const startedAt = deps.now();
  startedAt.setUTCMilliseconds(0);
  const ttlHours = request.target.item.ttlHours;
  const deadline = new Date(startedAt.getTime() + ttlHours * 3_600_000 + GCP_DEADLINE_GRACE_MINUTES * 60_000);
  const storage = await deps.clients.storage(plan.project);
  const bucket = await artifactBucket(storage, ctx);
  const times = { startedAt, deadline };
  const t = request.target;
  if (t.kind === 'fleet') return startFleet(t.item, request.nodes, storage, bucket, times, opts, ctx);
  if (t.kind === 'devbox') return startDevBox(t.item, storage, bucket, times, opts, ctx);
  return startTpu(t.item, plan, storage, bucket, times, opts, ctx);
}

interface Times {
  readonly startedAt: Date;
  readonly deadline: Date;
}

function baseReport(ctx: Ctx, item: { idleMinutes: number; ttlHours: number }, times: Times) {
  return {
    team: ctx.team,
    cloud: 'gcp' as const,
    project: ctx.project,
    region: ctx.region,
    deadline: times.deadline.toISOString(),
    idleMinutes: item.idleMinutes,
    ttlHours: item.ttlHours,
  };
}

// --- fleets

/** The operation resource of a started call (a fake may give it directly). */
function operationResource(op: ComputeOperationLike | ComputeOperationResource | undefined): ComputeOperationResource | undefined {
  return ((op as ComputeOperationLike | undefined)?.latestResponse ?? op) as ComputeOperationResource | undefined;
}

function operationErrors(op: ComputeOperationResource | undefined): ComputeErrorLike[] {
  return [...(op?.error?.errors ?? [])];
}

/** A quota error among Compute errors, as a UserError naming the quota. */
function quotaError(errors: readonly ComputeErrorLike[], action: string, giveUp: string): UserError | undefined {
  const quota = errors.find((e) => e.code === 'QUOTA_EXCEEDED' || /quota/i.test(e.message ?? ''));
  if (!quota) return undefined;
  const message = quota.message ?? quota.code ?? '';
  const failure = gcpFailure({ code: 8, message: /exceed/i.test(message) ? message : `quota exceeded: ${message}` }, action) as UserError;
  return new UserError(`${failure.message}. ${giveUp}`);
}

async function startFleet(
  fleet: GcpGpuFleetItem,
  nodes: number,
  storage: StorageLike,
  bucket: string,
  times: Times,
  opts: GcpStartOptions,
  ctx: Ctx,
): Promise<GcpStartReport> {
  const { deps, project, region } = ctx;
  const migs = await deps.clients.regionInstanceGroupManagers();
  const name = `${ctx.team}-${fleet.name}`;
  const ref = { project, region, instanceGroupManager: name };
  const [group] = await call(ctx, 'compute.instanceGroupManagers.get', () => migs.get(ref), {
    notFound: `the managed instance group ${name} does not exist in ${region}; deploy first: pulumi up -s ${ctx.team}`,
  });
  const running = group.targetSize ?? 0;
  const stopNow = `gcloud compute instance-groups managed resize ${name} --size 0 --region ${region} --project ${project}`;
  if (running > nodes) {
    throw new UserError(
      `fleet ${fleet.name} already runs ${running} nodes; burst start does not shrink a running burst (that would delete ` +
        `${running - nodes} VM${running - nodes === 1 ? '' : 's'} mid-training): start it with --nodes ${running}, or shrink it yourself ` +
        `(gcloud compute instance-groups managed resize ${name} --size ${nodes} --region ${region} --project ${project})`,
    );
  }
  // The record first: a burst never runs without a deadline the backstop knows.
  const record = await writeRecord(
    storage,
    bucket,
    { target: fleet.name, kind: 'fleet', nodes, startedAt: times.startedAt.toISOString(), deadline: times.deadline.toISOString(), team: ctx.team, cloud: 'gcp', resource: name, location: region },
    ctx,
  );
  const [op] = await call(ctx, 'compute.instanceGroupManagers.update', () => migs.resize({ ...ref, size: nodes }));
  const failed = operationErrors(operationResource(op));
  if (failed.length > 0) {
    throw quotaError(failed, 'compute.instanceGroupManagers.update', `Give up: ${stopNow}`) ??
      new UserError(`resizing ${name} failed: ${failed.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
  }
  deps.stderr(style.dim(`${name}: target size ${nodes} (was ${running}); deadline ${formatTime(times.deadline)}\n`));

  let hosts: GcpStartedHost[] = [];
  if (opts.wait !== false) {
    const urls = await waitForGroup(migs, ref, fleet.name, nodes, stopNow, ctx);
    const instances = await deps.clients.instances();
    const vms: InstanceLike[] = [];
    for (const url of urls) {
      const zone = /\/zones\/([^/]+)\//.exec(url)?.[1] ?? '';
      const [vm] = await call(ctx, 'compute.instances.get', () => instances.get({ project, zone, instance: lastSegment(url) }));
      vms.push({ ...vm, zone: vm.zone ?? zone, name: vm.name ?? lastSegment(url) });
    }
    vms.sort((a, b) => (a.creationTimestamp ?? '').localeCompare(b.creationTimestamp ?? '') || (a.name ?? '').localeCompare(b.name ?? ''));
    hosts = vms.map((vm, rank) => {
      const zone = lastSegment(vm.zone);
      return {
        name: vm.name ?? '',
        zone,
        internalIp: vm.networkInterfaces?.[0]?.networkIP ?? '',
        ...(fleet.multiNode ? { nodeRank: rank } : {}),
        ssh: sshCommand(vm.name ?? '', zone, project),
      };
    });
  }
  const master = hosts[0]?.internalIp ?? '<internal IP of node 0>';
  return {
    ...baseReport(ctx, fleet, times),
    target: fleet.name,
    kind: 'fleet',
    desiredCapacity: nodes,
    nodes: fleet.nodes,
    deadlineBy: `the backstop resizes ${name} to 0 (burst record)`,
    burstRecord: record,
    managedInstanceGroup: name,
    waited: opts.wait !== false,
    hosts,
    ...(fleet.multiNode
      ? { torchrun: `torchrun --nnodes ${nodes} --nproc-per-node ${fleet.count} --node-rank <rank> --master-addr ${master} --master-port 29500 train.py` }
      : {}),
    stopNow,
  };
}

/** Polls the group until `nodes` VMs run; returns their URLs. */
async function waitForGroup(
  migs: MigClientLike,
  ref: { project: string; region: string; instanceGroupManager: string },
  fleet: string,
  nodes: number,
  stopNow: string,
  ctx: Ctx,
): Promise<string[]> {
  const started = ctx.deps.now().getTime();
  for (;;) {
    const [members] = await call(ctx, 'compute.instanceGroupManagers.get', () => migs.listManagedInstances(ref));
    const running = members.filter((m) => m.instanceStatus === 'RUNNING' && (m.currentAction ?? 'NONE') === 'NONE').map((m) => m.instance ?? '');
    if (running.length >= nodes) return running;
    const errors = members.flatMap((m) => [...(m.lastAttempt?.errors?.errors ?? [])]);
    const quota = quotaError(errors, `creating VMs of fleet ${fleet}`, `The group keeps asking for ${nodes} VMs; to give up: ${stopNow}`);
    if (quota) throw quota;
    const waited = ctx.deps.now().getTime() - started;
    const last = errors[0] ? ` (last error: ${errors[0].code}: ${errors[0].message})` : '';
    if (waited >= GCP_VM_WAIT_MS) {
      throw new UserError(
        `after ${elapsed(waited)} ${running.length} of ${nodes} VMs of fleet ${fleet} run; the group keeps trying${last} and the deadline still holds. ` +
          `Watch it: gcloud compute instance-groups managed list-instances ${ref.instanceGroupManager} --region ${ref.region} --project ${ref.project}`,
      );
    }
    ctx.progress(`${running.length}/${members.length}${last}`, `fleet ${fleet}: ${running.length} of ${nodes} VMs running, ${members.length - running.length} starting${last} (${elapsed(waited)})`);
    await ctx.deps.sleep(GCP_POLL_MS);
  }
}

// --- the dev box

async function startDevBox(box: GcpDevBoxItem, storage: StorageLike, bucket: string, times: Times, opts: GcpStartOptions, ctx: Ctx): Promise<GcpStartReport> {
  const { deps, project } = ctx;
  const zone = box.zone;
  const name = `${ctx.team}-devbox`;
  const ref = { project, zone, instance: name };
  const instances = await deps.clients.instances();
  const get = async () => (await call(ctx, 'compute.instances.get', () => instances.get(ref), { notFound: `the dev box ${name} does not exist in ${zone}; deploy first: pulumi up -s ${ctx.team}` }))[0];
  let vm = await get();
  let status = vm.status ?? 'UNKNOWN';
  if (status === 'SUSPENDED' || status === 'SUSPENDING') {
    throw new UserError(`the dev box ${name} is ${status}; resume it: gcloud compute instances resume ${name} --zone ${zone} --project ${project}`);
  }
  if (status === 'REPAIRING') throw new UserError(`the dev box ${name} is being repaired by Compute Engine; run burst start again in a few minutes`);
  const record = await writeRecord(
    storage,
    bucket,
    { target: DEVBOX, kind: 'devbox', nodes: 1, startedAt: times.startedAt.toISOString(), deadline: times.deadline.toISOString(), team: ctx.team, cloud: 'gcp', resource: name, location: zone },
    ctx,
  );
  const started = deps.now().getTime();
  while (status === 'STOPPING') {
    if (deps.now().getTime() - started >= GCP_VM_WAIT_MS) {
      throw new UserError(`the dev box ${name} is still stopping after ${elapsed(GCP_VM_WAIT_MS)}; run burst start again once it has stopped`);
    }
    ctx.progress('stopping', `the dev box ${name} is stopping; waiting to start it again...`);
    await deps.sleep(GCP_POLL_MS);
    vm = await get();
    status = vm.status ?? 'UNKNOWN';
  }
  const alreadyRunning = !(status === 'TERMINATED' || status === 'STOPPED');
  if (!alreadyRunning) {
    const [op] = await call(ctx, 'compute.instances.start', () => instances.start(ref));
    await waitForZoneOperation(op, zone, `starting the dev box ${name}`, ctx);
    deps.stderr(style.dim(`dev box ${name}: starting; deadline ${formatTime(times.deadline)}\n`));
  } else {
    deps.stderr(style.dim(`dev box ${name} is already ${status}; its deadline moves to ${formatTime(times.deadline)}\n`));
  }
  let hosts: GcpStartedHost[] = [];
  if (opts.wait !== false) {
    const waitedFrom = deps.now().getTime();
    if (!alreadyRunning) vm = await get();
    while (vm.status !== 'RUNNING') {
      const waited = deps.now().getTime() - waitedFrom;
      if (waited >= GCP_VM_WAIT_MS) {
        throw new UserError(`the dev box ${name} is still ${vm.status ?? 'UNKNOWN'} after ${elapsed(waited)}; check it: gcloud compute instances describe ${name} --zone ${zone} --project ${project}`);
      }
      ctx.progress(vm.status ?? '', `dev box ${name}: ${vm.status ?? 'UNKNOWN'} (${elapsed(waited)})`);
      await deps.sleep(GCP_POLL_MS);
      vm = await get();
    }
    hosts = [
      {
        name,
        zone,
        internalIp: vm.networkInterfaces?.[0]?.networkIP ?? '',
        ssh: sshCommand(name, zone, project),
        jupyter: `gcloud compute start-iap-tunnel ${name} 8888 --local-host-port=localhost:8888 --zone ${zone} --project ${project}`,
      },
    ];
  }
  return {
    ...baseReport(ctx, box, times),
    target: DEVBOX,
    kind: 'devbox',
    zone,
    desiredCapacity: 1,
    nodes: 1,
    deadlineBy: `the backstop stops ${name} (burst record)`,
    burstRecord: record,
    instanceName: name,
    alreadyRunning,
    waited: opts.wait !== false,
    hosts,
    stopNow: `gcloud compute instances stop ${name} --zone ${zone} --project ${project}`,
  };
}

/** Waits for a zonal operation (a start) to finish; its failure (no capacity, quota) becomes a UserError. */
async function waitForZoneOperation(op: ComputeOperationLike | undefined, zone: string, what: string, ctx: Ctx): Promise<void> {
  let current = operationResource(op);
  const name = current?.name ?? op?.name;
  if (name) {
    const operations = await ctx.deps.clients.zoneOperations();
    const started = ctx.deps.now().getTime();
    while (current?.status !== 'DONE' && ctx.deps.now().getTime() - started < GCP_VM_WAIT_MS) {
      [current] = await call(ctx, 'compute.zoneOperations.get', () => operations.wait({ project: ctx.project, zone, operation: name }));
    }
  }
  const errors = operationErrors(current);
  if (errors.length === 0) return;
  const quota = quotaError(errors, what, '');
  if (quota) throw quota;
  const pool = errors.find((e) => /RESOURCE_POOL_EXHAUSTED|STOCKOUT|resource_availability/i.test(`${e.code} ${e.message}`));
  if (pool) {
    throw new UserError(`${what} failed: zone ${zone} has no capacity for it right now (${pool.code}: ${pool.message}); try again later or move it to another zone`);
  }
  throw new UserError(`${what} failed: ${errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
}

// --- TPU nodes

const QR_STATES = ['STATE_UNSPECIFIED', 'CREATING', 'ACCEPTED', 'PROVISIONING', 'FAILED', 'DELETING', 'ACTIVE', 'SUSPENDING', 'SUSPENDED', 'WAITING_FOR_RESOURCES'];

/** A queued resource's state as a name (the client may give the enum's number). */
export function queuedResourceState(qr: QueuedResourceLike | undefined): string {
  const s = qr?.state?.state;
  if (typeof s === 'number') return QR_STATES[s] ?? String(s);
  return typeof s === 'string' ? s : 'STATE_UNSPECIFIED';
}

async function defaultServiceAccountEmail(team: string, project: string): Promise<string> {
  const { teamServiceAccountId } = await import('../../constructs/gcp/team-identity.js');
  return `${teamServiceAccountId(team)}@${project}.iam.gserviceaccount.com`;
}

/** The burst network's names: the Pulumi program names both the VPC and its subnet `<team>-burst`. */
export function burstNetworkPaths(team: string, project: string, region: string): { network: string; subnetwork: string } {
  return {
    network: `projects/${project}/global/networks/${team}-burst`,
    subnetwork: `projects/${project}/regions/${region}/subnetworks/${team}-burst`,
  };
}

async function startTpu(item: GcpTpuNodeItem, plan: GcpPlan, storage: StorageLike, bucket: string, times: Times, opts: GcpStartOptions, ctx: Ctx): Promise<GcpStartReport> {
  const { deps, project } = ctx;
  const tpuNode = await import('../../constructs/gcp/tpu-node.js');
  const id = tpuNode.tpuNodeId(ctx.team, item.name);
  const zone = item.zone;
  if (tpuNode.regionOfZone(zone) !== ctx.region) {
    throw new UserError(
      `TPU node ${item.name} is in ${zone}, outside the team's region ${ctx.region} where the burst subnet is; pick a zone of ${ctx.region} (gcp.tpus[].zone) that offers ${item.acceleratorType}`,
    );
  }
  const parent = `projects/${project}/locations/${zone}`;
  const qrName = `${parent}/queuedResources/${id}`;
  const deleteNow = `gcloud compute tpus queued-resources delete ${id} --zone ${zone} --force --project ${project}`;
  const tpu = await deps.clients.tpu();
  let existing: QueuedResourceLike | undefined;
  try {
    [existing] = await tpu.getQueuedResource({ name: qrName });
  } catch (err) {
    if (!isNotFound(err)) throw gcpFailure(err, { action: 'tpu.queuedResources.get', team: ctx.team });
  }
  if (existing) {
    const state = queuedResourceState(existing);
    if (state !== 'FAILED' && state !== 'SUSPENDED') {
      throw new UserError(
        `the queued resource ${id} already exists in ${zone} (${state}): a TPU burst of ${item.name} is running or waiting for capacity. ` +
          `Use it, or delete it first: ${deleteNow}`,
      );
    }
    // A finished request keeps its id: remove it so the new one can take it.
    deps.stderr(style.dim(`removing the ${state} queued resource ${id} left by an earlier burst...\n`));
    const [op] = await call(ctx, 'tpu.queuedResources.delete', () => tpu.deleteQueuedResource({ name: qrName, force: true }));
    await call(ctx, 'tpu.queuedResources.delete', () => op.promise());
  }
  const artifactPrefix = `gs://${bucket}/${teamPrefix(ctx.team)}`;
  const serviceAccountEmail = await (deps.serviceAccountEmail ?? defaultServiceAccountEmail)(ctx.team, project);
  let request: TpuQueuedResourceRequest;
  try {
    request = tpuNode.tpuQueuedResourceRequest(item, {
      team: ctx.team,
      project,
      ...burstNetworkPaths(ctx.team, project, ctx.region),
      serviceAccountEmail,
      startupScript: tpuNode.tpuStartupScript(item, { team: ctx.team, artifactPrefix, specHash: plan.specHash }),
      now: times.startedAt,
      labels: plan.tags,
      graceMinutes: GCP_DEADLINE_GRACE_MINUTES,
    });
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const record = await writeRecord(
    storage,
    bucket,
    { target: item.name, kind: 'tpu', nodes: item.hosts, startedAt: times.startedAt.toISOString(), deadline: times.deadline.toISOString(), team: ctx.team, cloud: 'gcp', resource: id, location: zone },
    ctx,
  );
  const created = await call(ctx, 'tpu.queuedResources.create', async () => {
    const [op] = await tpu.createQueuedResource(request);
    return op.promise();
  }, { needs: `tpu.queuedResources.create and tpu.nodes.create in ${project}, and iam.serviceAccounts.actAs on ${serviceAccountEmail}` });
  const first = (Array.isArray(created) ? created[0] : created) as QueuedResourceLike | undefined;
  let state = queuedResourceState(first);
  deps.stderr(style.dim(`queued resource ${id}: ${state}; deadline ${formatTime(times.deadline)}\n`));

  let hosts: GcpStartedHost[] = [];
  const ssh = `gcloud compute tpus tpu-vm ssh ${id} --zone ${zone} --tunnel-through-iap --project ${project}`;
  if (opts.wait !== false) {
    const queueEnds = new Date(times.startedAt.getTime() + tpuNode.tpuQueueMinutes(item) * 60_000);
    state = await waitForTpu(tpu, qrName, id, zone, queueEnds, deleteNow, ctx);
    const [node] = await call(ctx, 'tpu.nodes.get', () => tpu.getNode({ name: `${parent}/nodes/${id}` }));
    hosts = (node.networkEndpoints ?? []).map((endpoint, worker) => ({
      name: id,
      zone,
      internalIp: endpoint.ipAddress ?? '',
      worker,
      ssh: `${ssh} --worker=${worker}`,
    }));
  }
  return {
    ...baseReport(ctx, item, times),
    target: item.name,
    kind: 'tpu',
    zone,
    desiredCapacity: item.hosts,
    nodes: item.hosts,
    deadlineBy: `the backstop deletes ${id} (burst record; the TPU API has no run-time limit)`,
    burstRecord: record,
    queuedResource: id,
    acceleratorType: item.acceleratorType,
    state,
    waited: opts.wait !== false,
    hosts,
    runOnAll: `${ssh} --worker=all --command '<command>'`,
    stopNow: deleteNow,
  };
}

/** Polls the queued resource until ACTIVE; a FAILED request becomes a UserError with Google's reason. */
async function waitForTpu(tpu: TpuClientLike, name: string, id: string, zone: string, queueEnds: Date, deleteNow: string, ctx: Ctx): Promise<string> {
  const started = ctx.deps.now().getTime();
  for (;;) {
    const [qr] = await call(ctx, 'tpu.queuedResources.get', () => tpu.getQueuedResource({ name }));
    const state = queuedResourceState(qr);
    if (state === 'ACTIVE') return state;
    if (state === 'FAILED' || state === 'SUSPENDED' || state === 'SUSPENDING') {
      const why = qr.state?.failedData?.error?.message;
      throw new UserError(
        `the queued resource ${id} is ${state}${why ? ` (${why})` : ''}: no TPU runs. Remove it (${deleteNow}) and start again later, or pick another zone`,
      );
    }
    const waited = ctx.deps.now().getTime() - started;
    if (waited >= GCP_TPU_WAIT_MS) {
      throw new UserError(
        `after ${elapsed(waited)} the queued resource ${id} is still ${state}; it keeps waiting for capacity until ${formatTime(queueEnds)} ` +
          '(then it fails and nothing bills), and the deadline still holds. ' +
          `Watch it: gcloud compute tpus queued-resources describe ${id} --zone ${zone} --project ${ctx.project}; give up: ${deleteNow}`,
      );
    }
    ctx.progress(state, `queued resource ${id}: ${state} (${elapsed(waited)})`);
    await ctx.deps.sleep(GCP_POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// The command

/** Runs `burst start` on GCP with injected dependencies; returns the exit code. */
export async function runStartGcp(spec: TeamSpec, target: string, opts: GcpStartOptions, deps: GcpStartDeps): Promise<number> {
  const report = await startGcpBurst(spec, target, opts, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderGcpStartReport(report)}\n`);
  return 0;
}

/** The real clients: each library is imported on first use and reads Application Default Credentials. */
export function googleClients(): GcpStartClients {
  return {
    async regionInstanceGroupManagers() {
      const { RegionInstanceGroupManagersClient } = await import('@google-cloud/compute');
      return new RegionInstanceGroupManagersClient();
    },
    async instances() {
      const { InstancesClient } = await import('@google-cloud/compute');
      return new InstancesClient();
    },
    async zoneOperations() {
      const { ZoneOperationsClient } = await import('@google-cloud/compute');
      return new ZoneOperationsClient();
    },
    async tpu() {
      const { v2 } = await import('@google-cloud/tpu');
      return new v2.TpuClient();
    },
    async storage(project) {
      const { Storage } = await import('@google-cloud/storage');
      return new Storage({ projectId: project });
    },
  };
}
