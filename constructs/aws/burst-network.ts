import { CfnCondition, CfnOutput, CfnParameter, Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/** Logical id of the stack parameter that switches on-demand egress (`burst start` sets it by this name). */
export const EGRESS_PARAMETER = 'Egress';
/** Logical id of the condition that holds while {@link EGRESS_PARAMETER} is `on`. */
export const EGRESS_CONDITION = 'EgressOn';

/** Size of the public subnets that hold only the on-demand NAT gateway. */
const PUBLIC_SUBNET_MASK = 28;

/**
 * The host subnets' mask when the public /28s take their share: as large as the rest allows.
 * Explicit so that the host subnets come first in the range (CDK allocates subnets with a mask
 * before those without), keeping their ranges where they were without egress whenever they fit.
 */
function hostSubnetMask(cidr: string, zones: number): { cidrMask?: number } {
  const prefix = /^\d+\.\d+\.\d+\.\d+\/(\d+)$/.exec(cidr)?.[1];
  if (prefix === undefined) return {};
  const free = 2 ** (32 - Number(prefix)) - zones * 2 ** (32 - PUBLIC_SUBNET_MASK);
  return { cidrMask: 32 - Math.floor(Math.log2(Math.floor(free / zones))) };
}

/** Properties of a {@link BurstNetwork}. */
export interface BurstNetworkProps {
  /** IPv4 range of the VPC, e.g. `10.64.0.0/16`. */
  readonly cidr: string;
  /**
   * Availability Zones of the private subnets.
   * @default - the region's first two zones (Fn::GetAZs), so the stack stays environment-agnostic
   */
  readonly availabilityZones?: readonly string[];
  /**
   * Bucket that receives VPC flow logs.
   * @default - no flow logs (cdk-nag reports it)
   */
  readonly flowLogs?: s3.IBucket;
  /**
   * Internet egress on demand: a stack parameter `Egress` (`off` by default) that creates one NAT
   * gateway and its Elastic IP, and routes the private subnets through it, only while it is `on`.
   * A /28 public subnet per zone and an internet gateway (both free) are always there for it;
   * nothing is ever launched in them. Hosts need egress for SSM Session Manager, the Auto Scaling
   * and EC2 APIs the agent calls, and ECR/ECS for Batch.
   *
   * Without it the VPC has no route out at all (S3 only, through the gateway endpoint).
   * @default true
   */
  readonly onDemandEgress?: boolean;
}

/**
 * The burst VPC: hosts in private isolated subnets, an S3 gateway endpoint so checkpoints (and ECR
 * image layers, which are served from S3) reach the bucket without NAT, the default security
 * group closed, flow logs to the log archive. Egress to the internet exists only while the stack
 * parameter `Egress` is `on`: the NAT gateway and its Elastic IP, the only billable parts, are
 * conditional resources, so the network is free at rest.
 */
export class BurstNetwork extends Construct {
  /** The VPC. */
  readonly vpc: ec2.Vpc;
  /** The `Egress` stack parameter (`off` | `on`), when on-demand egress is enabled. */
  readonly egressParameter?: CfnParameter;
  /** True while `Egress` is `on`: the NAT gateway, its Elastic IP and the default routes carry it. */
  readonly egressCondition?: CfnCondition;
  /** The NAT gateway (conditional on {@link egressCondition}), when on-demand egress is enabled. */
  readonly natGateway?: ec2.CfnNatGateway;

  constructor(scope: Construct, id: string, props: BurstNetworkProps) {
    super(scope, id);
    const egress = props.onDemandEgress ?? true;
    const zones = props.availabilityZones ? { availabilityZones: [...props.availabilityZones] } : { maxAzs: 2 };

    const zoneCount = props.availabilityZones?.length ?? 2;
    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      { name: 'burst', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, ...(egress ? hostSubnetMask(props.cidr, zoneCount) : {}) },
    ];
    if (egress) {
      // Only the NAT gateway lives here; /28 is the smallest subnet AWS allows.
      subnetConfiguration.push({ name: 'egress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: PUBLIC_SUBNET_MASK, mapPublicIpOnLaunch: false });
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      ...zones,
      natGateways: 0,
      subnetConfiguration,
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      restrictDefaultSecurityGroup: true,
      ...(props.flowLogs
        ? {
            flowLogs: {
              all: {
                destination: ec2.FlowLogDestination.toS3(props.flowLogs, 'vpc-flow-logs/'),
                trafficType: ec2.FlowLogTrafficType.ALL,
              },
            },
          }
        : {}),
    });

    if (egress) {
      const parameter = new CfnParameter(this, 'EgressParameter', {
        type: 'String',
        allowedValues: ['off', 'on'],
        default: 'off',
        description:
          'Internet egress for burst hosts through a NAT gateway (billed hourly). `burst start` turns it on; the backstop turns it off once nothing runs.',
      });
      parameter.overrideLogicalId(EGRESS_PARAMETER);
      const condition = new CfnCondition(this, 'EgressOnCondition', { expression: Fn.conditionEquals(parameter.valueAsString, 'on') });
      condition.overrideLogicalId(EGRESS_CONDITION);

      const publicSubnet = this.vpc.publicSubnets[0];
      if (!publicSubnet) throw new Error(`${this.node.path}: BurstNetwork has no public subnet for the NAT gateway`);
      const eip = new ec2.CfnEIP(this, 'NatAddress', { domain: 'vpc' });
      eip.cfnOptions.condition = condition;
      const nat = new ec2.CfnNatGateway(this, 'Nat', { subnetId: publicSubnet.subnetId, allocationId: eip.attrAllocationId });
      nat.cfnOptions.condition = condition;
      // A NAT gateway in a subnet without its internet route (IGW attached) yet fails to create.
      nat.node.addDependency(publicSubnet.internetConnectivityEstablished);
      this.vpc.isolatedSubnets.forEach((subnet, i) => {
        const route = new ec2.CfnRoute(this, `EgressRoute${i + 1}`, {
          routeTableId: subnet.routeTable.routeTableId,
          destinationCidrBlock: '0.0.0.0/0',
          natGatewayId: nat.ref,
        });
        route.cfnOptions.condition = condition;
      });

      for (const subnet of this.vpc.publicSubnets) {
        acknowledge(
          subnet.node.findChild('DefaultRoute'),
          'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
          'The public subnets hold only the on-demand NAT gateway (no public IPs are mapped, nothing else is launched there); its route to the internet gateway is what NAT needs.',
        );
      }
      this.egressParameter = parameter;
      this.egressCondition = condition;
      this.natGateway = nat;
    }
    new CfnOutput(this, 'VpcId', { value: this.vpc.vpcId, description: 'Burst VPC' });
  }
}
