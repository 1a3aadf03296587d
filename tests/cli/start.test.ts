/**
 * `burst start` through its exported functions, against aws-sdk-client-mock for Auto Scaling,
 * CloudFormation, EC2 and EventBridge Scheduler, with an injected clock whose sleep advances time
 * (nothing waits). Most tests give the team hand-built plan items (`planTeam` is wrapped to use them
 * in place of the file's fleets and dev box), so they pin the command, not the catalog; one test reads a
 * real team file through the real plan.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  PutScheduledUpdateGroupActionCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
  type DescribeAutoScalingGroupsCommandInput,
} from '@aws-sdk/client-auto-scaling';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, EC2Client, StartInstancesCommand, type DescribeInstancesCommandInput, type Instance } from '@aws-sdk/client-ec2';
import { CreateScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { Command } from 'commander';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEADLINE_GRACE_MINUTES,
  INSTANCE_POLL_MS,
  STACK_POLL_MS,
  resolveStart,
  runStart,
  sdkClients,
  startCommand,
  startTargets,
  targetsFromItems,
  type StartDeps,
  type StartOptions,
  type StartReport,
} from '../../cli/commands/start.js';
import { reportError } from '../../cli/main.js';
import type { AwsDevBoxItem, AwsGpuFleetItem, AwsPlanItem } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { hasStackTrace, specFromYaml } from '../helpers.js';

/** Plan items the wrapped planTeam uses instead of the file's fleets and dev box; null: the real plan. */
const planned = vi.hoisted(() => ({ items: null as unknown[] | null }));
vi.mock('../../spec/plan.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../spec/plan.js')>();
  return {
    ...real,
    planTeam: (spec: TeamSpec) => {
      const plan = real.planTeam(spec);
      if (!plan.aws || planned.items === null) return plan;
      const own = plan.aws.items.filter((i) => i.kind !== 'gpuFleet' && i.kind !== 'devBox');
      return { ...plan, aws: { ...plan.aws, items: [...own, ...(planned.items as AwsPlanItem[])] } };
    },
  };
});

const NOW = new Date('2026-11-26T09:00:00.000Z');
const REGION = 'eu-west-1';
const GROUP = 'ml-burst-FleetTrainAsg1A2B3C-XYZ';
const ROLE = 'arn:aws:iam::111122223333:role/ml-burst-DevBoxSchedulerRole-ABC';
const DEVBOX_ID = 'i-0de0b0x0000000001';
const AWS_CREDENTIALS = 'no AWS credentials: set AWS_PROFILE, run `aws sso login` or `aws configure`';
const HOUR = 3_600_000;

const image = { cloud: 'aws', region: REGION, kind: 'dlami-base-gpu' } as const;
const fleetItem = (over: Partial<AwsGpuFleetItem>): AwsGpuFleetItem => ({
  kind: 'gpuFleet',
  layer: 'burst',
  name: 'train',
  accelerator: 'a100-40gb',
  family: 'gpu',
  count: 8,
  instanceTypes: ['p4d.24xlarge'],
  vCpusPerNode: 96,
  nodes: 4,
  multiNode: true,
  efaInterfaces: 4,
  market: 'spot',
  onDemandBase: 0,
  rootVolumeGiB: 200,
  image,
  idleMinutes: 20,
  ttlHours: 12,
  ...over,
});
const devBoxItem: AwsDevBoxItem = {
  kind: 'devBox',
  layer: 'burst',
  name: 'devbox',
  instanceType: 'g5.xlarge',
  accelerator: 'a10g',
  gpu: true,
  vCpus: 4,
  rootVolumeGiB: 100,
  dataVolumeGiB: 500,
  image,
  idleMinutes: 60,
  ttlHours: 8,
};
const ITEMS: AwsPlanItem[] = [fleetItem({}), fleetItem({ name: 'tune', nodes: 1, multiNode: false, count: 1, efaInterfaces: 0 }), devBoxItem];

/** The team `ml` in eu-west-1 (its fleets and dev box come from ITEMS). */
function team(): TeamSpec {
  return specFromYaml('ml', `aws:\n  region: ${REGION}\n`);
}

const asg = mockClient(AutoScalingClient);
const cfn = mockClient(CloudFormationClient);
const ec2 = mockClient(EC2Client);
const scheduler = mockClient(SchedulerClient);

const awsError = (name: string, message: string, metadata: object = {}) => Object.assign(new Error(message), { name, $metadata: metadata });

/** The burst stack as DescribeStacks returns it. */
function burstStack(over: { egress?: string; status?: string; reason?: string; outputs?: boolean } = {}): Stack {
  return {
    StackName: 'ml-burst',
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/ml-burst/1',
    CreationTime: new Date('2026-11-01T00:00:00Z'),
    StackStatus: (over.status ?? 'UPDATE_COMPLETE') as Stack['StackStatus'],
    ...(over.reason ? { StackStatusReason: over.reason } : {}),
    Parameters: [
      { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version', ResolvedValue: '28' },
      { ParameterKey: 'Egress', ParameterValue: over.egress ?? 'on' },
    ],
    Outputs:
      over.outputs === false
        ? []
        : [
            { OutputKey: 'DevBoxInstanceId', OutputValue: DEVBOX_ID },
            { OutputKey: 'DevBoxSchedulerRoleArn', OutputValue: ROLE },
          ],
  };
}

/** Answers DescribeStacks with each stack in turn, repeating the last. */
function stacks(...sequence: Stack[]): void {
  let i = 0;
  cfn.on(DescribeStacksCommand).callsFake(async () => ({ Stacks: [sequence[Math.min(i++, sequence.length - 1)]] }));
}

/** Fleet nodes as EC2 describes them: launched in id order reversed, so sorting by launch time matters. */
const NODES: Instance[] = [0, 1, 2, 3].map((n) => ({
  InstanceId: `i-0f1ee70000000000${3 - n}`,
  LaunchTime: new Date(NOW.getTime() + 60_000 + n * 1000),
  AmiLaunchIndex: 0,
  Placement: { AvailabilityZone: 'eu-west-1b' },
  PrivateIpAddress: `10.64.1.${10 + n}`,
  State: { Name: 'running', Code: 16 },
}));

/** The fleet group: found by tags; by name it reports `inService` members after `launchingPolls` polls. */
function fleetGroup(over: Partial<AutoScalingGroup> = {}, launchingPolls = 1): void {
  const base: AutoScalingGroup = {
    AutoScalingGroupName: GROUP,
    MinSize: 0,
    MaxSize: 4,
    DesiredCapacity: 0,
    DefaultCooldown: 300,
    AvailabilityZones: ['eu-west-1b'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2026-11-01T00:00:00Z'),
    Instances: [],
    ...over,
  };
  let polls = 0;
  asg.on(DescribeAutoScalingGroupsCommand).callsFake(async (input: DescribeAutoScalingGroupsCommandInput) => {
    if (input.Filters) return { AutoScalingGroups: [base] };
    const desired = asg.commandCalls(UpdateAutoScalingGroupCommand).at(-1)?.args[0].input.DesiredCapacity ?? 0;
    const ready = polls++ >= launchingPolls;
    return {
      AutoScalingGroups: [
        {
          ...base,
          DesiredCapacity: desired,
          Instances: NODES.slice(0, desired).map((n) => ({
            InstanceId: n.InstanceId,
            AvailabilityZone: 'eu-west-1b',
            LifecycleState: ready ? 'InService' : 'Pending',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          })),
        },
      ],
    };
  });
}

let devBoxStates: string[] = [];
/** EC2: the fleet nodes by id; the dev box goes through `devBoxStates`, one per DescribeInstances. */
function instances(): void {
  ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
    const ids = input.InstanceIds ?? [];
    if (ids.includes(DEVBOX_ID) || input.Filters) {
      const state = devBoxStates.length > 1 ? (devBoxStates.shift() as string) : (devBoxStates[0] ?? 'stopped');
      const box: Instance = {
        InstanceId: DEVBOX_ID,
        State: { Name: state as 'running' },
        Placement: { AvailabilityZone: 'eu-west-1a' },
        ...(state === 'running' ? { PrivateIpAddress: '10.64.0.5' } : {}),
      };
      return { Reservations: [{ Instances: [box] }] };
    }
    return { Reservations: [{ Instances: NODES.filter((n) => ids.includes(n.InstanceId ?? '')) }] };
  });
}

interface Run {
  readonly code?: number;
  readonly error?: unknown;
  readonly stdout: string;
  readonly stderr: string;
  readonly sleeps: number[];
}

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };

async function start(target: string, opts: StartOptions = {}, spec: TeamSpec = team()): Promise<Run> {
  let t = NOW.getTime();
  let stdout = '';
  let stderr = '';
  const sleeps: number[] = [];
  const deps: StartDeps = {
    clients: {
      autoScaling: (region) => new AutoScalingClient({ region, credentials }),
      cloudFormation: (region) => new CloudFormationClient({ region, credentials }),
      ec2: (region) => new EC2Client({ region, credentials }),
      scheduler: (region) => new SchedulerClient({ region, credentials }),
    },
    now: () => new Date(t),
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  };
  try {
    const code = await runStart(spec, target, opts, deps);
    return { code, stdout, stderr, sleeps };
  } catch (error) {
    return { error, stdout, stderr, sleeps };
  }
}

const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
const message = (run: Run) => (run.error instanceof Error ? run.error.message : `no error (exit ${run.code})`);

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

function noChanges(): void {
  expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
  expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  expect(asg.commandCalls(PutScheduledUpdateGroupActionCommand)).toHaveLength(0);
  expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
  expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
}

beforeEach(() => {
  for (const m of [asg, cfn, ec2, scheduler]) m.reset();
  planned.items = ITEMS;
  devBoxStates = ['stopped', 'pending', 'running'];
  stacks(burstStack());
  fleetGroup();
  instances();
  asg.on(UpdateAutoScalingGroupCommand).resolves({});
  asg.on(PutScheduledUpdateGroupActionCommand).resolves({});
  ec2.on(StartInstancesCommand).resolves({
    StartingInstances: [{ InstanceId: DEVBOX_ID, PreviousState: { Name: 'stopped', Code: 80 }, CurrentState: { Name: 'pending', Code: 0 } }],
  });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:111122223333:schedule/default/ml-devbox-ttl' });
  scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:111122223333:schedule/default/ml-devbox-ttl' });
});

afterEach(() => vi.restoreAllMocks());

describe('burst start <team> <fleet>', () => {
  it('A22: starts the whole fleet, deadline first, then lists the nodes in launch order with SSM and torchrun', async () => {
    const run = await start('train');
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(0);

    // The group is found by its tags, sized to the fleet's nodes; MaxSize is never touched.
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Name: 'tag:team', Values: ['ml'] },
        { Name: 'tag:gpu-burst:fleet', Values: ['train'] },
      ],
    });
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: GROUP, MinSize: 0, DesiredCapacity: 4 },
    ]);
    // Layer (b): scale to 0 at now + ttlHours + grace, whether or not the agent runs.
    const deadline = new Date(NOW.getTime() + 12 * HOUR + DEADLINE_GRACE_MINUTES * 60_000);
    expect(asg.commandCalls(PutScheduledUpdateGroupActionCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: GROUP, ScheduledActionName: 'gpu-burst-ttl', StartTime: deadline, MinSize: 0, DesiredCapacity: 0 },
    ]);
    const [deadlineCall] = asg.commandCalls(PutScheduledUpdateGroupActionCommand);
    const [resizeCall] = asg.commandCalls(UpdateAutoScalingGroupCommand);
    expect(deadlineCall && resizeCall && deadlineCall.calledBefore(resizeCall)).toBe(true);
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0); // egress already on

    // One poll found the nodes pending, the next in service.
    expect(run.sleeps).toEqual([INSTANCE_POLL_MS]);
    expect(plain(run.stderr)).toContain('fleet train: 0 of 4 nodes in service, 4 launching (0s)');

    const out = plain(run.stdout);
    expect(out).toContain(`started  fleet train of team ml in eu-west-1: 4 of 4 nodes (${GROUP})`);
    expect(out).toContain(`deadline  2026-11-26 21:05 UTC: scheduled action gpu-burst-ttl on ${GROUP} (min 0, desired 0), whatever the agent does`);
    // Node 0 launched first although its id sorts last.
    expect(out).toMatch(/^ {2}0 {5}i-0f1ee700000000003 {2}eu-west-1b {2}10\.64\.1\.10$/m);
    expect(out).toMatch(/^ {2}3 {5}i-0f1ee700000000000 {2}eu-west-1b {2}10\.64\.1\.13$/m);
    for (const n of NODES) expect(out).toContain(`  aws ssm start-session --target ${n.InstanceId} --region eu-west-1\n`);
    expect(out).toContain(
      '  torchrun --nnodes 4 --nproc-per-node 8 --node-rank <rank> --master-addr 10.64.1.10 --master-port 29500 train.py',
    );
    expect(out).toContain('How it ends: the agent removes a host once it has been idle for 20 minutes; at 2026-11-26 21:05 UTC the deadline ends it');
    expect(out).toContain(
      `Stop it now: aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${GROUP} --min-size 0 --desired-capacity 0 --region eu-west-1`,
    );
  });

  it('--nodes N starts fewer nodes of a multi-node fleet and says the placement group still applies', async () => {
    const run = await start('train', { nodes: 2 });
    expect(run.error).toBeUndefined();
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input).toEqual({ AutoScalingGroupName: GROUP, MinSize: 0, DesiredCapacity: 2 });
    expect(asg.commandCalls(PutScheduledUpdateGroupActionCommand)[0]?.args[0].input.StartTime).toEqual(
      new Date('2026-11-26T21:05:00.000Z'),
    );
    expect(plain(run.stderr)).toContain('starting 2 of 4 nodes; the cluster placement group still applies (all nodes in one zone)');
    const out = plain(run.stdout);
    expect(out).toContain('2 of 4 nodes');
    expect(out).toContain('torchrun --nnodes 2 --nproc-per-node 8 --node-rank <rank> --master-addr 10.64.1.10');
  });

  it('a single-node fleet prints no torchrun recipe and no node ranks', async () => {
    fleetGroup({ MaxSize: 1 }, 0);
    const run = await start('tune', { json: true });
    const report = JSON.parse(run.stdout) as StartReport;
    expect(report.desiredCapacity).toBe(1);
    expect(report.torchrun).toBeUndefined();
    expect(report.instances).toEqual([
      { id: 'i-0f1ee700000000003', availabilityZone: 'eu-west-1b', privateIp: '10.64.1.10', ssm: 'aws ssm start-session --target i-0f1ee700000000003 --region eu-west-1' },
    ]);
    expect(run.sleeps).toEqual([]);
  });

  it('refuses --nodes outside 1..nodes and --nodes with the dev box, before calling AWS', async () => {
    expect(message(await start('train', { nodes: 5 }))).toBe(
      "--nodes must be a whole number from 1 to 4 for fleet 'train' (nodes: 4); got 5; to run more, raise nodes of fleet 'train' " +
        "in teams/ml.yaml and deploy (burst start never raises the group's MaxSize)",
    );
    expect(message(await start('train', { nodes: 0 }))).toBe("--nodes must be a whole number from 1 to 4 for fleet 'train' (nodes: 4); got 0");
    expect(message(await start('train', { nodes: 1.5 }))).toBe("--nodes must be a whole number from 1 to 4 for fleet 'train' (nodes: 4); got 1.5");
    expect(message(await start('devbox', { nodes: 1 }))).toBe('--nodes does not apply to the dev box (it is one instance); drop --nodes');
    expect(cfn.calls()).toHaveLength(0);
    noChanges();
  });

  it('an unknown target gets a suggestion and the list of what the team can start', async () => {
    const run = await start('trian');
    expect(run.error).toBeInstanceOf(UserError);
    expect(message(run)).toBe("team ml has no fleet 'trian'; did you mean 'train'? (it can start 'train', 'tune', 'devbox')");
    planned.items = [];
    expect(message(await start('train'))).toBe(
      'team ml has no fleets and no dev box in teams/ml.yaml; add aws.fleets or aws.devBox, deploy, then start',
    );
    planned.items = [fleetItem({})];
    expect(message(await start('devbox'))).toBe(
      "team ml has no dev box; add aws.devBox to teams/ml.yaml and deploy (npx cdk deploy ml-burst), or start one of 'train'",
    );
    expect(cfn.calls()).toHaveLength(0);
  });

  it('the stack has no such fleet, a smaller MaxSize, or a larger running burst: refused, nothing changed', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    expect(message(await start('train'))).toBe('the burst stack has no fleet train: deploy the current team file (npx cdk deploy ml-burst)');
    fleetGroup({ MaxSize: 2 });
    expect(message(await start('train'))).toBe(
      `the deployed group ${GROUP} allows at most 2 nodes (MaxSize), fewer than the 4 asked; deploy the current team file ` +
        '(npx cdk deploy ml-burst): burst start never raises MaxSize',
    );
    fleetGroup({ DesiredCapacity: 4 });
    expect(message(await start('train', { nodes: 2 }))).toBe(
      'fleet train already runs 4 nodes; burst start does not shrink a running burst (that would terminate 2 hosts mid-training): ' +
        `start it with --nodes 4, or shrink it yourself (aws autoscaling set-desired-capacity --auto-scaling-group-name ${GROUP} --desired-capacity 2 --region eu-west-1)`,
    );
    noChanges();
  });

  it('--wait gives up after 10 minutes with the last scaling activity; the deadline stays', async () => {
    fleetGroup({}, 1000);
    asg.on(DescribeScalingActivitiesCommand).resolves({
      Activities: [
        {
          ActivityId: 'a1',
          AutoScalingGroupName: GROUP,
          Cause: 'capacity',
          StartTime: NOW,
          StatusCode: 'Failed',
          StatusMessage: 'We currently do not have sufficient p4d.24xlarge capacity in the Availability Zone you requested (eu-west-1b).',
        },
      ],
    });
    const run = await start('train');
    expect(message(run)).toBe(
      'after 10m00s 0 of 4 nodes of fleet train are in service; the group keeps trying (last activity: Failed We currently do not have ' +
        'sufficient p4d.24xlarge capacity in the Availability Zone you requested (eu-west-1b).) and the deadline still holds. ' +
        `Watch it: aws autoscaling describe-scaling-activities --auto-scaling-group-name ${GROUP} --region eu-west-1`,
    );
    expect(run.sleeps).toHaveLength(60);
    expect(asg.commandCalls(PutScheduledUpdateGroupActionCommand)).toHaveLength(1);
    // Progress: one line per state change, else one every 30 s.
    expect(plain(run.stderr).split('\n').filter((l) => l.startsWith('fleet train:'))).toHaveLength(20);
  });

  it('--no-wait returns after the resize, with how to watch the group', async () => {
    const run = await start('train', { wait: false });
    expect(run.error).toBeUndefined();
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
    expect(ec2.calls()).toHaveLength(0);
    const out = plain(run.stdout);
    expect(out).toContain(
      `Not waiting (--no-wait): the hosts are launching. Watch: aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names ${GROUP} --region eu-west-1`,
    );
    expect(out).toContain('--master-addr <private IP of node 0>');
  });

  it('--json prints one document: team, target, region, desiredCapacity, deadline, egress, instances', async () => {
    const run = await start('train', { json: true, nodes: 2 });
    const report = JSON.parse(run.stdout) as StartReport;
    expect(report).toEqual({
      team: 'ml',
      cloud: 'aws',
      target: 'train',
      kind: 'fleet',
      region: 'eu-west-1',
      desiredCapacity: 2,
      nodes: 4,
      deadline: '2026-11-26T21:05:00.000Z',
      deadlineBy: `scheduled action gpu-burst-ttl on ${GROUP} (min 0, desired 0)`,
      idleMinutes: 20,
      egress: 'already-on',
      autoScalingGroup: GROUP,
      waited: true,
      instances: [
        { id: 'i-0f1ee700000000003', availabilityZone: 'eu-west-1b', privateIp: '10.64.1.10', nodeRank: 0, ssm: 'aws ssm start-session --target i-0f1ee700000000003 --region eu-west-1' },
        { id: 'i-0f1ee700000000002', availabilityZone: 'eu-west-1b', privateIp: '10.64.1.11', nodeRank: 1, ssm: 'aws ssm start-session --target i-0f1ee700000000002 --region eu-west-1' },
      ],
      torchrun: 'torchrun --nnodes 2 --nproc-per-node 8 --node-rank <rank> --master-addr 10.64.1.10 --master-port 29500 train.py',
      stopNow: `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${GROUP} --min-size 0 --desired-capacity 0 --region eu-west-1`,
    });
  });
});

describe('burst start: the stack and egress', () => {
  it('X4: turns egress on (Egress=on, every other parameter as it was) and waits for UPDATE_COMPLETE', async () => {
    stacks(
      burstStack({ egress: 'off' }),
      burstStack({ egress: 'on', status: 'UPDATE_IN_PROGRESS' }),
      burstStack({ egress: 'on', status: 'UPDATE_IN_PROGRESS' }),
      burstStack({ egress: 'on', status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' }),
      burstStack({ egress: 'on', status: 'UPDATE_COMPLETE' }),
    );
    cfn.on(UpdateStackCommand).resolves({ StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/ml-burst/1' });
    const run = await start('train', { json: true });
    expect(run.error).toBeUndefined();
    expect(cfn.commandCalls(UpdateStackCommand).map((c) => c.args[0].input)).toEqual([
      {
        StackName: 'ml-burst',
        UsePreviousTemplate: true,
        Parameters: [
          { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
          { ParameterKey: 'Egress', ParameterValue: 'on' },
        ],
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      },
    ]);
    // Four stack polls until UPDATE_COMPLETE, then one while the nodes launch.
    expect(run.sleeps).toEqual([STACK_POLL_MS, STACK_POLL_MS, STACK_POLL_MS, STACK_POLL_MS, INSTANCE_POLL_MS]);
    // The fleet is resized only once the NAT gateway exists.
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(1);
    expect(plain(run.stderr)).toContain('turning egress on: ml-burst Egress=on creates a NAT gateway for this burst (a few minutes)...');
    expect(plain(run.stderr)).toContain('waiting for ml-burst: UPDATE_IN_PROGRESS (5s)');
    expect(plain(run.stderr)).toContain('egress on (20s)');
    expect((JSON.parse(run.stdout) as StartReport).egress).toBe('turned-on');
  });

  it('X4: leaves the stack alone when egress is already on or with --no-egress', async () => {
    const on = await start('train', { json: true });
    expect((JSON.parse(on.stdout) as StartReport).egress).toBe('already-on');
    stacks(burstStack({ egress: 'off' }));
    const skipped = await start('train', { egress: false });
    expect(skipped.error).toBeUndefined();
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(plain(skipped.stdout)).toContain('egress    not requested (--no-egress): hosts reach S3 through the gateway endpoint');
  });

  it('"No updates are to be performed" counts as success', async () => {
    stacks(burstStack({ egress: 'off' }));
    cfn.on(UpdateStackCommand).rejects(awsError('ValidationError', 'No updates are to be performed.', { httpStatusCode: 400 }));
    const run = await start('train', { json: true });
    expect(run.error).toBeUndefined();
    expect((JSON.parse(run.stdout) as StartReport).egress).toBe('already-on');
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(1);
  });

  it('a rollback is reported with the stack status reason and the first failed resource; nothing starts', async () => {
    stacks(
      burstStack({ egress: 'off' }),
      burstStack({ egress: 'on', status: 'UPDATE_IN_PROGRESS' }),
      burstStack({ egress: 'on', status: 'UPDATE_ROLLBACK_IN_PROGRESS', reason: 'The following resource(s) failed to create: [EgressNatGateway].' }),
    );
    cfn.on(UpdateStackCommand).resolves({});
    cfn.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        { StackId: 's', EventId: '3', StackName: 'ml-burst', Timestamp: new Date(NOW.getTime() + 9000), ResourceType: 'AWS::CloudFormation::Stack', LogicalResourceId: 'ml-burst', ResourceStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' },
        { StackId: 's', EventId: '2', StackName: 'ml-burst', Timestamp: new Date(NOW.getTime() + 8000), ResourceType: 'AWS::EC2::Route', LogicalResourceId: 'EgressRoute', ResourceStatus: 'CREATE_FAILED', ResourceStatusReason: 'Resource creation cancelled' },
        { StackId: 's', EventId: '1', StackName: 'ml-burst', Timestamp: new Date(NOW.getTime() + 7000), ResourceType: 'AWS::EC2::NatGateway', LogicalResourceId: 'EgressNatGateway', ResourceStatus: 'CREATE_FAILED', ResourceStatusReason: 'The maximum number of NAT gateways has been reached.' },
        { StackId: 's', EventId: '0', StackName: 'ml-burst', Timestamp: new Date('2026-11-01T00:00:00Z'), ResourceType: 'AWS::EC2::NatGateway', LogicalResourceId: 'Old', ResourceStatus: 'CREATE_FAILED', ResourceStatusReason: 'long ago' },
      ],
    });
    const run = await start('train');
    expect(run.error).toBeInstanceOf(UserError);
    expect(message(run)).toBe(
      'turning egress on failed: ml-burst is UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to create: [EgressNatGateway].; ' +
        'first failure: EgressNatGateway (AWS::EC2::NatGateway): The maximum number of NAT gateways has been reached.; nothing was started. ' +
        'Its events: aws cloudformation describe-stack-events --stack-name ml-burst --region eu-west-1 (or add --no-egress)',
    );
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
    expect(asg.commandCalls(PutScheduledUpdateGroupActionCommand)).toHaveLength(0);
  });

  it('a missing stack says to deploy first', async () => {
    cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id ml-burst does not exist', { httpStatusCode: 400 }));
    const run = await start('train');
    expect(message(run)).toBe('the stack ml-burst does not exist in eu-west-1; deploy first: npx cdk deploy ml-storage ml-burst');
    expect(reported(run.error).code).toBe(2);
    noChanges();
  });

  it('waits for a running stack operation; refuses a stack whose first deploy failed or that lacks the Egress parameter', async () => {
    stacks(burstStack({ status: 'UPDATE_IN_PROGRESS' }), burstStack({ status: 'UPDATE_IN_PROGRESS' }), burstStack());
    const waited = await start('train', { wait: false });
    expect(waited.error).toBeUndefined();
    expect(waited.sleeps).toEqual([STACK_POLL_MS, STACK_POLL_MS]);
    expect(plain(waited.stderr)).toContain('ml-burst is UPDATE_IN_PROGRESS; waiting for it to finish (0s)...');

    asg.reset();
    stacks(burstStack({ status: 'ROLLBACK_COMPLETE', reason: 'The following resource(s) failed to create: [Vpc].' }));
    expect(message(await start('train'))).toBe(
      'ml-burst is ROLLBACK_COMPLETE (The following resource(s) failed to create: [Vpc].), so no burst can start on it; ' +
        'its first deploy failed: delete it (npx cdk destroy ml-burst; data lives in ml-storage) and deploy again',
    );
    stacks(burstStack({ status: 'UPDATE_ROLLBACK_FAILED' }));
    expect(message(await start('train'))).toMatch(/^ml-burst is UPDATE_ROLLBACK_FAILED, so no burst can start on it; finish the rollback \(aws cloudformation continue-update-rollback/);
    stacks({ ...burstStack(), Parameters: [{ ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' }] });
    expect(message(await start('train'))).toBe(
      'the deployed ml-burst has no Egress parameter (an older deploy); deploy the current team file (npx cdk deploy ml-burst), ' +
        'or add --no-egress to go without a NAT gateway',
    );
    noChanges();
  });
});

describe('burst start <team> devbox', () => {
  it('A22: sets the stop schedule, starts the stopped box, waits for it and prints SSM and Jupyter forwarding', async () => {
    const run = await start('devbox');
    expect(run.error).toBeUndefined();
    expect(scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: 'ml-devbox-ttl',
        Description: 'gpu-burst: stop the dev box of team ml at its deadline (set by burst start)',
        ScheduleExpression: 'at(2026-11-26T17:05:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: 'arn:aws:scheduler:::aws-sdk:ec2:stopInstances',
          RoleArn: ROLE,
          Input: JSON.stringify({ InstanceIds: [DEVBOX_ID] }),
        },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
      },
    ]);
    expect(ec2.commandCalls(StartInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [DEVBOX_ID] }]);
    // The deadline exists before the box starts.
    const [schedule] = scheduler.commandCalls(CreateScheduleCommand);
    const [started] = ec2.commandCalls(StartInstancesCommand);
    expect(schedule && started && schedule.calledBefore(started)).toBe(true);
    expect(run.sleeps).toEqual([INSTANCE_POLL_MS]); // pending once, then running
    expect(asg.calls()).toHaveLength(0);

    const out = plain(run.stdout);
    expect(out).toContain('started  dev box of team ml in eu-west-1');
    expect(out).toContain('deadline  2026-11-26 17:05 UTC: EventBridge Scheduler schedule ml-devbox-ttl (ec2:StopInstances), whatever the agent does');
    expect(out).toMatch(/^ {2}i-0de0b0x0000000001 {2}eu-west-1a {2}10\.64\.0\.5$/m);
    expect(out).toContain(`  aws ssm start-session --target ${DEVBOX_ID} --region eu-west-1\n`);
    expect(out).toContain(
      `  aws ssm start-session --target ${DEVBOX_ID} --region eu-west-1 --document-name AWS-StartPortForwardingSession ` +
        `--parameters '{"portNumber":["8888"],"localPortNumber":["8888"]}'`,
    );
    expect(out).toContain('http://localhost:8888');
    expect(out).toContain('the agent stops the dev box once it has been idle for 60 minutes (its disks stay)');
    expect(out).toContain(`Stop it now: aws ec2 stop-instances --instance-ids ${DEVBOX_ID} --region eu-west-1`);
  });

  it('moves the deadline of an existing schedule (UpdateSchedule) and says when the box already runs', async () => {
    devBoxStates = ['running'];
    scheduler.on(CreateScheduleCommand).rejects(awsError('ConflictException', 'Schedule ml-devbox-ttl already exists.', { httpStatusCode: 409 }));
    const run = await start('devbox', { json: true });
    expect(run.error).toBeUndefined();
    const created = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(scheduler.commandCalls(UpdateScheduleCommand).map((c) => c.args[0].input)).toEqual([created]);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
    expect(plain(run.stderr)).toContain(`dev box ${DEVBOX_ID} is already running; its deadline moves to 2026-11-26 17:05 UTC`);
    const report = JSON.parse(run.stdout) as StartReport;
    expect(report).toMatchObject({ kind: 'devbox', target: 'devbox', desiredCapacity: 1, alreadyRunning: true, instanceId: DEVBOX_ID, egress: 'already-on' });
    expect(report.instances[0]?.jupyter).toContain('AWS-StartPortForwardingSession');
  });

  it('finds the box by its tags when the stack has no DevBoxInstanceId output; needs the scheduler role output', async () => {
    stacks({ ...burstStack(), Outputs: [{ OutputKey: 'DevBoxSchedulerRoleArn', OutputValue: ROLE }] });
    const run = await start('devbox', { wait: false });
    expect(run.error).toBeUndefined();
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Name: 'tag:team', Values: ['ml'] },
        { Name: 'tag:gpu-burst:role', Values: ['devbox'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);

    stacks(burstStack({ outputs: false }));
    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    expect(message(await start('devbox'))).toBe('the burst stack has no dev box: deploy the current team file (npx cdk deploy ml-burst)');
  });

  it('waits for a stopping box to stop before starting it', async () => {
    devBoxStates = ['stopping', 'stopping', 'stopped', 'running'];
    const run = await start('devbox');
    expect(run.error).toBeUndefined();
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
    expect(plain(run.stderr)).toContain(`the dev box ${DEVBOX_ID} is stopping; waiting to start it again...`);
  });
});

describe('burst start: AWS failures are one readable line', () => {
  it('missing credentials: exit 2, no stack trace, nothing changed', async () => {
    cfn.on(DescribeStacksCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const run = await start('train');
    expect(message(run)).toBe(AWS_CREDENTIALS);
    const { code, stderr } = reported(run.error);
    expect(code).toBe(2);
    expect(stderr).toBe(`burst: ${AWS_CREDENTIALS}\n`);
    expect(hasStackTrace(stderr)).toBe(false);
    noChanges();
  });

  it('access denied names the action', async () => {
    asg
      .on(UpdateAutoScalingGroupCommand)
      .rejects(awsError('AccessDenied', 'User: arn:aws:iam::111122223333:user/dev is not authorized to perform: autoscaling:UpdateAutoScalingGroup', { httpStatusCode: 403 }));
    const run = await start('train');
    expect(message(run)).toBe(
      'AWS denied autoscaling:UpdateAutoScalingGroup in eu-west-1 (User: arn:aws:iam::111122223333:user/dev is not authorized to perform: ' +
        'autoscaling:UpdateAutoScalingGroup); the identity needs autoscaling:UpdateAutoScalingGroup',
    );
    expect(hasStackTrace(reported(run.error).stderr)).toBe(false);

    scheduler.on(CreateScheduleCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: iam:PassRole', { httpStatusCode: 403 }));
    expect(message(await start('devbox'))).toBe(
      `AWS denied scheduler:CreateSchedule in eu-west-1 (not authorized to perform: iam:PassRole); the identity needs ` +
        `scheduler:CreateSchedule on schedule ml-devbox-ttl and iam:PassRole on ${ROLE}`,
    );
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  it('throttling after the SDK retries surfaces with the attempts', async () => {
    asg.on(PutScheduledUpdateGroupActionCommand).rejects(awsError('Throttling', 'Rate exceeded', { httpStatusCode: 400, attempts: 5 }));
    const run = await start('train');
    expect(message(run)).toBe(
      'AWS throttled autoscaling:PutScheduledUpdateGroupAction in eu-west-1 after 5 attempts (Throttling: Rate exceeded); wait a minute and run it again',
    );
    expect(hasStackTrace(reported(run.error).stderr)).toBe(false);
    // No resize without a deadline.
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('an unreachable endpoint says to check the network', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND' }));
    expect(message(await start('train'))).toBe(
      'cannot reach AWS for cloudformation:DescribeStacks in eu-west-1 (getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com); check the network or proxy',
    );
  });
});

describe('burst start: targets and clouds', () => {
  it('reads fleets and the dev box from plan items', () => {
    expect(targetsFromItems(ITEMS)).toEqual({
      fleets: [
        { kind: 'fleet', name: 'train', nodes: 4, multiNode: true, acceleratorsPerNode: 8, idleMinutes: 20, ttlHours: 12 },
        { kind: 'fleet', name: 'tune', nodes: 1, multiNode: false, acceleratorsPerNode: 1, idleMinutes: 20, ttlHours: 12 },
      ],
      devBox: { kind: 'devbox', name: 'devbox', idleMinutes: 60, ttlHours: 8 },
    });
  });

  it('reads the targets of a real team file through the plan (team shutdown defaults, fleet overrides)', async () => {
    planned.items = null;
    const spec = specFromYaml(
      'ml',
      [
        'shutdown:',
        '  idleMinutes: 15',
        '  ttlHours: 6',
        'aws:',
        `  region: ${REGION}`,
        '  fleets:',
        '    - name: big',
        '      accelerator: a10g',
        '      count: 4',
        '      nodes: 2',
        '      ttlHours: 3',
        '  devBox:',
        '    accelerator: a10g',
        '',
      ].join('\n'),
    );
    expect(startTargets(spec)).toEqual({
      fleets: [{ kind: 'fleet', name: 'big', nodes: 2, multiNode: true, acceleratorsPerNode: 4, idleMinutes: 15, ttlHours: 3 }],
      devBox: { kind: 'devbox', name: 'devbox', idleMinutes: 60, ttlHours: 6 },
    });
    fleetGroup({ MaxSize: 2 }, 0);
    const run = await start('big', { json: true }, spec);
    expect(run.error).toBeUndefined();
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input).toEqual({ AutoScalingGroupName: GROUP, MinSize: 0, DesiredCapacity: 2 });
    expect(asg.commandCalls(PutScheduledUpdateGroupActionCommand)[0]?.args[0].input.StartTime).toEqual(new Date('2026-11-26T12:05:00.000Z'));
    expect((JSON.parse(run.stdout) as StartReport).torchrun).toContain('--nnodes 2 --nproc-per-node 4 ');
  });

  it("a fleet named 'devbox' is reached by that name only while the team has no dev box", () => {
    planned.items = [fleetItem({ name: 'devbox' })];
    expect(resolveStart(team(), 'devbox', 2)).toMatchObject({ target: { kind: 'fleet', name: 'devbox' }, nodes: 2 });
    planned.items = [fleetItem({ name: 'devbox' }), devBoxItem];
    expect(resolveStart(team(), 'devbox', undefined)).toMatchObject({ target: { kind: 'devbox' }, nodes: 1 });
  });

  it('a team without an aws section is refused; a GCP-only team is told GCP is not started here yet', async () => {
    const gcpOnly = specFromYaml('vision', 'gcp:\n  project: acme-ml-training\n');
    expect(message(await start('train', {}, gcpOnly))).toBe(
      "team vision has only a gcp: section; burst start starts AWS bursts only so far (GCP: resize the fleet's managed instance group)",
    );
    const neither = { ...gcpOnly, gcp: undefined } as TeamSpec;
    expect(message(await start('train', {}, neither))).toBe('team vision has no aws: section in teams/vision.yaml; burst start needs a deployed AWS burst');
  });

  it('the command rejects a --nodes that is not a whole number', async () => {
    const cmd = new Command().option('--teams-dir <dir>');
    await expect(startCommand('example', 'train', { nodes: 'two' }, cmd)).rejects.toThrow("--nodes takes a whole number of nodes; got 'two'");
  });

  it('the real clients: one per service in the team region, with more retries than the default', async () => {
    const clients = sdkClients();
    for (const client of [await clients.autoScaling(REGION), await clients.cloudFormation(REGION), await clients.ec2(REGION), await clients.scheduler(REGION)]) {
      expect(await client.config.region()).toBe(REGION);
      expect(await client.config.maxAttempts()).toBe(5);
    }
  });
});
