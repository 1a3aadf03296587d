/**
 * What a plan costs. Two figures per item: what it bills while it stands at rest (`fixedUsdPerHour`:
 * a dev box's volumes, the alert topic's key; a VPC, an empty bucket or a group at zero cost
 * nothing) and what it bills while a burst runs at full size (`running`: instances at catalog
 * prices, the NAT gateway while egress is on). What grows with use (stored GB, processed GB) is a
 * usage rate. Every figure carries its source and date.
 */
import { findEc2Type } from './aws-compute.js';
import { AWS_CPU_INSTANCE_TYPES, AWS_INSTANCE_TYPES, GCP_MACHINE_TYPES, GCP_TPU_TYPES, SERVICE_PRICES, STORAGE_PRICES } from './catalog/index.js';
import { GCP_CPU_MACHINE_TYPES } from './catalog/gcp-cpu-machine-types.js';
import { GCP_SERVICE_PRICES } from './catalog/gcp-service-prices.js';
import type { ServicePrice, StoragePrice } from './catalog/index.js';
import {
  assertNever,
  type AwsDevBoxItem,
  type AwsGpuFleetItem,
  type AwsPlanItem,
  type AwsSweepGroupItem,
  type CloudPlan,
  type GcpDevBoxItem,
  type GcpGpuFleetItem,
  type GcpPlanItem,
  type GcpSweepGroupItem,
  type GcpTpuNodeItem,
  type PlanItem,
} from './plan.js';

/** Hours in a month, as AWS and Google price monthly figures (365 x 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** A charge that grows with use: per GB-month stored, per GB delivered or processed. */
export interface UsageRate {
  readonly price: StoragePrice | ServicePrice;
}

/** What an item bills per hour while a burst runs at full size. */
export interface RunningCost {
  /** As configured (spot, on-demand or the mixed split). */
  readonly usdPerHour: number;
  /** The same capacity bought on demand. */
  readonly onDemandUsdPerHour: number;
  /** How the figure is made up, e.g. `2 x g6.xlarge spot at $0.39/h`. */
  readonly basis: string;
  /** Date and source of the instance price used. */
  readonly asOf: string;
  readonly source: string;
}

/** The standing cost of one plan item. */
export interface CostLine {
  readonly kind: PlanItem['kind'];
  readonly name: string;
  /** Charged per hour whatever the use, USD. */
  readonly fixedUsdPerHour: number;
  readonly usage: readonly UsageRate[];
  /** Why the fixed charge is what it is. */
  readonly note: string;
  /** What it bills while a burst runs (compute items and on-demand egress). */
  readonly running?: RunningCost;
}

/** The standing cost of one cloud's plan, by item. */
export interface CloudCost {
  readonly lines: readonly CostLine[];
  readonly fixedUsdPerHour: number;
  readonly fixedUsdPerMonth: number;
}

function line(
  item: PlanItem,
  usage: (StoragePrice | ServicePrice)[],
  note: string,
  fixedUsdPerHour = 0,
  running?: RunningCost,
): CostLine {
  return { kind: item.kind, name: item.name, fixedUsdPerHour, usage: usage.map((price) => ({ price })), note, ...(running ? { running } : {}) };
}

const perHour = (usdPerMonth: number) => usdPerMonth / HOURS_PER_MONTH;
const money = (usd: number) => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;

/** On-demand and spot price of an EC2 type, with the spot figure's date and source. */
function priced(instanceType: string): { od: number; spot: number; asOf: string; source: string } {
  const entry = [...AWS_INSTANCE_TYPES, ...AWS_CPU_INSTANCE_TYPES].find((t) => t.instanceType === instanceType);
  if (entry === undefined) throw new Error(`catalog: no price for ${instanceType}`);
  const { onDemand, spot } = entry.prices;
  return { od: onDemand.usdPerHour, spot: spot.usdPerHour, asOf: spot.asOf, source: spot.source };
}

function fleetRunning(item: AwsGpuFleetItem): RunningCost | undefined {
  const type = item.instanceTypes[0];
  if (type === undefined) return undefined;
  const p = priced(type);
  const spotNodes = item.nodes - item.onDemandBase;
  const disks = item.nodes * item.rootVolumeGiB * perHour(SERVICE_PRICES.ebsGp3.usd);
  const usdPerHour = item.onDemandBase * p.od + spotNodes * p.spot + disks;
  const parts = [
    item.onDemandBase > 0 ? `${item.onDemandBase} x ${type} on-demand at ${money(p.od)}/h` : '',
    spotNodes > 0 ? `${spotNodes} x ${type} spot at ${money(p.spot)}/h` : '',
    `${item.nodes} x ${item.rootVolumeGiB} GiB gp3`,
  ].filter((x) => x !== '');
  return { usdPerHour, onDemandUsdPerHour: item.nodes * p.od + disks, basis: parts.join(' + '), asOf: p.asOf, source: p.source };
}

function sweepRunning(item: AwsSweepGroupItem): RunningCost | undefined {
  const type = item.instanceTypes[0];
  const ec2 = type === undefined ? undefined : findEc2Type(type);
  if (type === undefined || ec2 === undefined) return undefined;
  const p = priced(type);
  const instances = Math.max(1, Math.floor(item.maxVCpus / ec2.vCpus));
  return {
    usdPerHour: instances * p.spot,
    onDemandUsdPerHour: instances * p.od,
    basis: `${instances} x ${type} spot at ${money(p.spot)}/h (maxVCpus ${item.maxVCpus} / ${ec2.vCpus} vCPUs)`,
    asOf: p.asOf,
    source: p.source,
  };
}

function devBoxVolumesPerHour(item: AwsDevBoxItem): number {
  return (item.rootVolumeGiB + item.dataVolumeGiB) * perHour(SERVICE_PRICES.ebsGp3.usd);
}

function devBoxRunning(item: AwsDevBoxItem): RunningCost | undefined {
  if (findEc2Type(item.instanceType) === undefined) return undefined;
  const p = priced(item.instanceType);
  return {
    usdPerHour: p.od,
    onDemandUsdPerHour: p.od,
    basis: `1 x ${item.instanceType} on-demand at ${money(p.od)}/h (its volumes bill at rest too)`,
    asOf: p.asOf,
    source: p.source,
  };
}

/** Backstop runs a month at an assumed 2 s and 256 MB each: far inside Lambda's free tier, shown anyway. */
function backstopPerHour(everyMinutes: number): number {
  const runsPerMonth = (60 / everyMinutes) * HOURS_PER_MONTH;
  const gbSeconds = runsPerMonth * 2 * 0.25;
  return perHour(runsPerMonth * (SERVICE_PRICES.lambdaRequests.usd / 1e6) + gbSeconds * SERVICE_PRICES.lambdaArmDuration.usd);
}

function awsLine(item: AwsPlanItem): CostLine {
  switch (item.kind) {
    case 'artifactStore':
      return line(item, [STORAGE_PRICES.s3Standard], 'an S3 bucket has no standing charge; stored bytes (every version) and requests bill');
    case 'imageRepository':
      return line(item, [STORAGE_PRICES.ecr], 'an ECR repository has no standing charge; stored images bill');
    case 'network': {
      const nat = SERVICE_PRICES.natGatewayHour.usd + SERVICE_PRICES.publicIpv4.usd;
      return line(
        item,
        [STORAGE_PRICES.vpcFlowLogsToS3, SERVICE_PRICES.natGatewayData],
        'VPC, subnets, route tables, the internet gateway and the S3 gateway endpoint are free; the NAT gateway exists only while ' +
          'egress is on (a running burst); flow logs bill per GB delivered',
        0,
        {
          usdPerHour: nat,
          onDemandUsdPerHour: nat,
          basis: `NAT gateway ${money(SERVICE_PRICES.natGatewayHour.usd)}/h + its public IPv4 ${money(SERVICE_PRICES.publicIpv4.usd)}/h while egress is on`,
          asOf: SERVICE_PRICES.natGatewayHour.asOf,
          source: SERVICE_PRICES.natGatewayHour.source,
        },
      );
    }
    case 'budget':
      return line(
        item,
        [],
        'budgets without actions are free; the alert topic is encrypted with a customer managed KMS key ($1/month); email alerts are within SNS\'s free 1,000',
        perHour(SERVICE_PRICES.kmsKey.usd),
      );
    case 'gpuFleet':
      return line(item, [], 'an Auto Scaling group at zero and its launch template cost nothing', 0, fleetRunning(item));
    case 'sweepGroup':
      return line(item, [], 'a Batch compute environment at 0 vCPU, its queue and job definition cost nothing', 0, sweepRunning(item));
    case 'devBox':
      return line(
        item,
        [],
        `a stopped dev box bills its gp3 volumes (${item.rootVolumeGiB} GiB root + ${item.dataVolumeGiB} GiB data at ${money(SERVICE_PRICES.ebsGp3.usd)}/GB-month)`,
        devBoxVolumesPerHour(item),
        devBoxRunning(item),
      );
    case 'autoShutdown':
      return line(
        item,
        [],
        `the backstop function runs every ${item.everyMinutes} minutes (about 2 s each): cents a year, inside Lambda's free tier; EventBridge rules and AWS events are free`,
        backstopPerHour(item.everyMinutes),
      );
    default:
      return assertNever(item);
  }
}

/** On-demand and spot price of a GCE machine type (GPU types are priced whole: host + GPUs). */
function gcePriced(machineType: string, acceleratorCount: number): { od: number; spot: number; asOf: string; source: string } | undefined {
  const entry =
    GCP_MACHINE_TYPES.find((t) => t.machineType === machineType && t.acceleratorCount === acceleratorCount) ??
    GCP_CPU_MACHINE_TYPES.find((t) => t.machineType === machineType);
  if (entry === undefined) return undefined;
  const { onDemand, spot } = entry.prices;
  return { od: onDemand.usdPerHour, spot: spot.usdPerHour, asOf: spot.asOf, source: spot.source };
}

const pdPerHour = (gib: number) => gib * perHour(GCP_SERVICE_PRICES.pdBalanced.usd);

function gcpFleetRunning(item: GcpGpuFleetItem): RunningCost | undefined {
  const p = gcePriced(item.machineType, item.count);
  if (!p) return undefined;
  const each = item.market === 'spot' ? p.spot : p.od;
  const disks = pdPerHour(item.nodes * item.rootVolumeGiB);
  return {
    usdPerHour: item.nodes * each + disks,
    onDemandUsdPerHour: item.nodes * p.od + disks,
    basis: `${item.nodes} x ${item.machineType} ${item.market} at ${money(each)}/h + ${item.nodes} x ${item.rootVolumeGiB} GiB boot disk`,
    asOf: p.asOf,
    source: p.source,
  };
}

function gcpTpuRunning(item: GcpTpuNodeItem): RunningCost | undefined {
  const type = GCP_TPU_TYPES.find((t) => t.acceleratorType === item.acceleratorType);
  if (!type) return undefined;
  const each = item.spot ? type.prices.spot.usdPerHour : type.prices.onDemand.usdPerHour;
  return {
    usdPerHour: each,
    onDemandUsdPerHour: type.prices.onDemand.usdPerHour,
    basis: `${item.acceleratorType} (${item.chips} chips, ${item.hosts} host${item.hosts === 1 ? '' : 's'}) ${item.spot ? 'spot' : 'on-demand'} at ${money(each)}/h, created by burst start`,
    asOf: type.prices.spot.asOf,
    source: type.prices.spot.source,
  };
}

function gcpSweepRunning(item: GcpSweepGroupItem): RunningCost | undefined {
  const p = gcePriced(item.machineType, item.count);
  if (!p) return undefined;
  return {
    usdPerHour: item.parallelism * p.spot,
    onDemandUsdPerHour: item.parallelism * p.od,
    basis: `${item.parallelism} x ${item.machineType} spot at ${money(p.spot)}/h (parallelism ${item.parallelism})`,
    asOf: p.asOf,
    source: p.source,
  };
}

function gcpDevBoxRunning(item: GcpDevBoxItem): RunningCost | undefined {
  const p = gcePriced(item.machineType, item.count);
  if (!p) return undefined;
  return {
    usdPerHour: p.od,
    onDemandUsdPerHour: p.od,
    basis: `1 x ${item.machineType} on-demand at ${money(p.od)}/h (its disks bill at rest too)`,
    asOf: p.asOf,
    source: p.source,
  };
}

function gcpLine(item: GcpPlanItem): CostLine {
  switch (item.kind) {
    case 'artifactStore':
      return line(
        item,
        [STORAGE_PRICES.gcsStandard],
        `a bucket has no standing charge; stored bytes bill, noncurrent and soft-deleted ones too (soft delete ${item.softDeleteDays ?? 0} days)`,
      );
    case 'imageRepository':
      return line(item, [STORAGE_PRICES.artifactRegistry], 'an Artifact Registry repository has no standing charge; stored images bill');
    case 'network':
      return line(item, [], 'a VPC network, subnet and firewall rules are free; no Cloud NAT or router: hosts reach Google APIs through Private Google Access');
    case 'gpuFleet':
      return line(item, [], 'an instance template and a managed instance group at 0 cost nothing', 0, gcpFleetRunning(item));
    case 'tpuNode':
      return line(item, [], 'no TPU exists at rest: burst start queues it, the agent, its deadline and the backstop delete it', 0, gcpTpuRunning(item));
    case 'sweepGroup':
      return line(item, [], 'a Batch instance template and identity cost nothing; Batch creates VMs only while a job runs', 0, gcpSweepRunning(item));
    case 'devBox':
      return line(
        item,
        [],
        `a stopped (TERMINATED) dev box bills its disks (${item.rootVolumeGiB} GiB boot + ${item.dataVolumeGiB} GiB data, pd-balanced at ${money(GCP_SERVICE_PRICES.pdBalanced.usd)}/GB-month)`,
        pdPerHour(item.rootVolumeGiB + item.dataVolumeGiB),
        gcpDevBoxRunning(item),
      );
    case 'autoShutdown':
      return line(
        item,
        [],
        `the backstop is a Cloud Scheduler job (3 free per billing account, then $0.10/month) calling a function every ${item.everyMinutes} minutes: inside Cloud Run's free tier`,
      );
    case 'budget':
      return line(item, [], 'billing budgets cost nothing; email notification channels are not priced in the catalog (no source found)');
    default:
      return assertNever(item);
  }
}

/** The standing cost of a cloud's plan. */
export function standingCost(plan: CloudPlan): CloudCost {
  const lines = plan.cloud === 'aws' ? plan.items.map(awsLine) : plan.items.map(gcpLine);
  const fixedUsdPerHour = lines.reduce((sum, l) => sum + l.fixedUsdPerHour, 0);
  return { lines, fixedUsdPerHour, fixedUsdPerMonth: fixedUsdPerHour * HOURS_PER_MONTH };
}
