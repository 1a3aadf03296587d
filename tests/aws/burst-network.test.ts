/** BurstNetwork: private hosts, egress only on demand (X4), nag-clean (A1). */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { BurstNetwork, EGRESS_CONDITION, EGRESS_PARAMETER } from '../../constructs/aws/burst-network.js';

let stack: Stack;
let network: BurstNetwork;
let template: Template;

beforeAll(() => {
  stack = new Stack(new App(), 'Net', { env: { region: 'us-east-1' } });
  network = new BurstNetwork(stack, 'Network', { cidr: '10.64.0.0/16', availabilityZones: ['us-east-1a', 'us-east-1b'] });
  template = Template.fromStack(stack);
});

describe('X4 egress on demand', () => {
  it('declares the Egress parameter, off by default, and the EgressOn condition', () => {
    const parameters = template.toJSON()['Parameters'] as Record<string, Record<string, unknown>>;
    expect(parameters[EGRESS_PARAMETER]).toMatchObject({ Type: 'String', AllowedValues: ['off', 'on'], Default: 'off' });
    expect(parameters[EGRESS_PARAMETER]?.['Description']).toMatch(/NAT/);
    expect(stack.resolve(network.egressParameter?.logicalId)).toBe(EGRESS_PARAMETER);
    template.hasCondition(EGRESS_CONDITION, { 'Fn::Equals': [{ Ref: EGRESS_PARAMETER }, 'on'] });
  });

  it('X4: the NAT gateway, its Elastic IP and every route to it exist only under EgressOn', () => {
    const nats = Object.values(template.findResources('AWS::EC2::NatGateway'));
    const eips = Object.values(template.findResources('AWS::EC2::EIP'));
    expect(nats).toHaveLength(1);
    expect(eips).toHaveLength(1);
    for (const r of [...nats, ...eips]) expect(r.Condition).toBe(EGRESS_CONDITION);
    const natRoutes = Object.values(template.findResources('AWS::EC2::Route', { Properties: { NatGatewayId: Match.anyValue() } }));
    expect(natRoutes).toHaveLength(2);
    for (const r of natRoutes) {
      expect(r.Condition).toBe(EGRESS_CONDITION);
      expect(r.Properties.DestinationCidrBlock).toBe('0.0.0.0/0');
    }
  });

  it('X4: with Egress=off nothing billable stands: every unconditional resource is free', () => {
    const free = new Set([
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::EC2::RouteTable',
      'AWS::EC2::SubnetRouteTableAssociation',
      'AWS::EC2::Route',
      'AWS::EC2::InternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::VPCEndpoint',
      'Custom::VpcRestrictDefaultSG',
      'AWS::IAM::Role',
      'AWS::Lambda::Function',
    ]);
    const resources = template.toJSON()['Resources'] as Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
    for (const [id, r] of Object.entries(resources)) {
      if (r.Condition === EGRESS_CONDITION) continue;
      expect(free.has(r.Type), `${id} ${r.Type} stands at rest`).toBe(true);
      if (r.Type === 'AWS::EC2::VPCEndpoint') expect(r.Properties?.['VpcEndpointType']).toBe('Gateway');
      if (r.Type === 'AWS::EC2::Route') expect(r.Properties?.['GatewayId'], `${id} routes to the internet gateway only`).toBeDefined();
    }
  });

  it('the NAT gateway sits in the first public subnet and waits for the internet gateway attachment', () => {
    const [natId, nat] = Object.entries(template.findResources('AWS::EC2::NatGateway'))[0] ?? [];
    expect(nat?.Properties.SubnetId).toEqual({ Ref: expect.stringMatching(/egressSubnet1/) });
    expect(nat?.Properties.AllocationId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/NatAddress/), 'AllocationId'] });
    expect(nat?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/egressSubnet1DefaultRoute/)]));
    expect(natId).toBeDefined();
  });

  it('A6: hosts get isolated subnets; the public /28s never map public IPs', () => {
    expect(network.vpc.isolatedSubnets).toHaveLength(2);
    expect(network.vpc.privateSubnets).toHaveLength(0);
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    const publicCidrs = network.vpc.publicSubnets.map((s) => s.ipv4CidrBlock);
    for (const cidr of publicCidrs) expect(cidr).toMatch(/\/28$/);
  });

  it('host subnets keep the ranges they had without egress when the zones leave room; the /28s come after them', () => {
    const ranges = (egress: boolean) => {
      const n = new BurstNetwork(new Stack(new App(), 'S'), 'N', {
        cidr: '10.64.0.0/16',
        availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
        onDemandEgress: egress,
      });
      return { hosts: n.vpc.isolatedSubnets.map((x) => x.ipv4CidrBlock), nat: n.vpc.publicSubnets.map((x) => x.ipv4CidrBlock) };
    };
    expect(ranges(true).hosts).toEqual(ranges(false).hosts);
    expect(ranges(true).nat).toEqual(['10.64.192.0/28', '10.64.192.16/28', '10.64.192.32/28']);
  });

  it('keeps the S3 gateway endpoint on the host route tables, and the default security group closed', () => {
    const isolatedTables = network.vpc.isolatedSubnets.map((s) => s.routeTable.routeTableId);
    const endpoint = Object.values(template.findResources('AWS::EC2::VPCEndpoint'))[0];
    const tables = (endpoint?.Properties.RouteTableIds as unknown[]).map((t) => stack.resolve(t));
    for (const t of isolatedTables) expect(tables).toContainEqual(stack.resolve(t));
    expect(template.findResources('Custom::VpcRestrictDefaultSG')).not.toEqual({});
  });

  it('onDemandEgress: false builds no parameter, no public subnet, no gateway and no route out', () => {
    const plain = new Stack(new App(), 'Plain');
    const closed = new BurstNetwork(plain, 'Network', { cidr: '10.0.0.0/16', onDemandEgress: false });
    const t = Template.fromStack(plain);
    expect(closed.egressParameter).toBeUndefined();
    expect(closed.vpc.publicSubnets).toHaveLength(0);
    expect(t.toJSON()['Parameters']?.[EGRESS_PARAMETER]).toBeUndefined();
    for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::Route']) {
      expect(t.findResources(type), type).toEqual({});
    }
  });
});

describe('A1 cdk-nag', () => {
  it.each([new AwsSolutionsChecks(), new NIST80053R5Checks()])('$readPackName: no unacknowledged finding', (pack) => {
    const { violations } = pack.validateScope(stack);
    // Flow logs are the caller's choice (the burst stack passes the log archive); nothing else may show.
    const unexpected = violations.filter((v) => !/VPCFlowLogsEnabled|AwsSolutions-VPC7/.test(v.ruleName));
    expect(unexpected.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });

  it('A2: each public route acknowledgment matches a real finding there', () => {
    const pack = new NIST80053R5Checks();
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    const raw = pack.validateScope(stack).violations.filter((v) => v.ruleName === 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW');
    const acked = network.node
      .findAll()
      .filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .map((c) => c.node.path);
    expect(acked).toHaveLength(2);
    expect(raw.flatMap((v) => v.violatingResources.map((r) => r.constructPath)).sort()).toEqual(acked.sort());
  });
});
