/**
 * SweepGroup: a managed spot Batch compute environment that scales to zero by itself, a job queue
 * and a job definition named `<team>-<group>`, hardened like every host (A3–A6, A8, A9, A22), with
 * a fixed resource count whatever the number of trials, and no unacknowledged cdk-nag finding (A1, A2).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Tags, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIN_REASON_LENGTH } from '../../constructs/aws/nag.js';
import { SWEEP_IMAGE_TYPE, SWEEP_ROOT_DEVICE, SweepGroup, type SweepGroupProps } from '../../constructs/aws/sweep-group.js';
import { PROJECT_ROOT } from '../../spec/paths.js';

const REGION = 'us-east-1';

interface Fixture {
  readonly app: App;
  readonly storage: Stack;
  readonly burst: Stack;
  readonly vpc: ec2.Vpc;
  readonly props: Omit<SweepGroupProps, 'vpc'>;
}

/** A storage stack (bucket, repository) and a burst stack (private VPC), as the team stacks split them. */
function fixture(context: Record<string, unknown> = {}): Fixture {
  const app = new App({ context });
  const storage = new Stack(app, 'example-storage', { env: { region: REGION } });
  const bucket = new s3.Bucket(storage, 'ArtifactsBucket');
  const repository = new ecr.Repository(storage, 'TrainingImages');
  const burst = new Stack(app, 'example-burst', { env: { region: REGION } });
  const vpc = new ec2.Vpc(burst, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'burst', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const props = {
    team: 'example',
    groupName: 'lr-sweep',
    instanceTypes: ['g5.xlarge', 'g6.xlarge', 'g6e.xlarge'],
    maxVCpus: 64,
    vCpusPerTrial: 4,
    memoryMiBPerTrial: 15_000,
    gpusPerTrial: 1,
    trialHours: 6,
    attempts: 3,
    repository,
    imageTag: 'v1.2.0',
    artifactBucket: bucket,
  };
  return { app, storage, burst, vpc, props };
}

function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

let f: Fixture;
let group: SweepGroup;
let template: Template;

beforeAll(() => {
  f = fixture();
  group = new SweepGroup(f.burst, 'LrSweep', { ...f.props, vpc: f.vpc, command: ['python', 'train.py'] });
  Tags.of(f.burst).add('team', 'example');
  template = Template.fromStack(f.burst);
});

describe('compute environment', () => {
  it('A22: managed spot, price-capacity-optimized, 0 vCPUs at rest, the given ceiling and GPU types', () => {
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 1);
    const [ce] = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    expect(ce?.Properties).toMatchObject({
      Type: 'MANAGED',
      State: 'ENABLED',
      ComputeResources: {
        Type: 'SPOT',
        AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
        MinvCpus: 0,
        MaxvCpus: 64,
        InstanceTypes: ['g5.xlarge', 'g6.xlarge', 'g6e.xlarge'],
        Ec2Configuration: [{ ImageType: SWEEP_IMAGE_TYPE }],
      },
    });
    // Nothing pins capacity above zero; Batch's service-linked role, no service role of our own.
    expect(ce?.Properties.ComputeResources.DesiredvCpus).toBeUndefined();
    expect(ce?.Properties.ServiceRole).toBeUndefined();
    expect(SWEEP_IMAGE_TYPE).toBe('ECS_AL2023_NVIDIA');
  });

  it('A3, A4: the launch template requires IMDSv2 (two hops, for containers) and an encrypted gp3 root deleted with the host', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
        BlockDeviceMappings: [
          { DeviceName: SWEEP_ROOT_DEVICE, Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeType: 'gp3', VolumeSize: 100 } },
        ],
      }),
    });
    expect(SWEEP_ROOT_DEVICE).toBe('/dev/xvda');
  });

  it('A3: the environment launches the latest version of that template, so a hardening change reaches new hosts', () => {
    const [lt] = Object.keys(template.findResources('AWS::EC2::LaunchTemplate'));
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({
        LaunchTemplate: { LaunchTemplateId: { Ref: lt }, Version: { 'Fn::GetAtt': [lt, 'LatestVersionNumber'] } },
      }),
    });
  });

  it('A5: no key pair, and a security group without ingress', () => {
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
    expect(lt?.Properties.LaunchTemplateData.KeyName).toBeUndefined();
    template.resourceCountIs('AWS::EC2::KeyPair', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const sgs = Object.fromEntries(
      Object.entries(template.findResources('AWS::EC2::SecurityGroup')).filter(([, sg]) => /^gpu-burst sweep/.test(sg.Properties.GroupDescription)),
    );
    expect(Object.keys(sgs)).toHaveLength(1);
    for (const sg of Object.values(sgs)) expect(sg.Properties.SecurityGroupIngress ?? []).toEqual([]);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ SecurityGroupIds: [{ 'Fn::GetAtt': [Object.keys(sgs)[0], 'GroupId'] }] }),
    });
  });

  it('A6: hosts launch in the private subnets of two zones and get no public IP', () => {
    const subnets = template.findResources('AWS::EC2::Subnet');
    expect(Object.keys(subnets)).toHaveLength(2);
    for (const s of Object.values(subnets)) expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Subnets: Object.keys(subnets).map((id) => ({ Ref: id })) }),
    });
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
    expect(lt?.Properties.LaunchTemplateData.NetworkInterfaces).toBeUndefined();
  });

  it('A10: the environment and its hosts carry the team tags and the sweep tags', () => {
    const [ce] = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    const sweepTags = { 'gpu-burst:role': 'sweep', 'gpu-burst:sweep': 'lr-sweep' };
    expect(ce?.Properties.Tags).toMatchObject({ team: 'example', ...sweepTags });
    expect(ce?.Properties.ComputeResources.Tags).toEqual({ team: 'example', ...sweepTags });
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
    const specs = lt?.Properties.LaunchTemplateData.TagSpecifications as { ResourceType: string; Tags: { Key: string; Value: string }[] }[];
    expect(specs.map((s) => s.ResourceType)).toEqual(['instance', 'volume']);
    for (const s of specs) expect(Object.fromEntries(s.Tags.map((t) => [t.Key, t.Value]))).toMatchObject({ team: 'example', ...sweepTags });
    template.hasResourceProperties('AWS::Batch::JobQueue', { Tags: { team: 'example' } });
    template.hasResourceProperties('AWS::Batch::JobDefinition', { Tags: { team: 'example' } });
  });

  it('uses the ECS instance role through an instance profile', () => {
    const profiles = template.findResources('AWS::IAM::InstanceProfile');
    expect(Object.keys(profiles)).toHaveLength(1);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ InstanceRole: { 'Fn::GetAtt': [Object.keys(profiles)[0], 'Arn'] } }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }),
      ManagedPolicyArns: [Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'])] })],
    });
  });
});

describe('job queue and job definition', () => {
  it('names the queue <team>-<group>, on the environment, and cancels a trial no host could ever fit', () => {
    const [ce] = Object.keys(template.findResources('AWS::Batch::ComputeEnvironment'));
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      JobQueueName: 'example-lr-sweep',
      State: 'ENABLED',
      ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: { 'Fn::GetAtt': [ce, 'ComputeEnvironmentArn'] } }],
      JobStateTimeLimitActions: [
        { Action: 'CANCEL', State: 'RUNNABLE', Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', MaxTimeSeconds: 600 },
        { Action: 'CANCEL', State: 'RUNNABLE', Reason: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', MaxTimeSeconds: 600 },
      ],
    });
    expect(group.jobQueueName).toBe('example-lr-sweep');
    expect(group.jobDefinitionName).toBe('example-lr-sweep');
  });

  it('retries a trial whose spot host was reclaimed (Host EC2*) and ends it on an application error', () => {
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'example-lr-sweep',
      Type: 'container',
      PlatformCapabilities: ['EC2'],
      RetryStrategy: {
        Attempts: 3,
        EvaluateOnExit: [
          { OnStatusReason: 'Host EC2*', Action: 'RETRY' },
          { OnReason: '*', Action: 'EXIT' },
        ],
      },
    });
  });

  it('A22: stops an attempt after the trial TTL (attemptDurationSeconds = trialHours * 3600)', () => {
    template.hasResourceProperties('AWS::Batch::JobDefinition', { Timeout: { AttemptDurationSeconds: 6 * 3600 } });
  });

  it('runs the team image at the given tag with GPU, vCPU and memory requirements', () => {
    const [jd] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    const container = jd?.Properties.ContainerProperties;
    expect(container.ResourceRequirements).toEqual([
      { Type: 'GPU', Value: '1' },
      { Type: 'VCPU', Value: '4' },
      { Type: 'MEMORY', Value: '15000' },
    ]);
    expect(container.Command).toEqual(['python', 'train.py']);
    expect(container.LinuxParameters).toEqual({ SharedMemorySize: 3750 });
    const image = JSON.stringify(container.Image);
    expect(image).toContain('.dkr.ecr.');
    expect(image).toMatch(/":v1\.2\.0"\]\]\}$/);
  });

  it('X1: gives each trial the team, the group and the team prefix; the submitter adds params and checkpoints', () => {
    const [jd] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    const env = Object.fromEntries(
      (jd?.Properties.ContainerProperties.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    expect(env['BURST_TEAM']).toBe('example');
    expect(env['BURST_SWEEP_GROUP']).toBe('lr-sweep');
    expect(JSON.stringify(env['BURST_ARTIFACTS'])).toMatch(/"s3:\/\/",.*"\/teams\/example\/"/);
    expect(env['BURST_SYNC_DONE_FILE']).toBe('/tmp/gpu-burst/checkpoint-synced');
    expect(env['BURST_CHECKPOINT_PREFIX']).toBeUndefined();
    expect(env['BURST_PARAMS_FILE']).toBeUndefined();
  });
});

describe('roles', () => {
  function statementsOf(policyDescription: RegExp): { Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) => policyDescription.test(p.Properties.Description));
    expect(policies).toHaveLength(1);
    return policies[0]?.Properties.PolicyDocument.Statement;
  }

  it('A8: trials read and write the team prefix only; listing is prefix-conditioned; no s3:* anywhere', () => {
    const statements = statementsOf(/read and write teams\/example\//);
    const list = statements.find((s) => s.Action === 's3:ListBucket');
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['teams/example/', 'teams/example/*'] } });
    const objects = statements.find((s) => Array.isArray(s.Action) && s.Action.includes('s3:PutObject'));
    expect([...(objects?.Action as string[])].sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject']);
    expect(JSON.stringify(objects?.Resource)).toMatch(/"\/teams\/example\/\*"\]\]\}$/);
    const all = JSON.stringify(template.toJSON());
    expect(all).not.toMatch(/"s3:\*"/);
    expect(all).not.toContain('s3:DeleteObject');
  });

  it('the execution role pulls from the team repository and writes to Batch\'s log group only', () => {
    const statements = statementsOf(/pull the training image/);
    expect(statements.map((s) => s.Action)).toEqual([
      ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      'ecr:GetAuthorizationToken',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
    ]);
    expect(JSON.stringify(statements[0]?.Resource)).toContain('TrainingImages');
  });

  it('the job definition runs as the job role with the execution role, both trusted by ECS tasks only', () => {
    const [jd] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    const roles = template.findResources('AWS::IAM::Role');
    const ref = (arn: { 'Fn::GetAtt': [string, string] }) => roles[arn['Fn::GetAtt'][0]];
    for (const arn of [jd?.Properties.ContainerProperties.JobRoleArn, jd?.Properties.ContainerProperties.ExecutionRoleArn]) {
      expect(ref(arn)?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } },
      ]);
    }
  });

  it('A9: every role gets the permissions boundary when one is given', () => {
    const g = fixture();
    const boundary = new iam.ManagedPolicy(g.burst, 'Boundary', {
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })],
    });
    new SweepGroup(g.burst, 'Sweep', { ...g.props, vpc: g.vpc, permissionsBoundary: boundary });
    const roles = Object.values(Template.fromStack(g.burst).findResources('AWS::IAM::Role'));
    expect(roles.length).toBe(3);
    for (const role of roles) expect(role.Properties.PermissionsBoundary.Ref).toMatch(/^Boundary/);
  });
});

describe('size', () => {
  const counts = (t: Template): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of Object.values(t.toJSON().Resources as Record<string, { Type: string }>)) out[r.Type] = (out[r.Type] ?? 0) + 1;
    return out;
  };

  it('has a fixed resource count: trials are array children at submit, never resources', () => {
    // SweepGroupProps has no trial count; a group of 10,000 trials is the same 11 resources as one of 1.
    const base = fixture();
    const before = counts(Template.fromStack(base.burst));
    const small = fixture();
    new SweepGroup(small.burst, 'Small', { ...small.props, vpc: small.vpc, maxVCpus: 4, instanceTypes: ['g5.xlarge'] });
    const large = fixture();
    new SweepGroup(large.burst, 'Large', { ...large.props, vpc: large.vpc, maxVCpus: 4096, gpusPerTrial: 8, vCpusPerTrial: 96 });
    const added = (t: Template) =>
      Object.fromEntries(Object.entries(counts(t)).map(([type, n]) => [type, n - (before[type] ?? 0)]).filter(([, n]) => n !== 0));
    const expected = {
      'AWS::Batch::ComputeEnvironment': 1,
      'AWS::Batch::JobQueue': 1,
      'AWS::Batch::JobDefinition': 1,
      'AWS::EC2::LaunchTemplate': 1,
      'AWS::EC2::SecurityGroup': 1,
      'AWS::IAM::Role': 3,
      'AWS::IAM::InstanceProfile': 1,
      'AWS::IAM::ManagedPolicy': 2,
    };
    expect(added(Template.fromStack(small.burst))).toEqual(expected);
    expect(added(Template.fromStack(large.burst))).toEqual(expected);
  });
});

describe('validation', () => {
  const build = (overrides: Partial<SweepGroupProps>, vpc?: (s: Stack) => ec2.IVpc) => () => {
    const g = fixture();
    new SweepGroup(g.burst, 'Sweep', { ...g.props, vpc: vpc ? vpc(g.burst) : g.vpc, ...overrides });
  };

  it('A6: refuses public subnets and a single zone', () => {
    const withPublic = (s: Stack) =>
      new ec2.Vpc(s, 'Public', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 0, subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }] });
    expect(build({}, withPublic)).toThrow(/public subnets; GPU hosts must sit in private subnets/);
    const oneZone = (s: Stack) =>
      new ec2.Vpc(s, 'One', { availabilityZones: ['us-east-1a'], natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(build({}, oneZone)).toThrow(/spans 1 Availability Zone\(s\); a spot sweep needs at least two/);
  });

  it('refuses sizes Batch would reject or that could never run a trial', () => {
    expect(build({ instanceTypes: [] })).toThrow(/instanceTypes must name at least one/);
    expect(build({ instanceTypes: ['p3.2xlarge', 'g5.xlarge'] })).toThrow(/p3\.2xlarge are not supported by the ECS_AL2023_NVIDIA image/);
    expect(build({ maxVCpus: 2 })).toThrow(/maxVCpus \(2\) is below vCpusPerTrial \(4\)/);
    expect(build({ attempts: 11 })).toThrow(/attempts must be an integer from 1 to 10, got 11/);
    expect(build({ gpusPerTrial: 0 })).toThrow(/gpusPerTrial must be an integer/);
    expect(build({ trialHours: 0.001 })).toThrow(/trialHours must be at least 1 minute/);
    expect(build({ groupName: 'lr sweep' })).toThrow(/'example-lr sweep' \(team-groupName\) is not a valid Batch queue name/);
    expect(build({ artifactPrefix: '/teams/example' })).toThrow(/artifactPrefix must be a key prefix ending in '\/'/);
  });
});

describe('cdk-nag', () => {
  const packs = (): NagPack[] => [new AwsSolutionsChecks(), new NIST80053R5Checks()];
  const raw = <T extends NagPack>(pack: T): T => {
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    return pack;
  };
  const under = (path: string) => (v: { violatingResources: { constructPath?: string }[] }) =>
    v.violatingResources.some((r) => (r.constructPath ?? '').startsWith(path));

  function check(stack: Stack, construct: SweepGroup): void {
    Template.fromStack(stack); // synthesis wires cross-stack references, as `cdk synth` does before the packs run
    const path = `${construct.node.path}/`;
    for (const pack of packs()) {
      const open = pack.validateScope(stack).violations.filter(under(path));
      expect(open.map((v) => v.ruleName), pack.readPackName).toEqual([]);
    }
    const findings = packs().map(raw).flatMap((p) => p.validateScope(stack).violations.filter(under(path)));
    const acks = construct.node.findAll().flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
    );
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, ack.id).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
      const finding = findings.find((v) => v.ruleName === ack.id && v.violatingResources.some((r) => (r.constructPath ?? '').startsWith(ack.path)));
      expect(finding, `${ack.id} at ${ack.path} acknowledges nothing`).toBeDefined();
    }
  }

  it('A1, A2: no unacknowledged AwsSolutions or NIST 800-53 R5 finding; each acknowledgment is narrow and real', () => {
    check(f.burst, group);
  });

  it('A1: the same with the repository\'s cdk.json feature flags (weak cross-stack references)', () => {
    const g = fixture(cdkJsonContext());
    const sweep = new SweepGroup(g.burst, 'Sweep', { ...g.props, vpc: g.vpc });
    check(g.burst, sweep);
  });
});
