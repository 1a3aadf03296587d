/**
 * The leak report on AWS (cli/leaks.ts, cli/leaks-aws.ts) and `burst leaks`, against
 * aws-sdk-client-mock. Each test mocks its own client instances (never the classes), so the file
 * runs in the shared project. Throttling is shown twice: once through the real SDK retry (a
 * request handler that answers 429 ThrottlingException once: aws-sdk-client-mock replaces `send`,
 * which is where the SDK retries, so it cannot show a retry), once as a throttle that outlasted the
 * retries (the kind is reported as not checked).
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { BatchClient, DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leaksCommand, runLeaks } from '../../cli/commands/leaks.js';
import { AWS_MAX_ATTEMPTS } from '../../cli/leaks-aws.js';
import {
  AWS_LEAK_KINDS,
  LEAK_EXIT,
  awsLeakClients,
  leakClouds,
  leakReport,
  renderLeakReport,
  type AwsLeakClients,
  type LeakDeps,
  type LeakReport,
} from '../../cli/leaks.js';
import { reportError } from '../../cli/main.js';
import { AWS_INSTANCE_TYPES, SERVICE_PRICES } from '../../spec/catalog/index.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { hasStackTrace, specFromYaml } from '../helpers.js';

const REGION = 'eu-west-1';
const AWS_CREDENTIALS = 'no AWS credentials: set AWS_PROFILE, run `aws sso login` or `aws configure`';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
const STACK_TAGS = [
  { Key: 'team', Value: 'ml' },
  { Key: 'aws:cloudformation:stack-name', Value: 'ml-burst' },
];

const team = (): TeamSpec => specFromYaml('ml', `aws:\n  region: ${REGION}\n`);
const awsError = (name: string, message: string, metadata: object = {}) => Object.assign(new Error(message), { name, $metadata: metadata });

function burstStack(egress = 'off', status = 'UPDATE_COMPLETE'): Stack {
  return {
    StackName: 'ml-burst',
    CreationTime: new Date('2026-11-01T00:00:00Z'),
    StackStatus: status as Stack['StackStatus'],
    Parameters: [
      { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
      { ParameterKey: 'Egress', ParameterValue: egress },
    ],
  };
}

const ec2Client = new EC2Client({ region: REGION, credentials });
const asgClient = new AutoScalingClient({ region: REGION, credentials });
const batchClient = new BatchClient({ region: REGION, credentials });
const cfnClient = new CloudFormationClient({ region: REGION, credentials });
const ec2 = mockClient(ec2Client);
const asg = mockClient(asgClient);
const batch = mockClient(batchClient);
const cfn = mockClient(cfnClient);

const clients: AwsLeakClients = { ec2: () => ec2Client, autoScaling: () => asgClient, batch: () => batchClient, cloudFormation: () => cfnClient };

/** Nothing of the team anywhere; the stack deployed with egress off. */
function cleanAccount(): void {
  cfn.on(DescribeStacksCommand).resolves({ Stacks: [burstStack()] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0team' }] });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  ec2.on(DescribeSpotInstanceRequestsCommand).resolves({ SpotInstanceRequests: [] });
  batch.on(DescribeComputeEnvironmentsCommand).resolves({ computeEnvironments: [] });
  asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
}

interface Captured {
  readonly stdout: string;
  readonly stderr: string;
}

function deps(out: { stdout: string; stderr: string }, over: Partial<LeakDeps> = {}) {
  return {
    aws: clients,
    sleep: async () => undefined,
    stdout: (t: string) => void (out.stdout += t),
    stderr: (t: string) => void (out.stderr += t),
    ...over,
  };
}

async function run(opts: { json?: boolean } = {}, spec = team()): Promise<Captured & { code: number; report?: LeakReport }> {
  const out = { stdout: '', stderr: '' };
  const code = await runLeaks(spec, { cloud: 'aws', ...opts }, deps(out));
  return { ...out, code, ...(opts.json ? { report: JSON.parse(out.stdout) as LeakReport } : {}) };
}

const devBoxInstance = (state: 'stopped' | 'running'): Instance => ({
  InstanceId: 'i-0devbox',
  InstanceType: 'g6.xlarge',
  State: { Name: state },
  RootDeviceName: '/dev/sda1',
  Placement: { AvailabilityZone: 'eu-west-1a' },
  Tags: [...STACK_TAGS, { Key: 'gpu-burst:role', Value: 'devbox' }],
});
const devBoxVolumes: Volume[] = [
  {
    VolumeId: 'vol-0root',
    Size: 100,
    VolumeType: 'gp3',
    State: 'in-use',
    AvailabilityZone: 'eu-west-1a',
    Attachments: [{ InstanceId: 'i-0devbox', Device: '/dev/sda1', State: 'attached', DeleteOnTermination: true }],
    Tags: [...STACK_TAGS, { Key: 'gpu-burst:role', Value: 'devbox' }],
  },
  {
    VolumeId: 'vol-0data',
    Size: 200,
    VolumeType: 'gp3',
    State: 'in-use',
    AvailabilityZone: 'eu-west-1a',
    Attachments: [{ InstanceId: 'i-0devbox', Device: '/dev/sdf', State: 'attached', DeleteOnTermination: false }],
    Tags: [...STACK_TAGS, { Key: 'gpu-burst:role', Value: 'devbox' }],
  },
];

beforeEach(() => {
  for (const m of [ec2, asg, batch, cfn]) m.reset();
  cleanAccount();
});
afterEach(() => {
  for (const m of [ec2, asg, batch, cfn]) m.reset();
});

describe('burst leaks on AWS: clean', () => {
  it('nothing tagged team=ml: exit 0, says so, every kind checked with the team tag in the team region', async () => {
    const r = await run();
    expect(r.code).toBe(LEAK_EXIT.clean);
    expect(r.stdout).toContain('aws  eu-west-1  (stack ml-burst UPDATE_COMPLETE, Egress=off)');
    expect(r.stdout).toContain('nothing billable carries the tag team=ml');
    expect(r.stdout).toContain('clean: nothing of team ml bills beyond what is kept by design (nothing).');
    expect(r.stderr).toContain('checking instance...');

    for (const m of [ec2, asg, batch, cfn]) m.resetHistory();
    const json = await run({ json: true });
    expect(json.report).toMatchObject({ team: 'ml', status: 'clean', exitCode: 0, leaks: 0, clouds: [{ cloud: 'aws', region: REGION, findings: [], unchecked: [] }] });
    expect([...(json.report?.clouds[0]?.checked ?? [])].sort()).toEqual([...AWS_LEAK_KINDS].sort());

    const filters = ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.Filters;
    expect(filters).toContainEqual({ Name: 'tag:team', Values: ['ml'] });
    expect(filters).toContainEqual({ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] });
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0]?.args[0].input.Filter).toContainEqual({ Name: 'tag:team', Values: ['ml'] });
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input.Filters).toEqual([{ Name: 'tag:team', Values: ['ml'] }]);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input.Filters?.[0])).toEqual([
      { Name: 'tag:team', Values: ['ml'] },
      { Name: 'vpc-id', Values: ['vpc-0team'] },
    ]);
    expect(await ec2Client.config.region()).toBe(REGION);
  });

  it('a burst stack that is gone is clean too (nothing left)', async () => {
    cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id ml-burst does not exist', { httpStatusCode: 400 }));
    const r = await run({ json: true });
    expect(r.code).toBe(0);
    expect(r.report?.clouds[0]?.burstStack).toEqual({ name: 'ml-burst', status: 'absent' });
  });
});

describe('burst leaks on AWS: leftovers', () => {
  function leftovers(): void {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [burstStack('on')] });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0fleet',
              InstanceType: 'g6.xlarge',
              InstanceLifecycle: 'spot',
              State: { Name: 'running' },
              Placement: { AvailabilityZone: 'eu-west-1b' },
              Tags: [...STACK_TAGS, { Key: 'aws:autoscaling:groupName', Value: 'ml-burst-FleetTrainAsg-XYZ' }, { Key: 'Name', Value: 'ml-train' }],
            },
            { InstanceId: 'i-0stray', InstanceType: 'x9.unknown' as Instance['InstanceType'], State: { Name: 'running' }, Tags: [{ Key: 'team', Value: 'ml' }] },
          ],
        },
      ],
    });
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: 'vol-0orphan', Size: 50, VolumeType: 'gp2', State: 'available', AvailabilityZone: 'eu-west-1b', Tags: [{ Key: 'team', Value: 'ml' }] },
        { ...devBoxVolumes[1], State: 'available', Attachments: [] },
      ],
    });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        { NetworkInterfaceId: 'eni-0left', Status: 'available', VpcId: 'vpc-0team', AvailabilityZone: 'eu-west-1a' },
        { NetworkInterfaceId: 'eni-0lambda', Status: 'available', RequesterManaged: true, VpcId: 'vpc-0team' },
      ],
    });
    ec2.on(DescribeAddressesCommand).resolves({
      Addresses: [{ AllocationId: 'eipalloc-0nat', PublicIp: '203.0.113.7', AssociationId: 'eipassoc-1', NetworkInterfaceId: 'eni-0nat', Tags: STACK_TAGS }],
    });
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [{ NatGatewayId: 'nat-0egress', State: 'available', Tags: STACK_TAGS }] });
    ec2.on(DescribeSpotInstanceRequestsCommand).resolves({
      SpotInstanceRequests: [
        { SpotInstanceRequestId: 'sir-0open', State: 'open', Type: 'one-time', LaunchSpecification: { InstanceType: 'g6.xlarge' } },
        { SpotInstanceRequestId: 'sir-0done', State: 'active', Type: 'one-time', InstanceId: 'i-0fleet' },
      ],
    });
    batch.on(DescribeComputeEnvironmentsCommand).resolves({
      computeEnvironments: [
        {
          computeEnvironmentName: 'ComputeEnvironment-abc',
          computeEnvironmentArn: 'arn:aws:batch:eu-west-1:111122223333:compute-environment/ComputeEnvironment-abc',
          state: 'ENABLED',
          tags: { team: 'ml', 'gpu-burst:sweep': 'hparams' },
          computeResources: { type: 'SPOT', minvCpus: 0, maxvCpus: 64, desiredvCpus: 16, instanceTypes: ['g4dn.xlarge'], subnets: [] },
        },
        {
          computeEnvironmentName: 'other-team-ce',
          computeEnvironmentArn: 'arn:aws:batch:eu-west-1:111122223333:compute-environment/other-team-ce',
          tags: { team: 'vision' },
          computeResources: { type: 'SPOT', maxvCpus: 64, desiredvCpus: 64, subnets: [] },
        },
        {
          computeEnvironmentName: 'ComputeEnvironment-idle',
          computeEnvironmentArn: 'arn:aws:batch:eu-west-1:111122223333:compute-environment/ComputeEnvironment-idle',
          tags: { team: 'ml' },
          computeResources: { type: 'SPOT', maxvCpus: 64, desiredvCpus: 0, subnets: [] },
        },
      ],
    });
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'ml-burst-FleetTrainAsg-XYZ',
          MinSize: 0,
          MaxSize: 4,
          DesiredCapacity: 1,
          Instances: [{ InstanceId: 'i-0fleet', AvailabilityZone: 'eu-west-1b', LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false }],
          Tags: [{ Key: 'gpu-burst:fleet', Value: 'train' }],
          AvailabilityZones: [],
          DefaultCooldown: 300,
          HealthCheckType: 'EC2',
          CreatedTime: new Date(),
        },
        { AutoScalingGroupName: 'ml-burst-FleetTuneAsg', MinSize: 0, MaxSize: 1, DesiredCapacity: 0, AvailabilityZones: [], DefaultCooldown: 300, HealthCheckType: 'EC2', CreatedTime: new Date() },
      ],
    });
  }

  it('exit 1, a finding per billable thing with its state, rate and remove command; the dev box data volume is kept, not a leak', async () => {
    leftovers();
    const r = await run({ json: true });
    expect(r.code).toBe(LEAK_EXIT.leaks);
    const findings = r.report?.clouds[0]?.findings ?? [];
    const byId = Object.fromEntries(findings.map((f) => [f.id, f]));
    expect(Object.keys(byId).sort()).toEqual(
      ['i-0fleet', 'i-0stray', 'vol-0orphan', 'vol-0data', 'eni-0left', 'eipalloc-0nat', 'nat-0egress', 'sir-0open', 'ComputeEnvironment-abc', 'ml-burst-FleetTrainAsg-XYZ'].sort(),
    );
    const g6spot = AWS_INSTANCE_TYPES.find((t) => t.instanceType === 'g6.xlarge')?.prices.spot.usdPerHour ?? NaN;
    const g4spot = AWS_INSTANCE_TYPES.find((t) => t.instanceType === 'g4dn.xlarge')?.prices.spot.usdPerHour ?? NaN;
    expect(byId['i-0fleet']).toMatchObject({
      kind: 'instance',
      disposition: 'leak',
      location: 'eu-west-1b',
      state: 'running g6.xlarge',
      usdPerHour: g6spot,
      remove: `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ml-burst-FleetTrainAsg-XYZ --min-size 0 --desired-capacity 0 --region ${REGION}`,
    });
    expect(byId['i-0fleet']?.bills).toMatch(/^g6\.xlarge spot at \$[\d.]+\/h \(catalog, us-east-1, \d{4}-\d\d-\d\d\), member of ml-burst-FleetTrainAsg-XYZ$/);
    expect(byId['i-0stray']).toMatchObject({ bills: 'x9.unknown: not in the catalog', remove: `aws ec2 terminate-instances --instance-ids i-0stray --region ${REGION}` });
    expect(byId['i-0stray']?.usdPerHour).toBeUndefined();
    expect(byId['vol-0orphan']).toMatchObject({
      disposition: 'leak',
      usdPerHour: (50 * SERVICE_PRICES.ebsGp3.usd) / 730,
      remove: `aws ec2 delete-volume --volume-id vol-0orphan --region ${REGION}`,
    });
    expect(byId['vol-0orphan']?.bills).toContain('50 GiB gp2 at $0.080/GB-month (gp3 price), attached to nothing');
    expect(byId['vol-0data']).toMatchObject({ disposition: 'retained', name: 'dev box data' });
    expect(byId['vol-0data']?.bills).toContain('retained by design: delete it when its data is safe');
    expect(byId['eni-0left']?.remove).toBe(`aws ec2 delete-network-interface --network-interface-id eni-0left --region ${REGION}`);
    expect(byId['eni-0left']?.bills).toContain('blocks deleting its subnet, security group and VPC');
    // The NAT gateway and its Elastic IP belong to the stack (Egress=on): the fix is the stack parameter, not a delete.
    for (const id of ['nat-0egress', 'eipalloc-0nat']) {
      expect(byId[id]?.remove).toBe(
        'turn egress off: aws cloudformation update-stack --stack-name ml-burst --use-previous-template --parameters ' +
          'ParameterKey=Egress,ParameterValue=off ParameterKey=BootstrapVersion,UsePreviousValue=true ' +
          `--capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND --region ${REGION}`,
      );
    }
    expect(findings.some((f) => f.kind === 'burst-stack')).toBe(false);
    expect(byId['sir-0open']).toMatchObject({ usdPerHour: 0, remove: `aws ec2 cancel-spot-instance-requests --spot-instance-request-ids sir-0open --region ${REGION}` });
    expect(byId['ComputeEnvironment-abc']).toMatchObject({ name: 'sweep hparams', state: 'ENABLED, desiredvCpus 16 (min 0)', usdPerHour: 4 * g4spot });
    expect(byId['ComputeEnvironment-abc']?.remove).toContain('it scales to 0 once its jobs end');
    expect(byId['ml-burst-FleetTrainAsg-XYZ']).toMatchObject({ kind: 'auto-scaling-group', usdPerHour: 0, state: 'desired 1 (min 0, 1 instances)' });

    const leakRate = g6spot + (50 * 0.08) / 730 + SERVICE_PRICES.publicIpv4.usd + SERVICE_PRICES.natGatewayHour.usd + 4 * g4spot;
    expect(r.report).toMatchObject({ status: 'leaks', leaks: 9, leaksWithoutPrice: 1 });
    expect(r.report?.leakUsdPerHour).toBeCloseTo(leakRate, 9);
    expect(r.report?.keptUsdPerMonth).toBeCloseTo(200 * 0.08, 9);
  });

  it('the table names each leak, its rate and the remove commands; the verdict sums the rate', async () => {
    leftovers();
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('aws  eu-west-1  (stack ml-burst UPDATE_COMPLETE, Egress=on)');
    expect(r.stdout).toMatch(/^ {2}LEAK +instance +i-0fleet \(ml-train\) +eu-west-1b +running g6\.xlarge +\$[\d.]+\/h/m);
    expect(r.stdout).toMatch(/^ {2}kept +volume +vol-0data \(dev box data\) +eu-west-1a +available +\$0\.022\/h \(\$16\.00\/month\): 200 GiB gp3/m);
    expect(r.stdout).toContain('  remove:');
    expect(r.stdout).toMatch(/^ {4}nat-gateway +nat-0egress +turn egress off: aws cloudformation update-stack --stack-name ml-burst/m);
    expect(r.stdout).toMatch(/9 leaks of team ml bill about \$[\d.]+\/h \(\$[\d.]+\/month\) plus 1 not priced; kept by design \(dev box at rest, retained data\): about \$16\.00\/month\. Remove them with the commands above, then run burst leaks ml again\./);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });

  it('Egress=on without a NAT gateway listed is a finding on the stack itself', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [burstStack('on')] });
    const r = await run({ json: true });
    expect(r.code).toBe(1);
    expect(r.report?.clouds[0]?.findings).toEqual([
      expect.objectContaining({ kind: 'burst-stack', id: 'ml-burst', state: 'UPDATE_COMPLETE, Egress=on', usdPerHour: SERVICE_PRICES.natGatewayHour.usd + SERVICE_PRICES.publicIpv4.usd }),
    ]);
  });
});

describe('burst leaks on AWS: the dev box', () => {
  beforeEach(() => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [devBoxInstance('stopped')] }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: devBoxVolumes });
  });

  it('a stopped dev box of a deployed burst is at rest, its data volume kept: exit 0 with their monthly cost', async () => {
    const r = await run({ json: true });
    expect(r.code).toBe(0);
    const f = r.report?.clouds[0]?.findings ?? [];
    expect(f.map((x) => [x.id, x.disposition])).toEqual([
      ['i-0devbox', 'at-rest'],
      ['vol-0root', 'at-rest'],
      ['vol-0data', 'retained'],
    ]);
    expect(f[0]).toMatchObject({ usdPerHour: 0, remove: 'npx burst down ml --cloud aws (or npx cdk destroy ml-burst); its data volume is kept' });
    expect(f[1]?.remove).toBe('goes with i-0devbox: npx burst down ml --cloud aws (or npx cdk destroy ml-burst); its data volume is kept');
    expect(r.report?.keptUsdPerMonth).toBeCloseTo(300 * 0.08, 9);
    const text = await run();
    expect(text.stdout).toContain('clean: nothing of team ml bills beyond what is kept by design; kept by design (dev box at rest, retained data): about $24.00/month.');
  });

  it('after a teardown (or with the stack gone) the same dev box is a leak; the data volume stays kept', async () => {
    const out = { stdout: '', stderr: '' };
    const report = await leakReport(team(), { cloud: 'aws', afterTeardown: true }, deps(out));
    expect(report.exitCode).toBe(1);
    expect(report.clouds[0]?.findings.map((x) => [x.id, x.disposition])).toEqual([
      ['i-0devbox', 'leak'],
      ['vol-0root', 'leak'],
      ['vol-0data', 'retained'],
    ]);
    expect(report.clouds[0]?.findings[0]?.remove).toBe(`aws ec2 terminate-instances --instance-ids i-0devbox --region ${REGION}`);

    cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id ml-burst does not exist'));
    const gone = await leakReport(team(), { cloud: 'aws' }, deps(out));
    expect(gone.clouds[0]?.findings[0]?.disposition).toBe('leak');
  });

  it('a running dev box is a leak (it bills now); stopping it keeps its disks', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [devBoxInstance('running')] }] });
    const r = await run({ json: true });
    expect(r.code).toBe(1);
    expect(r.report?.clouds[0]?.findings[0]).toMatchObject({ disposition: 'leak', remove: `aws ec2 stop-instances --instance-ids i-0devbox --region ${REGION}` });
    expect(r.report?.clouds[0]?.findings[1]?.disposition).toBe('leak');
  });
});

describe('burst leaks on AWS: failures', () => {
  it('permission denied on one API: a message naming the permission, the other kinds still checked, exit 3', async () => {
    ec2.on(DescribeNatGatewaysCommand).rejects(
      awsError('UnauthorizedOperation', 'You are not authorized to perform this operation. User: arn:aws:iam::111122223333:user/dev is not authorized to perform: ec2:DescribeNatGateways', { httpStatusCode: 403 }),
    );
    const r = await run({ json: true });
    expect(r.code).toBe(LEAK_EXIT.incomplete);
    expect(r.report?.status).toBe('incomplete');
    expect(r.report?.clouds[0]?.unchecked).toEqual([
      {
        cloud: 'aws',
        kind: 'nat-gateway',
        reason: expect.stringMatching(/^AWS denied ec2:DescribeNatGateways in eu-west-1 \(.*\); the identity needs ec2:DescribeNatGateways$/),
      },
    ]);
    expect(r.report?.clouds[0]?.checked).not.toContain('nat-gateway');
    expect(r.report?.clouds[0]?.checked).toHaveLength(AWS_LEAK_KINDS.length - 1);
    expect(batch.commandCalls(DescribeComputeEnvironmentsCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeSpotInstanceRequestsCommand)).toHaveLength(1);

    const text = await run();
    expect(text.stdout).toContain('  not checked  nat-gateway: AWS denied ec2:DescribeNatGateways in eu-west-1');
    expect(text.stdout).toContain(
      'incomplete: nothing of team ml leaks among what could be checked. 1 kind could not be checked (aws nat-gateway): fix the access named above and run it again.',
    );
  });

  it('a denied kind next to a leak: exit 1 (leaks win), and the unchecked kind is still named', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejects(awsError('AccessDenied', 'User is not authorized to perform: autoscaling:DescribeAutoScalingGroups', { httpStatusCode: 403 }));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'eipalloc-0x', PublicIp: '198.51.100.1', Tags: [{ Key: 'team', Value: 'ml' }] }] });
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`aws ec2 release-address --allocation-id eipalloc-0x --region ${REGION}`);
    expect(r.stdout).toContain('1 kind could not be checked (aws auto-scaling-group)');
  });

  it('a kind that needs two calls names both permissions when one is denied', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', { httpStatusCode: 403 }));
    const r = await run({ json: true });
    expect(r.report?.clouds[0]?.unchecked).toEqual([
      { cloud: 'aws', kind: 'network-interface', reason: expect.stringMatching(/the identity needs ec2:DescribeVpcs and ec2:DescribeNetworkInterfaces$/) },
    ]);
  });

  it('throttling is retried by the SDK: a real client answered 429 ThrottlingException once, then the listing', async () => {
    const answers = [
      { statusCode: 429, headers: { 'x-amzn-errortype': 'ThrottlingException', 'content-type': 'application/json' }, body: '{"message":"Rate exceeded"}' },
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          computeEnvironments: [{ computeEnvironmentName: 'ml-sweep-ce', tags: { team: 'ml' }, computeResources: { type: 'SPOT', desiredvCpus: 8, maxvCpus: 64, minvCpus: 0 } }],
        }),
      },
    ];
    let requests = 0;
    const realBatch = new BatchClient({
      region: REGION,
      credentials,
      maxAttempts: AWS_MAX_ATTEMPTS,
      requestHandler: {
        handle: async () => {
          const a = answers[Math.min(requests++, answers.length - 1)];
          return { response: { statusCode: a?.statusCode, headers: a?.headers, body: Buffer.from(a?.body ?? '') } };
        },
      } as never,
    });
    const out = { stdout: '', stderr: '' };
    const report = await leakReport(team(), { cloud: 'aws' }, deps(out, { aws: { ...clients, batch: () => realBatch } }));
    expect(requests).toBe(2);
    expect(report.clouds[0]?.unchecked).toEqual([]);
    expect(report.clouds[0]?.findings).toEqual([expect.objectContaining({ kind: 'batch-compute-environment', id: 'ml-sweep-ce', state: '?, desiredvCpus 8 (min 0)' })]);
    expect(report.exitCode).toBe(1);
  });

  it(`the real clients retry throttling ${AWS_MAX_ATTEMPTS} times; a throttle that outlasts them leaves that kind unchecked`, async () => {
    const real = awsLeakClients();
    for (const make of [real.ec2, real.autoScaling, real.batch, real.cloudFormation]) {
      const client = await make(REGION);
      expect(await client.config.maxAttempts()).toBe(AWS_MAX_ATTEMPTS);
      expect(await client.config.region()).toBe(REGION);
    }
    ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.', { httpStatusCode: 503, attempts: 5 }));
    const r = await run({ json: true });
    expect(r.code).toBe(3);
    expect(r.report?.clouds[0]?.unchecked[0]?.reason).toBe(
      'AWS throttled ec2:DescribeVolumes in eu-west-1 after 5 attempts (RequestLimitExceeded: Request limit exceeded.); wait a minute and run it again',
    );
  });

  it('missing credentials fail fast: one readable line, exit 2, no stack trace, no further call', async () => {
    cfn.on(DescribeStacksCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const out = { stdout: '', stderr: '' };
    const err = await runLeaks(team(), {}, deps(out)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(AWS_CREDENTIALS);
    expect(ec2.calls()).toHaveLength(0);
    expect(out.stdout).toBe('');

    const chunks: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
    try {
      expect(reportError(err)).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(chunks.join('')).toBe(`burst: ${AWS_CREDENTIALS}\n`);
    expect(hasStackTrace(chunks.join(''))).toBe(false);
  });

  it('expired credentials fail fast too', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('ExpiredTokenException', 'The security token included in the request is expired', { httpStatusCode: 400 }));
    const out = { stdout: '', stderr: '' };
    await expect(leakReport(team(), {}, deps(out))).rejects.toThrow(/^AWS credentials were rejected in eu-west-1 .*aws sso login/);
    expect(ec2.commandCalls(DescribeVolumesCommand)).toHaveLength(0);
  });
});

describe('burst leaks: input', () => {
  it('--cloud must name a section of the team file; a file with neither section is refused', () => {
    expect(() => leakClouds(team(), 'gcp')).toThrow(new UserError('team ml has no gcp: section in teams/ml.yaml; drop --cloud gcp'));
    expect(leakClouds(team())).toEqual(['aws']);
    const both = specFromYaml('ml', `aws:\n  region: ${REGION}\ngcp:\n  project: ml-project-123\n  region: us-central1\n`);
    expect(leakClouds(both)).toEqual(['aws', 'gcp']);
    expect(leakClouds(both, 'gcp')).toEqual(['gcp']);
  });

  it('an unknown team fails before any cloud call, with a suggestion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaks-'));
    try {
      const cmd = new Command().option('--teams-dir <dir>');
      cmd.parse(['node', 'burst', '--teams-dir', dir]);
      await expect(leaksCommand('nope', {}, cmd)).rejects.toThrow(/no team 'nope'/);
      expect(ec2.calls()).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renderLeakReport prints a report built by hand (the shape burst down passes on)', () => {
    const text = renderLeakReport({
      team: 'ml',
      afterTeardown: true,
      status: 'clean',
      exitCode: 0,
      leaks: 0,
      leakUsdPerHour: 0,
      leaksWithoutPrice: 0,
      keptUsdPerMonth: 0,
      clouds: [{ cloud: 'aws', region: REGION, checked: [...AWS_LEAK_KINDS], unchecked: [], findings: [], burstStack: { name: 'ml-burst', status: 'absent' }, notes: [] }],
    });
    expect(text).toBe(
      [
        'aws  eu-west-1  (stack ml-burst absent)',
        '  nothing billable carries the tag team=ml',
        '',
        'clean: nothing of team ml bills beyond what is kept by design (nothing).',
      ].join('\n'),
    );
  });
});
