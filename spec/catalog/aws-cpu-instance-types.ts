/**
 * EC2 instance types without accelerators, for a CPU dev box (no GPU needed to edit, build images or
 * inspect checkpoints).
 *
 * Hardware (vCPUs, memory, architecture) and the regions where each type is offered come from the
 * same SkyPilot AWS catalog commit as `aws-instance-types.ts` (built from EC2 DescribeInstanceTypes /
 * DescribeInstanceTypeOfferings and the AWS price list); only the regions of `regions.ts` are listed.
 * All five types below have rows in all eight of them.
 *
 * Prices: us-east-1 on-demand Linux and the median of the five us-east-1 Availability Zone spot prices
 * (use1-az1, -az2, -az4, -az5, -az6) in that commit. The commit's date is not shown, so `asOf` is the
 * date the file was read. To refresh: re-read the `m7i.*` and `t3.xlarge` rows of a newer
 * `catalogs/v8/aws/vms.csv`, or query the AWS Price List API (on-demand) and DescribeSpotPriceHistory.
 */
import type { Prices } from './types.js';

/** An EC2 instance type without accelerators (a CPU dev box). */
export interface AwsCpuInstanceType {
  /** EC2 instance type, e.g. `m7i.xlarge`. */
  readonly instanceType: string;
  readonly vCpus: number;
  /** Instance memory, GiB. */
  readonly memoryGiB: number;
  /** CPU architecture as EC2 reports it; picks the AMI. */
  readonly arch: 'x86_64' | 'arm64';
  /** Regions (from `regions.ts`) where the type is offered. */
  readonly regions: readonly string[];
  readonly prices: Prices;
  /** URL the hardware facts were read from. */
  readonly source: string;
  /** A billing or behaviour fact that matters for this type (burstable credits, ...). */
  readonly note?: string;
}

const SKY =
  'https://github.com/skypilot-org/skypilot-catalog/blob/e385a0d348eda9cefd9806423e7725944dc249e4/catalogs/v8/aws/vms.csv';
const ASOF = '2026-11-26';
const USE1 = 'us-east-1';
const OD = 'on-demand Linux, SkyPilot catalog v8 commit e385a0d';
const SPOT = 'spot: median of the five us-east-1 AZ prices in SkyPilot catalog v8 commit e385a0d; AZ range';

// Every region of regions.ts.
const R8 = [
  'ap-northeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2',
];

/** CPU instance types for the dev box, smallest first; `m7i.*` are fixed-performance, `t3.xlarge` burstable. */
export const AWS_CPU_INSTANCE_TYPES: readonly AwsCpuInstanceType[] = [
  {
    instanceType: 'm7i.large', vCpus: 2, memoryGiB: 8, arch: 'x86_64', regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.1008, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.0333, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.0328-0.0423` },
    },
  },
  {
    instanceType: 'm7i.xlarge', vCpus: 4, memoryGiB: 16, arch: 'x86_64', regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.2016, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.0835, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.0713-0.1389` },
    },
  },
  {
    instanceType: 'm7i.2xlarge', vCpus: 8, memoryGiB: 32, arch: 'x86_64', regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.4032, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.1564, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.1533-0.1819` },
    },
  },
  {
    instanceType: 'm7i.4xlarge', vCpus: 16, memoryGiB: 64, arch: 'x86_64', regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.8064, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.3802, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.3575-0.5341` },
    },
  },
  {
    instanceType: 't3.xlarge', vCpus: 4, memoryGiB: 16, arch: 'x86_64', regions: R8, source: SKY,
    note:
      'Burstable: T3 instances launch with unlimited CPU credits by default, so a busy box bills surplus credits on ' +
      'top of the hourly price (https://pub.dev/documentation/pulumi_aws/latest/ec2/LaunchTemplateCreditSpecification/cpuCredits.html; ' +
      'credit price not catalogued). Set the launch template credit specification to `standard` to cap it.',
    prices: {
      onDemand: { usdPerHour: 0.1664, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.0709, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.0583-0.0804` },
    },
  },
];
