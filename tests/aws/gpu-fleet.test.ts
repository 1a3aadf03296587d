/** GPU fleets (constructs/aws/gpu-fleet.ts), their host role and launch template (host.ts), and the team boundary (team-boundary.ts). */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SHA256 } from '../../images/agent/render.js';
import { ArtifactStore } from '../../constructs/aws/artifact-store.js';
import { BurstNetwork } from '../../constructs/aws/burst-network.js';
import { CHECKPOINT_HOOK, GpuFleet, type GpuFleetProps } from '../../constructs/aws/gpu-fleet.js';
import { hostMachineImage } from '../../constructs/aws/host.js';
import { ImageRepository } from '../../constructs/aws/image-repository.js';
import { LogArchive } from '../../constructs/aws/log-archive.js';
import { MIN_REASON_LENGTH } from '../../constructs/aws/nag.js';
import { actionsOutsideBoundary, applyTeamBoundary, TeamBoundary } from '../../constructs/aws/team-boundary.js';
import { emptyImageLock, type ImageLock } from '../../spec/images.js';
import { cdkJsonContext } from '../../stacks/aws/build.js';

type Json = Record<string, any>;

const TEAM = 'vision';
const PREFIX = 'teams/vision/';
const SPEC_HASH = `sha256:${'a'.repeat(64)}`;
const PINNED: ImageLock = {
  ...emptyImageLock(),
  aws: { 'us-east-1': { 'dlami-base-gpu': { imageId: 'ami-0123456789abcdef0', alias: 'x', resolvedAt: '2026-11-01' } } },
};

/** A storage stack and a burst stack like the app builds, with `fleets` in the burst stack. */
function build(fleets: (base: Omit<GpuFleetProps, 'fleetName' | 'instanceTypes' | 'nodes'>) => Record<string, Partial<GpuFleetProps>>) {
  const app = new App({ context: cdkJsonContext(), analyticsReporting: false });
  const env = { region: 'us-east-1' };
  const storageStack = new Stack(app, 'test-storage', { env });
  const logs = new LogArchive(storageStack, 'Logs');
  const artifacts = new ArtifactStore(storageStack, 'Artifacts', { prefix: PREFIX, accessLogs: logs.bucket });
  const images = new ImageRepository(storageStack, 'Images');
  const topic = new sns.Topic(storageStack, 'Alerts', { masterKey: new kms.Key(storageStack, 'AlertKey', { enableKeyRotation: true }), enforceSSL: true });

  const stack = new Stack(app, 'test-burst', { env });
  const network = new BurstNetwork(stack, 'Network', { cidr: '10.64.0.0/16', flowLogs: logs.bucket });
  const boundary = new TeamBoundary(stack, 'Boundary', { team: TEAM, artifactBucket: artifacts.bucket, artifactPrefix: PREFIX });
  const base = {
    team: TEAM,
    vpc: network.vpc,
    rootVolumeGiB: 200,
    machineImage: hostMachineImage({ cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' }),
    idleMinutes: 30,
    ttlHours: 12,
    artifactBucket: artifacts.bucket,
    artifactPrefix: PREFIX,
    imageRepository: images.repository,
    notifications: topic,
    agent: { specHash: SPEC_HASH },
  };
  const made: Record<string, GpuFleet> = {};
  for (const [name, extra] of Object.entries(fleets(base))) {
    made[name] = new GpuFleet(stack, `Fleet-${name}`, {
      ...base,
      fleetName: name,
      instanceTypes: ['g6e.xlarge'],
      nodes: 1,
      ...extra,
    } as GpuFleetProps);
  }
  applyTeamBoundary(stack, boundary);
  return { app, stack, storageStack, boundary, fleets: made };
}

const standardFleets = (): Record<string, Partial<GpuFleetProps>> => ({
  spot: { instanceTypes: ['g6e.xlarge', 'g6e.2xlarge', 'g5.xlarge'], market: 'spot' },
  ondemand: {
    instanceTypes: ['g5.xlarge'],
    market: 'on-demand',
    command: ['python3', '/opt/train.py', '--epochs', '3'],
    machineImage: hostMachineImage({ cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' }, PINNED),
  },
  multi: { instanceTypes: ['p4d.24xlarge'], nodes: 2, multiNode: true, efaInterfaces: 4, market: 'mixed', onDemandBase: 1 },
});

let built: ReturnType<typeof build>;
let template: Template;
let resources: Record<string, Json>;

beforeAll(() => {
  built = build(standardFleets);
  template = Template.fromStack(built.stack);
  resources = template.toJSON().Resources as Record<string, Json>;
});

const ofType = (type: string): [string, Json][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const groupOf = (name: string): Json => resources[built.stack.getLogicalId(built.fleets[name]!.group)]!;
const templateOf = (name: string): Json => resources[built.stack.getLogicalId(built.fleets[name]!.launchTemplate.node.defaultChild as never)]!;

/** The text of a Fn::Base64 / Fn::Join value, with every token as `<token>`. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v['Fn::Base64'] !== undefined) return text(v['Fn::Base64']);
  if (v['Fn::Join'] !== undefined) return (v['Fn::Join'][1] as unknown[]).map(text).join(v['Fn::Join'][0]);
  if (typeof v['Fn::Sub'] === 'string') return (v['Fn::Sub'] as string).replace(/\$\{[^}]+\}/g, '<token>');
  return '<token>';
}

/** Every Allow statement of every policy attached to a role of the stack (inline, Policy, ManagedPolicy but the boundary). */
function roleStatements(): Json[] {
  const boundaryId = built.stack.getLogicalId(built.boundary.policy.node.defaultChild as never);
  const docs: Json[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties.Policies ?? []) docs.push(p.PolicyDocument);
    if ((r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && id !== boundaryId) docs.push(r.Properties.PolicyDocument);
  }
  return docs.flatMap((d) => d.Statement as Json[]).filter((s) => s.Effect === 'Allow');
}

/** The agent configuration a rendered install script writes. */
const configOf = (script: string): Json => JSON.parse(/<<'GPU_BURST_CONFIG'\n([\s\S]*?)\nGPU_BURST_CONFIG/.exec(script)![1]!) as Json;

const list = <T,>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('launch templates', () => {
  it('A3: every launch template requires IMDSv2, hop limit 2, instance tags in metadata', () => {
    const templates = ofType('AWS::EC2::LaunchTemplate');
    expect(templates).toHaveLength(3);
    for (const [, lt] of templates) {
      expect(lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({
        HttpEndpoint: 'enabled',
        HttpPutResponseHopLimit: 2,
        HttpTokens: 'required',
        InstanceMetadataTags: 'enabled',
      });
    }
  });

  it('A4: every launch-template volume is encrypted gp3 with DeleteOnTermination set explicitly', () => {
    for (const [, lt] of ofType('AWS::EC2::LaunchTemplate')) {
      const mappings = lt.Properties.LaunchTemplateData.BlockDeviceMappings as Json[];
      expect(mappings).toHaveLength(1);
      for (const m of mappings) {
        expect(m.DeviceName).toBe('/dev/sda1');
        expect(m.Ebs).toEqual({ Encrypted: true, DeleteOnTermination: true, VolumeType: 'gp3', VolumeSize: 200 });
      }
    }
  });

  it('A5: no key pair, no SSH, no ingress from anywhere', () => {
    for (const [, lt] of ofType('AWS::EC2::LaunchTemplate')) expect(lt.Properties.LaunchTemplateData.KeyName).toBeUndefined();
    expect(ofType('AWS::EC2::KeyPair')).toEqual([]);
    const ingress = [
      ...ofType('AWS::EC2::SecurityGroup').flatMap(([, sg]) => (sg.Properties.SecurityGroupIngress ?? []) as Json[]),
      ...ofType('AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties as Json),
    ];
    for (const rule of ingress) {
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.CidrIpv6).toBeUndefined();
      expect(rule.SourceSecurityGroupId).toBeDefined();
    }
    // The single-node fleets have no ingress at all.
    for (const name of ['spot', 'ondemand']) {
      const sg = resources[built.stack.getLogicalId(built.fleets[name]!.securityGroup.node.defaultChild as never)]!;
      expect(sg.Properties.SecurityGroupIngress ?? []).toEqual([]);
    }
  });

  it('A6: hosts get no public IP and launch only in the private subnets', () => {
    for (const name of ['spot', 'ondemand']) {
      expect(templateOf(name).Properties.LaunchTemplateData.NetworkInterfaces).toEqual([
        { DeviceIndex: 0, AssociatePublicIpAddress: false, Groups: [{ 'Fn::GetAtt': [expect.any(String), 'GroupId'] }] },
      ]);
    }
    const isolated = ofType('AWS::EC2::Subnet').filter(([, s]) =>
      (s.Properties.Tags as Json[]).some((t) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Isolated'),
    );
    expect(isolated.length).toBeGreaterThanOrEqual(2);
    for (const [, s] of isolated) expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
    const subnetRefs = isolated.map(([id]) => ({ Ref: id }));
    for (const [, g] of ofType('AWS::AutoScaling::AutoScalingGroup')) {
      for (const ref of g.Properties.VPCZoneIdentifier) expect(subnetRefs).toContainEqual(ref);
    }
  });

  it('boots the DLAMI SSM parameter, or the pinned AMI of the region only', () => {
    expect(templateOf('spot').Properties.LaunchTemplateData.ImageId).toBe(
      'resolve:ssm:/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    );
    expect(templateOf('ondemand').Properties.LaunchTemplateData.ImageId).toBe('ami-0123456789abcdef0');
    // In a stack without a region the pin becomes a one-region mapping: another region fails to deploy.
    const agnostic = new Stack(new App(), 'agnostic');
    const image = hostMachineImage({ cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' }, PINNED).getImage(agnostic);
    expect(agnostic.resolve(image.imageId)).toEqual({ 'Fn::FindInMap': [expect.any(String), { Ref: 'AWS::Region' }, 'ami'] });
  });

  it('terminates a node that powers itself off, instead of leaving it stopped in the group', () => {
    for (const name of ['spot', 'ondemand', 'multi']) {
      expect(templateOf(name).Properties.LaunchTemplateData.InstanceInitiatedShutdownBehavior).toBe('terminate');
      expect(templateOf(name).Properties.LaunchTemplateData.Monitoring).toEqual({ Enabled: false });
    }
  });
});

describe('auto scaling groups', () => {
  it('A22: rest at zero, no desired capacity in the template, MaxSize = nodes', () => {
    for (const [name, nodes] of [['spot', '1'], ['ondemand', '1'], ['multi', '2']] as const) {
      const g = groupOf(name).Properties;
      expect(g.MinSize).toBe('0');
      expect(g.MaxSize).toBe(nodes);
      expect(g.DesiredCapacity).toBeUndefined();
      expect(g.DesiredCapacityType).toBeUndefined();
    }
  });

  it('A17: spot fleets use price-capacity-optimized over every given type, >= 2 AZs and capacity rebalancing', () => {
    const g = groupOf('spot').Properties;
    expect(g.MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual([
      { InstanceType: 'g6e.xlarge' },
      { InstanceType: 'g6e.2xlarge' },
      { InstanceType: 'g5.xlarge' },
    ]);
    expect(g.MixedInstancesPolicy.InstancesDistribution).toEqual({
      OnDemandAllocationStrategy: 'lowest-price',
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'price-capacity-optimized',
    });
    expect(g.VPCZoneIdentifier.length).toBeGreaterThanOrEqual(2);
    expect(g.CapacityRebalance).toBe(true);
    expect(g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification).toEqual({
      LaunchTemplateId: { Ref: built.stack.getLogicalId(built.fleets['spot']!.launchTemplate.node.defaultChild as never) },
      Version: { 'Fn::GetAtt': [built.stack.getLogicalId(built.fleets['spot']!.launchTemplate.node.defaultChild as never), 'LatestVersionNumber'] },
    });
  });

  it('buys on demand at 100 % for on-demand fleets, and spot over an on-demand base for mixed ones', () => {
    const od = groupOf('ondemand').Properties;
    expect(od.MixedInstancesPolicy.InstancesDistribution).toEqual({
      OnDemandAllocationStrategy: 'lowest-price',
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 100,
    });
    expect(od.CapacityRebalance).toBe(false);
    const mixed = groupOf('multi').Properties;
    expect(mixed.MixedInstancesPolicy.InstancesDistribution).toMatchObject({
      OnDemandBaseCapacity: 1,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'price-capacity-optimized',
    });
    expect(mixed.CapacityRebalance).toBe(true);
  });

  it(`A19: a termination lifecycle hook '${CHECKPOINT_HOOK}' holds a leaving node up to 300 s, then continues`, () => {
    for (const name of ['spot', 'ondemand', 'multi']) {
      expect(groupOf(name).Properties.LifecycleHookSpecificationList).toEqual([
        {
          LifecycleHookName: 'gpu-burst-checkpoint',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          HeartbeatTimeout: 300,
          DefaultResult: 'CONTINUE',
        },
      ]);
    }
  });

  it('A20: launch and terminate failures notify the team topic', () => {
    for (const name of ['spot', 'ondemand', 'multi']) {
      const [config] = groupOf(name).Properties.NotificationConfigurations as Json[];
      expect(config?.NotificationTypes).toEqual(['autoscaling:EC2_INSTANCE_LAUNCH_ERROR', 'autoscaling:EC2_INSTANCE_TERMINATE_ERROR']);
      expect(JSON.stringify(config?.TopicARN)).toMatch(/RefAlerts/);
    }
  });

  it('tags groups (propagated at launch), templates and volumes with role, fleet, TTL and idle window', () => {
    const tags = groupOf('spot').Properties.Tags as Json[];
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'gpu-burst:role', Value: 'fleet', PropagateAtLaunch: true },
        { Key: 'gpu-burst:fleet', Value: 'spot', PropagateAtLaunch: true },
        { Key: 'gpu-burst:ttl-hours', Value: '12', PropagateAtLaunch: true },
        { Key: 'gpu-burst:idle-minutes', Value: '30', PropagateAtLaunch: true },
      ]),
    );
    const specs = templateOf('spot').Properties.LaunchTemplateData.TagSpecifications as Json[];
    expect(specs.map((s) => s.ResourceType)).toEqual(['instance', 'volume']);
    for (const spec of specs) expect(spec.Tags).toContainEqual({ Key: 'gpu-burst:fleet', Value: 'spot' });
  });
});

describe('multi-node', () => {
  it('one subnet, a cluster placement group, and 4 EFA interfaces (DeviceIndex 0 on card 0, 1 on the others)', () => {
    const g = groupOf('multi').Properties;
    expect(g.VPCZoneIdentifier).toHaveLength(1);
    const [pgId, pg] = ofType('AWS::EC2::PlacementGroup')[0]!;
    expect(ofType('AWS::EC2::PlacementGroup')).toHaveLength(1);
    expect(pg.Properties.Strategy).toBe('cluster');
    expect(g.PlacementGroup).toEqual({ Ref: pgId });
    const interfaces = templateOf('multi').Properties.LaunchTemplateData.NetworkInterfaces as Json[];
    expect(interfaces).toHaveLength(4);
    interfaces.forEach((nic, card) => {
      expect(nic).toEqual({
        NetworkCardIndex: card,
        DeviceIndex: card === 0 ? 0 : 1,
        InterfaceType: 'efa',
        Groups: [{ 'Fn::GetAtt': [expect.any(String), 'GroupId'] }],
        DeleteOnTermination: true,
      });
      expect(nic.AssociatePublicIpAddress).toBeUndefined();
    });
    expect(groupOf('spot').Properties.PlacementGroup).toBeUndefined();
  });

  it('lets its nodes reach each other on every port, and nothing else in', () => {
    const sgId = built.stack.getLogicalId(built.fleets['multi']!.securityGroup.node.defaultChild as never);
    const self = { 'Fn::GetAtt': [sgId, 'GroupId'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: self, SourceSecurityGroupId: self, IpProtocol: '-1' });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: self, DestinationSecurityGroupId: self, IpProtocol: '-1' });
    expect(resources[sgId]!.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' },
    ]);
  });

  it('lets multi-node hosts discover their peers (the torchrun recipe), single-node hosts not', () => {
    const policy = (name: string): Json =>
      resources[built.stack.getLogicalId(built.fleets[name]!.hostRole.selfRemovalPolicy!.node.defaultChild as never)]!.Properties.PolicyDocument;
    const sids = (name: string): string[] => (policy(name).Statement as Json[]).map((s) => s.Sid);
    expect(sids('multi')).toContain('FindPeers');
    expect(sids('spot')).not.toContain('FindPeers');
  });

  it('refuses EFA without multi-node, and an empty type list, naming the construct', () => {
    expect(() => build(() => ({ bad: { efaInterfaces: 2 } }))).toThrow(/GpuFleet test-burst\/Fleet-bad: efaInterfaces needs multiNode/);
    expect(() => build(() => ({ bad: { instanceTypes: [] } }))).toThrow(/instanceTypes must name at least one/);
  });
});

describe('host role', () => {
  it('A7: hosts can be reached with Session Manager', () => {
    const actions = roleStatements().flatMap((s) => list<string>(s.Action));
    for (const a of ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:OpenDataChannel', 'ec2messages:GetMessages']) {
      expect(actions).toContain(a);
    }
    for (const [, role] of ofType('AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ec2.amazonaws.com'))) {
      expect(role.Properties.ManagedPolicyArns).toHaveLength(1);
    }
  });

  it('A8: no s3:* and nothing on * in S3; objects only under the team prefix; listing prefix-conditioned', () => {
    const statements = roleStatements();
    for (const s of statements) {
      for (const action of list<string>(s.Action)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/^s3:\*$/i);
        if (action.startsWith('s3:')) expect(list(s.Resource)).not.toContain('*');
      }
    }
    const objects = statements.filter((s) => s.Sid === 'TeamPrefixObjects');
    expect(objects).toHaveLength(3);
    for (const s of objects) expect(text(s.Resource)).toMatch(/^<token>\/teams\/vision\/\*$/);
    const listing = statements.filter((s) => list<string>(s.Action).includes('s3:ListBucket'));
    expect(listing).toHaveLength(3);
    for (const s of listing) expect(s.Condition).toEqual({ StringLike: { 's3:prefix': ['teams/vision/*'] } });
  });

  it('a node may remove only members of its own group; the agent asset is the only other object it reads', () => {
    for (const name of ['spot', 'multi']) {
      const fleet = built.fleets[name]!;
      const doc = resources[built.stack.getLogicalId(fleet.hostRole.selfRemovalPolicy!.node.defaultChild as never)]!.Properties.PolicyDocument;
      const own = (doc.Statement as Json[]).find((s) => s.Sid === 'OwnGroup')!;
      expect([...own.Action].sort()).toEqual([
        'autoscaling:CompleteLifecycleAction',
        'autoscaling:RecordLifecycleActionHeartbeat',
        'autoscaling:TerminateInstanceInAutoScalingGroup',
      ]);
      expect(text(own.Resource)).toBe('arn:<token>:autoscaling:<token>:<token>:autoScalingGroup:*:autoScalingGroupName/<token>');
      expect(JSON.stringify(own.Resource)).toContain(`{"Ref":"${built.stack.getLogicalId(fleet.group)}"}`);
    }
    const asset = roleStatements().filter((s) => s.Sid === 'AgentAsset');
    expect(asset).toHaveLength(3);
    for (const s of asset) expect(text(s.Resource)).toMatch(/^arn:<token>:s3:::cdk-hnb659fds-assets-<token>-us-east-1\/[0-9a-f]{64}\.py$/);
  });

  it('A9: every role carries the team boundary, and the boundary covers every action they are given', () => {
    const boundaryId = built.stack.getLogicalId(built.boundary.policy.node.defaultChild as never);
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(3);
    for (const [, role] of roles) expect(role.Properties.PermissionsBoundary).toEqual({ Ref: boundaryId });
    expect(actionsOutsideBoundary(template.toJSON())).toEqual([]);
  });

  it('A9: actionsOutsideBoundary reports a role given s3:*, and a role with no boundary', () => {
    const app = new App();
    const stack = new Stack(app, 'loose');
    const boundary = new iam.ManagedPolicy(stack, 'Boundary', {
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject', 'ec2:Describe*'], resources: ['*'] })],
    });
    const bounded = new iam.Role(stack, 'Bounded', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    bounded.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*', 's3:GetObject', 'ec2:DescribeInstances', 'ec2:Describe*'], resources: ['*'] }));
    iam.PermissionsBoundary.of(bounded).apply(boundary);
    new iam.Role(stack, 'Unbounded', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const found = actionsOutsideBoundary(Template.fromStack(stack).toJSON());
    expect(found).toEqual([expect.stringMatching(/^Bounded[0-9A-F]+: s3:\*$/), expect.stringMatching(/^Unbounded[0-9A-F]+: no permissions boundary$/)]);
  });

  it('the boundary denies IAM changes (all but PassRole), Organizations and account settings', () => {
    const doc = resources[built.stack.getLogicalId(built.boundary.policy.node.defaultChild as never)]!.Properties.PolicyDocument;
    const deny = (doc.Statement as Json[]).find((s) => s.Effect === 'Deny')!;
    expect(deny.Action).toEqual(expect.arrayContaining(['iam:Create*', 'iam:Put*', 'iam:Attach*', 'organizations:*', 'account:*']));
    expect(list<string>(deny.Action).some((a) => /^iam:P(a|\*)/.test(a))).toBe(false);
    const pass = (doc.Statement as Json[]).find((s) => s.Sid === 'PassRoleToServices')!;
    expect(pass.Condition.StringEquals['iam:PassedToService']).toContain('ec2.amazonaws.com');
  });
});

describe('user data', () => {
  it('downloads the agent from the stack asset, checks its SHA-256, and configures launch kind asg', () => {
    const script = text(templateOf('spot').Properties.LaunchTemplateData.UserData);
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toMatch(/aws s3 cp 's3:\/\/cdk-hnb659fds-assets-<token>-us-east-1\/[0-9a-f]{64}\.py' "\$root\/opt\/gpu-burst\/gpu_burst_agent\.py" --region 'us-east-1'/);
    expect(script).toContain(`echo '${AGENT_SHA256}  '"$root/opt/gpu-burst/gpu_burst_agent.py" | sha256sum --check --quiet -`);
    const config = configOf(script);
    expect(config).toMatchObject({
      cloud: 'aws',
      launchKind: 'asg',
      team: 'vision',
      artifactPrefix: 's3://<token>/teams/vision/',
      idleWindowSeconds: 1800,
      ttlSeconds: 43200,
      gpu: true,
      trainer: { command: null },
      lifecycleHook: { name: CHECKPOINT_HOOK, heartbeatSeconds: 300 },
      manifest: { specHash: SPEC_HASH },
    });
    expect(configOf(text(templateOf('ondemand').Properties.LaunchTemplateData.UserData)).trainer.command).toEqual([
      'python3',
      '/opt/train.py',
      '--epochs',
      '3',
    ]);
    expect(Buffer.byteLength(script)).toBeLessThan(16 * 1024 - 1024);
  });

  it('uploads the agent once per stack', () => {
    const assets = built.stack.node.findAll().filter((c) => c.node.id === 'GpuBurstAgentAsset');
    expect(assets).toHaveLength(1);
  });
});

describe('cdk-nag', () => {
  const packs = (): NagPack[] => [new AwsSolutionsChecks(), new NIST80053R5Checks()];

  it('A1: zero unacknowledged AwsSolutions and NIST 800-53 R5 findings on the burst stack', () => {
    for (const pack of packs()) {
      const report = pack.validateScope(built.stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
    }
  });

  it('A2: each acknowledgment under the fleets and the boundary matches a finding there and gives a reason', () => {
    const raw = packs().map((p) => {
      (p as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
      return p;
    });
    const findings = raw.flatMap((p) => p.validateScope(built.stack).violations);
    const scopes = [...Object.values(built.fleets), built.boundary];
    for (const scope of scopes) {
      for (const c of scope.node.findAll()) {
        for (const m of c.node.metadata.filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
          for (const [key, reason] of Object.entries(m.data as Record<string, string>)) {
            const id = key.replace(/^annotation::/i, '');
            expect(reason.length, id).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
            const hit = findings.find((f) => f.ruleName === id && f.violatingResources.some((r) => r.constructPath === c.node.path || r.constructPath?.startsWith(`${c.node.path}/`)));
            expect(hit, `${id} at ${c.node.path} acknowledges nothing`).toBeDefined();
          }
        }
      }
    }
  });
});

describe('determinism', () => {
  it('synthesizes the same template twice', () => {
    const again = Template.fromStack(build(standardFleets).stack).toJSON();
    expect(again).toEqual(template.toJSON());
  });
});
