/** The dev box (constructs/aws/dev-box.ts): stopped after its first boot, data retained, Jupyter on localhost, stop-only scheduler role. */
import { spawnSync } from 'node:child_process';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SHA256, AWS_USER_DATA_LIMIT_BYTES } from '../../images/agent/render.js';
import { ArtifactStore } from '../../constructs/aws/artifact-store.js';
import { BurstNetwork } from '../../constructs/aws/burst-network.js';
import { DEVBOX_JUPYTER_TOKEN_FILE, DEVBOX_JUPYTER_URL, DevBox, type DevBoxProps } from '../../constructs/aws/dev-box.js';
import { hostMachineImage } from '../../constructs/aws/host.js';
import { ImageRepository } from '../../constructs/aws/image-repository.js';
import { LogArchive } from '../../constructs/aws/log-archive.js';
import { MIN_REASON_LENGTH } from '../../constructs/aws/nag.js';
import { actionsOutsideBoundary, applyTeamBoundary, TeamBoundary } from '../../constructs/aws/team-boundary.js';
import { cdkJsonContext } from '../../stacks/aws/build.js';

type Json = Record<string, any>;

const PREFIX = 'teams/vision/';
const SPEC_HASH = `sha256:${'b'.repeat(64)}`;

/** A storage stack and a burst stack with one dev box, as the app builds them. */
function build(extra: Partial<DevBoxProps> = {}) {
  const app = new App({ context: cdkJsonContext(), analyticsReporting: false });
  const env = { region: 'us-east-1' };
  const storageStack = new Stack(app, 'test-storage', { env });
  const logs = new LogArchive(storageStack, 'Logs');
  const artifacts = new ArtifactStore(storageStack, 'Artifacts', { prefix: PREFIX, accessLogs: logs.bucket });
  const images = new ImageRepository(storageStack, 'Images');
  const stack = new Stack(app, 'test-burst', { env });
  const network = new BurstNetwork(stack, 'Network', { cidr: '10.64.0.0/16', flowLogs: logs.bucket });
  const boundary = new TeamBoundary(stack, 'Boundary', { team: 'vision', artifactBucket: artifacts.bucket, artifactPrefix: PREFIX });
  const devBox = new DevBox(stack, 'DevBox', {
    team: 'vision',
    vpc: network.vpc,
    instanceType: 'g6.xlarge',
    gpu: true,
    rootVolumeGiB: 100,
    dataVolumeGiB: 500,
    machineImage: hostMachineImage({ cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' }),
    idleMinutes: 45,
    ttlHours: 10,
    artifactBucket: artifacts.bucket,
    artifactPrefix: PREFIX,
    imageRepository: images.repository,
    agent: { specHash: SPEC_HASH },
    ...extra,
  });
  applyTeamBoundary(stack, boundary);
  return { stack, devBox, network };
}

let built: ReturnType<typeof build>;
let template: Template;
let resources: Record<string, Json>;
let instance: Json;
let script: string;

/** The text of a Fn::Base64 / Fn::Join / Fn::Sub value, every token as `<token>` (a Ref as `<Ref:Id>`). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v['Fn::Base64'] !== undefined) return text(v['Fn::Base64']);
  if (v['Fn::Join'] !== undefined) return (v['Fn::Join'][1] as unknown[]).map(text).join(v['Fn::Join'][0]);
  if (typeof v['Fn::Sub'] === 'string') return (v['Fn::Sub'] as string).replace(/\$\{[^}]+\}/g, '<token>');
  if (typeof v['Ref'] === 'string') return `<Ref:${v['Ref']}>`;
  return '<token>';
}

const ofType = (type: string): [string, Json][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const idOf = (c: { node: { defaultChild?: unknown } } | object): string => built.stack.getLogicalId(((c as { node: { defaultChild?: unknown } }).node.defaultChild ?? c) as never);
const configs = (s: string): Json[] => [...s.matchAll(/<<'GPU_BURST_CONFIG'\n([\s\S]*?)\nGPU_BURST_CONFIG/g)].map((m) => JSON.parse(m[1]!) as Json);

beforeAll(() => {
  built = build();
  template = Template.fromStack(built.stack);
  resources = template.toJSON().Resources as Record<string, Json>;
  instance = resources[built.stack.getLogicalId(built.devBox.instance)]!;
  script = text(instance.Properties.UserData);
});

describe('instance', () => {
  it('A3, A4, A5: from a hardened launch template (IMDSv2, encrypted gp3 root deleted with it, no key pair)', () => {
    const [[ltId, lt]] = ofType('AWS::EC2::LaunchTemplate') as [[string, Json]];
    expect(instance.Properties.LaunchTemplate).toEqual({ LaunchTemplateId: { Ref: ltId }, Version: { 'Fn::GetAtt': [ltId, 'LatestVersionNumber'] } });
    const data = lt.Properties.LaunchTemplateData;
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2, InstanceMetadataTags: 'enabled' });
    expect(data.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/sda1', Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeType: 'gp3', VolumeSize: 100 } },
    ]);
    expect(data.KeyName).toBeUndefined();
    expect(instance.Properties.KeyName).toBeUndefined();
    expect(data.UserData).toBeUndefined();
  });

  it('A5, A6: no public IP, first private subnet, a security group with no ingress', () => {
    const [nic] = instance.Properties.NetworkInterfaces as Json[];
    expect(instance.Properties.NetworkInterfaces).toHaveLength(1);
    expect(nic).toMatchObject({ DeviceIndex: '0', AssociatePublicIpAddress: false, DeleteOnTermination: true });
    expect(nic!.SubnetId).toEqual({ Ref: idOf(built.network.vpc.isolatedSubnets[0]!) });
    const sg = resources[idOf(built.devBox.securityGroup)]!;
    expect(sg.Properties.SecurityGroupIngress ?? []).toEqual([]);
    expect(ofType('AWS::EC2::SecurityGroupIngress')).toEqual([]);
    expect(nic!.GroupSet).toEqual([{ 'Fn::GetAtt': [idOf(built.devBox.securityGroup), 'GroupId'] }]);
  });

  it('stops (never terminates) when shut down from inside, and carries its instance profile and tags', () => {
    expect(instance.Properties.InstanceInitiatedShutdownBehavior).toBe('stop');
    expect(instance.Properties.InstanceType).toBe('g6.xlarge');
    expect(instance.Properties.IamInstanceProfile).toEqual({ Ref: expect.stringMatching(/^DevBoxInstanceProfile/) });
    expect(instance.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'gpu-burst:role', Value: 'devbox' },
        { Key: 'gpu-burst:ttl-hours', Value: '10' },
        { Key: 'gpu-burst:idle-minutes', Value: '45' },
      ]),
    );
  });

  it('outputs its instance id, scheduler role and data volume under fixed logical ids', () => {
    const outputs = template.toJSON().Outputs as Json;
    expect(outputs.DevBoxInstanceId.Value).toEqual({ Ref: built.stack.getLogicalId(built.devBox.instance) });
    expect(outputs.DevBoxSchedulerRoleArn.Value).toEqual({ 'Fn::GetAtt': [idOf(built.devBox.schedulerRole), 'Arn'] });
    expect(outputs.DevBoxDataVolumeId.Value).toEqual({ Ref: idOf(built.devBox.dataVolume!) });
  });
});

describe('data volume', () => {
  it('A12, A15: encrypted gp3, retained on delete and on replacement, no name, in the box\'s AZ', () => {
    const volumes = ofType('AWS::EC2::Volume');
    expect(volumes).toHaveLength(1);
    const [id, volume] = volumes[0]!;
    expect(volume.DeletionPolicy).toBe('Retain');
    expect(volume.UpdateReplacePolicy).toBe('Retain');
    expect(volume.Properties).toMatchObject({ Encrypted: true, VolumeType: 'gp3', Size: 500 });
    expect((volume.Properties.Tags as Json[]).find((t) => t.Key === 'Name')).toBeUndefined();
    const subnet = resources[idOf(built.network.vpc.isolatedSubnets[0]!)]!;
    expect(volume.Properties.AvailabilityZone).toEqual(subnet.Properties.AvailabilityZone);
    template.hasResourceProperties('AWS::EC2::VolumeAttachment', {
      InstanceId: { Ref: built.stack.getLogicalId(built.devBox.instance) },
      VolumeId: { Ref: id },
      Device: '/dev/sdf',
    });
  });

  it('re-attaches a retained volume by id instead of creating one', () => {
    const reattached = build({ dataVolumeId: 'vol-0123456789abcdef0' });
    const t = Template.fromStack(reattached.stack);
    expect(t.findResources('AWS::EC2::Volume')).toEqual({});
    t.hasResourceProperties('AWS::EC2::VolumeAttachment', { VolumeId: 'vol-0123456789abcdef0', Device: '/dev/sdf' });
    expect((t.toJSON().Outputs as Json).DevBoxDataVolumeId.Value).toBe('vol-0123456789abcdef0');
    const userData = text(t.toJSON().Resources[reattached.stack.getLogicalId(reattached.devBox.instance)].Properties.UserData);
    expect(userData).toContain("volume='vol-0123456789abcdef0'");
  });

  it('refuses a malformed volume id', () => {
    expect(() => build({ dataVolumeId: 'vol-xyz' })).toThrow(/DevBox test-burst\/DevBox: dataVolumeId 'vol-xyz' is not an EBS volume id/);
  });
});

describe('user data', () => {
  it('first boot: prepares the box and powers it off; later boots start the agent', () => {
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toContain('if [ ! -e "$state/devbox-initialized" ]; then');
    expect(script).toContain(`trap 'shutdown -h +1 "gpu-burst: dev box prepared; start it with burst start"' EXIT`);
    expect(script).toContain('ConditionPathExists=!/run/gpu-burst-first-boot');
    expect(script).toContain('if [ "$first_boot" = 0 ] && [ "$status" = 0 ]; then systemctl restart gpu-burst-agent.service; fi');
    // A later boot runs the instance's current user data, read with an IMDSv2 token.
    expect(script).toContain('/var/lib/cloud/scripts/per-boot/gpu-burst-devbox.sh');
    expect(script).toContain("curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300'");
  });

  it('formats the data volume only when blank and mounts it at /data by UUID', () => {
    expect(script).toMatch(/volume='<Ref:DevBoxData[0-9A-F]+>'/);
    expect(script).toContain('if [ "$?" = 2 ]; then mkfs.ext4 -q -L gpu-burst-data "$device" && fresh=1; fi');
    expect(script).toContain('echo "UUID=$uuid /data auto defaults,nofail 0 2" >> /etc/fstab');
  });

  it('installs the agent (S3 download, SHA-256 check) as launch kind devbox, watching Jupyter only once it is installed', () => {
    expect(script.match(/sha256sum --check --quiet -/g)).toHaveLength(2);
    expect(script).toContain(AGENT_SHA256);
    expect(script).toMatch(/aws s3 cp 's3:\/\/cdk-hnb659fds-assets-<token>-us-east-1\/[0-9a-f]{64}\.py'/);
    const [withJupyter, without] = configs(script);
    for (const config of [withJupyter, without]) {
      expect(config).toMatchObject({ launchKind: 'devbox', gpu: true, idleWindowSeconds: 2700, ttlSeconds: 36000, lifecycleHook: null });
    }
    expect(withJupyter!.jupyter).toEqual({ url: DEVBOX_JUPYTER_URL, tokenFile: DEVBOX_JUPYTER_TOKEN_FILE });
    expect(without!.jupyter).toBeNull();
    expect(DEVBOX_JUPYTER_URL).toBe('http://127.0.0.1:8888');
    expect(script).toContain('--ip=127.0.0.1 --port=8888');
  });

  it('is valid bash and fits EC2\'s 16 KB user-data limit', () => {
    const concrete = script.replace(/<Ref:[A-Za-z0-9]+>/g, 'vol-0123456789abcdef0').replace(/<token>/g, '123456789012');
    const check = spawnSync('bash', ['-n'], { input: concrete, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(Buffer.byteLength(concrete)).toBeLessThan(AWS_USER_DATA_LIMIT_BYTES);
  });
});

describe('roles', () => {
  const policyOf = (role: string): Json[] =>
    ofType('AWS::IAM::ManagedPolicy')
      .filter(([, p]) => (p.Properties.Roles ?? []).some((r: Json) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[]);
  const instanceArn = (s: Json): string => text(s.Resource);

  it('the scheduler role is assumable by EventBridge Scheduler of this account only, and may only stop this box', () => {
    const roleId = idOf(built.devBox.schedulerRole);
    const role = resources[roleId]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const statements = policyOf(roleId);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Action).toBe('ec2:StopInstances');
    expect(instanceArn(statements[0]!)).toBe(`arn:<Ref:AWS::Partition>:ec2:<Ref:AWS::Region>:<Ref:AWS::AccountId>:instance/<Ref:${built.stack.getLogicalId(built.devBox.instance)}>`);
  });

  it('A7, A8: the box reaches Session Manager and its team prefix, and may stop only itself', () => {
    const roleId = idOf(built.devBox.hostRole.role);
    const statements = [
      ...(resources[idOf(built.devBox.hostRole.hostPolicy)]!.Properties.PolicyDocument.Statement as Json[]),
      ...policyOf(roleId),
    ];
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions).toEqual(expect.arrayContaining(['ssm:UpdateInstanceInformation', 'ssmmessages:OpenDataChannel', 's3:GetObject', 's3:PutObject']));
    expect(actions.filter((a) => /^s3:\*|^\*$/.test(a))).toEqual([]);
    const stop = statements.find((s) => s.Sid === 'StopSelf')!;
    expect(stop.Action).toBe('ec2:StopInstances');
    expect(instanceArn(stop)).toMatch(new RegExp(`:instance/<Ref:${built.stack.getLogicalId(built.devBox.instance)}>$`));
    expect(actions.filter((a) => a.startsWith('autoscaling:'))).toEqual([]);
    const listing = statements.find((s) => s.Sid === 'TeamPrefixListing')!;
    expect(listing.Condition).toEqual({ StringLike: { 's3:prefix': ['teams/vision/*'] } });
  });

  it('A9: both roles carry the team boundary, which covers everything they are given', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThanOrEqual(2);
    for (const [, role] of roles) expect(role.Properties.PermissionsBoundary).toEqual({ Ref: expect.stringMatching(/^BoundaryPolicy/) });
    expect(actionsOutsideBoundary(template.toJSON())).toEqual([]);
  });
});

describe('cdk-nag', () => {
  const packs = (): NagPack[] => [new AwsSolutionsChecks(), new NIST80053R5Checks()];

  it('A1: zero unacknowledged AwsSolutions and NIST 800-53 R5 findings', () => {
    for (const pack of packs()) {
      const report = pack.validateScope(built.stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
    }
  });

  it('A2: each acknowledgment under the dev box matches a finding there and gives a reason', () => {
    const raw = packs().map((p) => {
      (p as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
      return p;
    });
    const findings = raw.flatMap((p) => p.validateScope(built.stack).violations);
    let count = 0;
    for (const c of built.devBox.node.findAll()) {
      for (const m of c.node.metadata.filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
        for (const [key, reason] of Object.entries(m.data as Record<string, string>)) {
          const id = key.replace(/^annotation::/i, '');
          count += 1;
          expect(reason.length, id).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
          const hit = findings.find((f) => f.ruleName === id && f.violatingResources.some((r) => r.constructPath === c.node.path || r.constructPath?.startsWith(`${c.node.path}/`)));
          expect(hit, `${id} at ${c.node.path} acknowledges nothing`).toBeDefined();
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });
});

describe('determinism', () => {
  it('synthesizes the same template twice', () => {
    expect(Template.fromStack(build().stack).toJSON()).toEqual(template.toJSON());
  });
});
