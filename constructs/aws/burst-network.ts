import { CfnOutput } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

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
}

/**
 * The burst VPC: private subnets only, an S3 gateway endpoint so checkpoints reach the artifact
 * bucket without NAT, no NAT gateway and no internet gateway at rest, the default security group
 * closed, flow logs to the log archive. Free while nothing runs in it.
 */
export class BurstNetwork extends Construct {
  /** The VPC. */
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: BurstNetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      ...(props.availabilityZones ? { availabilityZones: [...props.availabilityZones] } : { maxAzs: 2 }),
      natGateways: 0,
      subnetConfiguration: [{ name: 'burst', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
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
    new CfnOutput(this, 'VpcId', { value: this.vpc.vpcId, description: 'Burst VPC' });
  }
}
