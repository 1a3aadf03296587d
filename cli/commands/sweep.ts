/**
 * `burst sweep submit <team> <group> [--trials N] [--params file] [--name run] [--no-egress] [--json]` and
 * `burst sweep status <team> [job] [--json]`: hyperparameter sweeps on a sweep group's AWS Batch queue.
 *
 * A sweep is one array job of N trials (a single trial is a plain job). Its parameter list goes to
 * `s3://<bucket>/teams/<team>/runs/<run>/params.json`; each trial reads entry AWS_BATCH_JOB_ARRAY_INDEX
 * of it and checkpoints under `.../runs/<run>/trial-<i>/checkpoints/`, so a trial Batch retries after
 * a spot reclaim resumes from its own checkpoints. Submitting again with the same `--name` resubmits
 * the run: every trial resumes from what it saved (the parameters must be the same).
 *
 * The SDKs load only when a command runs; clients, clock and sleep are injected so tests run against
 * mocks without waiting.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { BatchClient, JobDetail, JobSummary } from '@aws-sdk/client-batch';
import type { Capability, CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { parse as parseYaml } from 'yaml';
import { runPrefix } from '../../spec/layout.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { didYouMean, listForMessage } from '../../spec/suggest.js';
import { turnEgressOn } from '../aws-egress.js';
import { awsErrorName, awsFailure } from '../aws-errors.js';
import { columns, style } from '../output.js';
import { displayPath } from '../teams.js';
import { awsClients } from '../aws-clients.js';

/** Most trials in one sweep: AWS Batch's largest array job. */
export const MAX_TRIALS = 10_000;
/** Run (job) names: what Batch accepts as a job name, which is also safe as an S3 key segment. */
export const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Job states in the order a trial goes through them. */
export const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
/** Job state names. */
export type JobStatusName = (typeof JOB_STATUSES)[number];
/** How far back `burst sweep status <team>` looks (Batch keeps finished jobs about a week). */
export const RECENT_DAYS = 7;
/** Polling interval and limit while the burst stack turns its NAT gateway on. */
export const STACK_POLL_MS = 5_000;
export const STACK_WAIT_MS = 20 * 60_000;

const CAPABILITIES: Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];
const SHOWN_FAILURES = 20;

/** Where the commands get their AWS clients, one per service in the team's region. */
export interface SweepClients {
  batch(region: string): BatchClient | Promise<BatchClient>;
  cloudFormation(region: string): CloudFormationClient | Promise<CloudFormationClient>;
  s3(region: string): S3Client | Promise<S3Client>;
}

/** Everything the sweep commands touch outside their arguments. */
export interface SweepDeps {
  readonly clients: SweepClients;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads the params file. @default - readFileSync as UTF-8 */
  readonly readFile?: (path: string) => string;
}

/** Options of `burst sweep submit`. */
export interface SubmitOptions {
  /** Trials (1 to 10,000). @default - one per entry of the params file */
  readonly trials?: number;
  /** JSON array, YAML list or JSON lines file: one object of parameters per trial. */
  readonly params?: string;
  /** Run name (the Batch job name and the run's key prefix). @default `<group>-<yyyymmdd-hhmmss>` (UTC) */
  readonly name?: string;
  /** Turn the burst stack's NAT gateway on (Egress=on) first: hosts reach ECS and ECR through it. @default true */
  readonly egress?: boolean;
  readonly json?: boolean;
}

/** What `burst sweep submit --json` prints. */
export interface SubmitReport {
  readonly team: string;
  readonly group: string;
  readonly run: string;
  readonly jobId: string;
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly trials: number;
  readonly arrayJob: boolean;
  /** True when the run existed and is resubmitted: its trials resume from their checkpoints. */
  readonly resumed: boolean;
  /** `s3://.../runs/<run>/`. */
  readonly artifacts: string;
  readonly params?: string;
  /** Checkpoint prefix of trial i: `{trial}` replaced by i. */
  readonly checkpoints: string;
  readonly egress: 'turned-on' | 'already-on' | 'skipped';
  readonly status: string;
}

/** A failed trial and why. */
export interface FailedTrial {
  readonly index: number;
  readonly reason?: string;
  readonly exitCode?: number;
}

/** One sweep's progress. */
export interface SweepJob {
  readonly id: string;
  readonly name: string;
  readonly group: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly createdAt?: string;
  readonly trials: number;
  /** Trials per state (array parents: Batch's status summary; a plain job: its own state). */
  readonly counts: Record<JobStatusName, number>;
  /** Trials that ended (succeeded or failed), percent of `trials`, rounded down. */
  readonly percentDone: number;
  readonly artifacts?: string;
  /** Attempts that ended because the spot host went away (plain jobs only). */
  readonly spotReclaims?: number;
  readonly failed?: readonly FailedTrial[];
}

/** What `burst sweep status --json` prints. */
export interface StatusReport {
  readonly team: string;
  readonly region: string;
  /** Without a job: the team's recent sweeps, newest first. */
  readonly jobs?: readonly SweepJob[];
  /** With a job: that sweep, with its failed trials. */
  readonly job?: SweepJob;
  /** Groups whose queue does not exist (not deployed yet). */
  readonly undeployed?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Pure parts

/** Names of the team's sweep groups (`aws.sweeps[].name`). */
export function sweepGroupNames(spec: TeamSpec): string[] {
  return (spec.aws?.sweeps ?? []).map((s) => s.name);
}

/** The group, or a UserError that names the file and suggests the closest group. */
export function resolveGroup(spec: TeamSpec, group: string): string {
  const file = displayPath(spec.file);
  if (!spec.aws) throw new UserError(`team ${spec.team} has no aws: section (${file}); sweep groups run on AWS Batch`);
  const names = sweepGroupNames(spec);
  if (names.length === 0) throw new UserError(`team ${spec.team} has no sweep groups; add one under aws.sweeps in ${file}`);
  if (!names.includes(group)) {
    throw new UserError(`no sweep group '${group}' in ${file}${didYouMean(group, names)} (sweep groups: ${listForMessage(names)})`);
  }
  return group;
}

/** `<group>-<yyyymmdd-hhmmss>` in UTC. */
export function defaultRunName(group: string, now: Date): string {
  const iso = now.toISOString();
  return `${group}-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** Checkpoint prefix of every trial of a run, `{trial}` standing for the trial index (X1 layout). */
export function trialCheckpointPrefix(team: string, run: string): string {
  return `${runPrefix(team, run)}trial-{trial}/checkpoints/`;
}

/** Key of a run's parameter list. */
export function paramsKey(team: string, run: string): string {
  return `${runPrefix(team, run)}params.json`;
}

function describeValue(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Parses a params file: a JSON array, JSON lines (`.jsonl`/`.ndjson`, or any file whose lines are
 * each a JSON object) or a YAML list. Every entry must be an object of parameter names to values.
 */
export function parseParams(file: string, text: string): Record<string, unknown>[] {
  const lines = () =>
    text
      .split('\n')
      .map((line, i) => ({ line: line.trim(), at: i + 1 }))
      .filter((l) => l.line !== '')
      .map(({ line, at }) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (err) {
          throw new UserError(`params file ${file}: line ${at} is not JSON (${(err as Error).message})`);
        }
      });
  let entries: unknown;
  if (/^\.(jsonl|ndjson)$/i.test(extname(file))) entries = lines();
  else {
    try {
      entries = JSON.parse(text);
    } catch {
      const rows = text.split('\n').filter((l) => l.trim() !== '');
      if (rows.length > 1 && rows.every((l) => /^\s*\{.*\}\s*$/.test(l))) entries = lines();
      else {
        try {
          entries = parseYaml(text);
        } catch (err) {
          throw new UserError(`params file ${file} is neither JSON, JSON lines nor YAML: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
  }
  if (!Array.isArray(entries)) {
    throw new UserError(`params file ${file} holds ${describeValue(entries)}; it must be a list with one object of parameters per trial`);
  }
  if (entries.length === 0) throw new UserError(`params file ${file} is an empty list; give one object of parameters per trial`);
  entries.forEach((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new UserError(
        `params file ${file}: entry ${i} (trial ${i}) is ${describeValue(entry)}; each entry must be an object of parameter names to values, e.g. {"lr": 0.01}`,
      );
    }
  });
  return entries as Record<string, unknown>[];
}

/** Checks a trial count (1 to 10,000, whole). */
export function checkTrials(trials: number, why = "AWS Batch's largest array job"): number {
  if (!Number.isInteger(trials) || trials < 1 || trials > MAX_TRIALS) {
    throw new UserError(`--trials must be a whole number from 1 to ${MAX_TRIALS.toLocaleString('en-US')} (${why}); got ${trials}`);
  }
  return trials;
}

/**
 * The run name and parameter list of a submit, checked the same way on both clouds: a valid run
 * name, a readable params file with one entry per trial, and some way to know the trial count.
 */
export function submitInputs(
  group: string,
  opts: SubmitOptions,
  deps: { readonly now: () => Date; readonly readFile?: (path: string) => string },
  check: (trials: number) => number = checkTrials,
): { run: string; entries?: Record<string, unknown>[] } {
  if (opts.trials !== undefined) check(opts.trials);
  const run = opts.name ?? defaultRunName(group, deps.now());
  if (!RUN_NAME.test(run)) {
    throw new UserError(`--name '${run}' is not a run name: start with a letter or digit, then letters, digits, '-' or '_', at most 128`);
  }
  if (opts.params === undefined) {
    if (opts.trials === undefined && opts.name === undefined) throw new UserError('give --trials N, --params FILE (one trial per entry), or both');
    return { run };
  }
  let text: string;
  try {
    text = (deps.readFile ?? ((p) => readFileSync(p, 'utf8')))(opts.params);
  } catch (err) {
    throw new UserError(`cannot read params file ${opts.params}: ${(err as Error).message}`);
  }
  const entries = parseParams(opts.params, text);
  if (opts.trials !== undefined && entries.length !== opts.trials) {
    throw new UserError(
      `params file ${opts.params} has ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} but --trials is ${opts.trials}; ` +
        'give one entry per trial, or leave --trials out to run one trial per entry',
    );
  }
  check(entries.length);
  return { run, entries };
}

/** JSON with sorted keys, so equal parameter lists compare equal whatever the file's key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** Per-state counts, trials done (succeeded + failed) and the percentage, rounded down. */
export function summarize(trials: number, summary: Readonly<Record<string, number>> | undefined): { counts: Record<JobStatusName, number>; percentDone: number } {
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, summary?.[s] ?? 0])) as Record<JobStatusName, number>;
  const done = counts.SUCCEEDED + counts.FAILED;
  return { counts, percentDone: trials > 0 ? Math.floor((done / trials) * 100) : 0 };
}

// ---------------------------------------------------------------------------------------------
// AWS

interface Ctx {
  readonly team: string;
  readonly region: string;
  readonly deps: SweepDeps;
}

async function call<T>(ctx: Ctx, action: string, fn: () => Promise<T>, needs?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw awsFailure(err, { action, region: ctx.region, ...(needs ? { needs } : {}) });
  }
}

function deployFirst(ctx: Ctx, stack: string): UserError {
  return new UserError(`the stack ${stack} does not exist in ${ctx.region}; deploy first: npx cdk deploy ${ctx.team}-storage ${ctx.team}-burst`);
}

async function describeStack(cfn: CloudFormationClient, name: string, ctx: Ctx): Promise<Stack> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') throw deployFirst(ctx, name);
    return stack;
  } catch (err) {
    if (awsErrorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) throw deployFirst(ctx, name);
    throw awsFailure(err, { action: 'cloudformation:DescribeStacks', region: ctx.region });
  }
}

/** The artifact bucket: the storage stack's `BucketName` output (logical id `ArtifactsBucketName<hash>` until it is fixed). */
function bucketOf(stack: Stack, ctx: Ctx): string {
  const output = (stack.Outputs ?? []).find((o) => o.OutputKey === 'BucketName' || /^ArtifactsBucketName[0-9A-F]{8}$/.test(o.OutputKey ?? ''));
  if (!output?.OutputValue) {
    throw new UserError(`${ctx.team}-storage has no BucketName output; deploy the current version first: npx cdk deploy ${ctx.team}-storage`);
  }
  return output.OutputValue;
}


/** The stack once no operation runs on it (an update in progress is waited for, up to STACK_WAIT_MS). */
async function settledStack(cfn: CloudFormationClient, initial: Stack, ctx: Ctx): Promise<Stack> {
  const name = initial.StackName ?? `${ctx.team}-burst`;
  const started = ctx.deps.now().getTime();
  let stack = initial;
  while (stack.StackStatus?.endsWith('_IN_PROGRESS')) {
    if (ctx.deps.now().getTime() - started >= STACK_WAIT_MS) {
      throw new UserError(`${name} is still ${stack.StackStatus} after ${STACK_WAIT_MS / 60_000} minutes; nothing was submitted. Run the command again once it has finished`);
    }
    await ctx.deps.sleep(STACK_POLL_MS);
    stack = await describeStack(cfn, name, ctx);
  }
  return stack;
}

/** The parameter list an earlier submit of this run stored, or undefined for a new run. */
async function storedParams(s3: S3Client, bucket: string, key: string, ctx: Ctx): Promise<unknown[] | undefined> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf-8')) ?? '';
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? value : undefined;
  } catch (err) {
    const name = awsErrorName(err);
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw awsFailure(err, { action: 's3:GetObject', region: ctx.region, needs: `s3:GetObject on arn:aws:s3:::${bucket}/${key}` });
  }
}

/** Validates, uploads the parameter list and submits the sweep; returns what was submitted. */
export async function submitSweep(spec: TeamSpec, group: string, opts: SubmitOptions, deps: SweepDeps): Promise<SubmitReport> {
  resolveGroup(spec, group);
  const region = (spec.aws as { region: string }).region;
  const ctx: Ctx = { team: spec.team, region, deps };
  const { run, entries } = submitInputs(group, opts, deps);

  const cfn = await deps.clients.cloudFormation(region);
  const bucket = bucketOf(await describeStack(cfn, `${spec.team}-storage`, ctx), ctx);
  const burst = await describeStack(cfn, `${spec.team}-burst`, ctx);

  const s3 = await deps.clients.s3(region);
  const key = paramsKey(spec.team, run);
  const stored = opts.name !== undefined ? await storedParams(s3, bucket, key, ctx) : undefined;
  if (stored && entries && canonical(stored) !== canonical(entries)) {
    throw new UserError(
      `run '${run}' exists with other parameters (s3://${bucket}/${key}); choose another --name, or pass the same parameters to resume it`,
    );
  }
  const list = entries ?? (stored as Record<string, unknown>[] | undefined);
  const trials = opts.trials ?? list?.length;
  if (trials === undefined) throw new UserError(`run '${run}' has no stored parameters; give --trials N or --params FILE`);
  if (list && list.length !== trials) {
    throw new UserError(`run '${run}' has ${list.length} stored parameter entries but --trials is ${trials}; leave --trials out to resume it`);
  }

  const egress =
    opts.egress === false
      ? 'skipped'
      : await turnEgressOn(cfn, await settledStack(cfn, burst, ctx), {
          team: spec.team,
          region,
          stackName: `${spec.team}-burst`,
          now: deps.now,
          sleep: deps.sleep,
          progress: (text) => deps.stderr(`${text}\n`),
          outcome: 'nothing was submitted',
          skipFlag: '--no-egress',
        });
  const artifacts = `s3://${bucket}/${runPrefix(spec.team, run)}`;
  const checkpoints = `s3://${bucket}/${trialCheckpointPrefix(spec.team, run)}`;
  if (entries && !stored) {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await call(
      ctx,
      's3:PutObject',
      () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${JSON.stringify(entries)}\n`, ContentType: 'application/json' })),
      `s3:PutObject on arn:aws:s3:::${bucket}/${key}`,
    );
  }

  const { SubmitJobCommand } = await import('@aws-sdk/client-batch');
  const queue = `${spec.team}-${group}`;
  const batch = await deps.clients.batch(region);
  const environment = [
    ...(list ? [{ name: 'BURST_PARAMS_FILE', value: `s3://${bucket}/${key}` }] : []),
    { name: 'BURST_CHECKPOINT_PREFIX', value: checkpoints },
    { name: 'BURST_RUN', value: run },
  ];
  const input = {
    jobName: run,
    jobQueue: queue,
    jobDefinition: queue,
    ...(trials >= 2 ? { arrayProperties: { size: trials } } : {}),
    containerOverrides: { environment },
    tags: { team: spec.team, 'gpu-burst:sweep': group, 'gpu-burst:run': run },
    propagateTags: true,
  };
  let out: { jobId?: string | undefined };
  try {
    out = await batch.send(new SubmitJobCommand(input));
  } catch (err) {
    const message = (err as Error).message ?? '';
    if (awsErrorName(err) === 'ClientException' && /(queue|definition)/i.test(message) && /(not (found|exist)|does not exist|INACTIVE|invalid)/i.test(message)) {
      throw new UserError(`the job queue or job definition ${queue} is not deployed in ${region} (${message}); deploy first: npx cdk deploy ${spec.team}-burst`);
    }
    throw awsFailure(err, { action: 'batch:SubmitJob', region, needs: `batch:SubmitJob and batch:TagResource on the job queue and job definition ${queue}` });
  }
  return {
    team: spec.team,
    group,
    run,
    jobId: out.jobId ?? '',
    jobQueue: queue,
    jobDefinition: queue,
    trials,
    arrayJob: trials >= 2,
    resumed: stored !== undefined,
    artifacts,
    ...(list ? { params: `s3://${bucket}/${key}` } : {}),
    checkpoints,
    egress,
    status: `burst sweep status ${spec.team} ${out.jobId ?? run}`,
  };
}

/** The summary `burst sweep submit` prints for a person. */
export function renderSubmitReport(r: SubmitReport): string {
  const what = r.arrayJob ? `${r.trials} trials (array job)` : '1 trial';
  return [
    `${style.ok(r.resumed ? 'resubmitted' : 'submitted')}  ${r.run}: ${what} on ${r.jobQueue}${r.resumed ? ', each resuming from its checkpoints' : ''}`,
    ...columns(
      [
        ['job', r.jobId],
        ['artifacts', r.artifacts],
        ...(r.params ? [['params', r.params]] : []),
        ['checkpoints', r.checkpoints],
      ],
      '  ',
    ),
    `Follow it: ${r.status}`,
  ].join('\n');
}

/** Runs `burst sweep submit` with injected dependencies; returns the exit code. */
export async function runSweepSubmit(spec: TeamSpec, group: string, opts: SubmitOptions, deps: SweepDeps): Promise<number> {
  const report = await submitSweep(spec, group, opts, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderSubmitReport(report)}\n`);
  return 0;
}

// --- status

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function groupOfQueue(spec: TeamSpec, queueArn: string | undefined): string | undefined {
  const queue = (queueArn ?? '').split('/').pop() ?? '';
  return sweepGroupNames(spec).find((g) => queue === `${spec.team}-${g}`);
}

function artifactsOf(job: JobDetail): string | undefined {
  const prefix = job.container?.environment?.find((e) => e.name === 'BURST_CHECKPOINT_PREFIX')?.value;
  return prefix?.replace(/trial-\{trial\}\/checkpoints\/$/, '');
}

function sweepJob(spec: TeamSpec, job: JobDetail, failed?: FailedTrial[]): SweepJob {
  const size = job.arrayProperties?.size;
  const trials = size ?? 1;
  const summary = size !== undefined ? job.arrayProperties?.statusSummary : job.status ? { [job.status]: 1 } : undefined;
  const artifacts = artifactsOf(job);
  const reclaims = size === undefined ? (job.attempts ?? []).filter((a) => /^Host EC2/.test(a.statusReason ?? '')).length : undefined;
  return {
    id: job.jobId ?? '',
    name: job.jobName ?? '',
    group: groupOfQueue(spec, job.jobQueue) ?? '',
    status: job.status ?? 'UNKNOWN',
    ...(job.statusReason ? { statusReason: job.statusReason } : {}),
    ...(job.createdAt !== undefined ? { createdAt: iso(job.createdAt) } : {}),
    trials,
    ...summarize(trials, summary),
    ...(artifacts ? { artifacts } : {}),
    ...(reclaims !== undefined ? { spotReclaims: reclaims } : {}),
    ...(failed ? { failed } : {}),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The failed children of an array job (up to 1,000), by index. */
async function failedChildren(batch: BatchClient, jobId: string, ctx: Ctx): Promise<FailedTrial[]> {
  const { ListJobsCommand } = await import('@aws-sdk/client-batch');
  const failed: FailedTrial[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call(ctx, 'batch:ListJobs', () =>
      batch.send(new ListJobsCommand({ arrayJobId: jobId, jobStatus: 'FAILED', ...(nextToken ? { nextToken } : {}) })),
    );
    for (const child of page.jobSummaryList ?? []) {
      const reason = child.container?.reason ?? child.statusReason;
      failed.push({
        index: child.arrayProperties?.index ?? -1,
        ...(reason ? { reason } : {}),
        ...(child.container?.exitCode !== undefined ? { exitCode: child.container.exitCode } : {}),
      });
    }
    nextToken = page.nextToken;
  } while (nextToken && failed.length < 1000);
  return failed.sort((a, b) => a.index - b.index);
}

async function describeJobs(batch: BatchClient, ids: readonly string[], ctx: Ctx): Promise<JobDetail[]> {
  const { DescribeJobsCommand } = await import('@aws-sdk/client-batch');
  const out: JobDetail[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const page = await call(ctx, 'batch:DescribeJobs', () => batch.send(new DescribeJobsCommand({ jobs: ids.slice(i, i + 100) })));
    out.push(...(page.jobs ?? []));
  }
  return out;
}

/** ListJobs on one queue, all states, created in the last RECENT_DAYS; undefined when the queue does not exist. */
async function recentJobs(batch: BatchClient, queue: string, ctx: Ctx, filter?: { name: string; values: string[] }): Promise<JobSummary[] | undefined> {
  const { ListJobsCommand } = await import('@aws-sdk/client-batch');
  const since = String(ctx.deps.now().getTime() - RECENT_DAYS * 86_400_000);
  try {
    const out = await batch.send(new ListJobsCommand({ jobQueue: queue, filters: [filter ?? { name: 'AFTER_CREATED_AT', values: [since] }], maxResults: 100 }));
    return out.jobSummaryList ?? [];
  } catch (err) {
    if (awsErrorName(err) === 'ClientException' && /queue/i.test((err as Error).message)) return undefined;
    throw awsFailure(err, { action: 'batch:ListJobs', region: ctx.region, needs: `batch:ListJobs on the job queue ${queue}` });
  }
}

/** The team's recent sweeps, or one sweep (by job id or run name) with its failed trials. */
export async function sweepStatus(spec: TeamSpec, job: string | undefined, deps: SweepDeps): Promise<StatusReport> {
  if (!spec.aws) throw new UserError(`team ${spec.team} has no aws: section (${displayPath(spec.file)}); sweep groups run on AWS Batch`);
  const region = spec.aws.region;
  const ctx: Ctx = { team: spec.team, region, deps };
  const groups = sweepGroupNames(spec);
  if (groups.length === 0) throw new UserError(`team ${spec.team} has no sweep groups; add one under aws.sweeps in ${displayPath(spec.file)}`);
  const batch = await deps.clients.batch(region);

  if (job === undefined) {
    const summaries: JobSummary[] = [];
    const undeployed: string[] = [];
    for (const g of groups) {
      const jobs = await recentJobs(batch, `${spec.team}-${g}`, ctx);
      if (jobs === undefined) undeployed.push(g);
      else summaries.push(...jobs);
    }
    const details = await describeJobs(batch, summaries.map((s) => s.jobId ?? ''), ctx);
    const jobs = details.map((d) => sweepJob(spec, d)).sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    return { team: spec.team, region, jobs, ...(undeployed.length ? { undeployed } : {}) };
  }

  let id = job;
  if (!UUID.test(job)) {
    const named: JobSummary[] = [];
    for (const g of groups) named.push(...((await recentJobs(batch, `${spec.team}-${g}`, ctx, { name: 'JOB_NAME', values: [job] })) ?? []));
    const newest = named.filter((j) => j.jobName === job).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];
    if (!newest?.jobId) throw new UserError(`no sweep named '${job}' in team ${spec.team}'s queues in ${region}; give the job id \`burst sweep submit\` printed`);
    id = newest.jobId;
  }
  const [detail] = await describeJobs(batch, [id], ctx);
  if (!detail) throw new UserError(`no job ${id} in ${region} (Batch forgets finished jobs after about ${RECENT_DAYS} days)`);
  const group = groupOfQueue(spec, detail.jobQueue);
  if (!group) throw new UserError(`job ${id} runs on ${detail.jobQueue ?? 'another queue'}, not on one of team ${spec.team}'s sweep groups (${listForMessage(groups)})`);
  let failed: FailedTrial[] | undefined;
  if (detail.arrayProperties?.size !== undefined) {
    failed = (detail.arrayProperties.statusSummary?.['FAILED'] ?? 0) > 0 ? await failedChildren(batch, id, ctx) : [];
  } else if (detail.status === 'FAILED') {
    const reason = detail.container?.reason ?? detail.statusReason;
    failed = [{ index: 0, ...(reason ? { reason } : {}), ...(detail.container?.exitCode !== undefined ? { exitCode: detail.container.exitCode } : {}) }];
  }
  return { team: spec.team, region, job: sweepJob(spec, detail, failed) };
}

function progress(j: SweepJob): string {
  const c = j.counts;
  const waiting = c.SUBMITTED + c.PENDING + c.RUNNABLE;
  const parts = [`${c.SUCCEEDED} succeeded`, `${c.FAILED} failed`, `${c.RUNNING} running`];
  if (c.STARTING) parts.push(`${c.STARTING} starting`);
  if (waiting) parts.push(`${waiting} waiting`);
  return `${parts.join(', ')} of ${j.trials} (${j.percentDone}% done)`;
}

/** What `burst sweep status` prints for a person. */
export function renderStatusReport(r: StatusReport): string {
  const lines: string[] = [];
  if (r.job) {
    const j = r.job;
    const status = j.status === 'FAILED' ? style.bad(j.status) : j.status === 'SUCCEEDED' ? style.ok(j.status) : j.status;
    lines.push(`${style.heading(j.name)}  ${status}  group ${j.group}, job ${j.id}`);
    const rows: string[][] = [['trials', progress(j)]];
    if (j.statusReason && j.status === 'FAILED') rows.push(['reason', j.statusReason]);
    if (j.spotReclaims) rows.push(['spot reclaims', `${j.spotReclaims} (retried)`]);
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
  if (jobs.length === 0) lines.push(`no sweeps in team ${r.team}'s queues in the last ${RECENT_DAYS} days`);
  else {
    lines.push(
      ...columns([
        ['GROUP', 'RUN', 'STATUS', 'PROGRESS', 'JOB'].map(style.heading),
        ...jobs.map((j) => [j.group, j.name, j.status, progress(j), j.id]),
      ]),
    );
  }
  if (r.undeployed?.length) lines.push(style.warn(`not deployed yet: ${r.undeployed.join(', ')} (npx cdk deploy ${r.team}-burst)`));
  return lines.join('\n');
}

/** Runs `burst sweep status` with injected dependencies; returns the exit code. */
export async function runSweepStatus(spec: TeamSpec, job: string | undefined, opts: { readonly json?: boolean }, deps: SweepDeps): Promise<number> {
  const report = await sweepStatus(spec, job, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatusReport(report)}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Commander

/** The real clients: the SDKs are imported on first use, and each reads credentials the usual way. */
export function sdkClients(): SweepClients {
  const { batch, cloudFormation, s3 } = awsClients;
  return { batch, cloudFormation, s3 };
}

export function realDeps(): SweepDeps {
  return {
    clients: sdkClients(),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}
