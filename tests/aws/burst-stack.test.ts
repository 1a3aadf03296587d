/** `<team>-burst`: today the network, free at rest (X4), private only (A5, A6). */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { sanitizeTemplate, specFromYaml, synthTeam } from '../helpers.js';

let example: ReturnType<typeof synthTeam>;

beforeAll(() => {
  example = synthTeam();
});

describe('burst network', () => {
  it('spans the team file zones with private subnets that never map public IPs (A6)', () => {
    const subnets = Object.values(example.burstTemplate.findResources('AWS::EC2::Subnet'));
    expect(subnets.map((s) => s.Properties.AvailabilityZone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    example.burstTemplate.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.64.0.0/16' });
  });

  it('defaults to the region\'s first two zones, staying environment-agnostic', () => {
    const minimal = synthTeam(specFromYaml('minimal', 'aws: {}\n'));
    const subnets = Object.values(minimal.burstTemplate.findResources('AWS::EC2::Subnet'));
    expect(subnets.map((s) => s.Properties.AvailabilityZone)).toEqual([
      { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
    ]);
  });

  it('reaches S3 through a gateway endpoint on every route table, so checkpoints skip NAT', () => {
    const routeTables = Object.keys(example.burstTemplate.findResources('AWS::EC2::RouteTable'));
    expect(routeTables).toHaveLength(3);
    example.burstTemplate.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      RouteTableIds: routeTables.map((id) => ({ Ref: id })),
    });
  });

  it('has no internet route, no internet gateway and no public subnet', () => {
    expect(example.burstTemplate.findResources('AWS::EC2::InternetGateway')).toEqual({});
    expect(example.burstTemplate.findResources('AWS::EC2::Route')).toEqual({});
  });

  it('closes the default security group and opens no ingress (A5)', () => {
    expect(example.burstTemplate.findResources('Custom::VpcRestrictDefaultSG')).not.toEqual({});
    expect(example.burstTemplate.findResources('AWS::EC2::SecurityGroupIngress')).toEqual({});
    for (const sg of Object.values(example.burstTemplate.findResources('AWS::EC2::SecurityGroup'))) {
      expect(sg.Properties.SecurityGroupIngress ?? []).toEqual([]);
    }
    expect(example.burstTemplate.findResources('AWS::EC2::KeyPair')).toEqual({});
  });

  it('sends flow logs to the storage stack\'s log archive', () => {
    example.burstTemplate.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 's3',
      LogDestination: { 'Fn::Join': ['', [Match.objectLike({}), '/vpc-flow-logs/']] },
    });
    expect(example.burst.dependencies).toContain(example.storage);
  });
});

describe('X4 nothing billable stands at rest', () => {
  it('no NAT gateway, elastic IP, instance, load balancer or endpoint that bills by the hour', () => {
    for (const type of [
      'AWS::EC2::NatGateway',
      'AWS::EC2::EIP',
      'AWS::EC2::Instance',
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
    ]) {
      expect(example.burstTemplate.findResources(type), type).toEqual({});
      expect(example.storageTemplate.findResources(type), type).toEqual({});
    }
    expect(example.burstTemplate.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).toEqual({});
  });
});

describe('A23 stack limits', () => {
  it.each(['storage', 'burst'] as const)('%s stack: at most 450 resources, 200 outputs/parameters, template under 1 MB', (which) => {
    const template = (which === 'storage' ? example.storageTemplate : example.burstTemplate).toJSON();
    expect(Object.keys(template['Resources'] ?? {}).length).toBeLessThanOrEqual(450);
    expect(Object.keys(template['Outputs'] ?? {}).length).toBeLessThanOrEqual(200);
    expect(Object.keys(template['Parameters'] ?? {}).length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(template).length).toBeLessThan(1_000_000);
  });
});

describe('snapshot', () => {
  it('example-burst template (sanitized)', async () => {
    await expect(JSON.stringify(sanitizeTemplate(example.burstTemplate.toJSON()), null, 2)).toMatchFileSnapshot(
      '__snapshots__/example-burst.template.json',
    );
  });
});
