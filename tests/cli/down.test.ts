/**
 * `burst down` through its exported functions: aws-sdk-client-mock for Auto Scaling, Batch,
 * CloudFormation, EC2 and SSM (mocked globally: this file is in MOCKING of vitest.config.ts), plain
 * fake TPU and Batch clients for Google Cloud, a fake tool runner standing in for the CDK and Pulumi
 * CLIs, a fake leak report and a clock whose sleep advances time (nothing waits).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { BatchClient, ListJobsCommand, type ListJobsCommandInput } from '@aws-sdk/client-batch';
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient, type SendCommandCommandInput } from '@aws-sdk/client-ssm';
import type { protos } from '@google-cloud/batch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEVBOX_SYNC_SECONDS,
  DRAIN_WAIT_MS,
  FLEET_HOOK_SECONDS,
  GCP_CHECKPOINTS,
  RETRY_BASE_MS,
  awsDownClients,
  burstDown,
  devBoxSyncScript,
  downClouds,
  leakCheck,
  runDown,
  spawnTool,
  type BatchDownClient,
  type DownDeps,
  type DownOptions,
  type DownReport,
  type LeakOutcome,
  type ListedQueuedResource,
  type ToolResult,
  type TpuDownClient,
} from '../../cli/commands/down.js';
import { reportError } from '../../cli/main.js';
import { CHECKPOINT_HOOK_TIMEOUT_SECONDS } from '../../constructs/aws/gpu-fleet.js';
import { NOTICE_BUDGET_SECONDS } from '../../images/agent/config.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { hasStackTrace, specFromYaml } from '../helpers.js';

type IJob = protos.google.cloud.batch.v1.IJob;

const NOW = new Date('2026-11-26T09:00:00.000Z');
const REGION = 'us-east-1';
const PROJECT = 'ml-project';
const GROUP = 'ml-burst-FleettrainAsg1A2B3C-XYZ';
const DEVBOX_ID = 'i-0de0b0x0000000001';
const CDK = '/repo/node_modules/aws-cdk/bin/cdk';
const AWS_CREDENTIALS = 'no AWS credentials: set AWS_PROFILE, run `aws sso login` or `aws configure`';
const GCP_CREDENTIALS = 'no Google Cloud credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS';

const AWS_YAML = `
aws:
  region: ${REGION}
  quotas:
    g: { onDemand: 64, spot: 128 }
  fleets:
    - name: train
      accelerator: l4
      nodes: 2
  sweeps:
    - name: hparams
      accelerator: t4
      imageTag: v1
  devBox:
    accelerator: l4
`;
const GCP_YAML = `
gcp:
  project: ${PROJECT}
  region: us-central1
  quotas:
    gpus: { l4: { spot: 8 }, t4: { spot: 8 } }
    tpuChips: { tpu-v5e: { spot: 8 } }
  fleets:
    - name: gtrain
      accelerator: l4
  tpus:
    - name: tpu
      type: v5litepod-8
  sweeps:
    - name: gsweep
      accelerator: t4
      imageTag: v1
`;
const awsTeam = (): TeamSpec => specFromYaml('ml', AWS_YAML);
const gcpTeam = (): TeamSpec => specFromYaml('ml', GCP_YAML);
const bothTeam = (): TeamSpec => specFromYaml('ml', AWS_YAML + GCP_YAML);

const asg = mockClient(AutoScalingClient);
const batch = mockClient(BatchClient);
const cfn = mockClient(CloudFormationClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);

const awsError = (name: string, message: string, metadata: object = {}) => Object.assign(new Error(message), { name, $metadata: metadata });
const googleError = (code: number, message: string) => Object.assign(new Error(message), { code });
const gone = () => awsError('ValidationError', 'Stack with id ml-burst does not exist', { httpStatusCode: 400 });

/** One event log across the fakes, to check the order of the steps. */
let events: string[];

interface AwsWorld {
  /** Fleet hosts before the drain; 0 means no group has hosts. */
  readonly hosts?: number;
  /** Polls of the group that still show hosts once it is set to 0. */
  readonly leavingPolls?: number;
  readonly devBox?: boolean;
  /** Active jobs by status on the hparams queue. */
  readonly jobs?: Partial<Record<string, { jobId: string; jobName: string }[]>>;
  readonly stack?: boolean;
}

/** Mocks an AWS account where team ml's burst stack is deployed. */
function awsWorld(w: AwsWorld = {}): void {
  const hosts = w.hosts ?? 2;
  let leaving = w.leavingPolls ?? 1;
  let destroyed = false;
  if (w.stack === false) cfn.on(DescribeStacksCommand).rejects(gone());
  else {
    cfn.on(DescribeStacksCommand).callsFake(() => {
      if (destroyed) throw gone();
      return { Stacks: [{ StackName: 'ml-burst', StackStatus: 'UPDATE_COMPLETE', CreationTime: NOW }] };
    });
  }
  const group = (n: number): AutoScalingGroup => ({
    AutoScalingGroupName: GROUP,
    MinSize: 0,
    MaxSize: 2,
    DesiredCapacity: n,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a'],
    HealthCheckType: 'EC2',
    CreatedTime: NOW,
    Tags: [{ Key: 'gpu-burst:fleet', Value: 'train' }],
    Instances: Array.from({ length: n }, (_, i) => ({
      InstanceId: `i-0f1ee7000000000${i}`,
      AvailabilityZone: 'us-east-1a',
      LifecycleState: 'Terminating:Wait',
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
    })),
  });
  asg.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames?: string[] }) => {
    if (!input.AutoScalingGroupNames) return { AutoScalingGroups: [group(hosts)] };
    events.push('poll-group');
    return { AutoScalingGroups: [group(leaving-- > 0 ? hosts : 0)] };
  });
  asg.on(UpdateAutoScalingGroupCommand).callsFake(() => {
    events.push('scale-to-0');
    return {};
  });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: w.devBox === false ? [] : [{ Instances: [{ InstanceId: DEVBOX_ID, State: { Name: 'running', Code: 16 } }] }],
  });
  ssm.on(SendCommandCommand).callsFake(() => {
    events.push('ssm-send');
    return { Command: { CommandId: 'cmd-1' } };
  });
  let polls = 0;
  ssm.on(GetCommandInvocationCommand).callsFake(() => {
    polls++;
    if (polls === 1) throw awsError('InvocationDoesNotExist', 'not yet', { httpStatusCode: 400 });
    if (polls === 2) return { Status: 'InProgress' };
    return { Status: 'Success', StandardOutputContent: 'gpu-burst-sync: synced after 14s\n' };
  });
  batch.on(ListJobsCommand).callsFake((input: ListJobsCommandInput) => ({
    jobSummaryList: (w.jobs?.[input.jobStatus ?? ''] ?? []).map((j) => ({ ...j, status: input.jobStatus, createdAt: NOW.getTime() })),
  }));
  markDestroyed = () => (destroyed = true);
}
let markDestroyed: () => void = () => undefined;

interface GcpWorld {
  readonly queued?: ListedQueuedResource[];
  readonly jobs?: IJob[];
  readonly initialize?: Error;
}

/** Plain fakes for the TPU and Batch clients; calls are recorded in `events`. */
function gcpFakes(w: GcpWorld = {}): { tpu: TpuDownClient; batch: BatchDownClient } {
  const op = (what: string) => ({ promise: async () => void events.push(what) });
  const tpu: TpuDownClient = {
    async initialize() {
      if (w.initialize) throw w.initialize;
      return {};
    },
    async listQueuedResources(request) {
      events.push(`tpu-list ${request.parent}`);
      return [w.queued ?? []];
    },
    async deleteQueuedResource(request) {
      events.push(`tpu-delete ${request.name} force=${request.force}`);
      return [op('tpu-deleted')];
    },
    async close() {},
  };
  const batchFake: BatchDownClient = {
    async createJob() {
      throw new Error('not used');
    },
    async getJob() {
      throw new Error('not used');
    },
    async listJobs() {
      return [w.jobs ?? [], null];
    },
    async listTasks() {
      return [[], null];
    },
    async deleteJob(request) {
      events.push(`batch-delete ${request.name}`);
      return [op('batch-deleted')];
    },
  };
  return { tpu, batch: batchFake };
}

const qr = (id: string, team: string, zone = 'us-central1-a'): ListedQueuedResource => ({
  name: `projects/${PROJECT}/locations/${zone}/queuedResources/${id}`,
  state: { state: 'ACTIVE' },
  tpu: { nodeSpec: [{ node: { labels: { team } } }] },
});

const gcpJob = (id: string, state: string): IJob => ({
  name: `projects/${PROJECT}/locations/us-central1/jobs/${id}`,
  uid: id,
  labels: { team: 'ml', 'gpu-burst-sweep': 'gsweep', 'gpu-burst-run': 'gsweep-20261126' },
  createTime: { seconds: NOW.getTime() / 1000 - 3600 },
  taskGroups: [{ taskCount: 4 }],
  status: { state: state as 'RUNNING' },
});

const CLEAN: LeakOutcome = { report: { status: 'clean', leaks: 0 }, remaining: 0, exitCode: 0, text: 'clean: nothing of team ml bills beyond what is kept by design.' };
const LEFTOVER: LeakOutcome = {
  report: { status: 'leaks', leaks: 1 },
  remaining: 1,
  exitCode: 1,
  text: 'LEAK  elastic-ip  eipalloc-0abc  us-east-1  unattached\n1 leak of team ml bill about $0.005/h',
};

interface Harness {
  readonly deps: DownDeps;
  readonly out: { stdout: string; stderr: string };
  readonly runs: { command: string; args: readonly string[]; cwd: string; env: NodeJS.ProcessEnv }[];
  readonly sleeps: number[];
  readonly leakCalls: { cloud?: string }[];
  readonly questions: string[];
}

interface HarnessOptions {
  readonly gcp?: GcpWorld;
  readonly leaks?: LeakOutcome;
  /** What each tool call returns, by the first argument after the command (`destroy`, `version`). */
  readonly tool?: (command: string, args: readonly string[]) => ToolResult;
  /** A terminal that answers the confirmation with this. @default - no terminal */
  readonly answer?: boolean;
  readonly cdkInstalled?: boolean;
}

function harness(o: HarnessOptions = {}): Harness {
  let now = NOW.getTime();
  const out = { stdout: '', stderr: '' };
  const runs: Harness['runs'] = [];
  const sleeps: number[] = [];
  const leakCalls: { cloud?: string }[] = [];
  const questions: string[] = [];
  const google = gcpFakes(o.gcp);
  const deps: DownDeps = {
    aws: awsDownClients(),
    gcp: { batch: () => google.batch, tpu: () => google.tpu },
    async run(command, args, opts) {
      runs.push({ command, args, cwd: opts.cwd, env: opts.env });
      events.push(`run ${args.filter((a) => a !== CDK).join(' ')}`);
      const result = o.tool?.(command, args) ?? { code: 0, output: '' };
      if (args[1] === 'destroy' || args[0] === 'destroy') if (result.code === 0) markDestroyed();
      return result;
    },
    async leaks(_spec, opts) {
      leakCalls.push(opts);
      events.push('leaks');
      return o.leaks ?? CLEAN;
    },
    ...(o.answer !== undefined
      ? {
          confirm: async (question: string) => {
            questions.push(out.stderr + question);
            return o.answer ?? false;
          },
        }
      : {}),
    cdkCli: () => (o.cdkInstalled === false ? undefined : CDK),
    root: PROJECT_ROOT,
    teamsDir: join(PROJECT_ROOT, 'teams'),
    now: () => new Date(now),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
  };
  return { deps, out, runs, sleeps, leakCalls, questions };
}

/** Runs the command; a thrown error is reported the way the CLI reports it. */
async function down(spec: TeamSpec, opts: DownOptions, h: Harness): Promise<{ code: number; report?: DownReport; message?: string }> {
  try {
    const code = await runDown(spec, { json: true, ...opts }, h.deps);
    return { code, report: JSON.parse(h.out.stdout) as DownReport };
  } catch (err) {
    const saved = process.stderr.write.bind(process.stderr);
    let printed = '';
    process.stderr.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stderr.write;
    try {
      const code = reportError(err);
      return { code, message: err instanceof UserError ? err.message : printed };
    } finally {
      process.stderr.write = saved;
    }
  }
}

beforeEach(() => {
  events = [];
  markDestroyed = () => undefined;
  for (const m of [asg, batch, cfn, ec2, ssm]) m.reset();
});
afterEach(() => {
  // No test may ever delete a stack through the API: the storage stack least of all.
  expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
});

describe('validation', () => {
  it('--cloud must name a section of the team file', () => {
    expect(downClouds(bothTeam(), undefined)).toEqual(['aws', 'gcp']);
    expect(downClouds(bothTeam(), 'gcp')).toEqual(['gcp']);
    expect(() => downClouds(awsTeam(), 'gcp')).toThrow('team ml has no gcp: section in teams/ml.yaml; drop --cloud gcp');
    expect(() => downClouds(awsTeam(), 'azure')).toThrow("--cloud must be aws or gcp; got 'azure'");
  });

  it('no terminal and no --yes: refuses before calling any cloud (exit 2)', async () => {
    awsWorld();
    const h = harness();
    const r = await down(awsTeam(), {}, h);
    expect(r.code).toBe(2);
    expect(r.message).toBe('burst down destroys the burst of team ml and there is no terminal to confirm it on; pass --yes to destroy without asking');
    expect(cfn.calls()).toHaveLength(0);
    expect(h.runs).toHaveLength(0);
  });
});

describe('AWS', () => {
  it('clean teardown: drains the fleet through its hook, syncs the dev box, destroys only <team>-burst, reports clean (exit 0)', async () => {
    awsWorld({ hosts: 2, leavingPolls: 2 });
    const h = harness();
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(0);

    expect(asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([{ AutoScalingGroupName: GROUP, MinSize: 0, DesiredCapacity: 0 }]);
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Name: 'tag:team', Values: ['ml'] },
        { Name: 'tag:gpu-burst:role', Values: ['fleet'] },
      ],
    });
    const send = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input as SendCommandCommandInput;
    expect(send).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: [DEVBOX_ID] });
    expect(send.Parameters?.['commands']).toEqual(devBoxSyncScript());

    expect(h.runs).toEqual([
      { command: process.execPath, args: [CDK, 'destroy', 'ml-burst', '--exclusively', '--force'], cwd: PROJECT_ROOT, env: expect.any(Object) },
    ]);
    expect(h.runs[0]?.env['BURST_TEAMS_DIR']).toBe(process.env['BURST_TEAMS_DIR']);
    expect(JSON.stringify(h.runs)).not.toContain('ml-storage');
    // Hosts are asked to sync before the destroy, and the leak report comes last.
    expect(events.indexOf('scale-to-0')).toBeLessThan(events.indexOf('run destroy ml-burst --exclusively --force'));
    expect(events.lastIndexOf('poll-group')).toBeLessThan(events.indexOf('run destroy ml-burst --exclusively --force'));
    expect(events.at(-1)).toBe('leaks');
    expect(h.leakCalls).toEqual([{}]);

    expect(r.report).toMatchObject({
      team: 'ml',
      clouds: ['aws'],
      aws: {
        region: REGION,
        stack: 'ml-burst',
        destroyed: true,
        drained: [{ fleet: 'train', group: GROUP, hosts: 2 }],
        drainTimedOut: [],
        devBox: { instanceId: DEVBOX_ID, sync: 'synced', detail: 'synced after 14s' },
        sweepsStopped: [],
      },
      remaining: 0,
      exitCode: 0,
    });
    expect(r.report?.aws?.kept[0]).toBe('ml-storage: the artifact bucket with every version, the log archive, the image repository, the alert topic and budget');
  });

  it('prints a readable summary with the leak report for a person', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const h = harness();
    expect(await runDown(awsTeam(), { yes: true }, h.deps)).toBe(0);
    expect(h.out.stdout).toContain('aws  destroyed ml-burst (us-east-1)');
    expect(h.out.stdout).toContain('  kept  ml-storage: the artifact bucket with every version');
    expect(h.out.stdout).toContain('  kept  the dev box data volume (retained; reattach it with aws.devBox.dataVolumeId)');
    expect(h.out.stdout.trimEnd().endsWith(CLEAN.text)).toBe(true);
    expect(h.out.stderr).toContain('destroying ml-burst in us-east-1 (cdk destroy; ml-storage is not selected)');
    // Nothing ran, so nothing was drained or synced.
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('leftovers found after the teardown: prints them and exits 1', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const h = harness({ leaks: LEFTOVER });
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(1);
    expect(r.report).toMatchObject({ remaining: 1, exitCode: 1, leaks: { status: 'leaks' } });
    const human = harness({ leaks: LEFTOVER });
    expect(await runDown(awsTeam(), { yes: true }, human.deps)).toBe(1);
    expect(human.out.stdout).toContain('LEAK  elastic-ip  eipalloc-0abc');
  });

  it('no burst stack: nothing to destroy, the leak report still runs', async () => {
    awsWorld({ stack: false });
    const h = harness();
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(0);
    expect(r.report?.aws).toMatchObject({ destroyed: false, drained: [] });
    expect(h.runs).toHaveLength(0);
    expect(asg.calls()).toHaveLength(0);
    expect(h.leakCalls).toHaveLength(1);
  });

  it('refuses while a sweep runs, naming it and --force; nothing is touched', async () => {
    awsWorld({ jobs: { RUNNING: [{ jobId: 'job-1', jobName: 'hparams-20261126-080000' }], RUNNABLE: [{ jobId: 'job-2', jobName: 'hparams-b' }] } });
    const h = harness();
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(2);
    expect(r.message).toBe(
      [
        '2 sweeps are still running; burst down would stop them:',
        '  aws  sweep hparams-b on group hparams: RUNNABLE (job job-2)',
        '  aws  sweep hparams-20261126-080000 on group hparams: RUNNING (job job-1)',
        'Wait for them (burst sweep status ml), or pass --force to stop them with the teardown (finished trials and synced checkpoints are kept).',
      ].join('\n'),
    );
    expect(batch.commandCalls(ListJobsCommand).map((c) => c.args[0].input)).toContainEqual({ jobQueue: 'ml-hparams', jobStatus: 'SUBMITTED', maxResults: 100 });
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
    expect(h.runs).toHaveLength(0);
  });

  it('--force proceeds while a sweep runs (deleting the job queue terminates its jobs)', async () => {
    awsWorld({ hosts: 0, devBox: false, jobs: { RUNNING: [{ jobId: 'job-1', jobName: 'hparams-run' }] } });
    const h = harness();
    const r = await down(awsTeam(), { yes: true, force: true }, h);
    expect(r.code).toBe(0);
    expect(r.report?.aws?.sweepsStopped).toEqual([{ cloud: 'aws', group: 'hparams', run: 'hparams-run', jobId: 'job-1', status: 'RUNNING' }]);
    expect(h.runs.map((x) => x.args.slice(1))).toEqual([['destroy', 'ml-burst', '--exclusively', '--force']]);
  });

  it('a queue that does not exist runs nothing', async () => {
    awsWorld({ hosts: 0, devBox: false });
    batch.on(ListJobsCommand).rejects(awsError('ClientException', 'JobQueue ml-hparams not found', { httpStatusCode: 400 }));
    const r = await down(awsTeam(), { yes: true }, harness());
    expect(r.code).toBe(0);
    expect(batch.commandCalls(ListJobsCommand)).toHaveLength(1);
  });

  it('fleets that outlast the hook are left to the stack deletion, with a warning', async () => {
    awsWorld({ hosts: 1, devBox: false, leavingPolls: 1000 });
    const h = harness();
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(0);
    expect(r.report?.aws?.drainTimedOut).toEqual([GROUP]);
    expect(h.out.stderr).toMatch(/still draining after 4\d\ds: ml-burst-FleettrainAsg1A2B3C-XYZ; the stack deletion finishes them/);
    expect(h.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(DRAIN_WAIT_MS);
    expect(h.runs).toHaveLength(1);
  });

  it('a dev box Systems Manager cannot reach is reported, and the teardown goes on', async () => {
    awsWorld({ hosts: 0 });
    ssm.on(SendCommandCommand).rejects(awsError('InvalidInstanceId', 'Instances not in a valid state for account', { httpStatusCode: 400 }));
    const r = await down(awsTeam(), { yes: true }, harness());
    expect(r.code).toBe(0);
    expect(r.report?.aws?.devBox).toEqual({
      instanceId: DEVBOX_ID,
      sync: 'unreachable',
      detail: 'not reachable through Systems Manager (egress off?): not synced; its /data volume is kept',
    });
  });

  it('permission denied: a clear message naming the action, nothing destroyed', async () => {
    awsWorld();
    asg.on(DescribeAutoScalingGroupsCommand).rejects(awsError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized', { httpStatusCode: 403 }));
    const h = harness();
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(2);
    expect(r.message).toBe(
      'AWS denied autoscaling:DescribeAutoScalingGroups in us-east-1 (User: arn:aws:iam::1:user/x is not authorized); the identity needs autoscaling:DescribeAutoScalingGroups',
    );
    expect(h.runs).toHaveLength(0);
  });

  it('permission denied inside cdk destroy: the message says which role is needed', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const h = harness({
      tool: () => ({
        code: 1,
        output: 'ml-burst: destroying... [1/1]\n❌  ml-burst: destroy failed AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DeleteStack',
      }),
    });
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(2);
    expect(r.message).toBe(
      'AWS denied the deletion of ml-burst in us-east-1 (❌  ml-burst: destroy failed AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DeleteStack); ' +
        'the identity needs to assume the CDK bootstrap deploy role (cdk-*-deploy-role-*), as `cdk deploy` does',
    );
    expect(h.leakCalls).toHaveLength(0);
  });

  it('throttling is retried with backoff (API calls and cdk destroy)', async () => {
    awsWorld({ hosts: 0, devBox: false });
    cfn.on(DescribeStacksCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded', { httpStatusCode: 400, attempts: 5 }))
      .resolvesOnce({ Stacks: [{ StackName: 'ml-burst', StackStatus: 'UPDATE_COMPLETE', CreationTime: NOW }] })
      .rejects(gone());
    let destroys = 0;
    const h = harness({ tool: () => (++destroys === 1 ? { code: 1, output: 'ThrottlingException: Rate exceeded' } : { code: 0, output: 'ml-burst: destroyed' }) });
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(0);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(3);
    expect(h.runs).toHaveLength(2);
    expect(h.sleeps.filter((ms) => ms === RETRY_BASE_MS)).toHaveLength(2);
  });

  it('throttling past the retries: a clear message, never a stack trace', async () => {
    awsWorld();
    cfn.on(DescribeStacksCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', { httpStatusCode: 400, attempts: 5 }));
    const h = harness();
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.message).toBe('AWS throttled cloudformation:DescribeStacks in us-east-1 after 5 attempts (ThrottlingException: Rate exceeded); wait a minute and run it again');
    expect(h.sleeps).toEqual([RETRY_BASE_MS, RETRY_BASE_MS * 2, RETRY_BASE_MS * 4]);
  });

  it('missing credentials: the credentials message first, nothing else', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const h = harness();
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.code).toBe(2);
    expect(r.message).toBe(AWS_CREDENTIALS);
    expect(hasStackTrace(r.message ?? '')).toBe(false);
    expect(asg.calls()).toHaveLength(0);
    expect(h.runs).toHaveLength(0);
  });

  it('missing credentials reported by cdk destroy map to the same message', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const h = harness({ tool: () => ({ code: 1, output: 'Need to perform AWS calls for account 111, but no credentials have been configured' }) });
    expect((await down(awsTeam(), { yes: true }, h)).message).toBe(AWS_CREDENTIALS);
  });

  it('aws-cdk not installed: says to run npm install before anything changes', async () => {
    awsWorld();
    const h = harness({ cdkInstalled: false });
    const r = await down(awsTeam(), { yes: true }, h);
    expect(r.message).toBe('the AWS CDK CLI (aws-cdk, a devDependency) is not installed: run npm install, then run burst down again');
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('a stack left in DELETE_FAILED after cdk destroy is an error that names the way forward', async () => {
    awsWorld({ hosts: 0, devBox: false });
    cfn.on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: 'ml-burst', StackStatus: 'UPDATE_COMPLETE', CreationTime: NOW }] })
      .resolves({ Stacks: [{ StackName: 'ml-burst', StackStatus: 'DELETE_FAILED', StackStatusReason: 'The following resource(s) failed to delete: [Vpc]', CreationTime: NOW }] });
    const r = await down(awsTeam(), { yes: true }, harness());
    expect(r.message).toBe(
      'ml-burst is DELETE_FAILED (The following resource(s) failed to delete: [Vpc]) after cdk destroy; see aws cloudformation describe-stack-events --stack-name ml-burst --region us-east-1, fix it, then run burst down again',
    );
  });

  it('BURST_TEAMS_DIR is passed to cdk when the team file lives outside the teams directory', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const spec = { ...awsTeam(), file: '/srv/other-teams/ml.yaml' };
    const h = harness();
    await down(spec, { yes: true }, h);
    expect(h.runs[0]?.env['BURST_TEAMS_DIR']).toBe('/srv/other-teams');
  });
});

describe('confirmation on a terminal', () => {
  it('names what is destroyed and what is kept; "no" destroys nothing', async () => {
    awsWorld({ hosts: 2 });
    const h = harness({ answer: false, gcp: { queued: [qr('ml-tpu', 'ml')] }, tool: () => ({ code: 0, output: 'v3.200.0' }) });
    const r = await down(bothTeam(), {}, h);
    expect(r.message).toBe('nothing was destroyed (not confirmed)');
    const asked = h.questions[0] ?? '';
    expect(asked).toContain(
      '  aws  stack ml-burst in us-east-1: the VPC and its NAT gateway, fleets train (2 hosts running), sweep groups hparams, the dev box instance (running), the backstop',
    );
    expect(asked).toContain('; TPU queued resources ml-tpu (us-central1-a)');
    expect(asked).toContain('and keeps:\n  aws  ml-storage: the artifact bucket with every version, the log archive, the image repository, the alert topic and budget');
    expect(asked).toContain('  aws  the dev box data volume (retained; reattach it with aws.devBox.dataVolumeId)');
    expect(asked).toContain('  gcp  the artifact bucket, the image repository and the dev box data disk (protected in the Pulumi stack; retained if ever destroyed)');
    expect(asked.endsWith('Destroy? [y/N] ')).toBe(true);
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
    expect(events.filter((e) => e.startsWith('tpu-delete') || e.startsWith('run pulumi destroy'))).toEqual([]);
    expect(h.runs.map((x) => x.args)).toEqual([['version']]);
  });

  it('"yes" on the terminal proceeds', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const h = harness({ answer: true });
    expect((await down(awsTeam(), {}, h)).code).toBe(0);
    expect(h.runs).toHaveLength(1);
  });
});

describe('GCP', () => {
  const PULUMI_DESTROY = ['destroy', '-s', 'ml', '--exclude-protected', '--yes', '--non-interactive'];

  it('clean teardown: deletes the team\'s queued resources, then pulumi destroy keeping protected resources (exit 0)', async () => {
    const h = harness({ gcp: { queued: [qr('ml-tpu', 'ml'), qr('ml-vision-tpu', 'ml-vision'), qr('other', 'ml')] } });
    const r = await down(gcpTeam(), { yes: true }, h);
    expect(r.code).toBe(0);
    expect(h.runs.map((x) => [x.command, ...x.args])).toEqual([
      ['pulumi', 'version'],
      ['pulumi', ...PULUMI_DESTROY],
    ]);
    expect(h.runs[1]?.cwd).toBe(PROJECT_ROOT);
    expect(events).toEqual([
      `tpu-list projects/${PROJECT}/locations/us-central1-a`,
      'run version',
      `tpu-delete projects/${PROJECT}/locations/us-central1-a/queuedResources/ml-tpu force=true`,
      'tpu-deleted',
      `run ${PULUMI_DESTROY.join(' ')}`,
      'leaks',
    ]);
    expect(r.report?.gcp).toEqual({
      project: PROJECT,
      region: 'us-central1',
      stack: 'ml',
      destroyed: true,
      queuedResourcesDeleted: ['ml-tpu'],
      sweepsStopped: [],
      checkpoints: GCP_CHECKPOINTS,
      kept: ['the artifact bucket, the image repository and the dev box data disk (protected in the Pulumi stack; retained if ever destroyed)'],
    });
  });

  it('leftovers after pulumi destroy: exit 1', async () => {
    const h = harness({ leaks: LEFTOVER });
    expect((await down(gcpTeam(), { yes: true, cloud: 'gcp' }, h)).code).toBe(1);
    expect(h.leakCalls).toEqual([{ cloud: 'gcp' }]);
  });

  it('refuses while a Batch sweep runs; --force deletes its job before pulumi destroy', async () => {
    const jobs = [gcpJob('ml-gsweep-gsweep-20261126', 'RUNNING'), gcpJob('ml-gsweep-old', 'SUCCEEDED')];
    const refused = await down(gcpTeam(), { yes: true }, harness({ gcp: { jobs } }));
    expect(refused.code).toBe(2);
    expect(refused.message).toContain('a sweep is still running; burst down would stop it:\n  gcp  sweep gsweep-20261126 on group gsweep: RUNNING (job ml-gsweep-gsweep-20261126)');
    expect(events.some((e) => e.startsWith('run pulumi') || e.startsWith('tpu-delete') || e.startsWith('batch-delete'))).toBe(false);

    events = [];
    const h = harness({ gcp: { jobs } });
    const r = await down(gcpTeam(), { yes: true, force: true }, h);
    expect(r.code).toBe(0);
    expect(events.filter((e) => !e.startsWith('tpu-list'))).toEqual([
      'run version',
      `batch-delete projects/${PROJECT}/locations/us-central1/jobs/ml-gsweep-gsweep-20261126`,
      'batch-deleted',
      `run ${PULUMI_DESTROY.join(' ')}`,
      'leaks',
    ]);
    expect(r.report?.gcp?.sweepsStopped).toEqual([{ cloud: 'gcp', group: 'gsweep', run: 'gsweep-20261126', jobId: 'ml-gsweep-gsweep-20261126', status: 'RUNNING' }]);
  });

  it('pulumi not installed: says how to install it, before anything is deleted', async () => {
    const h = harness({ gcp: { queued: [qr('ml-tpu', 'ml')] }, tool: () => ({ code: null, output: 'spawn pulumi ENOENT', missing: true }) });
    const r = await down(gcpTeam(), { yes: true }, h);
    expect(r.code).toBe(2);
    expect(r.message).toBe(
      'the Pulumi CLI (pulumi) is not on PATH: install it (curl -fsSL https://get.pulumi.com | sh, or brew install pulumi/tap/pulumi), run `pulumi login`, then run burst down again',
    );
    expect(events.filter((e) => e.startsWith('tpu-delete'))).toEqual([]);
  });

  it('missing credentials: the credentials message before anything else', async () => {
    const h = harness({ gcp: { initialize: new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication') } });
    const r = await down(gcpTeam(), { yes: true }, h);
    expect(r.code).toBe(2);
    expect(r.message).toBe(GCP_CREDENTIALS);
    expect(events).toEqual([]);
  });

  it('permission denied deleting a queued resource: names the permission', async () => {
    const h = harness({ gcp: { queued: [qr('ml-tpu', 'ml')] } });
    const google = await h.deps.gcp.tpu();
    google.deleteQueuedResource = async () => {
      throw googleError(7, "Permission 'tpu.queuedResources.delete' denied on resource");
    };
    const r = await down(gcpTeam(), { yes: true }, h);
    expect(r.message).toBe(
      "Google Cloud denied tpu.queuedResources.delete in project ml-project (Permission 'tpu.queuedResources.delete' denied on resource); the account needs the permission tpu.queuedResources.delete",
    );
    expect(h.runs.map((x) => x.args[0])).toEqual(['version']);
  });

  it('permission denied inside pulumi destroy: a clear message', async () => {
    const h = harness({
      tool: (_c, args) =>
        args[0] === 'destroy'
          ? { code: 255, output: 'error: deleting urn:pulumi:ml::gpu-burst::gcp:compute/network:Network::ml-burst: googleapi: Error 403: Required \'compute.networks.delete\' permission, forbidden' }
          : { code: 0, output: '' },
    });
    const r = await down(gcpTeam(), { yes: true }, h);
    expect(r.message).toContain("Google Cloud denied part of pulumi destroy -s ml in project ml-project (error: deleting urn:pulumi:ml::gpu-burst::gcp:compute/network:Network::ml-burst: googleapi: Error 403");
    expect(r.message).toContain('the account needs the roles that deployed the stack');
  });

  it('throttling is retried (TPU API and pulumi destroy)', async () => {
    let lists = 0;
    let destroys = 0;
    const h = harness({
      gcp: { queued: [qr('ml-tpu', 'ml')] },
      tool: (_c, args) => (args[0] === 'destroy' && ++destroys === 1 ? { code: 255, output: 'googleapi: Error 429: rateLimitExceeded' } : { code: 0, output: '' }),
    });
    const google = await h.deps.gcp.tpu();
    const list = google.listQueuedResources.bind(google);
    google.listQueuedResources = async (request) => {
      if (++lists === 1) throw googleError(8, 'Quota exceeded for quota metric per minute');
      return list(request);
    };
    const r = await down(gcpTeam(), { yes: true }, h);
    expect(r.code).toBe(0);
    expect(lists).toBe(2);
    expect(destroys).toBe(2);
    expect(r.report?.gcp?.queuedResourcesDeleted).toEqual(['ml-tpu']);
  });

  it('no Pulumi stack in the backend: nothing destroyed there, the leak report still runs', async () => {
    const h = harness({ tool: (_c, args) => (args[0] === 'destroy' ? { code: 255, output: "error: no stack named 'ml' found" } : { code: 0, output: '' }) });
    const r = await down(gcpTeam(), { yes: true }, h);
    expect(r.code).toBe(0);
    expect(r.report?.gcp?.destroyed).toBe(false);
    expect(h.out.stderr).toContain('no Pulumi stack ml in the current backend (pulumi stack ls): nothing to destroy there');
  });

  it('missing Google credentials reported by pulumi map to the credentials message', async () => {
    const h = harness({ tool: (_c, args) => (args[0] === 'destroy' ? { code: 255, output: 'error: google: could not find default credentials.' } : { code: 0, output: '' }) });
    expect((await down(gcpTeam(), { yes: true }, h)).message).toBe(GCP_CREDENTIALS);
  });
});

describe('both clouds', () => {
  it('tears down AWS then GCP and runs one leak report over both', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const h = harness({ gcp: { queued: [qr('ml-tpu', 'ml')] } });
    const r = await down(bothTeam(), { yes: true }, h);
    expect(r.code).toBe(0);
    expect(r.report?.clouds).toEqual(['aws', 'gcp']);
    expect(h.runs.map((x) => x.args.filter((a) => a !== CDK)[0])).toEqual(['version', 'destroy', 'destroy']);
    expect(h.leakCalls).toEqual([{}]);
  });
});

describe('with the real leak report (cli/leaks.ts)', () => {
  /** After the destroy the account holds nothing of the team, but for `addresses`. */
  function emptyAccount(addresses: { AllocationId: string; PublicIp: string }[]): void {
    awsWorld({ hosts: 0, devBox: false });
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    for (const command of [DescribeVolumesCommand, DescribeVpcsCommand, DescribeNetworkInterfacesCommand, DescribeNatGatewaysCommand, DescribeSpotInstanceRequestsCommand]) {
      ec2.on(command).resolves({});
    }
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses.map((a) => ({ ...a, Domain: 'vpc', Tags: [{ Key: 'team', Value: 'ml' }] })) });
    batch.on(DescribeComputeEnvironmentsCommand).resolves({ computeEnvironments: [] });
  }

  function realLeaks(h: Harness): DownDeps {
    return { ...h.deps, leaks: leakCheck({ aws: awsDownClients(), sleep: h.deps.sleep, stderr: h.deps.stderr }) };
  }

  it('clean teardown: the stack is gone and nothing carries the tag (exit 0)', async () => {
    emptyAccount([]);
    const h = harness();
    expect(await runDown(awsTeam(), { yes: true, json: true }, realLeaks(h))).toBe(0);
    const report = JSON.parse(h.out.stdout) as DownReport & { leaks: { status: string; afterTeardown: boolean } };
    expect(report.leaks).toMatchObject({ status: 'clean', afterTeardown: true });
    expect(report.remaining).toBe(0);
  });

  it('an Elastic IP left behind: listed with its remove command, exit 1', async () => {
    emptyAccount([{ AllocationId: 'eipalloc-0abc', PublicIp: '203.0.113.7' }]);
    const h = harness();
    expect(await runDown(awsTeam(), { yes: true }, realLeaks(h))).toBe(1);
    expect(h.out.stdout).toContain('aws ec2 release-address --allocation-id eipalloc-0abc');
    expect(h.out.stdout).toMatch(/1 leak of team ml bill/);
  });
});

describe('the dev box sync script', () => {
  it('signals the pid in the agent\'s pid file and waits for the sync-done file, as the agent does on a notice', () => {
    const script = devBoxSyncScript().join('\n');
    expect(script).toContain('/etc/gpu-burst/agent.json');
    expect(script).toContain('/run/gpu-burst/trainer.pid');
    expect(script).toContain('/run/gpu-burst/checkpoint-synced');
    expect(script).toContain(`-lt ${Math.floor(NOTICE_BUDGET_SECONDS.aws * 0.9)} ]`);
    expect(DEVBOX_SYNC_SECONDS).toBe(NOTICE_BUDGET_SECONDS.aws);
    expect(spawnSync('bash', ['-n', '-c', script]).status).toBe(0);
  });

  it('on a host: signals the trainer, which checkpoints and touches the sync-done file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burst-down-'));
    try {
      const run = join(dir, 'run');
      writeFileSync(join(dir, 'agent.json'), JSON.stringify({ trainer: { pidFile: join(dir, 'pid'), syncDoneFile: join(dir, 'synced'), signal: 'SIGUSR1' } }));
      // A trainer that checkpoints on SIGUSR1 (the agent's configured signal) and then touches the file.
      const trainer = spawn('bash', ['-c', `trap 'sleep 0.3; touch ${join(dir, 'synced')}; exit 0' USR1; echo $$ > ${join(dir, 'pid')}; while true; do sleep 0.1; done`]);
      await new Promise((r) => setTimeout(r, 300));
      const script = devBoxSyncScript(10, { config: join(dir, 'agent.json'), runDir: run }).join('\n');
      const synced = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      expect(synced.stdout.trim()).toMatch(/^gpu-burst-sync: synced after [0-2]s$/);
      trainer.kill('SIGKILL');
      // No trainer: nothing to wait for.
      const none = spawnSync('bash', ['-c', devBoxSyncScript(10, { config: join(dir, 'missing.json'), runDir: run }).join('\n')], { encoding: 'utf8' });
      expect(none.stdout.trim()).toBe('gpu-burst-sync: no trainer is running: nothing to sync');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the drain wait covers the fleet checkpoint hook', () => {
    expect(FLEET_HOOK_SECONDS).toBe(CHECKPOINT_HOOK_TIMEOUT_SECONDS);
    expect(DRAIN_WAIT_MS).toBeGreaterThan(CHECKPOINT_HOOK_TIMEOUT_SECONDS * 1000);
  });
});

describe('real clients', () => {
  it('the tool runner streams lines, keeps the output and tells a missing executable apart', async () => {
    const lines: string[] = [];
    const ok = await spawnTool(process.execPath, ['-e', 'console.log("one"); console.error("two"); process.exit(3)'], { cwd: PROJECT_ROOT, env: process.env, onLine: (l) => lines.push(l) });
    expect(ok).toEqual({ code: 3, output: expect.stringMatching(/one|two/) });
    expect(lines.sort()).toEqual(['one', 'two']);
    const missing = await spawnTool('gpu-burst-no-such-tool', ['version'], { cwd: PROJECT_ROOT, env: process.env });
    expect(missing).toMatchObject({ code: null, missing: true });
  });

  it('retry throttled calls 5 times themselves (standard retries)', async () => {
    const client = await awsDownClients().ssm(REGION);
    expect(await client.config.maxAttempts()).toBe(5);
    expect(await client.config.region()).toBe(REGION);
  });

  it('burstDown is the same as runDown without printing', async () => {
    awsWorld({ hosts: 0, devBox: false });
    const h = harness();
    const report = await burstDown(awsTeam(), { yes: true }, h.deps);
    expect(report.leakText).toBe(CLEAN.text);
    expect(h.out.stdout).toBe('');
  });
});
