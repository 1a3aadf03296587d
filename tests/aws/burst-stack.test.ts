/**
 * `<team>-burst` as the team files build it: the example team (a spot fleet, a sweep group, a GPU
 * dev box) and a team using every feature (multi-node EFA fleet over an on-demand base, an
 * on-demand fleet, Trainium, a spot sweep, a CPU dev box re-attaching its volume). Checklist
 * properties are asserted on the whole stack, named by id; the construct tests go deeper.
 */
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_HOOK } from '../../constructs/aws/gpu-fleet.js';
import { actionsOutsideBoundary } from '../../constructs/aws/team-boundary.js';
import { loadTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { sanitizeTemplate, specFromYaml, synthTeam } from '../helpers.js';

type Json = Record<string, any>;

let example: ReturnType<typeof synthTeam>;
let research: ReturnType<typeof synthTeam>;

beforeAll(() => {
  example = synthTeam();
  research = synthTeam(loadTeamFile(join(PROJECT_ROOT, 'tests', 'fixtures', 'teams', 'research.yaml')));
});

const teams = () => [
  ['example', example.burstTemplate],
  ['research', research.burstTemplate],
] as [string, Template][];

function of(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type));
}

function groupNamed(template: Template, fleet: string): Json {
  const found = of(template, 'AWS::AutoScaling::AutoScalingGroup').find(([, g]) =>
    (g.Properties.Tags as Json[]).some((t) => t.Key === 'gpu-burst:fleet' && t.Value === fleet),
  );
  if (!found) throw new Error(`no group for fleet ${fleet}`);
  return found[1];
}

function launchTemplateOf(template: Template, group: Json): Json {
  const ref = group.Properties.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId;
  const id = ref.Ref as string;
  return template.toJSON()['Resources'][id];
}

describe('burst network', () => {
  it('A6: hosts sit in private subnets in the team file zones; the egress subnets never map public IPs', () => {
    const subnets = of(example.burstTemplate, 'AWS::EC2::Subnet').map(([, s]) => s.Properties);
    expect(subnets.filter((s) => s.Tags.some((t: Json) => t.Value === 'Isolated')).map((s) => s.AvailabilityZone)).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
    ]);
    for (const subnet of subnets) expect(subnet.MapPublicIpOnLaunch).toBe(false);
    example.burstTemplate.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.64.0.0/16' });
  });

  it("defaults to the region's first two zones, staying environment-agnostic", () => {
    const minimal = synthTeam(specFromYaml('minimal', 'aws: {}\n'));
    const zones = of(minimal.burstTemplate, 'AWS::EC2::Subnet').map(([, s]) => JSON.stringify(s.Properties.AvailabilityZone));
    expect(new Set(zones)).toEqual(new Set([0, 1].map((i) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))));
  });

  it('reaches S3 through a gateway endpoint on every route table, so checkpoints skip NAT', () => {
    const routeTables = of(example.burstTemplate, 'AWS::EC2::RouteTable').map(([id]) => id);
    const endpoints = of(example.burstTemplate, 'AWS::EC2::VPCEndpoint');
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]![1].Properties.VpcEndpointType).toBe('Gateway');
    expect(JSON.stringify(endpoints[0]![1].Properties.ServiceName)).toContain('.s3');
    expect(new Set((endpoints[0]![1].Properties.RouteTableIds as Json[]).map((r) => r.Ref))).toEqual(new Set(routeTables));
  });

  it("X4: the NAT gateway, its address and the hosts' default routes exist only under Egress=on (default off)", () => {
    for (const [team, template] of teams()) {
      expect(template.toJSON()['Parameters']['Egress'], team).toMatchObject({ Default: 'off', AllowedValues: ['off', 'on'] });
      for (const type of ['AWS::EC2::NatGateway', 'AWS::EC2::EIP']) {
        const found = of(template, type);
        expect(found, `${team} ${type}`).toHaveLength(1);
        for (const [, r] of found) expect(r.Condition, `${team} ${type}`).toBe('EgressOn');
      }
      for (const [, route] of of(template, 'AWS::EC2::Route')) {
        if (route.Properties.NatGatewayId) expect(route.Condition).toBe('EgressOn');
        else expect(route.Properties.GatewayId, 'an unconditional route goes to the (free) internet gateway').toBeDefined();
      }
    }
  });
});

describe('X4 at rest nothing billable but storage', () => {
  it('A22: every fleet rests at zero with no desired size; every sweep group scales to 0 vCPU', () => {
    for (const [team, template] of teams()) {
      for (const [, g] of of(template, 'AWS::AutoScaling::AutoScalingGroup')) {
        expect(g.Properties.MinSize, team).toBe('0');
        expect(g.Properties.DesiredCapacity, team).toBeUndefined();
      }
      for (const [, ce] of of(template, 'AWS::Batch::ComputeEnvironment')) expect(ce.Properties.ComputeResources.MinvCpus, team).toBe(0);
    }
  });

  it('no load balancer, interface endpoint or always-on instance; the only instance is the dev box, which powers itself off', () => {
    for (const [team, template] of teams()) {
      expect(of(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer'), team).toEqual([]);
      expect(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }), team).toEqual({});
      const instances = of(template, 'AWS::EC2::Instance');
      expect(instances, team).toHaveLength(1);
      expect(instances[0]![1].Properties.InstanceInitiatedShutdownBehavior, team).toBe('stop');
      expect(JSON.stringify(instances[0]![1].Properties.UserData), `${team}: the first boot powers the box off`).toContain('shutdown -h +1');
    }
    expect(of(example.storageTemplate, 'AWS::EC2::Instance')).toEqual([]);
  });
});

describe('hosts', () => {
  it('A3, A4: every launch template requires IMDSv2 and encrypts every volume with an explicit DeleteOnTermination', () => {
    for (const [team, template] of teams()) {
      const templates = of(template, 'AWS::EC2::LaunchTemplate');
      expect(templates.length, team).toBeGreaterThanOrEqual(3);
      for (const [id, lt] of templates) {
        const data = lt.Properties.LaunchTemplateData;
        expect(data.MetadataOptions?.HttpTokens, `${team} ${id}`).toBe('required');
        expect(data.BlockDeviceMappings?.length, `${team} ${id}`).toBeGreaterThan(0);
        for (const mapping of data.BlockDeviceMappings) {
          expect(mapping.Ebs.Encrypted, `${team} ${id}`).toBe(true);
          expect(typeof mapping.Ebs.DeleteOnTermination, `${team} ${id}`).toBe('boolean');
        }
      }
      for (const [, v] of of(template, 'AWS::EC2::Volume')) expect(v.Properties.Encrypted).toBe(true);
    }
  });

  it('A5, A6: no key pair, no SSH, no ingress from anywhere; hosts get no public IP', () => {
    for (const [team, template] of teams()) {
      expect(JSON.stringify(template.toJSON()), team).not.toContain('"KeyName"');
      for (const [, sg] of of(template, 'AWS::EC2::SecurityGroup')) {
        for (const rule of sg.Properties.SecurityGroupIngress ?? []) expect(rule.CidrIp ?? rule.CidrIpv6, team).toBeUndefined();
      }
      for (const [, rule] of of(template, 'AWS::EC2::SecurityGroupIngress')) {
        expect(rule.Properties.SourceSecurityGroupId, `${team}: ingress only from the fleet's own group`).toBeDefined();
        expect(rule.Properties.CidrIp ?? rule.Properties.CidrIpv6, team).toBeUndefined();
      }
      for (const [, lt] of of(template, 'AWS::EC2::LaunchTemplate')) {
        for (const ni of lt.Properties.LaunchTemplateData.NetworkInterfaces ?? []) expect(ni.AssociatePublicIpAddress ?? false).toBe(false);
      }
      for (const [, g] of of(template, 'AWS::AutoScaling::AutoScalingGroup')) {
        for (const subnet of g.Properties.VPCZoneIdentifier as Json[]) expect(subnet.Ref, team).toMatch(/^NetworkVpcburstSubnet/);
      }
    }
  });

  it('A9: every role carries the team boundary and asks for nothing outside it', () => {
    for (const [team, template] of teams()) {
      const roles = of(template, 'AWS::IAM::Role');
      expect(roles.length, team).toBeGreaterThan(5);
      for (const [id, role] of roles) expect(role.Properties.PermissionsBoundary, `${team} ${id}`).toBeDefined();
      expect(actionsOutsideBoundary(template.toJSON()), team).toEqual([]);
    }
  });

  it('A8: no s3:* and no S3 action on * anywhere in the stack', () => {
    for (const [team, template] of teams()) {
      const statements = [...of(template, 'AWS::IAM::Policy'), ...of(template, 'AWS::IAM::ManagedPolicy')].flatMap(([, p]) =>
        (p.Properties.PolicyDocument.Statement as Json[]).filter((s) => s.Effect === 'Allow'),
      );
      for (const s of statements) {
        const actions = [s.Action].flat() as string[];
        expect(actions, team).not.toContain('s3:*');
        if (actions.some((a) => a.startsWith('s3:'))) expect([s.Resource].flat(), team).not.toContain('*');
      }
    }
  });
});

describe('fleets', () => {
  it('A17: the example spot fleet mixes 3 types price-capacity-optimized over 3 zones with capacity rebalance', () => {
    const g = groupNamed(example.burstTemplate, 'train').Properties;
    expect(g.MixedInstancesPolicy.LaunchTemplate.Overrides.map((o: Json) => o.InstanceType)).toEqual(['g6.xlarge', 'g6.2xlarge', 'g6.4xlarge']);
    expect(g.MixedInstancesPolicy.InstancesDistribution).toMatchObject({
      SpotAllocationStrategy: 'price-capacity-optimized',
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 0,
    });
    expect(g.CapacityRebalance).toBe(true);
    expect(g.VPCZoneIdentifier).toHaveLength(3);
    expect(g.MaxSize).toBe('1');
  });

  it('multi-node: one zone, a cluster placement group and 32 EFA interfaces on p5; mixed keeps one node on demand', () => {
    const g = groupNamed(research.burstTemplate, 'dist');
    expect(g.Properties.VPCZoneIdentifier).toHaveLength(1);
    expect(g.Properties.PlacementGroup).toBeDefined();
    expect(g.Properties.MixedInstancesPolicy.InstancesDistribution).toMatchObject({ OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 0 });
    research.burstTemplate.hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
    const interfaces = launchTemplateOf(research.burstTemplate, g).Properties.LaunchTemplateData.NetworkInterfaces as Json[];
    expect(interfaces).toHaveLength(32);
    expect(interfaces.every((i) => i.InterfaceType === 'efa')).toBe(true);
    expect(g.Properties.MaxSize).toBe('4');
  });

  it('on-demand fleets buy every node on demand and do not rebalance', () => {
    const g = groupNamed(research.burstTemplate, 'eval').Properties;
    expect(g.MixedInstancesPolicy.InstancesDistribution).toMatchObject({ OnDemandPercentageAboveBaseCapacity: 100 });
    expect(g.CapacityRebalance ?? false).toBe(false);
  });

  it('A19, A20: a checkpoint lifecycle hook on termination; launch/terminate failures notify the team topic', () => {
    for (const [team, template] of teams()) {
      for (const [, g] of of(template, 'AWS::AutoScaling::AutoScalingGroup')) {
        expect(g.Properties.LifecycleHookSpecificationList, team).toEqual([
          expect.objectContaining({
            LifecycleHookName: CHECKPOINT_HOOK,
            LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
            HeartbeatTimeout: 300,
            DefaultResult: 'CONTINUE',
          }),
        ]);
        expect(g.Properties.NotificationConfigurations[0].NotificationTypes, team).toEqual(
          expect.arrayContaining(['autoscaling:EC2_INSTANCE_LAUNCH_ERROR', 'autoscaling:EC2_INSTANCE_TERMINATE_ERROR']),
        );
        expect(JSON.stringify(g.Properties.NotificationConfigurations[0].TopicARN), team).toMatch(/GetStackOutput|ImportValue|Alerts/);
      }
    }
  });

  it('A16: hosts boot the public DLAMI alias while images/lock.json pins nothing, resolved at launch', () => {
    const lt = launchTemplateOf(example.burstTemplate, groupNamed(example.burstTemplate, 'train'));
    expect(lt.Properties.LaunchTemplateData.ImageId).toBe(
      'resolve:ssm:/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    );
    const neuron = launchTemplateOf(research.burstTemplate, groupNamed(research.burstTemplate, 'neuron'));
    expect(neuron.Properties.LaunchTemplateData.ImageId).toMatch(/^resolve:ssm:\/aws\/service\/neuron\//);
  });
});

describe('user data installs the agent (layer a)', () => {
  function userData(template: Template, fleet: string): string {
    const lt = launchTemplateOf(template, groupNamed(template, fleet));
    const parts = lt.Properties.LaunchTemplateData.UserData['Fn::Base64'];
    return typeof parts === 'string' ? parts : JSON.stringify(parts);
  }

  it('downloads the agent from S3, checks its SHA-256 and configures it for an Auto Scaling member with the fleet windows', () => {
    const script = userData(example.burstTemplate, 'train');
    expect(script).toContain('aws s3 cp');
    expect(script).toContain('sha256sum --check');
    expect(script).toMatch(/\\"launchKind\\": \\"asg\\"/);
    expect(script).toMatch(/\\"idleWindowSeconds\\": 1800/);
    expect(script).toMatch(/\\"ttlSeconds\\": 43200/);
    expect(script).toMatch(/\\"lifecycleHook\\": \{/);
    expect(script).toMatch(/\\"gpu\\": true/);
  });

  it('Trainium hosts do not watch nvidia-smi; a fleet with a command runs it in job-exit mode', () => {
    expect(userData(research.burstTemplate, 'neuron')).toMatch(/\\"gpu\\": false/);
    expect(userData(research.burstTemplate, 'dist')).toContain('torchrun');
  });
});

describe('sweep groups', () => {
  it('spot Batch capacity, price-capacity-optimized, named queue and job definition with retries on spot reclaim', () => {
    const ce = of(example.burstTemplate, 'AWS::Batch::ComputeEnvironment')[0]![1].Properties;
    expect(ce.ComputeResources).toMatchObject({
      Type: 'SPOT',
      AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
      MinvCpus: 0,
      MaxvCpus: 64,
      InstanceTypes: ['g4dn.xlarge', 'g4dn.2xlarge', 'g4dn.4xlarge'],
    });
    example.burstTemplate.hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: 'example-hparams' });
    example.burstTemplate.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'example-hparams',
      Timeout: { AttemptDurationSeconds: 4 * 3600 },
      RetryStrategy: Match.objectLike({ Attempts: 3 }),
    });
  });
});

describe('auto-shutdown layers (b) and (c)', () => {
  it('A18, A22: the backstop runs every 15 minutes outside the VPC and hears spot interruption and rebalance events', () => {
    for (const [team, template] of teams()) {
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
      for (const detail of ['EC2 Spot Instance Interruption Warning', 'EC2 Instance Rebalance Recommendation']) {
        template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': [detail] }) });
      }
      const fns = of(template, 'AWS::Lambda::Function').filter(([, f]) => JSON.stringify(f.Properties.Environment ?? {}).includes('STACK_NAME'));
      expect(fns, team).toHaveLength(1);
      expect(fns[0]![1].Properties.VpcConfig, team).toBeUndefined();
      expect(fns[0]![1].Properties.Environment.Variables).toMatchObject({ TEAM: team, STACK_NAME: `${team}-burst` });
    }
    const env = of(research.burstTemplate, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Environment?.Variables?.SWEEP_QUEUES)?.[1];
    expect(env?.Properties.Environment.Variables.SWEEP_QUEUES).toContain('research-hpo');
  });
});

describe('A23 stack limits', () => {
  it('each stack of both teams: at most 450 resources, 200 outputs and parameters, template under 1 MB', () => {
    for (const stacks of [example, research]) {
      for (const t of [stacks.storageTemplate, stacks.burstTemplate]) {
        const template = t.toJSON();
        expect(Object.keys(template['Resources'] ?? {}).length).toBeLessThanOrEqual(450);
        expect(Object.keys(template['Outputs'] ?? {}).length).toBeLessThanOrEqual(200);
        expect(Object.keys(template['Parameters'] ?? {}).length).toBeLessThanOrEqual(200);
        expect(JSON.stringify(template).length).toBeLessThan(1_000_000);
      }
    }
  });
});

describe('snapshot', () => {
  it('example-burst template (sanitized)', async () => {
    await expect(JSON.stringify(sanitizeTemplate(example.burstTemplate.toJSON()), null, 2)).toMatchFileSnapshot(
      '__snapshots__/example-burst.template.json',
    );
  });

  it('research-burst template (sanitized)', async () => {
    await expect(JSON.stringify(sanitizeTemplate(research.burstTemplate.toJSON()), null, 2)).toMatchFileSnapshot(
      '__snapshots__/research-burst.template.json',
    );
  });
});
