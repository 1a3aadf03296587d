/**
 * `burst down <team> [--cloud aws|gcp] [--yes] [--force] [--json]`: tears a team's burst down and
 * keeps its data, then runs the leak report and exits 1 if anything billable still carries the team.
 *
 * In order: validate (team, `--cloud`, `--yes` without a terminal); read the clouds (missing
 * credentials fail here, before anything changes); refuse while a sweep runs unless `--force`; check
 * that the tool that destroys is there (the CDK CLI, the Pulumi CLI); ask on a terminal; ask running
 * hosts to sync their checkpoints; destroy; report leaks.
 *
 * - AWS: the fleets' Auto Scaling groups are set to 0 first and drained. Each leaving host goes
 *   through the group's termination lifecycle hook, so its agent signals the trainer, waits for the
 *   checkpoint to reach S3 and completes the hook, the path scale-in and the backstop already use.
 *   Draining before the destroy matters: during a stack deletion CloudFormation may delete the NAT
 *   gateway and the S3 gateway endpoint while hosts are still in Terminating:Wait. A running dev box
 *   (no group, no hook) gets an SSM Run Command that signals the trainer the way the agent does on a
 *   notice and waits for the sync-done file, at most the AWS notice budget. Then
 *   `cdk destroy <team>-burst --exclusively --force` (the repository's aws-cdk, run by node, never
 *   fetched by npx); `<team>-storage` is never selected.
 * - GCP: no SSH-less way exists to run a command on a VM (SSH goes through IAP only) and the agent
 *   watches only `instance/preempted`, which a deletion does not set. GCP therefore relies on the
 *   trainer's periodic checkpoint sync and on the guest shutdown that a deletion triggers (systemd
 *   sends SIGTERM to the trainer). With `--force` the team's active Batch jobs are deleted (their
 *   VMs use the instance templates Pulumi is about to delete). TPU queued resources, created by
 *   `burst start` rather than Pulumi, are deleted with the TPU API, then
 *   `pulumi destroy -s <team> --exclude-protected --yes` keeps the protected bucket, repository and
 *   dev box data disk.
 *
 * Clients, the tool runner, the prompt, the leak report, clock and sleep are injected: tests run
 * against aws-sdk-client-mock, plain fakes and a fake runner without waiting.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { BatchClient } from '@aws-sdk/client-batch';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import type { LeakDeps } from '../leaks.js';
import { NOTICE_BUDGET_SECONDS } from '../../images/agent/config.js';
import { HOST_PATHS } from '../../images/agent/render.js';
import { PROJECT_ROOT, teamsDir } from '../../spec/paths.js';
import { planTeam } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { AWS_CREDENTIALS, awsErrorName, awsFailure } from '../aws-errors.js';
import { GCP_CREDENTIALS, gcpErrorCode, gcpFailure } from '../gcp-errors.js';
import { columns, style } from '../output.js';
import { loadSelected } from '../teams.js';
import type { QueuedResourceLike, TpuOperationLike } from './start-gcp.js';
import { gcpSweepClients, gcpSweepGroupNames, sweepStatusGcp, type BatchClientLike } from './sweep-gcp.js';
import { sweepGroupNames } from './sweep.js';
import { awsClients } from '../aws-clients.js';

/** Seconds a leaving fleet host may spend in the checkpoint hook (CHECKPOINT_HOOK_TIMEOUT_SECONDS of GpuFleet). */
export const FLEET_HOOK_SECONDS = 300;
/** How long `burst down` waits for the fleets to drain: the hook's heartbeat plus two minutes to terminate. */
export const DRAIN_WAIT_MS = (FLEET_HOOK_SECONDS + 120) * 1000;
/** How often the groups and the dev box's command are polled. */
export const DOWN_POLL_MS = 5_000;
/** Seconds the dev box's trainer gets to sync: the agent's AWS notice budget. */
export const DEVBOX_SYNC_SECONDS = NOTICE_BUDGET_SECONDS.aws;
/** Attempts of a throttled call or tool run (on top of the SDK's and the tool's own retries). */
export const RETRY_ATTEMPTS = 4;
/** First backoff of a throttled call; it doubles with each attempt. */
export const RETRY_BASE_MS = 2_000;
/** AWS Batch job states of a sweep that has not finished. */
export const ACTIVE_AWS_JOB_STATES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'] as const;
/** Google Cloud Batch job states of a sweep that has not finished. */
export const ACTIVE_GCP_JOB_STATES = ['QUEUED', 'SCHEDULED', 'RUNNING'] as const;
/** What the dev box's sync command prints before its outcome. */
export const SYNC_MARKER = 'gpu-burst-sync:';

const CLOUDS = ['aws', 'gcp'] as const;
/** A cloud `burst down` tears down. */
export type DownCloud = (typeof CLOUDS)[number];

// ---------------------------------------------------------------------------------------------
// Dependencies

/** What a spawned tool did. `missing`: the executable was not found. */
export interface ToolResult {
  readonly code: number | null;
  /** The last lines of stdout and stderr together. */
  readonly output: string;
  readonly missing?: boolean;
}

/** Runs a tool to completion, handing each output line to `onLine` as it comes. */
export type ToolRunner = (
  command: string,
  args: readonly string[],
  opts: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly onLine?: (line: string) => void },
) => Promise<ToolResult>;

/** AWS clients, one per service in the team's region. */
export interface AwsDownClients {
  autoScaling(region: string): AutoScalingClient | Promise<AutoScalingClient>;
  batch(region: string): BatchClient | Promise<BatchClient>;
  cloudFormation(region: string): CloudFormationClient | Promise<CloudFormationClient>;
  ec2(region: string): EC2Client | Promise<EC2Client>;
  ssm(region: string): SSMClient | Promise<SSMClient>;
}

/** A queued resource as `listQueuedResources` returns it (the node spec carries the labels). */
export interface ListedQueuedResource extends QueuedResourceLike {
  readonly tpu?: { readonly nodeSpec?: readonly { readonly node?: { readonly labels?: Readonly<Record<string, string>> | null } | null }[] | null } | null;
}

/** The part of a v2 `TpuClient` `burst down` uses. */
export interface TpuDownClient {
  listQueuedResources(request: { parent: string }): Promise<[ListedQueuedResource[], ...unknown[]]>;
  deleteQueuedResource(request: { name: string; force: boolean }): Promise<[TpuOperationLike, ...unknown[]]>;
  /** Authenticates: missing credentials fail here, before anything is changed. */
  initialize?(): Promise<unknown>;
  close?(): Promise<void>;
}

/** A Batch client that can also delete a job (`--force`). */
export interface BatchDownClient extends BatchClientLike {
  deleteJob(request: { name: string; reason?: string }): Promise<[TpuOperationLike, ...unknown[]]>;
}

/** Google clients. */
export interface GcpDownClients {
  batch(): BatchDownClient | Promise<BatchDownClient>;
  tpu(): TpuDownClient | Promise<TpuDownClient>;
}

/** A leak report (`cli/leaks.ts`) as `burst down` uses it. */
export interface LeakOutcome {
  /** The report as `burst leaks --json` prints it. */
  readonly report: unknown;
  /** Billable resources still carrying the team. */
  readonly remaining: number;
  /** The report's exit code: 0 clean, 1 leaks, 3 some kinds could not be checked. */
  readonly exitCode: number;
  /** The report for a person. */
  readonly text: string;
}

/** Runs the leak report after the teardown. */
export type LeakCheck = (spec: TeamSpec, opts: { readonly cloud?: DownCloud }) => Promise<LeakOutcome>;

/** Everything `runDown` touches outside its arguments. */
export interface DownDeps {
  readonly aws: AwsDownClients;
  readonly gcp: GcpDownClients;
  readonly run: ToolRunner;
  readonly leaks: LeakCheck;
  /** Asks a person on a terminal; undefined when there is no terminal (then only --yes proceeds). */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Path of aws-cdk's `bin/cdk`, or undefined when aws-cdk is not installed. @default - resolved from node_modules */
  readonly cdkCli?: () => string | undefined;
  /** Repository root: cwd of cdk and pulumi. @default PROJECT_ROOT */
  readonly root?: string;
  /** The teams directory the CDK app and the Pulumi program read. @default teamsDir() */
  readonly teamsDir?: string;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Options of `burst down`. */
export interface DownOptions {
  /** Only this cloud. @default - every cloud the team file has */
  readonly cloud?: DownCloud;
  /** Destroy without asking. @default false */
  readonly yes?: boolean;
  /** Destroy even while a sweep runs (its jobs stop). @default false */
  readonly force?: boolean;
  /** Print one JSON document (progress stays on stderr). @default false */
  readonly json?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Report

/** A sweep that had not finished. */
export interface ActiveSweep {
  readonly cloud: DownCloud;
  readonly group: string;
  readonly run: string;
  readonly jobId: string;
  readonly status: string;
}

/** How the dev box's trainer answered (AWS). */
export type DevBoxSync = 'synced' | 'no-trainer' | 'timeout' | 'unreachable' | 'failed';

/** What `burst down` did on AWS. */
export interface AwsDown {
  readonly region: string;
  readonly stack: string;
  /** False when the stack did not exist. */
  readonly destroyed: boolean;
  /** Fleets drained through the checkpoint hook, with the hosts they had. */
  readonly drained: readonly { readonly fleet: string; readonly group: string; readonly hosts: number }[];
  /** Groups that still had hosts after DRAIN_WAIT_MS (CloudFormation finished them). */
  readonly drainTimedOut: readonly string[];
  readonly devBox?: { readonly instanceId: string; readonly sync: DevBoxSync; readonly detail: string };
  /** Sweeps that ran and were stopped by the teardown (--force). */
  readonly sweepsStopped: readonly ActiveSweep[];
  readonly kept: readonly string[];
}

/** What `burst down` did on GCP. */
export interface GcpDown {
  readonly project: string;
  readonly region: string;
  readonly stack: string;
  /** False when the Pulumi stack did not exist in the current backend. */
  readonly destroyed: boolean;
  readonly queuedResourcesDeleted: readonly string[];
  /** Sweep jobs deleted (--force). */
  readonly sweepsStopped: readonly ActiveSweep[];
  /** How running hosts' checkpoints are kept on GCP. */
  readonly checkpoints: string;
  readonly kept: readonly string[];
}

/** What `burst down --json` prints. */
export interface DownReport {
  readonly team: string;
  readonly clouds: readonly DownCloud[];
  readonly aws?: AwsDown;
  readonly gcp?: GcpDown;
  /** The leak report after the teardown (as `burst leaks --json` prints it). */
  readonly leaks: unknown;
  /** Billable resources still carrying the team after the teardown. */
  readonly remaining: number;
  /** The exit code: the leak report's (0 clean, 1 leaks, 3 some kinds could not be checked). */
  readonly exitCode: number;
}

/** How checkpoints of running GCP hosts are kept (printed and in --json). */
export const GCP_CHECKPOINTS =
  'no SSH-less way to run a command on a GCE VM, and the agent watches only instance/preempted: running hosts keep what the trainer ' +
  "synced periodically, and the deletion's guest shutdown sends the trainer SIGTERM";

// ---------------------------------------------------------------------------------------------
// Validation and helpers

/** The clouds to tear down: `--cloud`, else every cloud the team file has. */
export function downClouds(spec: TeamSpec, cloud: string | undefined): DownCloud[] {
  if (cloud !== undefined) {
    if (!(CLOUDS as readonly string[]).includes(cloud)) throw new UserError(`--cloud must be aws or gcp; got '${cloud}'`);
    if (!spec[cloud as DownCloud]) throw new UserError(`team ${spec.team} has no ${cloud}: section in ${spec.file}; drop --cloud ${cloud}`);
    return [cloud as DownCloud];
  }
  const clouds = CLOUDS.filter((c) => spec[c]);
  if (clouds.length === 0) throw new UserError(`team ${spec.team} has neither an aws: nor a gcp: section in ${spec.file}; nothing to tear down`);
  return clouds;
}

function isAwsThrottle(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(awsErrorName(err)) || status === 429;
}

function isGcpThrottle(err: unknown): boolean {
  const code = gcpErrorCode(err);
  return code === 8 || code === 429 || /rateLimitExceeded|RESOURCE_EXHAUSTED|per minute/i.test((err as Error | null)?.message ?? '');
}

/** Calls `fn`, retrying a throttled call with exponential backoff. */
async function retrying<T>(fn: () => Promise<T>, throttled: (err: unknown) => boolean, sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= RETRY_ATTEMPTS || !throttled(err)) throw err;
      await sleep(RETRY_BASE_MS * 2 ** (attempt - 1));
    }
  }
}

interface Ctx {
  readonly spec: TeamSpec;
  readonly deps: DownDeps;
  readonly progress: (text: string) => void;
}

async function awsCall<T>(ctx: Ctx, region: string, action: string, fn: () => Promise<T>, needs?: string): Promise<T> {
  try {
    return await retrying(fn, isAwsThrottle, ctx.deps.sleep);
  } catch (err) {
    throw awsFailure(err, { action, region, ...(needs ? { needs } : {}) });
  }
}

async function gcpCall<T>(ctx: Ctx, project: string, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await retrying(fn, isGcpThrottle, ctx.deps.sleep);
  } catch (err) {
    throw gcpFailure(err, { action, project, team: ctx.spec.team });
  }
}

/** The environment cdk and pulumi run with: BURST_TEAMS_DIR when the team file lives outside the teams directory. */
function toolEnv(ctx: Ctx): NodeJS.ProcessEnv {
  const dir = dirname(resolve(ctx.spec.file));
  const elsewhere = dir !== resolve(ctx.deps.teamsDir ?? teamsDir());
  return { ...process.env, ...(elsewhere ? { BURST_TEAMS_DIR: dir } : {}), PULUMI_SKIP_UPDATE_CHECK: 'true' };
}

function lastLine(output: string, pattern?: RegExp): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return (pattern ? lines.find((l) => pattern.test(l)) : undefined) ?? lines[lines.length - 1] ?? '(no output)';
}

/** Runs a tool, again after a backoff while its output says it was throttled. */
async function runTool(ctx: Ctx, command: string, args: readonly string[], throttled: RegExp): Promise<ToolResult> {
  const { deps } = ctx;
  for (let attempt = 1; ; attempt++) {
    const result = await deps.run(command, args, { cwd: deps.root ?? PROJECT_ROOT, env: toolEnv(ctx), onLine: (line) => deps.stderr(style.dim(`  ${line}\n`)) });
    if (result.code === 0 || result.missing || attempt >= RETRY_ATTEMPTS || !throttled.test(result.output)) return result;
    ctx.progress(`throttled; trying again in ${(RETRY_BASE_MS * 2 ** (attempt - 1)) / 1000}s`);
    await deps.sleep(RETRY_BASE_MS * 2 ** (attempt - 1));
  }
}

// ---------------------------------------------------------------------------------------------
// AWS

interface AwsFleetGroup {
  readonly fleet: string;
  readonly group: string;
  readonly hosts: number;
  readonly desired: number;
}

interface AwsState {
  readonly region: string;
  readonly stack: string;
  readonly stackStatus?: string;
  readonly fleets: readonly AwsFleetGroup[];
  readonly devBox?: { readonly id: string; readonly state: string };
  readonly sweeps: readonly ActiveSweep[];
}

async function surveyAws(ctx: Ctx): Promise<AwsState> {
  const { spec, deps } = ctx;
  const region = spec.aws?.region ?? '';
  const stack = `${spec.team}-burst`;
  const [asgApi, batchApi, cfnApi, ec2Api] = await Promise.all([
    import('@aws-sdk/client-auto-scaling'),
    import('@aws-sdk/client-batch'),
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-ec2'),
  ]);
  const cfn = await deps.aws.cloudFormation(region);
  let stackStatus: string | undefined;
  try {
    const out = await retrying(() => cfn.send(new cfnApi.DescribeStacksCommand({ StackName: stack })), isAwsThrottle, deps.sleep);
    stackStatus = out.Stacks?.[0]?.StackStatus;
  } catch (err) {
    if (!(awsErrorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message))) {
      throw awsFailure(err, { action: 'cloudformation:DescribeStacks', region });
    }
  }
  if (stackStatus === undefined) return { region, stack, fleets: [], sweeps: [] };

  const team = [{ Name: 'tag:team', Values: [spec.team] }];
  const asg = await deps.aws.autoScaling(region);
  const groups = await awsCall(ctx, region, 'autoscaling:DescribeAutoScalingGroups', () =>
    asg.send(new asgApi.DescribeAutoScalingGroupsCommand({ Filters: [...team, { Name: 'tag:gpu-burst:role', Values: ['fleet'] }] })),
  );
  const fleets = (groups.AutoScalingGroups ?? []).map((g) => ({
    fleet: g.Tags?.find((t) => t.Key === 'gpu-burst:fleet')?.Value ?? g.AutoScalingGroupName ?? '',
    group: g.AutoScalingGroupName ?? '',
    hosts: (g.Instances ?? []).length,
    desired: g.DesiredCapacity ?? 0,
  }));

  const ec2 = await deps.aws.ec2(region);
  const boxes = await awsCall(ctx, region, 'ec2:DescribeInstances', () =>
    ec2.send(
      new ec2Api.DescribeInstancesCommand({
        Filters: [...team, { Name: 'tag:gpu-burst:role', Values: ['devbox'] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }],
      }),
    ),
  );
  const box = (boxes.Reservations ?? []).flatMap((r) => r.Instances ?? [])[0];

  const sweeps: ActiveSweep[] = [];
  const batch = await deps.aws.batch(region);
  for (const group of sweepGroupNames(spec)) {
    const queue = `${spec.team}-${group}`;
    for (const status of ACTIVE_AWS_JOB_STATES) {
      let jobs;
      try {
        jobs = await retrying(() => batch.send(new batchApi.ListJobsCommand({ jobQueue: queue, jobStatus: status, maxResults: 100 })), isAwsThrottle, deps.sleep);
      } catch (err) {
        // A queue that does not exist (never deployed, or already deleted) runs nothing.
        if (awsErrorName(err) === 'ClientException' && /queue/i.test((err as Error).message)) break;
        throw awsFailure(err, { action: 'batch:ListJobs', region, needs: `batch:ListJobs on the job queue ${queue}` });
      }
      for (const j of jobs.jobSummaryList ?? []) {
        sweeps.push({ cloud: 'aws', group, run: j.jobName ?? '', jobId: j.jobId ?? '', status: j.status ?? status });
      }
    }
  }
  return {
    region,
    stack,
    stackStatus,
    fleets,
    ...(box?.InstanceId ? { devBox: { id: box.InstanceId, state: box.State?.Name ?? 'running' } } : {}),
    sweeps,
  };
}

/** Sets every fleet with hosts to 0 and waits until the checkpoint hook has let them all go. */
async function drainFleets(ctx: Ctx, state: AwsState): Promise<Pick<AwsDown, 'drained' | 'drainTimedOut'>> {
  const busy = state.fleets.filter((f) => f.hosts > 0 || f.desired > 0);
  if (busy.length === 0) return { drained: [], drainTimedOut: [] };
  const { deps } = ctx;
  const api = await import('@aws-sdk/client-auto-scaling');
  const asg = await deps.aws.autoScaling(state.region);
  for (const f of busy) {
    await awsCall(ctx, state.region, 'autoscaling:UpdateAutoScalingGroup', () =>
      asg.send(new api.UpdateAutoScalingGroupCommand({ AutoScalingGroupName: f.group, MinSize: 0, DesiredCapacity: 0 })),
    );
  }
  ctx.progress(
    `fleets ${busy.map((f) => f.fleet).join(', ')} set to 0: each host uploads its checkpoint through the ${FLEET_HOOK_SECONDS}s lifecycle hook...`,
  );
  const started = deps.now().getTime();
  let left = busy.map((f) => f.group);
  for (;;) {
    const out = await awsCall(ctx, state.region, 'autoscaling:DescribeAutoScalingGroups', () =>
      asg.send(new api.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: left })),
    );
    const hosts = new Map((out.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName ?? '', (g.Instances ?? []).length]));
    left = left.filter((g) => (hosts.get(g) ?? 0) > 0);
    if (left.length === 0) break;
    const waited = deps.now().getTime() - started;
    if (waited >= DRAIN_WAIT_MS) {
      ctx.progress(style.warn(`still draining after ${Math.round(waited / 1000)}s: ${left.join(', ')}; the stack deletion finishes them`));
      break;
    }
    ctx.progress(`${[...hosts.values()].reduce((a, b) => a + b, 0)} fleet hosts still leaving (${Math.round(waited / 1000)}s)`);
    await deps.sleep(DOWN_POLL_MS);
  }
  return { drained: busy.map(({ fleet, group, hosts }) => ({ fleet, group, hosts })), drainTimedOut: left };
}

/**
 * The shell the dev box runs through SSM: signal the trainer named in the agent's pid file with the
 * agent's signal, then wait for the sync-done file to be touched (mtime at or after the signal) for
 * the notice budget minus 10 %, as the agent does on a spot notice. File names come from the agent's
 * configuration, with the rendered defaults as a fallback.
 */
export function devBoxSyncScript(budgetSeconds = DEVBOX_SYNC_SECONDS, paths: { config: string; runDir: string } = HOST_PATHS): string[] {
  const wait = Math.floor(budgetSeconds * 0.9);
  return [
    `cfg() { python3 -c "import json; print(json.load(open('${paths.config}'))['trainer']['$1'])" 2>/dev/null; }`,
    `pidfile=$(cfg pidFile); pidfile=\${pidfile:-${paths.runDir}/trainer.pid}`,
    `donefile=$(cfg syncDoneFile); donefile=\${donefile:-${paths.runDir}/checkpoint-synced}`,
    'sig=$(cfg signal); sig=${sig:-SIGTERM}',
    'pid=$(tr -dc 0-9 < "$pidfile" 2>/dev/null)',
    `if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then echo "${SYNC_MARKER} no trainer is running: nothing to sync"; exit 0; fi`,
    'start=$(date +%s)',
    `kill -s "\${sig#SIG}" "$pid" || { echo "${SYNC_MARKER} failed to signal $pid"; exit 0; }`,
    `while [ $(( $(date +%s) - start )) -lt ${wait} ]; do`,
    `  if [ -e "$donefile" ] && [ "$(stat -c %Y "$donefile")" -ge "$start" ]; then echo "${SYNC_MARKER} synced after $(( $(date +%s) - start ))s"; exit 0; fi`,
    '  sleep 1',
    'done',
    `echo "${SYNC_MARKER} timeout: no checkpoint after ${wait}s"`,
  ];
}

/** Asks the running dev box's trainer to checkpoint through SSM Run Command and waits for the answer. */
async function syncDevBox(ctx: Ctx, region: string, id: string): Promise<NonNullable<AwsDown['devBox']>> {
  const { deps } = ctx;
  const api = await import('@aws-sdk/client-ssm');
  const ssm = await deps.aws.ssm(region);
  ctx.progress(`dev box ${id}: asking the trainer to checkpoint (SSM Run Command, up to ${DEVBOX_SYNC_SECONDS}s)...`);
  let commandId: string;
  try {
    const out = await retrying(
      () =>
        ssm.send(
          new api.SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: [id],
            Comment: `gpu-burst: burst down ${ctx.spec.team} asks the trainer to checkpoint`,
            Parameters: { commands: devBoxSyncScript(), executionTimeout: [String(DEVBOX_SYNC_SECONDS + 30)] },
            TimeoutSeconds: 60,
          }),
        ),
      isAwsThrottle,
      deps.sleep,
    );
    commandId = out.Command?.CommandId ?? '';
  } catch (err) {
    // Not registered with Systems Manager: egress off (no route to SSM) or the SSM agent not running.
    if (/InvalidInstanceId/.test(awsErrorName(err))) {
      return { instanceId: id, sync: 'unreachable', detail: 'not reachable through Systems Manager (egress off?): not synced; its /data volume is kept' };
    }
    throw awsFailure(err, { action: 'ssm:SendCommand', region, needs: `ssm:SendCommand on document AWS-RunShellScript and instance ${id}` });
  }
  const started = deps.now().getTime();
  for (;;) {
    await deps.sleep(DOWN_POLL_MS);
    let inv;
    try {
      inv = await retrying(() => ssm.send(new api.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id })), isAwsThrottle, deps.sleep);
    } catch (err) {
      // The invocation appears a moment after SendCommand.
      if (awsErrorName(err) !== 'InvocationDoesNotExist') throw awsFailure(err, { action: 'ssm:GetCommandInvocation', region });
    }
    const status = inv?.Status ?? 'Pending';
    if (!['Pending', 'InProgress', 'Delayed'].includes(status)) {
      const said = (inv?.StandardOutputContent ?? '').split('\n').find((l) => l.startsWith(SYNC_MARKER))?.slice(SYNC_MARKER.length).trim() ?? '';
      const sync: DevBoxSync = /^synced/.test(said) ? 'synced' : /^no trainer/.test(said) ? 'no-trainer' : /^timeout/.test(said) ? 'timeout' : 'failed';
      return { instanceId: id, sync, detail: said || `command ${status}${inv?.StatusDetails ? ` (${inv.StatusDetails})` : ''}` };
    }
    if (deps.now().getTime() - started >= (DEVBOX_SYNC_SECONDS + 60) * 1000) {
      return { instanceId: id, sync: 'timeout', detail: `timeout: no answer after ${DEVBOX_SYNC_SECONDS + 60}s (SSM command ${commandId})` };
    }
  }
}

/** AWS: what the CDK CLI says, as a UserError (or 'throttled' / undefined for a clean exit). */
function cdkFailure(result: ToolResult, stack: string, region: string): UserError {
  const out = result.output;
  if (/no credentials have been configured|Could not load credentials|Unable to resolve AWS account|CredentialsProviderError/i.test(out)) {
    return new UserError(AWS_CREDENTIALS);
  }
  if (/ExpiredToken|token .*expired|sso session .*expired/i.test(out)) {
    return new UserError(`AWS credentials were rejected (${lastLine(out, /expired/i)}); run \`aws sso login\` or refresh your profile, then try again`);
  }
  if (/AccessDenied|not authorized to perform|UnauthorizedOperation/.test(out)) {
    return new UserError(
      `AWS denied the deletion of ${stack} in ${region} (${lastLine(out, /AccessDenied|not authorized|UnauthorizedOperation/)}); ` +
        'the identity needs to assume the CDK bootstrap deploy role (cdk-*-deploy-role-*), as `cdk deploy` does',
    );
  }
  if (/Throttl|Rate exceeded|TooManyRequests/.test(out)) {
    return new UserError(`AWS throttled the deletion of ${stack} in ${region} (${lastLine(out, /Throttl|Rate exceeded|TooManyRequests/)}); wait a minute and run burst down again`);
  }
  return new UserError(
    `cdk destroy ${stack} failed (exit ${result.code ?? 'signal'}: ${lastLine(out, /fail|error|❌/i)}); ` +
      `see the output above, or run it yourself: npx cdk destroy ${stack} --exclusively`,
  );
}

async function destroyAws(ctx: Ctx, state: AwsState, cdk: string): Promise<void> {
  const { region, stack } = state;
  ctx.progress(`destroying ${stack} in ${region} (cdk destroy; ${ctx.spec.team}-storage is not selected)...`);
  const result = await runTool(ctx, process.execPath, [cdk, 'destroy', stack, '--exclusively', '--force'], /Throttl|Rate exceeded|TooManyRequests/);
  if (result.code !== 0) throw cdkFailure(result, stack, region);
  // cdk destroy exits 0 once CloudFormation reports the deletion; check it really is gone.
  const api = await import('@aws-sdk/client-cloudformation');
  const cfn = await ctx.deps.aws.cloudFormation(region);
  try {
    const out = await retrying(() => cfn.send(new api.DescribeStacksCommand({ StackName: stack })), isAwsThrottle, ctx.deps.sleep);
    const left = out.Stacks?.[0];
    if (left && left.StackStatus !== 'DELETE_COMPLETE') {
      throw new UserError(
        `${stack} is ${left.StackStatus}${left.StackStatusReason ? ` (${left.StackStatusReason})` : ''} after cdk destroy; ` +
          `see aws cloudformation describe-stack-events --stack-name ${stack} --region ${region}, fix it, then run burst down again`,
      );
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (!(awsErrorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message))) {
      throw awsFailure(err, { action: 'cloudformation:DescribeStacks', region });
    }
  }
}

function awsKept(team: string, devBox: boolean): string[] {
  return [
    `${team}-storage: the artifact bucket with every version, the log archive, the image repository, the alert topic and budget`,
    ...(devBox ? ['the dev box data volume (retained; reattach it with aws.devBox.dataVolumeId)'] : []),
  ];
}

// ---------------------------------------------------------------------------------------------
// GCP

interface GcpState {
  readonly project: string;
  readonly region: string;
  readonly sweeps: readonly ActiveSweep[];
  readonly queuedResources: readonly { readonly name: string; readonly id: string; readonly zone: string }[];
}

async function closeQuietly(client: { close?(): Promise<void> } | undefined): Promise<void> {
  await client?.close?.()?.catch(() => undefined);
}

async function surveyGcp(ctx: Ctx, tpu: TpuDownClient): Promise<GcpState> {
  const { spec, deps } = ctx;
  const plan = planTeam(spec).gcp;
  const project = plan?.project ?? '';
  const region = plan?.region ?? '';
  // Authenticates first, so that missing credentials are reported before anything else.
  if (tpu.initialize) await gcpCall(ctx, project, 'tpu.queuedResources.list', () => tpu.initialize?.() as Promise<unknown>);

  const sweeps: ActiveSweep[] = [];
  if (gcpSweepGroupNames(spec).length > 0) {
    const unused = () => {
      throw new Error('burst down reads sweep status only');
    };
    const status = await sweepStatusGcp(spec, undefined, {
      clients: { batch: () => deps.gcp.batch(), storage: unused, templates: unused },
      now: deps.now,
      stdout: () => undefined,
      stderr: deps.stderr,
    });
    for (const j of status.jobs ?? []) {
      if ((ACTIVE_GCP_JOB_STATES as readonly string[]).includes(j.status)) sweeps.push({ cloud: 'gcp', group: j.group, run: j.name, jobId: j.id, status: j.status });
    }
  }

  // Queued resources are created by burst start, not Pulumi: the plan's ids, and any other `<team>-*`
  // labelled with the team (a TPU renamed or removed from the file since). The label guards team
  // `ml` against deleting team `ml-vision`'s TPUs.
  const tpus = (plan?.items ?? []).flatMap((i) => (i.kind === 'tpuNode' ? [i] : []));
  const ids = new Set(tpus.map((t) => `${spec.team}-${t.name}`));
  const queuedResources: GcpState['queuedResources'][number][] = [];
  for (const zone of [...new Set(tpus.map((t) => t.zone))]) {
    const [listed] = await gcpCall(ctx, project, 'tpu.queuedResources.list', () => tpu.listQueuedResources({ parent: `projects/${project}/locations/${zone}` }));
    for (const qr of listed) {
      const id = (qr.name ?? '').split('/').pop() ?? '';
      const labelled = (qr.tpu?.nodeSpec ?? []).some((n) => n.node?.labels?.['team'] === spec.team);
      if (ids.has(id) || (id.startsWith(`${spec.team}-`) && labelled)) queuedResources.push({ name: qr.name ?? '', id, zone });
    }
  }
  return { project, region, sweeps, queuedResources };
}

async function stopGcpSweeps(ctx: Ctx, state: GcpState): Promise<void> {
  if (state.sweeps.length === 0) return;
  const batch = await ctx.deps.gcp.batch();
  try {
    for (const s of state.sweeps) {
      ctx.progress(`deleting Batch job ${s.jobId} (sweep ${s.run}, ${s.status}; --force)...`);
      const name = `projects/${state.project}/locations/${state.region}/jobs/${s.jobId}`;
      await gcpCall(ctx, state.project, 'batch.jobs.delete', async () => {
        const [op] = await batch.deleteJob({ name, reason: `burst down ${ctx.spec.team} --force` });
        await op.promise();
      });
    }
  } finally {
    await closeQuietly(batch);
  }
}

async function deleteQueuedResources(ctx: Ctx, tpu: TpuDownClient, state: GcpState): Promise<void> {
  for (const qr of state.queuedResources) {
    ctx.progress(`deleting TPU queued resource ${qr.id} in ${qr.zone} (created by burst start, not Pulumi)...`);
    try {
      await retrying(
        async () => {
          const [op] = await tpu.deleteQueuedResource({ name: qr.name, force: true });
          await op.promise();
        },
        isGcpThrottle,
        ctx.deps.sleep,
      );
    } catch (err) {
      if (gcpErrorCode(err) === 5) continue; // already gone
      throw gcpFailure(err, { action: 'tpu.queuedResources.delete', project: state.project, team: ctx.spec.team });
    }
  }
}

const PULUMI_INSTALL = 'install it (curl -fsSL https://get.pulumi.com | sh, or brew install pulumi/tap/pulumi), run `pulumi login`, then run burst down again';

/** GCP: what the Pulumi CLI says, as a UserError. */
function pulumiFailure(result: ToolResult, team: string, project: string): UserError {
  const out = result.output;
  if (/could not find default credentials|Unable to detect a Project Id|default credentials were not found/i.test(out)) return new UserError(GCP_CREDENTIALS);
  if (/PULUMI_ACCESS_TOKEN|pulumi login|not logged in/i.test(out)) {
    return new UserError(`Pulumi is not logged in to the backend that holds stack ${team}: run \`pulumi login\` (or set PULUMI_BACKEND_URL), then run burst down again`);
  }
  if (/passphrase/i.test(out)) return new UserError(`Pulumi needs the stack's passphrase: set PULUMI_CONFIG_PASSPHRASE (${lastLine(out, /passphrase/i)})`);
  if (/Error 403|PERMISSION_DENIED|forbidden|does not have .* access|Required '[^']+' permission/i.test(out)) {
    return new UserError(
      `Google Cloud denied part of pulumi destroy -s ${team} in project ${project} (${lastLine(out, /403|PERMISSION_DENIED|forbidden|permission/i)}); ` +
        'the account needs the roles that deployed the stack',
    );
  }
  if (/Error 429|rateLimitExceeded|RESOURCE_EXHAUSTED/i.test(out)) {
    return new UserError(`Google Cloud throttled pulumi destroy -s ${team} (${lastLine(out, /429|rateLimitExceeded|RESOURCE_EXHAUSTED/i)}); wait a minute and run burst down again`);
  }
  return new UserError(
    `pulumi destroy -s ${team} failed (exit ${result.code ?? 'signal'}: ${lastLine(out, /error/i)}); see the output above, or run it yourself: ` +
      `pulumi destroy -s ${team} --exclude-protected`,
  );
}

/** `pulumi destroy`; false when the stack does not exist in the current backend. */
async function destroyGcp(ctx: Ctx, state: GcpState): Promise<boolean> {
  const team = ctx.spec.team;
  ctx.progress(`destroying the Pulumi stack ${team} in ${state.project}, keeping protected resources (pulumi destroy --exclude-protected)...`);
  const result = await runTool(ctx, 'pulumi', ['destroy', '-s', team, '--exclude-protected', '--yes', '--non-interactive'], /Error 429|rateLimitExceeded|RESOURCE_EXHAUSTED/i);
  if (result.code === 0) return true;
  if (result.missing) throw new UserError(`the Pulumi CLI (pulumi) is not on PATH: ${PULUMI_INSTALL}`);
  if (/no stack named|stack .*not found/i.test(result.output)) {
    ctx.progress(style.warn(`no Pulumi stack ${team} in the current backend (pulumi stack ls): nothing to destroy there`));
    return false;
  }
  throw pulumiFailure(result, team, state.project);
}

const GCP_KEPT = ['the artifact bucket, the image repository and the dev box data disk (protected in the Pulumi stack; retained if ever destroyed)'];

// ---------------------------------------------------------------------------------------------
// The command

function sweepLines(sweeps: readonly ActiveSweep[]): string[] {
  return sweeps.map((s) => `  ${s.cloud}  sweep ${s.run} on group ${s.group}: ${s.status} (job ${s.jobId})`);
}

function confirmation(spec: TeamSpec, aws: AwsState | undefined, gcp: GcpState | undefined, force: boolean): string {
  const plan = planTeam(spec);
  const names = (items: readonly { kind: string; name?: string }[] | undefined, kind: string) =>
    (items ?? []).filter((i) => i.kind === kind).map((i) => i.name ?? kind);
  const lines = [`burst down ${spec.team} destroys:`];
  if (aws) {
    const hosts = aws.fleets.reduce((n, f) => n + f.hosts, 0);
    const fleets = names(plan.aws?.items, 'gpuFleet');
    const sweeps = names(plan.aws?.items, 'sweepGroup');
    const parts = [
      'the VPC and its NAT gateway',
      ...(fleets.length ? [`fleets ${fleets.join(', ')} (${hosts} host${hosts === 1 ? '' : 's'} running)`] : []),
      ...(sweeps.length ? [`sweep groups ${sweeps.join(', ')}`] : []),
      ...(aws.devBox ? ['the dev box instance (running)'] : spec.aws?.devBox ? ['the dev box instance'] : []),
      'the backstop',
    ];
    lines.push(aws.stackStatus ? `  aws  stack ${aws.stack} in ${aws.region}: ${parts.join(', ')}` : `  aws  nothing: ${aws.stack} does not exist in ${aws.region}`);
  }
  if (gcp) {
    const qrs = gcp.queuedResources.map((q) => `${q.id} (${q.zone})`);
    lines.push(
      `  gcp  the Pulumi stack ${spec.team} in ${gcp.project} but its protected resources: the network, fleets, sweep groups, dev box VM, ` +
        `team identity, backstop and budget${qrs.length ? `; TPU queued resources ${qrs.join(', ')}` : ''}`,
    );
  }
  const sweeps = [...(aws?.sweeps ?? []), ...(gcp?.sweeps ?? [])];
  if (force && sweeps.length) lines.push('and stops the running sweeps (--force):', ...sweepLines(sweeps));
  lines.push('and keeps:');
  if (aws) lines.push(...awsKept(spec.team, !!spec.aws?.devBox).map((k) => `  aws  ${k}`));
  if (gcp) lines.push(...GCP_KEPT.map((k) => `  gcp  ${k}`));
  lines.push('Running hosts are asked to sync their checkpoints first.');
  return lines.join('\n');
}

/** Tears the team's burst down; returns the report, the leak report included (`leakText`: for a person). */
export async function burstDown(spec: TeamSpec, opts: DownOptions, deps: DownDeps): Promise<DownReport & { readonly leakText: string }> {
  const clouds = downClouds(spec, opts.cloud);
  if (!opts.yes && !deps.confirm) {
    throw new UserError(`burst down destroys the burst of team ${spec.team} and there is no terminal to confirm it on; pass --yes to destroy without asking`);
  }
  const ctx: Ctx = { spec, deps, progress: (text) => deps.stderr(`${text}\n`) };

  // Read before changing anything: credentials, what exists, what runs.
  const aws = clouds.includes('aws') ? await surveyAws(ctx) : undefined;
  const tpu = clouds.includes('gcp') ? await deps.gcp.tpu() : undefined;
  try {
    const gcp = tpu ? await surveyGcp(ctx, tpu) : undefined;
    const sweeps = [...(aws?.sweeps ?? []), ...(gcp?.sweeps ?? [])];
    if (sweeps.length > 0 && !opts.force) {
      throw new UserError(
        [
          `${sweeps.length === 1 ? 'a sweep is' : `${sweeps.length} sweeps are`} still running; burst down would stop ${sweeps.length === 1 ? 'it' : 'them'}:`,
          ...sweepLines(sweeps),
          `Wait for ${sweeps.length === 1 ? 'it' : 'them'} (burst sweep status ${spec.team}), or pass --force to stop ${sweeps.length === 1 ? 'it' : 'them'} with the teardown (finished trials and synced checkpoints are kept).`,
        ].join('\n'),
      );
    }
    let cdk: string | undefined;
    if (aws?.stackStatus) {
      cdk = (deps.cdkCli ?? resolveCdkCli)();
      if (!cdk) throw new UserError('the AWS CDK CLI (aws-cdk, a devDependency) is not installed: run npm install, then run burst down again');
    }
    if (gcp) {
      const version = await deps.run('pulumi', ['version'], { cwd: deps.root ?? PROJECT_ROOT, env: toolEnv(ctx) });
      if (version.missing) throw new UserError(`the Pulumi CLI (pulumi) is not on PATH: ${PULUMI_INSTALL}`);
      if (version.code !== 0) throw new UserError(`pulumi version failed (${lastLine(version.output)}); fix the Pulumi CLI, then run burst down again`);
    }
    if (!opts.yes && deps.confirm) {
      deps.stderr(`${confirmation(spec, aws, gcp, !!opts.force)}\n`);
      if (!(await deps.confirm('Destroy? [y/N] '))) throw new UserError('nothing was destroyed (not confirmed)');
    }

    let awsDown: AwsDown | undefined;
    if (aws) {
      let drain: Pick<AwsDown, 'drained' | 'drainTimedOut'> = { drained: [], drainTimedOut: [] };
      let devBox: AwsDown['devBox'];
      if (aws.stackStatus) {
        [drain, devBox] = await Promise.all([drainFleets(ctx, aws), aws.devBox ? syncDevBox(ctx, aws.region, aws.devBox.id) : undefined]);
        if (devBox) ctx.progress(`dev box ${devBox.instanceId}: ${devBox.detail}`);
        await destroyAws(ctx, aws, cdk ?? '');
      }
      awsDown = {
        region: aws.region,
        stack: aws.stack,
        destroyed: !!aws.stackStatus,
        ...drain,
        ...(devBox ? { devBox } : {}),
        sweepsStopped: aws.sweeps,
        kept: awsKept(spec.team, !!spec.aws?.devBox),
      };
    }
    let gcpDown: GcpDown | undefined;
    if (gcp && tpu) {
      await stopGcpSweeps(ctx, gcp);
      await deleteQueuedResources(ctx, tpu, gcp);
      const destroyed = await destroyGcp(ctx, gcp);
      gcpDown = {
        project: gcp.project,
        region: gcp.region,
        stack: spec.team,
        destroyed,
        queuedResourcesDeleted: gcp.queuedResources.map((q) => q.id),
        sweepsStopped: gcp.sweeps,
        checkpoints: GCP_CHECKPOINTS,
        kept: GCP_KEPT,
      };
    }

    ctx.progress('looking for anything billable still carrying the team (leak report)...');
    const leaks = await deps.leaks(spec, opts.cloud ? { cloud: opts.cloud } : {});
    return {
      team: spec.team,
      clouds,
      ...(awsDown ? { aws: awsDown } : {}),
      ...(gcpDown ? { gcp: gcpDown } : {}),
      leaks: leaks.report,
      remaining: leaks.remaining,
      exitCode: leaks.exitCode,
      leakText: leaks.text,
    } satisfies DownReport & { leakText: string };
  } finally {
    await closeQuietly(tpu);
  }
}

/** What `burst down` prints for a person; `leakText` is the leak report rendered for a person. */
export function renderDownReport(r: DownReport, leakText: string): string {
  const lines: string[] = [];
  if (r.aws) {
    const a = r.aws;
    lines.push(`${style.heading('aws')}  ${a.destroyed ? `${style.ok('destroyed')} ${a.stack}` : `${a.stack} did not exist`} (${a.region})`);
    const rows: string[][] = [];
    if (a.drained.length) rows.push(['drained', a.drained.map((d) => `fleet ${d.fleet} (${d.hosts} host${d.hosts === 1 ? '' : 's'}, checkpoint hook)`).join(', ')]);
    if (a.drainTimedOut.length) rows.push(['still draining', `${a.drainTimedOut.join(', ')} (finished by the stack deletion)`]);
    if (a.devBox) rows.push(['dev box', `${a.devBox.instanceId}: ${a.devBox.detail}`]);
    if (a.sweepsStopped.length) rows.push(['sweeps stopped', a.sweepsStopped.map((s) => s.run).join(', ')]);
    for (const k of a.kept) rows.push(['kept', k]);
    lines.push(...columns(rows, '  '));
  }
  if (r.gcp) {
    const g = r.gcp;
    lines.push(`${style.heading('gcp')}  ${g.destroyed ? `${style.ok('destroyed')} Pulumi stack ${g.stack}` : `no Pulumi stack ${g.stack}`} (${g.project}, --exclude-protected)`);
    const rows: string[][] = [];
    if (g.queuedResourcesDeleted.length) rows.push(['TPU deleted', g.queuedResourcesDeleted.join(', ')]);
    if (g.sweepsStopped.length) rows.push(['sweeps stopped', g.sweepsStopped.map((s) => s.run).join(', ')]);
    rows.push(['checkpoints', g.checkpoints]);
    for (const k of g.kept) rows.push(['kept', k]);
    lines.push(...columns(rows, '  '));
  }
  lines.push('', leakText);
  return lines.join('\n');
}

/** Runs `burst down` with injected dependencies: 0 when nothing billable remains, 1 when something does (3: not all could be checked). */
export async function runDown(spec: TeamSpec, opts: DownOptions, deps: DownDeps): Promise<number> {
  const { leakText, ...report } = await burstDown(spec, opts, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderDownReport(report, leakText)}\n`);
  return report.exitCode;
}

// ---------------------------------------------------------------------------------------------
// Real dependencies

/** aws-cdk's `bin/cdk` in node_modules (run with node, so npx never fetches a CLI from the registry). */
export function resolveCdkCli(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
  } catch {
    return undefined;
  }
}

/** Spawns a tool, streaming its lines and keeping the last 60 for error messages. */
export const spawnTool: ToolRunner = (command, args, opts) =>
  new Promise((done) => {
    const tail: string[] = [];
    let missing = false;
    const child = spawn(command, [...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const reader = () => {
      let rest = '';
      return (chunk: Buffer) => {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          tail.push(line);
          if (tail.length > 60) tail.shift();
          opts.onLine?.(line);
        }
      };
    };
    child.stdout.on('data', reader());
    child.stderr.on('data', reader());
    child.on('error', (err: NodeJS.ErrnoException) => {
      missing = err.code === 'ENOENT';
      tail.push(err.message);
    });
    child.on('close', (code) => done({ code: missing ? null : code, output: tail.join('\n'), ...(missing ? { missing } : {}) }));
  });

/** The real AWS clients (standard retries, 5 attempts). */
export function awsDownClients(): AwsDownClients {
  const { autoScaling, batch, cloudFormation, ec2, ssm } = awsClients;
  return { autoScaling, batch, cloudFormation, ec2, ssm };
}

/** The real Google clients (Application Default Credentials). */
export function gcpDownClients(): GcpDownClients {
  return {
    async batch() {
      return (await gcpSweepClients().batch()) as unknown as BatchDownClient;
    },
    async tpu() {
      const { v2 } = await import('@google-cloud/tpu');
      return new v2.TpuClient() as unknown as TpuDownClient;
    },
  };
}

/**
 * The leak report of cli/leaks.ts, run as after a teardown (a stopped dev box or its boot disk is
 * then a leak, not the burst at rest). Its clients default to the real ones.
 */
export function leakCheck(deps: Pick<LeakDeps, 'aws' | 'gcp' | 'sleep' | 'stderr'>): LeakCheck {
  return async (spec, opts) => {
    const leaks = await import('../leaks.js');
    const report = await leaks.leakReport(spec, { ...opts, afterTeardown: true }, deps);
    return { report, remaining: report.leaks, exitCode: report.exitCode, text: leaks.renderLeakReport(report) };
  };
}

/** Asks on the terminal (stderr), reading one line from stdin. */
async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Command-line options as commander gives them. */
export interface DownCommandOptions {
  readonly cloud?: DownCloud;
  readonly yes?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** `burst down <team> [--cloud aws|gcp] [--yes] [--force] [--json]`. */
export async function downCommand(team: string, opts: DownCommandOptions, cmd: Command): Promise<number> {
  const [spec] = loadSelected([team], cmd);
  if (!spec) throw new UserError(`no team '${team}'`);
  const terminal = process.stdin.isTTY === true && process.stderr.isTTY === true;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const stderr = (text: string) => void process.stderr.write(text);
  return runDown(
    spec,
    { ...(opts.cloud ? { cloud: opts.cloud } : {}), yes: !!opts.yes, force: !!opts.force, json: !!opts.json },
    {
      aws: awsDownClients(),
      gcp: gcpDownClients(),
      run: spawnTool,
      leaks: leakCheck({ sleep, stderr }),
      ...(terminal ? { confirm: askOnTerminal } : {}),
      now: () => new Date(),
      sleep,
      stdout: (text) => void process.stdout.write(text),
      stderr,
    },
  );
}
