/**
 * The GCP side of `burst sweep submit <team> <group>` and `burst sweep status <team> [job]`: sweeps
 * on a sweep group of `gcp.sweeps`, run as one Google Cloud Batch job of N tasks.
 *
 * A sweep's parameter list goes to `gs://<bucket>/teams/<team>/runs/<run>/params.json`; task i
 * (BATCH_TASK_INDEX) reads entry i and checkpoints under `.../runs/<run>/trial-<i>/checkpoints/`.
 * A task whose spot VM is preempted (Batch exit code 50001) is retried on another VM and resumes
 * from its own checkpoints; any other failure fails the trial. Submitting again with the same
 * `--name` resubmits the run as a new job (`...-r2`, `-r3`, ...): every trial resumes.
 *
 * The job runs on the group's instance template (`<team>-<group>-*`, from `pulumi up`), found by
 * name prefix and label, with the template's service account. Clients and the clock are injected
 * so tests run against plain fakes; the SDKs load only when a command runs.
 */
import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/batch';
import type { SweepJobDefaults } from '../../constructs/gcp/sweep-group.js';
import { gceTypes } from '../../spec/gcp-compute.js';
import { runPrefix, teamPrefix } from '../../spec/layout.js';
import { planTeam, teamTags, type GcpPlan, type GcpSweepGroupItem } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { didYouMean, listForMessage } from '../../spec/suggest.js';
import { columns, style } from '../output.js';
import { displayPath } from '../teams.js';
import {
  MAX_TRIALS,
  RECENT_DAYS,
  paramsKey,
  checkTrials,
  submitInputs,
  trialCheckpointPrefix,
  type FailedTrial,
  type SubmitOptions,
} from './sweep.js';
import { gcpErrorCode, gcpFailure } from '../gcp-errors.js';

export { GCP_CREDENTIALS, gcpErrorCode, gcpFailure } from '../gcp-errors.js';

type IJob = protos.google.cloud.batch.v1.IJob;
type ITask = protos.google.cloud.batch.v1.ITask;
type ICreateJobRequest = protos.google.cloud.batch.v1.ICreateJobRequest;
type IListJobsRequest = protos.google.cloud.batch.v1.IListJobsRequest;
type IListTasksRequest = protos.google.cloud.batch.v1.IListTasksRequest;

/** Batch's reserved exit code for a preempted VM: the only failure a trial is retried on. */
export const PREEMPTION_EXIT_CODE = 50001;
/** Name of the training image in the team's Artifact Registry repository. */
export const TRAINING_IMAGE_NAME = 'training';
/** Batch job ids: lowercase letter first, lowercase letters, digits and '-', at most 63, no trailing '-'. */
export const JOB_ID = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** Resubmissions of one run: `<id>`, `<id>-r2`, ... `<id>-r9`. */
export const MAX_RESUBMITS = 9;
/** Where the training entry touches its sync marker (writable by the image's unprivileged user). */
export const SYNC_DONE_FILE = '/tmp/gpu-burst/checkpoint-synced';
/** Batch task states, in the order a trial goes through them (UNEXECUTED: never ran before the job ended). */
export const TASK_STATES = ['PENDING', 'ASSIGNED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'UNEXECUTED'] as const;
/** A Batch task state. */
export type TaskStateName = (typeof TASK_STATES)[number];
/** What `gcloud auth` fixes. */

const JOB_STATES = ['STATE_UNSPECIFIED', 'QUEUED', 'SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DELETION_IN_PROGRESS', 'CANCELLATION_IN_PROGRESS', 'CANCELLED'];
const TASK_STATE_NUMBERS = ['STATE_UNSPECIFIED', 'PENDING', 'ASSIGNED', 'RUNNING', 'FAILED', 'SUCCEEDED', 'UNEXECUTED'];
const ACTIVE_JOB_STATES = new Set(['QUEUED', 'SCHEDULED', 'RUNNING']);
const SHOWN_FAILURES = 20;
const MAX_FAILED_LISTED = 1000;
const MAX_LIST_PAGES = 20;
const DEFAULT_COMPUTE_SA = /-compute@developer\.gserviceaccount\.com$/;

/** Batch's reserved exit codes (https://cloud.google.com/batch/docs/troubleshooting#reserved-exit-codes). */
const EXIT_CODE_REASONS: Readonly<Record<number, string>> = {
  50001: 'VM preempted (spot reclaim)',
  50002: 'VM stopped reporting to Batch',
  50003: 'VM rebooted during the trial',
  50004: 'VM and trial unresponsive',
  50005: 'trial ran past its maximum run duration (trialHours)',
  50006: 'VM recreated during the trial',
};

// ---------------------------------------------------------------------------------------------
// Clients

/** The part of a `BatchServiceClient` (@google-cloud/batch v1) the commands use. */
export interface BatchClientLike {
  createJob(request: ICreateJobRequest): Promise<[IJob, ...unknown[]]>;
  getJob(request: { name: string }): Promise<[IJob, ...unknown[]]>;
  listJobs(request: IListJobsRequest, options: { autoPaginate: false }): Promise<[IJob[], IListJobsRequest | null | undefined, ...unknown[]]>;
  listTasks(request: IListTasksRequest, options: { autoPaginate: false }): Promise<[ITask[], IListTasksRequest | null | undefined, ...unknown[]]>;
  /** Authenticates; the generated client otherwise leaves a start-up failure unhandled in each call. */
  initialize?(): Promise<unknown>;
  close?(): Promise<void>;
}

/** A bucket as `Storage.getBuckets` lists it. */
export interface BucketLike {
  readonly name: string;
  readonly metadata?: { readonly labels?: Readonly<Record<string, string | null>> | null };
}

/** An object in a bucket. */
export interface ObjectLike {
  save(data: string, options?: { contentType?: string; resumable?: boolean }): Promise<unknown>;
  download(): Promise<[Buffer, ...unknown[]]>;
}

/** The part of a `Storage` (@google-cloud/storage) the commands use. */
export interface StorageLike {
  getBuckets(query?: { project?: string }): Promise<[BucketLike[], ...unknown[]]>;
  bucket(name: string): { file(key: string): ObjectLike };
}

/** An instance template as the Compute Engine API lists it. */
export interface InstanceTemplateLike {
  readonly name?: string | null;
  readonly selfLink?: string | null;
  readonly creationTimestamp?: string | null;
  readonly properties?: {
    readonly labels?: Readonly<Record<string, string>> | null;
    readonly serviceAccounts?: readonly { readonly email?: string | null }[] | null;
  } | null;
}

/** The part of an `InstanceTemplatesClient` (@google-cloud/compute) the commands use. */
export interface TemplatesClientLike {
  list(request: { project: string }): Promise<[InstanceTemplateLike[], ...unknown[]]>;
  initialize?(): Promise<unknown>;
  close?(): Promise<void>;
}

/** Where the commands get their Google Cloud clients. */
export interface GcpSweepClients {
  batch(): BatchClientLike | Promise<BatchClientLike>;
  storage(project: string): StorageLike | Promise<StorageLike>;
  templates(): TemplatesClientLike | Promise<TemplatesClientLike>;
}

/** Everything the GCP sweep commands touch outside their arguments. */
export interface GcpSweepDeps {
  readonly clients: GcpSweepClients;
  readonly now: () => Date;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads the params file. @default - readFileSync as UTF-8 */
  readonly readFile?: (path: string) => string;
}

// ---------------------------------------------------------------------------------------------
// Errors

// ---------------------------------------------------------------------------------------------
// Pure parts

/** Names of the team's GCP sweep groups (`gcp.sweeps[].name`). */
export function gcpSweepGroupNames(spec: TeamSpec): string[] {
  return (spec.gcp?.sweeps ?? []).map((s) => s.name);
}

/**
 * Which cloud a sweep group runs on: a name in `aws.sweeps` is AWS (as before), one only in
 * `gcp.sweeps` is GCP; undefined when neither has it.
 */
export function sweepCloudOf(spec: TeamSpec, group: string): 'aws' | 'gcp' | undefined {
  if ((spec.aws?.sweeps ?? []).some((s) => s.name === group)) return 'aws';
  if (gcpSweepGroupNames(spec).includes(group)) return 'gcp';
  return undefined;
}

/** The team's GCP plan and the group's plan item, or a UserError that suggests the closest group. */
export function resolveGcpGroup(spec: TeamSpec, group: string): { plan: GcpPlan; item: GcpSweepGroupItem } {
  const file = displayPath(spec.file);
  if (!spec.gcp) throw new UserError(`team ${spec.team} has no gcp: section (${file}); GCP sweep groups live under gcp.sweeps`);
  const names = gcpSweepGroupNames(spec);
  if (names.length === 0) throw new UserError(`team ${spec.team} has no GCP sweep groups; add one under gcp.sweeps in ${file}`);
  if (!names.includes(group)) {
    throw new UserError(`no sweep group '${group}' in ${file}${didYouMean(group, names)} (GCP sweep groups: ${listForMessage(names)})`);
  }
  const plan = planTeam(spec).gcp as GcpPlan;
  const item = plan.items.find((i): i is GcpSweepGroupItem => i.kind === 'sweepGroup' && i.name === group);
  if (!item) throw new Error(`plan of ${spec.team} has no sweep group ${group}`);
  return { plan, item };
}

/** What each Batch job of a group runs with, from the plan (the same values the SweepGroup component exports). */
export function gcpSweepJobDefaults(plan: GcpPlan, item: GcpSweepGroupItem): SweepJobDefaults {
  return {
    group: item.name,
    templateNamePrefix: `${plan.team}-${item.name}-`,
    machineType: item.machineType,
    acceleratorType: item.acceleratorType,
    acceleratorCount: item.count,
    parallelism: item.parallelism,
    trialSeconds: Math.round(item.trialHours * 3600),
    attempts: item.attempts,
    retryExitCodes: [PREEMPTION_EXIT_CODE],
    imageUri: `${plan.region}-docker.pkg.dev/${plan.project}/${plan.team}-training-images/${TRAINING_IMAGE_NAME}:${item.imageTag}`,
    ...(item.command ? { command: [...item.command] } : {}),
    installGpuDrivers: true,
  };
}

/** A GCP label value: lowercase letters, digits, '_' and '-', at most 63. */
export function labelValue(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);
}

/**
 * The Batch job id of a run: `<team>-<group>-<run>` lowercased ('_' and other characters become
 * '-'), `-r<n>` for the n-th submission of the same run; longer than 63 characters, it keeps a
 * prefix and appends 8 hex digits of a hash of the whole id, so distinct runs stay distinct.
 */
export function batchJobId(team: string, group: string, run: string, submission = 1): string {
  const base = `${team}-${group}-${run}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '');
  const suffix = submission > 1 ? `-r${submission}` : '';
  if (base.length + suffix.length <= 63) return `${base}${suffix}`;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, 63 - suffix.length - 9).replace(/-+$/, '')}-${hash}${suffix}`;
}

/** `allowedLocations`: the zones the team file names, else the whole region (Batch picks zones with capacity). */
export function allowedLocations(spec: TeamSpec, plan: GcpPlan): string[] {
  return spec.gcp?.zones?.length ? spec.gcp.zones.map((z) => `zones/${z}`) : [`regions/${plan.region}`];
}

/** Shared memory for a trial's container, MiB: a quarter of the VM's memory (PyTorch data loaders need more than Docker's 64 MiB). */
export function sharedMemoryMiB(machineType: string): number | undefined {
  const type = gceTypes().find((t) => t.machineType === machineType);
  return type ? Math.floor((type.memoryGiB * 1024) / 4) : undefined;
}

/** Everything a job request is built from. */
export interface JobRequestInput {
  readonly project: string;
  readonly region: string;
  readonly jobId: string;
  readonly trials: number;
  readonly defaults: SweepJobDefaults;
  /** Template name or URL. */
  readonly instanceTemplate: string;
  readonly serviceAccountEmail: string;
  readonly allowedLocations: readonly string[];
  /** Labels of the job and its VMs. */
  readonly labels: Readonly<Record<string, string>>;
  /** Environment of every trial. */
  readonly environment: Readonly<Record<string, string>>;
  /** `--shm-size` of the container, MiB. @default - Docker's default */
  readonly sharedMemoryMiB?: number;
}

/**
 * The createJob request of a sweep: one task group of N tasks, one trial per VM at a time, the
 * group's template and service account, a run duration per trial, retries only on preemption,
 * logs to Cloud Logging. The trial count changes `taskCount` (and caps `parallelism`), nothing else.
 */
export function buildCreateJobRequest(input: JobRequestInput): ICreateJobRequest {
  const d = input.defaults;
  const retries = d.attempts - 1;
  return {
    parent: `projects/${input.project}/locations/${input.region}`,
    jobId: input.jobId,
    job: {
      taskGroups: [
        {
          taskCount: input.trials,
          parallelism: Math.min(d.parallelism, input.trials),
          // One trial per VM: the template's GPUs belong to that trial.
          taskCountPerNode: 1,
          taskSpec: {
            runnables: [
              {
                displayName: 'trial',
                container: {
                  imageUri: d.imageUri,
                  ...(d.command ? { commands: [...d.command] } : {}),
                  // Batch's documented way to give a container the GPUs and the driver it installed;
                  // the image still runs as its unprivileged user.
                  volumes: ['/var/lib/nvidia/lib64:/usr/local/nvidia/lib64', '/var/lib/nvidia/bin:/usr/local/nvidia/bin'],
                  options: ['--privileged', ...(input.sharedMemoryMiB ? [`--shm-size=${input.sharedMemoryMiB}m`] : [])].join(' '),
                },
              },
            ],
            maxRunDuration: { seconds: d.trialSeconds },
            maxRetryCount: retries,
            // One policy is all Batch accepts: RETRY_TASK retries the listed exit codes and fails every other.
            ...(retries > 0 ? { lifecyclePolicies: [{ action: 'RETRY_TASK', actionCondition: { exitCodes: [...d.retryExitCodes] } }] } : {}),
            environment: { variables: { ...input.environment } },
          },
        },
      ],
      allocationPolicy: {
        location: { allowedLocations: [...input.allowedLocations] },
        instances: [{ instanceTemplate: input.instanceTemplate, installGpuDrivers: d.installGpuDrivers }],
        serviceAccount: { email: input.serviceAccountEmail },
        labels: { ...input.labels },
      },
      labels: { ...input.labels },
      logsPolicy: { destination: 'CLOUD_LOGGING' },
    },
  };
}

/** Checks a trial count (1 to 10,000, whole), the same bound as on AWS. */
export function checkGcpTrials(trials: number): number {
  return checkTrials(trials, "gpu-burst's largest sweep");
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (value && typeof (value as { toNumber?: unknown }).toNumber === 'function') return (value as { toNumber(): number }).toNumber();
  return 0;
}

function enumName(value: unknown, names: readonly string[]): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return names[value] ?? 'STATE_UNSPECIFIED';
  return 'STATE_UNSPECIFIED';
}

/** An ISO time from a protobuf Timestamp (`{seconds, nanos}`), a string or a Date. */
function isoOf(ts: unknown): string | undefined {
  if (!ts) return undefined;
  if (typeof ts === 'string') return Number.isNaN(Date.parse(ts)) ? undefined : new Date(ts).toISOString();
  if (ts instanceof Date) return ts.toISOString();
  const t = ts as { seconds?: unknown; nanos?: unknown };
  if (t.seconds === undefined || t.seconds === null) return undefined;
  return new Date(toNumber(t.seconds) * 1000 + Math.floor(toNumber(t.nanos) / 1e6)).toISOString();
}

/** Tasks per state summed over the job's task groups, and the share that reached a final state. */
export function summarizeTasks(
  trials: number,
  groups: Readonly<Record<string, { counts?: Readonly<Record<string, unknown>> | null }>> | null | undefined,
): { counts: Record<TaskStateName, number>; percentDone: number } {
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskStateName, number>;
  for (const group of Object.values(groups ?? {})) {
    for (const [state, n] of Object.entries(group.counts ?? {})) {
      if ((TASK_STATES as readonly string[]).includes(state)) counts[state as TaskStateName] += toNumber(n);
    }
  }
  const done = counts.SUCCEEDED + counts.FAILED + counts.UNEXECUTED;
  return { counts, percentDone: trials > 0 ? Math.floor((done / trials) * 100) : 0 };
}

/** A reason for a Batch exit code: the reserved codes by name, others as the trial's own. */
export function describeExitCode(code: number): string | undefined {
  if (EXIT_CODE_REASONS[code]) return EXIT_CODE_REASONS[code];
  if (code === 50000) return 'failed outside the trial (see the job logs)';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reports

/** What `burst sweep submit --json` prints for a GCP group. */
export interface GcpSubmitReport {
  readonly cloud: 'gcp';
  readonly team: string;
  readonly group: string;
  readonly run: string;
  /** Batch job id (`<team>-<group>-<run>`, `-r<n>` when resubmitted). */
  readonly jobId: string;
  /** Full job name (`projects/<p>/locations/<region>/jobs/<id>`). */
  readonly jobName: string;
  readonly project: string;
  readonly region: string;
  readonly trials: number;
  readonly parallelism: number;
  /** True when the run existed and is resubmitted: its trials resume from their checkpoints. */
  readonly resumed: boolean;
  readonly instanceTemplate: string;
  readonly image: string;
  /** `gs://.../runs/<run>/`. */
  readonly artifacts: string;
  readonly params?: string;
  /** Checkpoint prefix of trial i: `{trial}` replaced by i. */
  readonly checkpoints: string;
  readonly status: string;
}

/** One GCP sweep's progress. */
export interface GcpSweepJob {
  /** Batch job id. */
  readonly id: string;
  /** Run name. */
  readonly name: string;
  readonly group: string;
  /** Batch job state (QUEUED, SCHEDULED, RUNNING, SUCCEEDED, FAILED, ...). */
  readonly status: string;
  readonly statusReason?: string;
  readonly createdAt?: string;
  readonly trials: number;
  readonly counts: Record<TaskStateName, number>;
  /** Trials in a final state (succeeded, failed or never run), percent of `trials`, rounded down. */
  readonly percentDone: number;
  readonly artifacts?: string;
  /** Preemptions the job's status events record (each retried while attempts remain). */
  readonly preemptions?: number;
  readonly failed?: readonly FailedTrial[];
}

/** What `burst sweep status --json` prints for GCP. */
export interface GcpStatusReport {
  readonly cloud: 'gcp';
  readonly team: string;
  readonly project: string;
  readonly region: string;
  readonly jobs?: readonly GcpSweepJob[];
  readonly job?: GcpSweepJob;
}

// ---------------------------------------------------------------------------------------------
// Google Cloud

interface Ctx {
  readonly team: string;
  readonly project: string;
  readonly region: string;
  readonly deps: GcpSweepDeps;
}

async function call<T>(ctx: Ctx, action: string, fn: () => Promise<T>, needs?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw gcpFailure(err, { action, project: ctx.project, ...(needs ? { needs } : {}) });
  }
}

async function started<T extends { initialize?(): Promise<unknown> }>(ctx: Ctx, client: T, action: string): Promise<T> {
  if (client.initialize) await call(ctx, action, () => client.initialize?.() as Promise<unknown>);
  return client;
}

async function closeQuietly(client: { close?(): Promise<void> } | undefined): Promise<void> {
  // close() waits for the client's own start-up, which fails the way the reported call did.
  await client?.close?.()?.catch(() => undefined);
}

/** The team's artifact bucket: the project's bucket labelled team=<team> and gpu-burst-role=artifacts. */
async function artifactBucket(storage: StorageLike, ctx: Ctx): Promise<string> {
  const [buckets] = await call(ctx, 'storage.buckets.list', () => storage.getBuckets({ project: ctx.project }));
  const mine = buckets.filter((b) => b.metadata?.labels?.['team'] === ctx.team && b.metadata.labels['gpu-burst-role'] === 'artifacts');
  if (mine.length === 0) {
    throw new UserError(
      `project ${ctx.project} has no bucket labelled team=${ctx.team} and gpu-burst-role=artifacts; deploy first: pulumi up -s ${ctx.team}`,
    );
  }
  if (mine.length > 1) {
    throw new UserError(`project ${ctx.project} has ${mine.length} artifact buckets labelled team=${ctx.team} (${mine.map((b) => b.name).join(', ')}); keep one`);
  }
  return (mine[0] as BucketLike).name;
}

/** The parameter list an earlier submit of this run stored, or undefined for a new run. */
async function storedParams(storage: StorageLike, bucket: string, key: string, ctx: Ctx): Promise<unknown[] | undefined> {
  try {
    const [data] = await storage.bucket(bucket).file(key).download();
    const value = JSON.parse(data.toString('utf8')) as unknown;
    return Array.isArray(value) ? value : undefined;
  } catch (err) {
    if (gcpErrorCode(err) === 404 || gcpErrorCode(err) === 5) return undefined;
    throw gcpFailure(err, { action: 'storage.objects.get', project: ctx.project, needs: `storage.objects.get on gs://${bucket}/${key}` });
  }
}

/** The group's newest instance template (name `<team>-<group>-*`, label gpu-burst-sweep=<group>). */
async function groupTemplate(templates: TemplatesClientLike, prefix: string, group: string, ctx: Ctx): Promise<InstanceTemplateLike & { name: string }> {
  const [all] = await call(ctx, 'compute.instanceTemplates.list', () => templates.list({ project: ctx.project }));
  const mine = all
    .filter((t): t is InstanceTemplateLike & { name: string } => !!t.name?.startsWith(prefix) && t.properties?.labels?.['gpu-burst-sweep'] === group)
    .sort((a, b) => (b.creationTimestamp ?? '').localeCompare(a.creationTimestamp ?? ''));
  const newest = mine[0];
  if (!newest) {
    throw new UserError(`sweep group ${group} has no instance template (${prefix}*) in project ${ctx.project}; deploy first: pulumi up -s ${ctx.team}`);
  }
  return newest;
}

function envOf(job: IJob): Readonly<Record<string, string>> {
  return (job.taskGroups?.[0]?.taskSpec?.environment?.variables ?? {}) as Record<string, string>;
}

function jobIdOf(job: IJob): string {
  return (job.name ?? '').split('/').pop() ?? '';
}

/** Validates, uploads the parameter list and creates the Batch job; returns what was submitted. */
export async function submitSweepGcp(spec: TeamSpec, group: string, opts: SubmitOptions, deps: GcpSweepDeps): Promise<GcpSubmitReport> {
  const { plan, item } = resolveGcpGroup(spec, group);
  const ctx: Ctx = { team: spec.team, project: plan.project, region: plan.region, deps };
  const { run, entries } = submitInputs(group, opts, deps, checkGcpTrials);

  const defaults = gcpSweepJobDefaults(plan, item);
  const storage = await deps.clients.storage(plan.project);
  const bucket = await artifactBucket(storage, ctx);
  const key = paramsKey(spec.team, run);
  const stored = opts.name !== undefined ? await storedParams(storage, bucket, key, ctx) : undefined;
  if (stored && entries && canonical(stored) !== canonical(entries)) {
    throw new UserError(`run '${run}' exists with other parameters (gs://${bucket}/${key}); choose another --name, or pass the same parameters to resume it`);
  }
  const list = entries ?? (stored as Record<string, unknown>[] | undefined);
  const trials = opts.trials ?? list?.length;
  if (trials === undefined) throw new UserError(`run '${run}' has no stored parameters; give --trials N or --params FILE`);
  if (list && list.length !== trials) {
    throw new UserError(`run '${run}' has ${list.length} stored parameter entries but --trials is ${trials}; leave --trials out to resume it`);
  }

  const templates = await deps.clients.templates();
  let template: InstanceTemplateLike & { name: string };
  try {
    template = await groupTemplate(await started(ctx, templates, 'compute.instanceTemplates.list'), defaults.templateNamePrefix, group, ctx);
  } finally {
    await closeQuietly(templates);
  }
  const serviceAccountEmail = template.properties?.serviceAccounts?.[0]?.email ?? '';
  if (!serviceAccountEmail || DEFAULT_COMPUTE_SA.test(serviceAccountEmail)) {
    throw new UserError(
      `instance template ${template.name} runs as ${serviceAccountEmail || 'no service account'}, not the team's own; deploy the current team file first: pulumi up -s ${spec.team}`,
    );
  }

  if (entries && !stored) {
    await call(
      ctx,
      'storage.objects.create',
      () => storage.bucket(bucket).file(key).save(`${JSON.stringify(entries)}\n`, { contentType: 'application/json', resumable: false }),
      `storage.objects.create on gs://${bucket}/${teamPrefix(spec.team)}`,
    );
  }

  const artifacts = `gs://${bucket}/${runPrefix(spec.team, run)}`;
  const checkpoints = `gs://${bucket}/${trialCheckpointPrefix(spec.team, run)}`;
  const environment: Record<string, string> = {
    BURST_TEAM: spec.team,
    BURST_SWEEP_GROUP: group,
    BURST_RUN: run,
    BURST_ARTIFACTS: `gs://${bucket}/${teamPrefix(spec.team)}`,
    ...(list ? { BURST_PARAMS_FILE: `gs://${bucket}/${key}` } : {}),
    BURST_CHECKPOINT_PREFIX: checkpoints,
    BURST_SYNC_DONE_FILE: SYNC_DONE_FILE,
  };
  const labels = { ...teamTags(spec), 'gpu-burst-role': 'sweep', 'gpu-burst-sweep': group, 'gpu-burst-run': labelValue(run) };
  const shm = sharedMemoryMiB(defaults.machineType);

  const batch = await deps.clients.batch();
  try {
    await started(ctx, batch, 'batch.jobs.create');
    for (let submission = 1; submission <= MAX_RESUBMITS; submission++) {
      const jobId = batchJobId(spec.team, group, run, submission);
      const request = buildCreateJobRequest({
        project: plan.project,
        region: plan.region,
        jobId,
        trials,
        defaults,
        instanceTemplate: template.name,
        serviceAccountEmail,
        allowedLocations: allowedLocations(spec, plan),
        labels,
        environment,
        ...(shm ? { sharedMemoryMiB: shm } : {}),
      });
      try {
        const [job] = await batch.createJob(request);
        const jobName = job.name ?? `${request.parent}/jobs/${jobId}`;
        return {
          cloud: 'gcp',
          team: spec.team,
          group,
          run,
          jobId,
          jobName,
          project: plan.project,
          region: plan.region,
          trials,
          parallelism: Math.min(defaults.parallelism, trials),
          resumed: stored !== undefined,
          instanceTemplate: template.name,
          image: defaults.imageUri,
          artifacts,
          ...(list ? { params: `gs://${bucket}/${key}` } : {}),
          checkpoints,
          status: `burst sweep status ${spec.team} ${jobId}`,
        };
      } catch (err) {
        if (gcpErrorCode(err) !== 6) {
          throw gcpFailure(err, {
            action: 'batch.jobs.create',
            project: plan.project,
            needs: `roles/batch.jobsEditor on the project and roles/iam.serviceAccountUser on ${serviceAccountEmail}`,
          });
        }
        const [existing] = await call(ctx, 'batch.jobs.get', () => batch.getJob({ name: `${request.parent}/jobs/${jobId}` }));
        const state = enumName(existing.status?.state, JOB_STATES);
        if (ACTIVE_JOB_STATES.has(state)) {
          throw new UserError(`run '${run}' is still ${state} as job ${jobId}; wait for it to end (burst sweep status ${spec.team} ${jobId}) before resubmitting`);
        }
      }
    }
    throw new UserError(
      `run '${run}' was submitted ${MAX_RESUBMITS} times already (jobs ${batchJobId(spec.team, group, run)}..-r${MAX_RESUBMITS}); choose another --name`,
    );
  } finally {
    await closeQuietly(batch);
  }
}

/** JSON with sorted keys, so equal parameter lists compare equal whatever the file's key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** The summary `burst sweep submit` prints for a person. */
export function renderGcpSubmitReport(r: GcpSubmitReport): string {
  const what = r.trials === 1 ? '1 trial' : `${r.trials} trials, ${r.parallelism} at a time`;
  return [
    `${style.ok(r.resumed ? 'resubmitted' : 'submitted')}  ${r.run}: ${what} on Google Cloud Batch (${r.region})${r.resumed ? ', each resuming from its checkpoints' : ''}`,
    ...columns(
      [
        ['job', r.jobName],
        ['template', r.instanceTemplate],
        ['image', r.image],
        ['artifacts', r.artifacts],
        ...(r.params ? [['params', r.params]] : []),
        ['checkpoints', r.checkpoints],
      ],
      '  ',
    ),
    `Follow it: ${r.status}`,
  ].join('\n');
}

/** Runs the GCP side of `burst sweep submit`; returns the exit code. */
export async function runSweepSubmitGcp(spec: TeamSpec, group: string, opts: SubmitOptions, deps: GcpSweepDeps): Promise<number> {
  const report = await submitSweepGcp(spec, group, opts, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderGcpSubmitReport(report)}\n`);
  return 0;
}

// --- status

function sweepJob(job: IJob): GcpSweepJob {
  const trials = toNumber(job.taskGroups?.[0]?.taskCount) || 1;
  const env = envOf(job);
  const status = enumName(job.status?.state, JOB_STATES);
  const events = job.status?.statusEvents ?? [];
  const preemptions = events.filter((e) => e.taskExecution?.exitCode === PREEMPTION_EXIT_CODE).length;
  const last = events[events.length - 1]?.description;
  const createdAt = isoOf(job.createTime);
  const artifacts = env['BURST_CHECKPOINT_PREFIX']?.replace(/trial-\{trial\}\/checkpoints\/$/, '');
  return {
    id: jobIdOf(job),
    name: env['BURST_RUN'] ?? job.labels?.['gpu-burst-run'] ?? jobIdOf(job),
    group: job.labels?.['gpu-burst-sweep'] ?? '',
    status,
    ...(status === 'FAILED' && last ? { statusReason: last } : {}),
    ...(createdAt ? { createdAt } : {}),
    trials,
    ...summarizeTasks(trials, job.status?.taskGroups as Record<string, { counts?: Record<string, unknown> }> | undefined),
    ...(artifacts ? { artifacts } : {}),
    ...(preemptions > 0 ? { preemptions } : {}),
  };
}

function teamJob(spec: TeamSpec, job: IJob): boolean {
  return job.labels?.['team'] === spec.team && gcpSweepGroupNames(spec).includes(job.labels['gpu-burst-sweep'] ?? '');
}

/** The team's sweep jobs created in the last RECENT_DAYS, newest first. */
async function recentJobs(batch: BatchClientLike, spec: TeamSpec, ctx: Ctx): Promise<IJob[]> {
  const since = ctx.deps.now().getTime() - RECENT_DAYS * 86_400_000;
  const found: IJob[] = [];
  let request: IListJobsRequest | null | undefined = { parent: `projects/${ctx.project}/locations/${ctx.region}`, orderBy: 'create_time desc', pageSize: 100 };
  for (let page = 0; request && page < MAX_LIST_PAGES; page++) {
    const current: IListJobsRequest = request;
    const [jobs, next] = await call(ctx, 'batch.jobs.list', () => batch.listJobs(current, { autoPaginate: false }), 'roles/batch.jobsViewer on the project');
    let older = false;
    for (const job of jobs) {
      const created = Date.parse(isoOf(job.createTime) ?? '');
      if (!Number.isNaN(created) && created < since) older = true;
      else if (teamJob(spec, job)) found.push(job);
    }
    request = older ? undefined : next;
  }
  return found.sort((a, b) => (isoOf(b.createTime) ?? '').localeCompare(isoOf(a.createTime) ?? ''));
}

/** The failed tasks of a job (up to 1,000), by index, with the exit code and reason of their last failure. */
async function failedTasks(batch: BatchClientLike, job: IJob, ctx: Ctx): Promise<FailedTrial[]> {
  const parent = job.taskGroups?.[0]?.name || `${job.name}/taskGroups/group0`;
  const failed: FailedTrial[] = [];
  // The API documents task filters as `State=<state>`. The state is checked here as well, and a
  // rejected filter (INVALID_ARGUMENT) falls back to listing every task.
  let request: IListTasksRequest | null | undefined = { parent, filter: 'State=FAILED', pageSize: 1000 };
  for (let page = 0; request && page < MAX_LIST_PAGES && failed.length < MAX_FAILED_LISTED; page++) {
    const current: IListTasksRequest = request;
    const list = () => batch.listTasks(current, { autoPaginate: false });
    const [tasks, next] = await call(
      ctx,
      'batch.tasks.list',
      () =>
        list().catch((err: unknown) => {
          if (gcpErrorCode(err) !== 3 || !current.filter) throw err;
          const { filter: _filter, ...unfiltered } = current;
          return batch.listTasks(unfiltered, { autoPaginate: false });
        }),
      'roles/batch.jobsViewer on the project',
    );
    for (const task of tasks) {
      if (enumName(task.status?.state, TASK_STATE_NUMBERS) !== 'FAILED') continue;
      const index = Number(/\/tasks\/(\d+)$/.exec(task.name ?? '')?.[1] ?? -1);
      const events = task.status?.statusEvents ?? [];
      const last = [...events].reverse().find((e) => e.taskExecution?.exitCode !== undefined && e.taskExecution?.exitCode !== null);
      const exitCode = last?.taskExecution?.exitCode ?? undefined;
      const reason = (exitCode !== undefined ? describeExitCode(exitCode) : undefined) ?? last?.description ?? events[events.length - 1]?.description ?? undefined;
      failed.push({ index, ...(reason ? { reason } : {}), ...(exitCode !== undefined ? { exitCode } : {}) });
    }
    request = next;
  }
  return failed.sort((a, b) => a.index - b.index);
}

/** The team's recent GCP sweeps, or one sweep (by job id or run name) with its failed trials. */
export async function sweepStatusGcp(spec: TeamSpec, job: string | undefined, deps: GcpSweepDeps): Promise<GcpStatusReport> {
  const file = displayPath(spec.file);
  if (!spec.gcp) throw new UserError(`team ${spec.team} has no gcp: section (${file}); GCP sweep groups live under gcp.sweeps`);
  const groups = gcpSweepGroupNames(spec);
  if (groups.length === 0) throw new UserError(`team ${spec.team} has no GCP sweep groups; add one under gcp.sweeps in ${file}`);
  const ctx: Ctx = { team: spec.team, project: spec.gcp.project, region: spec.gcp.region, deps };
  const base = { cloud: 'gcp' as const, team: spec.team, project: ctx.project, region: ctx.region };
  const batch = await deps.clients.batch();
  try {
    await started(ctx, batch, 'batch.jobs.list');
    if (job === undefined) {
      const jobs = (await recentJobs(batch, spec, ctx)).map(sweepJob);
      return { ...base, jobs };
    }
    let found: IJob | undefined;
    if (JOB_ID.test(job)) {
      try {
        [found] = await batch.getJob({ name: `projects/${ctx.project}/locations/${ctx.region}/jobs/${job}` });
      } catch (err) {
        if (gcpErrorCode(err) !== 5) throw gcpFailure(err, { action: 'batch.jobs.get', project: ctx.project, needs: 'roles/batch.jobsViewer on the project' });
      }
    }
    if (!found) {
      found = (await recentJobs(batch, spec, ctx)).find((j) => envOf(j)['BURST_RUN'] === job || j.labels?.['gpu-burst-run'] === job);
    }
    if (!found) {
      throw new UserError(
        `no sweep job or run '${job}' of team ${spec.team} in ${ctx.project}/${ctx.region} (runs of the last ${RECENT_DAYS} days); give the job id \`burst sweep submit\` printed`,
      );
    }
    if (!teamJob(spec, found)) {
      throw new UserError(`job ${jobIdOf(found)} is not a sweep of team ${spec.team}'s GCP sweep groups (${listForMessage(groups)})`);
    }
    const summary = sweepJob(found);
    const failed = summary.counts.FAILED > 0 ? await failedTasks(batch, found, ctx) : [];
    return { ...base, job: { ...summary, failed } };
  } finally {
    await closeQuietly(batch);
  }
}

function progress(j: GcpSweepJob): string {
  const c = j.counts;
  const parts = [`${c.SUCCEEDED} succeeded`, `${c.FAILED} failed`, `${c.RUNNING} running`];
  if (c.ASSIGNED) parts.push(`${c.ASSIGNED} starting`);
  if (c.PENDING) parts.push(`${c.PENDING} waiting`);
  if (c.UNEXECUTED) parts.push(`${c.UNEXECUTED} never ran`);
  return `${parts.join(', ')} of ${j.trials} (${j.percentDone}% done)`;
}

/** What `burst sweep status` prints for a person (GCP). */
export function renderGcpStatusReport(r: GcpStatusReport): string {
  const lines: string[] = [];
  if (r.job) {
    const j = r.job;
    const status = j.status === 'FAILED' ? style.bad(j.status) : j.status === 'SUCCEEDED' ? style.ok(j.status) : j.status;
    lines.push(`${style.heading(j.name)}  ${status}  group ${j.group}, Batch job ${j.id} (${r.project}/${r.region})`);
    const rows: string[][] = [['trials', progress(j)]];
    if (j.statusReason) rows.push(['reason', j.statusReason]);
    if (j.preemptions) rows.push(['preemptions', `${j.preemptions} (retried while attempts remain)`]);
    if (j.artifacts) rows.push(['artifacts', j.artifacts]);
    lines.push(...columns(rows, '  '));
    if (j.failed?.length) {
      lines.push(`  failed trials${j.failed.length > SHOWN_FAILURES ? ` (first ${SHOWN_FAILURES} of ${j.failed.length})` : ''}:`);
      lines.push(
        ...columns(
          j.failed.slice(0, SHOWN_FAILURES).map((f) => [String(f.index), f.exitCode !== undefined ? `exit ${f.exitCode}` : '', f.reason ?? '(no reason given)']),
          '    ',
        ),
      );
    }
    return lines.join('\n');
  }
  const jobs = r.jobs ?? [];
  if (jobs.length === 0) lines.push(`no sweeps of team ${r.team} on Google Cloud Batch (${r.project}/${r.region}) in the last ${RECENT_DAYS} days`);
  else {
    lines.push(
      ...columns([
        ['GROUP', 'RUN', 'STATUS', 'PROGRESS', 'JOB'].map(style.heading),
        ...jobs.map((j) => [j.group, j.name, j.status, progress(j), j.id]),
      ]),
    );
  }
  return lines.join('\n');
}

/** Runs the GCP side of `burst sweep status`; returns the exit code. */
export async function runSweepStatusGcp(spec: TeamSpec, job: string | undefined, opts: { readonly json?: boolean }, deps: GcpSweepDeps): Promise<number> {
  const report = await sweepStatusGcp(spec, job, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderGcpStatusReport(report)}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Real clients

/** The real clients: the SDKs are imported on first use; each reads Application Default Credentials. */
export function gcpSweepClients(): GcpSweepClients {
  return {
    async batch() {
      const { BatchServiceClient } = await import('@google-cloud/batch');
      const client: BatchClientLike = new BatchServiceClient();
      return client;
    },
    async storage(project) {
      const { Storage } = await import('@google-cloud/storage');
      const client: StorageLike = new Storage({ projectId: project });
      return client;
    },
    async templates() {
      const { InstanceTemplatesClient } = await import('@google-cloud/compute');
      const client: TemplatesClientLike = new InstanceTemplatesClient();
      return client;
    },
  };
}

/** Dependencies of a real run: real clients, the clock, the process's streams. */
export function realGcpSweepDeps(): GcpSweepDeps {
  return {
    clients: gcpSweepClients(),
    now: () => new Date(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}
