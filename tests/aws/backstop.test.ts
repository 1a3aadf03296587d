/**
 * The serverless backstop (auto-shutdown layer c) against mocked AWS APIs: TTL and idle shutdown
 * (A22), dev box stop, on-demand egress off (X4), spot interruption and rebalance handling (A18).
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { BatchClient, ListJobsCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient, DescribeStacksCommand, UpdateStackCommand, type Stack as CfnStack } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client, StopInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  configFromEnv,
  handler,
  idleThreshold,
  REBALANCE_RECOMMENDATION,
  resetClients,
  run,
  setClients,
  SPOT_INTERRUPTION,
} from '../../constructs/aws/backstop/handler.mjs';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const TEAM = 'vision';

const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const cw = mockClient(CloudWatchClient);
const cfn = mockClient(CloudFormationClient);
const batch = mockClient(BatchClient);
const sns = mockClient(SNSClient);

let lines: Record<string, unknown>[];

function deps() {
  return {
    clients: {
      autoscaling: new AutoScalingClient({ region: 'us-east-1' }),
      ec2: new EC2Client({ region: 'us-east-1' }),
      cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
      cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
      batch: new BatchClient({ region: 'us-east-1' }),
      sns: new SNSClient({ region: 'us-east-1' }),
    },
    config: {
      team: TEAM,
      stackName: `${TEAM}-burst`,
      topicArn: 'arn:aws:sns:us-east-1:111111111111:alerts',
      idleGraceFactor: 2,
      idleCpuPercent: 10,
      sweepQueues: [`${TEAM}-hpo`],
    },
    now: () => NOW,
    log: (line: Record<string, unknown>) => lines.push(line),
  };
}

const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

function tags(t: Record<string, string>) {
  return Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
}

interface GroupSpec {
  team?: string;
  instances?: string[];
  desired?: number;
  ttlHours?: number;
  idleMinutes?: number;
}

function group(name: string, spec: GroupSpec = {}): AutoScalingGroup {
  const ids = spec.instances ?? [];
  return {
    AutoScalingGroupName: name,
    MinSize: 0,
    MaxSize: 4,
    DesiredCapacity: spec.desired ?? ids.length,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date(NOW - 30 * 24 * HOUR),
    Instances: ids.map((InstanceId) => ({
      InstanceId,
      AvailabilityZone: 'us-east-1a',
      LifecycleState: 'InService',
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
    })),
    Tags: tags({
      team: spec.team ?? TEAM,
      'gpu-burst:role': 'fleet',
      'gpu-burst:fleet': name,
      'gpu-burst:ttl-hours': String(spec.ttlHours ?? 12),
      'gpu-burst:idle-minutes': String(spec.idleMinutes ?? 30),
    }),
  };
}

function instance(id: string, launchedAgoMs: number, t: Record<string, string> = {}, state = 'running'): Instance {
  return { InstanceId: id, LaunchTime: new Date(NOW - launchedAgoMs), State: { Name: state as 'running' }, Tags: tags({ team: TEAM, ...t }) };
}

function reservations(...instances: Instance[]) {
  return { Reservations: instances.map((i) => ({ Instances: [i] })) };
}

/** CPU series per queried instance: a datapoint every 5 minutes over the whole requested window. */
function cpu(valueFor: (instanceId: string) => number | undefined) {
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const start = (input.StartTime as Date).getTime();
    const end = (input.EndTime as Date).getTime();
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const id = q.MetricStat?.Metric?.Dimensions?.[0]?.Value ?? '';
        const value = valueFor(id);
        const stamps: Date[] = [];
        if (value !== undefined) for (let t = start; t <= end - 5 * MIN; t += 5 * MIN) stamps.push(new Date(t));
        return { Id: q.Id, Timestamps: stamps, Values: stamps.map(() => value as number), StatusCode: 'Complete' };
      }),
    };
  });
}

function stack(overrides: Partial<CfnStack> = {}): CfnStack {
  return {
    StackName: `${TEAM}-burst`,
    StackStatus: 'UPDATE_COMPLETE',
    CreationTime: new Date(NOW - 10 * 24 * HOUR),
    LastUpdatedTime: new Date(NOW - 2 * HOUR),
    Parameters: [
      { ParameterKey: 'Egress', ParameterValue: 'on' },
      { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
    ],
    ...overrides,
  };
}

beforeEach(() => {
  lines = [];
  for (const m of [asg, ec2, cw, cfn, batch, sns]) m.reset();
  asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  asg.on(UpdateAutoScalingGroupCommand).resolves({});
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(StopInstancesCommand).resolves({});
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Parameters: [{ ParameterKey: 'Egress', ParameterValue: 'off' }] })] });
  cfn.on(UpdateStackCommand).resolves({ StackId: 'id' });
  batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

const scaled = () => asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input);
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);

describe('A22 fleets: the backstop scales a group to zero without the agent', () => {
  it('TTL passed: the oldest host launched before the TTL, so the group goes to zero and the team hears why', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('train', { instances: ['i-1', 'i-2'], ttlHours: 12 })] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1', 'i-2'] }).resolves(reservations(instance('i-1', 13 * HOUR), instance('i-2', 1 * HOUR)));
    cpu(() => 90);
    const result = await run(scheduled, deps());
    expect(scaled()).toEqual([{ AutoScalingGroupName: 'train', MinSize: 0, DesiredCapacity: 0 }]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'fleet', target: 'train', action: 'scale-to-zero', reason: expect.stringMatching(/12 h TTL/) }));
    expect(published()).toContainEqual(expect.objectContaining({ Subject: expect.stringContaining('scaled train to zero'), Message: expect.stringMatching(/TTL/) }));
    // The TTL needs no metrics: it holds even when CloudWatch says busy.
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('idle by metrics: every host ran past grace x idle window with CPU under the threshold', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('train', { instances: ['i-1', 'i-2'], idleMinutes: 30 })] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1', 'i-2'] }).resolves(reservations(instance('i-1', 3 * HOUR), instance('i-2', 2 * HOUR)));
    cpu(() => 2);
    const result = await run(scheduled, deps());
    expect(scaled()).toEqual([{ AutoScalingGroupName: 'train', MinSize: 0, DesiredCapacity: 0 }]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ action: 'scale-to-zero', reason: expect.stringMatching(/idle by CloudWatch metrics/) }));
    const query = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(query?.MetricDataQueries?.[0]?.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }] },
      Period: 300,
      Stat: 'Maximum',
    });
    // The window is idleGraceFactor (2) x idle-minutes (30).
    expect(NOW - (query?.StartTime as Date).getTime()).toBe(60 * MIN);
  });

  it('a large host training on one core is busy: the threshold is half a core, not a flat percentage', async () => {
    expect(idleThreshold(10, 4)).toBe(10);
    expect(idleThreshold(10, 192)).toBeCloseTo(50 / 192, 9);
    expect(idleThreshold(10, 0)).toBe(10);
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dist', { instances: ['i-1'], idleMinutes: 30 })] });
    const p5 = { ...instance('i-1', 3 * HOUR), CpuOptions: { CoreCount: 96, ThreadsPerCore: 2 } };
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1'] }).resolves(reservations(p5));
    cpu(() => 0.6); // one busy core of 192 vCPUs is 0.52 %
    const result = await run(scheduled, deps());
    expect(scaled()).toEqual([]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ target: 'dist', action: 'keep', reason: 'i-1: CPU reached 0.60 % (idle under 0.26 %)' }));
  });

  it('missing metrics count as busy: no data, or a gap in the window, never scales', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('train', { instances: ['i-1', 'i-2'] })] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1', 'i-2'] }).resolves(reservations(instance('i-1', 3 * HOUR), instance('i-2', 3 * HOUR)));
    cpu((id) => (id === 'i-1' ? 1 : undefined));
    const result = await run(scheduled, deps());
    expect(scaled()).toEqual([]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ target: 'train', action: 'keep', reason: expect.stringMatching(/i-2: no CPU metrics/) }));

    cw.reset();
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: ['m0', 'm1'].map((Id) => ({
        Id,
        // 60-minute window, datapoints only at its start and end: 50 minutes unaccounted for.
        Timestamps: [new Date(NOW - 60 * MIN), new Date(NOW - 5 * MIN)],
        Values: [1, 1],
      })),
    });
    const gap = await run(scheduled, deps());
    expect(scaled()).toEqual([]);
    expect(gap.decisions).toContainEqual(expect.objectContaining({ target: 'train', action: 'keep', reason: expect.stringMatching(/gap/) }));
  });

  it('busy hosts are left alone, and so are hosts younger than the idle window', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [group('busy', { instances: ['i-1'] }), group('young', { instances: ['i-2'] })],
    });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1'] }).resolves(reservations(instance('i-1', 3 * HOUR)));
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-2'] }).resolves(reservations(instance('i-2', 20 * MIN)));
    cpu((id) => (id === 'i-1' ? 55 : 0));
    const result = await run(scheduled, deps());
    expect(scaled()).toEqual([]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ target: 'busy', action: 'keep', reason: expect.stringMatching(/CPU reached 55/) }));
    expect(result.decisions).toContainEqual(expect.objectContaining({ target: 'young', action: 'keep', reason: expect.stringMatching(/has not run 60 minutes/) }));
    expect(published()).toEqual([]);
  });

  it("another team's group is never touched, even if the API filter let it through", async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('theirs', { team: 'nlp', instances: ['i-9'], ttlHours: 1 })] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-9'] }).resolves(reservations(instance('i-9', 48 * HOUR, { team: 'nlp' })));
    const result = await run(scheduled, deps());
    expect(scaled()).toEqual([]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ target: 'theirs', action: 'ignore' }));
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'tag:team', Values: [TEAM] },
      { Name: 'tag:gpu-burst:role', Values: ['fleet'] },
    ]);
  });

  it('one failing group does not stop the others; the failure is reported and published', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [group('broken', { instances: ['i-1'] }), group('lost', { instances: ['i-2'] }), group('fine', { instances: ['i-3'] })],
    });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1'] }).resolves(reservations(instance('i-1', 20 * HOUR)));
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-2'] }).rejects(new Error('throttled'));
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-3'] }).resolves(reservations(instance('i-3', 20 * HOUR)));
    asg.on(UpdateAutoScalingGroupCommand, { AutoScalingGroupName: 'broken' }).rejects(new Error('AccessDenied'));
    const result = await run(scheduled, deps());
    expect(scaled().map((i) => i.AutoScalingGroupName)).toEqual(['broken', 'fine']);
    expect(result.decisions).toContainEqual(expect.objectContaining({ target: 'fine', action: 'scale-to-zero' }));
    expect(result.failures).toEqual([
      expect.objectContaining({ kind: 'fleet', target: 'broken', error: expect.stringContaining('AccessDenied') }),
      expect.objectContaining({ kind: 'fleet', target: 'lost', error: expect.stringContaining('throttled') }),
    ]);
    expect(published()).toContainEqual(expect.objectContaining({ Subject: expect.stringContaining('could not scale broken') }));
  });

  it('logs one JSON-ready line per decision and per failure', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('idle-at-zero')] });
    const result = await run(scheduled, deps());
    expect(lines).toHaveLength(result.decisions.length + result.failures.length);
    for (const line of lines) expect(line).toMatchObject({ team: TEAM, kind: expect.any(String), target: expect.any(String) });
  });
});

describe('dev box', () => {
  it('past its TTL since its last start: stopped (disks kept) and published', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance('i-dev', 9 * HOUR, { 'gpu-burst:role': 'devbox', 'gpu-burst:ttl-hours': '8', 'gpu-burst:idle-minutes': '60' })));
    cpu(() => 80);
    const result = await run(scheduled, deps());
    expect(ec2.commandCalls(StopInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-dev'] }]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'devbox', target: 'i-dev', action: 'stop', reason: expect.stringMatching(/8 h TTL/) }));
    expect(published()).toContainEqual(expect.objectContaining({ Subject: expect.stringContaining('stopped dev box i-dev') }));
  });

  it('idle by metrics: stopped; busy: kept', async () => {
    ec2.on(DescribeInstancesCommand).resolves(
      reservations(
        instance('i-idle', 3 * HOUR, { 'gpu-burst:role': 'devbox', 'gpu-burst:ttl-hours': '8', 'gpu-burst:idle-minutes': '60' }),
        instance('i-busy', 3 * HOUR, { 'gpu-burst:role': 'devbox', 'gpu-burst:ttl-hours': '8', 'gpu-burst:idle-minutes': '60' }),
      ),
    );
    cpu((id) => (id === 'i-idle' ? 0.5 : 40));
    await run(scheduled, deps());
    expect(ec2.commandCalls(StopInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-idle'] }]);
  });
});

describe('X4 on-demand egress', () => {
  beforeEach(() => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack()] });
  });

  it('turns egress off when nothing runs and the stack has been stable for 30 minutes, keeping every other parameter', async () => {
    const result = await run(scheduled, deps());
    expect(cfn.commandCalls(UpdateStackCommand).map((c) => c.args[0].input)).toEqual([
      {
        StackName: `${TEAM}-burst`,
        UsePreviousTemplate: true,
        Parameters: [
          { ParameterKey: 'Egress', ParameterValue: 'off' },
          { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
        ],
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      },
    ]);
    expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'egress', action: 'egress-off' }));
    expect(published()).toContainEqual(expect.objectContaining({ Subject: expect.stringContaining('egress turned off') }));
    // Every active Batch state of every sweep queue was checked first.
    expect(batch.commandCalls(ListJobsCommand).map((c) => c.args[0].input.jobStatus)).toEqual(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']);
  });

  it('keeps egress while a sweep job runs', async () => {
    batch.on(ListJobsCommand, { jobStatus: 'RUNNING' }).resolves({ jobSummaryList: [{ jobId: 'j', jobName: 'trial' }] });
    const result = await run(scheduled, deps());
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'egress', action: 'keep', reason: expect.stringMatching(/RUNNING job/) }));
  });

  it('keeps egress when the stack changed 10 minutes ago (a burst is starting)', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack({ LastUpdatedTime: new Date(NOW - 10 * MIN) })] });
    const result = await run(scheduled, deps());
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'egress', action: 'keep', reason: expect.stringMatching(/changed 10 minutes ago/) }));
  });

  it('keeps egress while a fleet has desired capacity, a host runs, or the stack is mid-update', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('train', { desired: 2 })] });
    await run(scheduled, deps());
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance('i-sweep', 10 * MIN, { 'gpu-burst:role': 'sweep' }, 'pending')));
    await run(scheduled, deps());
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_IN_PROGRESS' })] });
    const last = await run(scheduled, deps());
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(last.decisions).toContainEqual(expect.objectContaining({ kind: 'egress', action: 'keep', reason: 'stack is UPDATE_IN_PROGRESS' }));
  });

  it('keeps egress when it could not see every host (an API failed)', async () => {
    ec2.on(DescribeInstancesCommand).rejects(new Error('throttled'));
    const result = await run(scheduled, deps());
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'egress', action: 'keep', reason: 'could not see every host this run' }));
  });

  it('an UpdateStack failure is logged and retried on the next run, never thrown', async () => {
    cfn.on(UpdateStackCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    const result = await run(scheduled, deps());
    expect(result.failures).toEqual([expect.objectContaining({ kind: 'egress', error: expect.stringContaining('not authorized') })]);
    cfn.on(UpdateStackCommand).resolves({ StackId: 'id' });
    const retry = await run(scheduled, deps());
    expect(retry.decisions).toContainEqual(expect.objectContaining({ action: 'egress-off' }));
  });

  it('does nothing when egress is already off', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Parameters: [{ ParameterKey: 'Egress', ParameterValue: 'off' }] })] });
    await run(scheduled, deps());
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(batch.commandCalls(ListJobsCommand)).toHaveLength(0);
  });
});

describe('A18 spot interruption and rebalance events', () => {
  const warning = (id: string) => ({
    source: 'aws.ec2',
    'detail-type': SPOT_INTERRUPTION,
    time: '2026-11-20T12:00:00Z',
    detail: { 'instance-id': id, 'instance-action': 'terminate' },
  });

  it('handles exactly the detail types the EventBridge rules send', () => {
    expect([SPOT_INTERRUPTION, REBALANCE_RECOMMENDATION]).toEqual(['EC2 Spot Instance Interruption Warning', 'EC2 Instance Rebalance Recommendation']);
  });

  it("a warning for one of the team's fleet hosts is published with what happens next", async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1'] }).resolves(reservations(instance('i-1', HOUR, { 'gpu-burst:role': 'fleet', 'gpu-burst:fleet': 'train' })));
    const result = await run(warning('i-1'), deps());
    expect(result.decisions).toEqual([expect.objectContaining({ kind: 'spot', target: 'i-1', action: 'notify', reason: `${SPOT_INTERRUPTION} for fleet train` })]);
    const [message] = published();
    expect(message?.Subject).toContain('spot interruption: i-1');
    expect(message?.Message).toMatch(/terminate i-1 about two minutes/);
    expect(message?.Message).toMatch(/checkpoint/);
    expect(message?.Message).toMatch(/Auto Scaling group launches a replacement/);
  });

  it('a rebalance recommendation for a sweep host is published too', async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-2'] }).resolves(reservations(instance('i-2', HOUR, { 'gpu-burst:role': 'sweep', 'gpu-burst:sweep': 'hpo' })));
    const result = await run({ source: 'aws.ec2', 'detail-type': REBALANCE_RECOMMENDATION, detail: { 'instance-id': 'i-2' } }, deps());
    expect(result.decisions).toEqual([expect.objectContaining({ action: 'notify', reason: `${REBALANCE_RECOMMENDATION} for sweep group hpo` })]);
    expect(published()[0]?.Subject).toContain('rebalance recommendation: i-2');
  });

  it("a warning for another team's instance, or an unknown one, is ignored without a message", async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-9'] }).resolves(reservations(instance('i-9', HOUR, { team: 'nlp' })));
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-gone'] }).rejects(Object.assign(new Error('not found'), { name: 'InvalidInstanceID.NotFound' }));
    const foreign = await run(warning('i-9'), deps());
    const gone = await run(warning('i-gone'), deps());
    expect(foreign.decisions).toEqual([expect.objectContaining({ target: 'i-9', action: 'ignore' })]);
    expect(gone.decisions).toEqual([expect.objectContaining({ target: 'i-gone', action: 'ignore', reason: 'instance not found' })]);
    expect(published()).toEqual([]);
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });
});

describe('entry point', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
    resetClients();
    vi.restoreAllMocks();
  });

  it('reads its settings from the environment the construct sets, and refuses a missing one', () => {
    expect(
      configFromEnv({ TEAM: 'vision', STACK_NAME: 'vision-burst', TOPIC_ARN: 'arn', IDLE_GRACE_FACTOR: '3', IDLE_CPU_PERCENT: '7.5', SWEEP_QUEUES: 'vision-a, vision-b' }),
    ).toEqual({ team: 'vision', stackName: 'vision-burst', topicArn: 'arn', idleGraceFactor: 3, idleCpuPercent: 7.5, sweepQueues: ['vision-a', 'vision-b'] });
    expect(configFromEnv({ TEAM: 't', STACK_NAME: 's', TOPIC_ARN: 'a' }).sweepQueues).toEqual([]);
    expect(() => configFromEnv({ TEAM: 't' })).toThrow(/STACK_NAME, TOPIC_ARN/);
    expect(() => configFromEnv({ TEAM: 't', STACK_NAME: 's', TOPIC_ARN: 'a', IDLE_CPU_PERCENT: 'x' })).toThrow(/IDLE_CPU_PERCENT=x/);
  });

  it('handler() runs a sweep with injected clients and prints one JSON line per decision', async () => {
    Object.assign(process.env, { TEAM, STACK_NAME: `${TEAM}-burst`, TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t', AWS_REGION: 'us-east-1' });
    const d = deps();
    setClients(d.clients);
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const result = await handler(scheduled);
    expect(result.failures).toEqual([]);
    expect(out.mock.calls.length).toBe(result.decisions.length);
    for (const [line] of out.mock.calls) expect(JSON.parse(String(line))).toMatchObject({ team: TEAM });
  });
});
