/**
 * `burst sweep submit` and `burst sweep status` through their exported functions, against
 * aws-sdk-client-mock for Batch, CloudFormation and S3, with an injected clock whose sleep advances
 * time (nothing waits). The team is the example with two sweep groups set by hand.
 */
import { BatchClient, DescribeJobsCommand, ListJobsCommand, SubmitJobCommand, type JobDetail } from '@aws-sdk/client-batch';
import { CloudFormationClient, DescribeStacksCommand, UpdateStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { sweepSubmitCommand } from '../../cli/commands/sweep-commands.js';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  RECENT_DAYS,
  STACK_POLL_MS,
  parseParams,
  renderStatusReport,
  runSweepStatus,
  runSweepSubmit,
  sdkClients,
  summarize,
  trialCheckpointPrefix,
  type StatusReport,
  type SubmitOptions,
  type SubmitReport,
  type SweepDeps,
} from '../../cli/commands/sweep.js';
import { reportError } from '../../cli/main.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { exampleSpec, hasStackTrace } from '../helpers.js';

const NOW = new Date('2026-11-26T09:00:00.000Z');
const REGION = 'us-east-1';
const BUCKET = 'example-storage-artifactsbucket88671897-abc123';
const JOB_ID = '8f0c3b1e-1c2d-4e5f-9a0b-123456789abc';
const RUN = 'lr-sweep-20261126-090000';
const QUEUE_ARN = `arn:aws:batch:${REGION}:111122223333:job-queue/example-lr-sweep`;
const AWS_CREDENTIALS = 'no AWS credentials: set AWS_PROFILE, run `aws sso login` or `aws configure`';

/** The example team with two sweep groups (the part of `aws.sweeps` the commands read). */
function team(sweeps: { name: string }[] = [{ name: 'lr-sweep' }, { name: 'hparams' }]): TeamSpec {
  const spec = exampleSpec();
  return { ...spec, aws: { ...(spec.aws as object), region: REGION, sweeps } } as unknown as TeamSpec;
}

const batch = mockClient(BatchClient);
const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);

const storageStack = (): Stack => ({
  StackName: 'example-storage',
  StackStatus: 'UPDATE_COMPLETE',
  CreationTime: NOW,
  Outputs: [
    { OutputKey: 'ArtifactsPrefixB327A9D7', OutputValue: `s3://${BUCKET}/teams/example/` },
    { OutputKey: 'ArtifactsBucketNameA6BBDB86', OutputValue: BUCKET },
  ],
});
const burstStack = (egress: 'on' | 'off' = 'on', status = 'UPDATE_COMPLETE'): Stack => ({
  StackName: 'example-burst',
  StackStatus: status as Stack['StackStatus'],
  CreationTime: NOW,
  Parameters: [
    { ParameterKey: 'Egress', ParameterValue: egress },
    { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
  ],
});

const awsError = (name: string, message: string, metadata: object = { httpStatusCode: 400 }) => Object.assign(new Error(message), { name, $metadata: metadata });

interface Run<T> {
  readonly code?: number;
  readonly error?: unknown;
  readonly stdout: string;
  readonly stderr: string;
  readonly report?: T;
  readonly slept: number;
}

function deps(files: Record<string, string> = {}): { deps: SweepDeps; out: () => { stdout: string; stderr: string; slept: number } } {
  let stdout = '';
  let stderr = '';
  let clock = NOW.getTime();
  let slept = 0;
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
  return {
    deps: {
      clients: {
        batch: (region) => new BatchClient({ region, credentials }),
        cloudFormation: (region) => new CloudFormationClient({ region, credentials }),
        s3: (region) => new S3Client({ region, credentials }),
      },
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
        slept += ms;
      },
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
        return text;
      },
    },
    out: () => ({ stdout, stderr, slept }),
  };
}

async function submit(opts: SubmitOptions, files: Record<string, string> = {}, spec = team(), group = 'lr-sweep'): Promise<Run<SubmitReport>> {
  const { deps: d, out } = deps(files);
  try {
    const code = await runSweepSubmit(spec, group, { ...opts, json: true }, d);
    return { code, ...out(), report: JSON.parse(out().stdout) as SubmitReport };
  } catch (error) {
    return { error, ...out() };
  }
}

async function status(job?: string, spec = team(), json = true): Promise<Run<StatusReport>> {
  const { deps: d, out } = deps();
  try {
    const code = await runSweepStatus(spec, job, { json }, d);
    return { code, ...out(), ...(json ? { report: JSON.parse(out().stdout) as StatusReport } : {}) };
  } catch (error) {
    return { error, ...out() };
  }
}

/** What the CLI prints for an error and the exit code it returns. */
function reported(error: unknown): { code: number; stderr: string } {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: reportError(error), stderr };
  } finally {
    spy.mockRestore();
  }
}

function deployed(egress: 'on' | 'off' = 'on'): void {
  cfn.on(DescribeStacksCommand, { StackName: 'example-storage' }).resolves({ Stacks: [storageStack()] });
  cfn.on(DescribeStacksCommand, { StackName: 'example-burst' }).resolves({ Stacks: [burstStack(egress)] });
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 'The specified key does not exist.', { httpStatusCode: 404 }));
  batch.on(SubmitJobCommand).callsFake(async (input: { jobName: string }) => ({ jobId: JOB_ID, jobName: input.jobName, jobArn: `arn:aws:batch:${REGION}:111122223333:job/${JOB_ID}` }));
}

const submitted = () => batch.commandCalls(SubmitJobCommand).map((c) => c.args[0].input);
const env = (input: { containerOverrides?: { environment?: { name?: string; value?: string }[] } } | undefined) =>
  Object.fromEntries((input?.containerOverrides?.environment ?? []).map((e) => [e.name, e.value]));

beforeEach(() => {
  batch.reset();
  cfn.reset();
  s3.reset();
});
afterEach(() => vi.restoreAllMocks());

describe('burst sweep submit', () => {
  it('submits an array job of N trials, uploads the params to the run prefix and points each trial at its checkpoints (X1)', async () => {
    deployed();
    const params = JSON.stringify([{ lr: 0.1 }, { lr: 0.01 }, { lr: 0.001, warmup: 100 }]);
    const r = await submit({ trials: 3, params: 'sweep.json' }, { 'sweep.json': params });
    expect(r.error).toBeUndefined();
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: `teams/example/runs/${RUN}/params.json`, ContentType: 'application/json' });
    expect(JSON.parse(String(put?.Body))).toEqual(JSON.parse(params));
    const [input] = submitted();
    expect(input).toMatchObject({
      jobName: RUN,
      jobQueue: 'example-lr-sweep',
      jobDefinition: 'example-lr-sweep',
      arrayProperties: { size: 3 },
      tags: { team: 'example', 'gpu-burst:sweep': 'lr-sweep', 'gpu-burst:run': RUN },
      propagateTags: true,
    });
    expect(env(input)).toEqual({
      BURST_PARAMS_FILE: `s3://${BUCKET}/teams/example/runs/${RUN}/params.json`,
      BURST_CHECKPOINT_PREFIX: `s3://${BUCKET}/teams/example/runs/${RUN}/trial-{trial}/checkpoints/`,
      BURST_RUN: RUN,
    });
    expect(r.report).toMatchObject({
      team: 'example',
      group: 'lr-sweep',
      run: RUN,
      jobId: JOB_ID,
      trials: 3,
      arrayJob: true,
      resumed: false,
      artifacts: `s3://${BUCKET}/teams/example/runs/${RUN}/`,
      egress: 'already-on',
      status: `burst sweep status example ${JOB_ID}`,
    });
    // The run name is a new one: nothing to read back, egress already on, no stack update.
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('prints the job id, the artifact prefix and the follow-up command for a person', async () => {
    deployed();
    const { deps: d, out } = deps({ 'p.json': '[{"lr":1},{"lr":2}]' });
    await runSweepSubmit(team(), 'lr-sweep', { params: 'p.json' }, d);
    const text = out().stdout;
    expect(text).toContain(`submitted  ${RUN}: 2 trials (array job) on example-lr-sweep`);
    expect(text).toContain(JOB_ID);
    expect(text).toContain(`artifacts    s3://${BUCKET}/teams/example/runs/${RUN}/`);
    expect(text).toContain(`Follow it: burst sweep status example ${JOB_ID}`);
  });

  it('submits a single trial as a plain job, without params', async () => {
    deployed();
    const r = await submit({ trials: 1, name: 'one-off' });
    expect(r.error).toBeUndefined();
    const [input] = submitted();
    expect(input?.arrayProperties).toBeUndefined();
    expect(input?.jobName).toBe('one-off');
    expect(env(input)).toEqual({ BURST_CHECKPOINT_PREFIX: `s3://${BUCKET}/teams/example/runs/one-off/trial-{trial}/checkpoints/`, BURST_RUN: 'one-off' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(r.report).toMatchObject({ trials: 1, arrayJob: false });
    expect(r.report?.params).toBeUndefined();
  });

  it('reads a YAML list or JSON lines, one trial per entry when --trials is left out', async () => {
    deployed();
    const yaml = '- lr: 0.1\n  layers: [2, 4]\n- lr: 0.01\n  layers: [8]\n';
    const r = await submit({ params: 'grid.yaml' }, { 'grid.yaml': yaml });
    expect(r.report?.trials).toBe(2);
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body))).toEqual([
      { lr: 0.1, layers: [2, 4] },
      { lr: 0.01, layers: [8] },
    ]);
    expect(parseParams('grid.jsonl', '{"lr": 1}\n\n{"lr": 2}\n{"lr": 3}\n')).toEqual([{ lr: 1 }, { lr: 2 }, { lr: 3 }]);
    expect(parseParams('grid.txt', '{"lr": 1}\n{"lr": 2}\n')).toEqual([{ lr: 1 }, { lr: 2 }]);
  });

  it('refuses a params file whose size differs from --trials, naming the file and both counts', async () => {
    deployed();
    const r = await submit({ trials: 5, params: 'grid.yaml' }, { 'grid.yaml': '- lr: 0.1\n- lr: 0.2\n- lr: 0.3\n' });
    expect(r.error).toBeInstanceOf(UserError);
    expect((r.error as Error).message).toBe(
      'params file grid.yaml has 3 entries but --trials is 5; give one entry per trial, or leave --trials out to run one trial per entry',
    );
    expect(submitted()).toHaveLength(0);
    expect(cfn.calls()).toHaveLength(0);
  });

  it('names the entry that is not an object, a file that is not a list, and a file it cannot read', () => {
    expect(() => parseParams('grid.json', '[{"lr": 1}, 0.5]')).toThrow(
      'params file grid.json: entry 1 (trial 1) is a number; each entry must be an object of parameter names to values, e.g. {"lr": 0.01}',
    );
    expect(() => parseParams('grid.yaml', 'lr: 0.1\n')).toThrow('params file grid.yaml holds an object; it must be a list with one object of parameters per trial');
    expect(() => parseParams('grid.json', '[]')).toThrow('params file grid.json is an empty list');
    expect(() => parseParams('grid.jsonl', '{"lr": 1}\n{"lr": \n')).toThrow(/params file grid.jsonl: line 2 is not JSON/);
    expect(() => parseParams('grid.yaml', '- lr: [1\n')).toThrow(/params file grid.yaml is neither JSON, JSON lines nor YAML/);
  });

  it('refuses a missing params file, bad trial counts and run names before calling AWS', async () => {
    const missing = await submit({ params: 'nope.json' });
    expect((missing.error as Error).message).toBe("cannot read params file nope.json: ENOENT: no such file or directory, open 'nope.json'");
    for (const trials of [0, 10_001, 2.5]) {
      const r = await submit({ trials });
      expect((r.error as Error).message).toMatch(/^--trials must be a whole number from 1 to 10,000 \(AWS Batch's largest array job\)/);
    }
    expect((await submit({})).error).toEqual(new UserError('give --trials N, --params FILE (one trial per entry), or both'));
    expect(((await submit({ trials: 2, name: 'bad name' })).error as Error).message).toMatch(/^--name 'bad name' is not a run name/);
    expect(cfn.calls()).toHaveLength(0);
    expect(batch.calls()).toHaveLength(0);
  });

  it('suggests the closest sweep group for an unknown one, and says when the team has none', async () => {
    const r = await submit({ trials: 2 }, {}, team(), 'lr-sweeps');
    expect((r.error as Error).message).toBe("no sweep group 'lr-sweeps' in teams/example.yaml; did you mean 'lr-sweep'? (sweep groups: 'lr-sweep', 'hparams')");
    const none = await submit({ trials: 2 }, {}, team([]), 'lr-sweep');
    expect((none.error as Error).message).toBe('team example has no sweep groups; add one under aws.sweeps in teams/example.yaml');
    expect(batch.calls()).toHaveLength(0);
  });

  it('turns egress on first (Egress=on, every other parameter as it was) and waits for the NAT gateway', async () => {
    deployed();
    cfn
      .on(DescribeStacksCommand, { StackName: 'example-burst' })
      .resolvesOnce({ Stacks: [burstStack('off')] })
      .resolvesOnce({ Stacks: [burstStack('on', 'UPDATE_IN_PROGRESS')] })
      .resolves({ Stacks: [burstStack('on', 'UPDATE_COMPLETE')] });
    cfn.on(UpdateStackCommand).resolves({ StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/example-burst/1' });
    const r = await submit({ trials: 2 });
    expect(r.error).toBeUndefined();
    expect(cfn.commandCalls(UpdateStackCommand)[0]?.args[0].input).toEqual({
      StackName: 'example-burst',
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'Egress', ParameterValue: 'on' },
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
    });
    // One poll sees UPDATE_IN_PROGRESS, the next UPDATE_COMPLETE.
    expect(r.slept).toBe(2 * STACK_POLL_MS);
    expect(r.stderr).toContain('turning egress on: example-burst Egress=on creates a NAT gateway');
    expect(r.report?.egress).toBe('turned-on');
    expect(submitted()).toHaveLength(1);
  });

  it('waits for a stack another command is updating, then finds egress already on', async () => {
    deployed();
    cfn
      .on(DescribeStacksCommand, { StackName: 'example-burst' })
      .resolvesOnce({ Stacks: [burstStack('on', 'UPDATE_IN_PROGRESS')] })
      .resolvesOnce({ Stacks: [burstStack('on', 'UPDATE_IN_PROGRESS')] })
      .resolves({ Stacks: [burstStack('on')] });
    const r = await submit({ trials: 2 });
    expect(r.report?.egress).toBe('already-on');
    expect(r.slept).toBe(2 * STACK_POLL_MS);
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('--no-egress leaves the stack alone; a failed egress update submits nothing', async () => {
    deployed('off');
    expect((await submit({ trials: 2, egress: false })).report?.egress).toBe('skipped');
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);

    batch.reset();
    cfn.on(DescribeStacksCommand, { StackName: 'example-burst' })
      .resolvesOnce({ Stacks: [burstStack('off')] })
      .resolves({ Stacks: [{ ...burstStack('off', 'UPDATE_ROLLBACK_COMPLETE'), StackStatusReason: 'NatGateway failed' }] });
    cfn.on(UpdateStackCommand).resolves({});
    const failed = await submit({ trials: 2 });
    expect((failed.error as Error).message).toMatch(/^turning egress on failed: example-burst is UPDATE_ROLLBACK_COMPLETE: NatGateway failed; nothing was submitted/);
    expect(submitted()).toHaveLength(0);
  });

  it('--name of an existing run resubmits it with its stored params (trials resume); other params are refused', async () => {
    deployed();
    const stored = [{ lr: 0.1 }, { lr: 0.2 }];
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(stored) } } as never);
    const resumed = await submit({ name: 'lr-run' });
    expect(resumed.error).toBeUndefined();
    expect(resumed.report).toMatchObject({ resumed: true, trials: 2, params: `s3://${BUCKET}/teams/example/runs/lr-run/params.json` });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(submitted()[0]?.arrayProperties).toEqual({ size: 2 });

    const same = await submit({ name: 'lr-run', params: 'p.yaml' }, { 'p.yaml': '- {lr: 0.1}\n- {lr: 0.2}\n' });
    expect(same.report?.resumed).toBe(true);
    const other = await submit({ name: 'lr-run', params: 'p.json' }, { 'p.json': '[{"lr": 0.3}, {"lr": 0.2}]' });
    expect((other.error as Error).message).toBe(
      `run 'lr-run' exists with other parameters (s3://${BUCKET}/teams/example/runs/lr-run/params.json); choose another --name, or pass the same parameters to resume it`,
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('a missing stack says to deploy first; a queue that is not deployed says which', async () => {
    cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id example-storage does not exist'));
    const r = await submit({ trials: 2 });
    expect((r.error as Error).message).toBe('the stack example-storage does not exist in us-east-1; deploy first: npx cdk deploy example-storage example-burst');

    cfn.reset();
    deployed();
    batch.on(SubmitJobCommand).rejects(awsError('ClientException', 'Job Queue example-lr-sweep not found.'));
    const q = await submit({ trials: 2 });
    expect((q.error as Error).message).toMatch(/^the job queue or job definition example-lr-sweep is not deployed in us-east-1 .*npx cdk deploy example-burst$/);
  });

  it('missing credentials: exit 2 with the fix, no stack trace', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await submit({ trials: 2 });
    const out = reported(r.error);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`burst: ${AWS_CREDENTIALS}\n`);
    expect(hasStackTrace(out.stderr)).toBe(false);
  });

  it('access denied names the action and what the identity needs', async () => {
    deployed();
    batch.on(SubmitJobCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: batch:SubmitJob', { httpStatusCode: 403 }));
    const r = await submit({ trials: 2 });
    expect((r.error as Error).message).toMatch(
      /^AWS denied batch:SubmitJob in us-east-1 \(.*\); the identity needs batch:SubmitJob and batch:TagResource on the job queue and job definition example-lr-sweep$/,
    );
    deployed();
    s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 'Access Denied', { httpStatusCode: 403 }));
    const put = await submit({ params: 'p.json' }, { 'p.json': '[{"a":1}]' });
    expect((put.error as Error).message).toMatch(/^AWS denied s3:PutObject in us-east-1 .*arn:aws:s3:::example-storage-.*\/teams\/example\/runs\/lr-sweep-20261126-090000\/params.json$/);
  });

  it('throttling that outlasted the SDK retries says to wait and retry', async () => {
    deployed();
    batch.on(SubmitJobCommand).rejects(awsError('TooManyRequestsException', 'Too Many Requests', { httpStatusCode: 429, attempts: 5 }));
    const r = await submit({ trials: 2 });
    expect((r.error as Error).message).toBe(
      'AWS throttled batch:SubmitJob in us-east-1 after 5 attempts (TooManyRequestsException: Too Many Requests); wait a minute and run it again',
    );
  });

  it('the command parses --trials strictly', async () => {
    const cmd = new Command().option('--teams-dir <dir>');
    await expect(sweepSubmitCommand('example', 'hparams', { trials: 'ten' }, cmd)).rejects.toThrow("--trials takes a whole number of trials; got 'ten'");
  });

  it('the real clients: one per service in the team region, with more retries than the default', async () => {
    const clients = sdkClients();
    for (const client of [await clients.batch(REGION), await clients.cloudFormation(REGION), await clients.s3(REGION)]) {
      expect(await client.config.region()).toBe(REGION);
      expect(await client.config.maxAttempts()).toBe(5);
    }
  });

  it('X1: checkpoints follow the shared layout, one prefix per trial', () => {
    expect(trialCheckpointPrefix('example', 'r1')).toBe('teams/example/runs/r1/trial-{trial}/checkpoints/');
  });
});

describe('burst sweep status', () => {
  const detail = (over: Partial<JobDetail> = {}): JobDetail =>
    ({
      jobId: JOB_ID,
      jobName: RUN,
      jobQueue: QUEUE_ARN,
      jobDefinition: `arn:aws:batch:${REGION}:111122223333:job-definition/example-lr-sweep:3`,
      status: 'PENDING',
      createdAt: NOW.getTime() - 3_600_000,
      startedAt: undefined,
      arrayProperties: { size: 10, statusSummary: { SUCCEEDED: 4, FAILED: 2, RUNNING: 3, RUNNABLE: 1 } },
      container: { environment: [{ name: 'BURST_CHECKPOINT_PREFIX', value: `s3://${BUCKET}/teams/example/runs/${RUN}/trial-{trial}/checkpoints/` }] },
      ...over,
    }) as JobDetail;

  it('summarizes trial states: done is succeeded + failed, out of the array size', () => {
    expect(summarize(10, { SUCCEEDED: 4, FAILED: 2, RUNNING: 3, RUNNABLE: 1 })).toEqual({
      counts: { SUBMITTED: 0, PENDING: 0, RUNNABLE: 1, STARTING: 0, RUNNING: 3, SUCCEEDED: 4, FAILED: 2 },
      percentDone: 60,
    });
    expect(summarize(3, { SUCCEEDED: 2 }).percentDone).toBe(66);
    expect(summarize(3, undefined).percentDone).toBe(0);
  });

  it('shows one sweep: counts, percent done, artifacts and each failed trial with its reason', async () => {
    batch.on(DescribeJobsCommand, { jobs: [JOB_ID] }).resolves({ jobs: [detail()] });
    batch.on(ListJobsCommand, { arrayJobId: JOB_ID, jobStatus: 'FAILED' }).resolves({
      jobSummaryList: [
        { jobId: `${JOB_ID}:7`, jobName: RUN, arrayProperties: { index: 7 }, status: 'FAILED', container: { exitCode: 1, reason: 'Essential container in task exited' } },
        { jobId: `${JOB_ID}:3`, jobName: RUN, arrayProperties: { index: 3 }, status: 'FAILED', statusReason: 'Job attempt duration exceeded timeout' },
      ],
    });
    const r = await status(JOB_ID);
    expect(r.error).toBeUndefined();
    expect(r.report?.job).toMatchObject({
      id: JOB_ID,
      name: RUN,
      group: 'lr-sweep',
      status: 'PENDING',
      trials: 10,
      counts: { SUCCEEDED: 4, FAILED: 2, RUNNING: 3, RUNNABLE: 1 },
      percentDone: 60,
      artifacts: `s3://${BUCKET}/teams/example/runs/${RUN}/`,
      failed: [
        { index: 3, reason: 'Job attempt duration exceeded timeout' },
        { index: 7, exitCode: 1, reason: 'Essential container in task exited' },
      ],
    });
    const text = renderStatusReport(r.report as StatusReport);
    expect(text).toContain('4 succeeded, 2 failed, 3 running, 1 waiting of 10 (60% done)');
    expect(text).toMatch(/3\s+Job attempt duration exceeded timeout/);
    expect(text).toMatch(/7\s+exit 1\s+Essential container in task exited/);
  });

  it('finds a sweep by its run name in the team queues', async () => {
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batch.on(ListJobsCommand, { jobQueue: 'example-lr-sweep' }).resolves({ jobSummaryList: [{ jobId: JOB_ID, jobName: RUN, createdAt: NOW.getTime() }] });
    batch.on(DescribeJobsCommand).resolves({ jobs: [detail({ arrayProperties: { size: 10, statusSummary: { SUCCEEDED: 10 } } })] });
    const r = await status(RUN);
    expect(r.report?.job).toMatchObject({ id: JOB_ID, percentDone: 100, failed: [] });
    expect(batch.commandCalls(ListJobsCommand)[0]?.args[0].input.filters).toEqual([{ name: 'JOB_NAME', values: [RUN] }]);
  });

  it('a plain (single-trial) job: its own state, its failure and the spot reclaims Batch retried', async () => {
    batch.on(DescribeJobsCommand).resolves({
      jobs: [
        detail({
          arrayProperties: undefined,
          status: 'FAILED',
          statusReason: 'Essential container in task exited',
          container: { exitCode: 2, environment: [] },
          attempts: [{ statusReason: 'Host EC2 (instance i-0abc) terminated.' }, { statusReason: 'Essential container in task exited' }],
        }),
      ],
    });
    const r = await status(JOB_ID);
    expect(r.report?.job).toMatchObject({ trials: 1, counts: { FAILED: 1 }, percentDone: 100, spotReclaims: 1, failed: [{ index: 0, exitCode: 2 }] });
    expect(renderStatusReport(r.report as StatusReport)).toContain('spot reclaims  1 (retried)');
  });

  it('lists recent sweeps of every group, newest first, and names groups not deployed yet', async () => {
    batch.on(ListJobsCommand, { jobQueue: 'example-lr-sweep' }).resolves({ jobSummaryList: [{ jobId: JOB_ID, jobName: RUN }, { jobId: 'b', jobName: 'older' }] });
    batch.on(ListJobsCommand, { jobQueue: 'example-hparams' }).rejects(awsError('ClientException', 'Job queue example-hparams does not exist'));
    batch.on(DescribeJobsCommand).resolves({
      jobs: [detail({ jobId: 'b', jobName: 'older', status: 'SUCCEEDED', createdAt: NOW.getTime() - 86_400_000, arrayProperties: undefined }), detail()],
    });
    const r = await status(undefined, team(), false);
    expect(r.error).toBeUndefined();
    const since = String(NOW.getTime() - RECENT_DAYS * 86_400_000);
    expect(batch.commandCalls(ListJobsCommand)[0]?.args[0].input).toEqual({ jobQueue: 'example-lr-sweep', filters: [{ name: 'AFTER_CREATED_AT', values: [since] }], maxResults: 100 });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+RUN\s+STATUS\s+PROGRESS\s+JOB$/);
    expect(lines[1]).toMatch(new RegExp(`^lr-sweep\\s+${RUN}\\s+PENDING\\s+4 succeeded, 2 failed, 3 running, 1 waiting of 10 \\(60% done\\)\\s+${JOB_ID}$`));
    expect(lines[2]).toMatch(/^lr-sweep\s+older\s+SUCCEEDED\s+1 succeeded, 0 failed, 0 running of 1 \(100% done\)\s+b$/);
    expect(lines[3]).toBe('not deployed yet: hparams (npx cdk deploy example-burst)');
  });

  it('refuses a job of another queue, and an unknown job', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [detail({ jobQueue: `arn:aws:batch:${REGION}:111122223333:job-queue/other-team-lr` })] });
    expect(((await status(JOB_ID)).error as Error).message).toMatch(/runs on arn:.*other-team-lr, not on one of team example's sweep groups/);
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    expect(((await status(JOB_ID)).error as Error).message).toBe(`no job ${JOB_ID} in us-east-1 (Batch forgets finished jobs after about 7 days)`);
  });

  it('access denied, throttling and missing credentials become messages', async () => {
    batch.on(DescribeJobsCommand).rejects(awsError('AccessDeniedException', 'not authorized', { httpStatusCode: 403 }));
    expect(((await status(JOB_ID)).error as Error).message).toBe('AWS denied batch:DescribeJobs in us-east-1 (not authorized); the identity needs batch:DescribeJobs');
    batch.on(DescribeJobsCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', { httpStatusCode: 400, attempts: 5 }));
    expect(((await status(JOB_ID)).error as Error).message).toMatch(/^AWS throttled batch:DescribeJobs in us-east-1 after 5 attempts/);
    batch.on(ListJobsCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await status();
    expect(reported(r.error)).toEqual({ code: 2, stderr: `burst: ${AWS_CREDENTIALS}\n` });
  });
});
