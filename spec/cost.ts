/**
 * What a plan costs while it stands. Foundation items have no hourly charge of their own (a VPC,
 * subnets, an S3 gateway endpoint, an empty bucket or repository cost nothing); what they cost
 * grows with what is stored, so each line carries its usage rates with their source and date.
 */
import { STORAGE_PRICES } from './catalog/index.js';
import type { StoragePrice } from './catalog/index.js';
import { assertNever, type CloudPlan, type PlanItem } from './plan.js';

/** Hours in a month, as AWS and Google price monthly figures (365 x 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** A charge that grows with use: per GB-month stored or per GB delivered. */
export interface UsageRate {
  readonly price: StoragePrice;
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
}

/** The standing cost of one cloud's plan, by item. */
export interface CloudCost {
  readonly lines: readonly CostLine[];
  readonly fixedUsdPerHour: number;
  readonly fixedUsdPerMonth: number;
}

function line(item: PlanItem, usage: StoragePrice[], note: string, fixedUsdPerHour = 0): CostLine {
  return { kind: item.kind, name: item.name, fixedUsdPerHour, usage: usage.map((price) => ({ price })), note };
}

function awsLine(item: PlanItem): CostLine {
  switch (item.kind) {
    case 'artifactStore':
      return line(item, [STORAGE_PRICES.s3Standard], 'an S3 bucket has no standing charge; stored bytes (every version) and requests bill');
    case 'imageRepository':
      return line(item, [STORAGE_PRICES.ecr], 'an ECR repository has no standing charge; stored images bill');
    case 'network':
      return line(
        item,
        [STORAGE_PRICES.vpcFlowLogsToS3],
        'VPC, subnets, route tables and the S3 gateway endpoint are free; no NAT gateway stands; flow logs to S3 bill per GB delivered',
      );
    default:
      return assertNever(item);
  }
}

function gcpLine(item: PlanItem): CostLine {
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
      return line(item, [], 'a VPC network and subnet are free; no Cloud NAT or router stands at rest');
    default:
      return assertNever(item);
  }
}

/** The standing cost of a cloud's plan. */
export function standingCost(plan: CloudPlan): CloudCost {
  const lines = plan.items.map((item) => (plan.cloud === 'aws' ? awsLine(item) : gcpLine(item)));
  const fixedUsdPerHour = lines.reduce((sum, l) => sum + l.fixedUsdPerHour, 0);
  return { lines, fixedUsdPerHour, fixedUsdPerMonth: fixedUsdPerHour * HOURS_PER_MONTH };
}
