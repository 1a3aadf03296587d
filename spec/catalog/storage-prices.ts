/**
 * Usage prices of the foundation's storage and logging items (us-east-1 / us-central1, list prices before
 * free tiers). The providers' pricing pages render their tables with scripts and could not be read
 * directly for AWS; where a figure comes from a page quoting the provider, the note says so.
 */
import type { StoragePrice } from './types.js';

type StorageItem = 's3Standard' | 'ecr' | 'gcsStandard' | 'artifactRegistry' | 'vpcFlowLogsToS3';

/** Storage and log-ingestion prices that `spec/cost.ts` attaches to plan items. */
export const STORAGE_PRICES = {
  s3Standard: {
    item: 'S3 Standard storage',
    unit: 'GB-month',
    usd: 0.023,
    region: 'us-east-1',
    asOf: '2026-11-26',
    source: 'https://devnotes.tech/understanding-aws-s3-pricing-a-complete-cost-breakdown-with-examples',
    note:
      'First 50 TB/month tier (0.022 next 450 TB, 0.021 beyond), as quoted from https://aws.amazon.com/s3/pricing/ by an ' +
      'undated guide (asOf = date read); several 2026 guides give the same figure. Every stored object version bills; ' +
      'requests bill separately.',
  },
  ecr: {
    item: 'Amazon ECR private repository storage',
    unit: 'GB-month',
    usd: 0.1,
    region: 'us-east-1',
    asOf: '2026-03-01',
    source: 'https://cloudburn.io/blog/amazon-ecr-pricing',
    note:
      'Quoted from https://aws.amazon.com/ecr/pricing/ "as of March 2026" (day not given). Billed on compressed layer ' +
      'storage; same-region pulls are free.',
  },
  gcsStandard: {
    item: 'Cloud Storage Standard storage (regional bucket)',
    unit: 'GB-month',
    usd: 0.02,
    region: 'us-central1',
    asOf: '2026-09-20',
    source: 'https://raw.githubusercontent.com/api-evangelist/gcp-cloud-storage/refs/heads/main/plans/gcp-cloud-storage-plans-pricing.yml',
    note:
      'https://cloud.google.com/storage/pricing lists $0.000027397 per GiB-hour (transcribed verbatim on 2026-09-20); ' +
      'x 730 hours = $0.0200 per GiB-month. Soft-deleted objects (kept 7 days by default) and noncurrent versions bill at ' +
      'the storage class rate for as long as they are retained (see ' +
      'https://cloud.google.com/storage/docs/samples/storage-soft-delete-relative-cost).',
  },
  artifactRegistry: {
    item: 'Artifact Registry storage',
    unit: 'GB-month',
    usd: 0.1,
    region: 'us-central1',
    asOf: '2026-11-26',
    source: 'https://cloud.google.com/artifact-registry/pricing',
    note:
      'Up to 0.5 GB free per billing account (not per project), then $0.10 per GB-month; same price for regional and ' +
      'multi-regional repositories. Page date not shown; asOf = date read.',
  },
  vpcFlowLogsToS3: {
    item: 'VPC flow logs delivered to S3 (CloudWatch vended logs, per GB delivered)',
    unit: 'GB',
    usd: 0.25,
    region: 'us-east-1',
    asOf: '2026-11-26',
    source:
      'https://github.com/aws-samples/sample-cfm-tips-mcp/blob/7063778fd7aebe2b95ef56a7ca5a4535dd4b74ff/services/cloudwatch_service_vended_log.py',
    note:
      'First 10 TB/month tier of vended-log delivery to S3 ($0.15, $0.075, $0.05 beyond), as tabulated by AWS\'s own ' +
      'cost-optimisation sample from https://aws.amazon.com/cloudwatch/pricing/ (Logs > Vended Logs); the VPC user guide ' +
      '(https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html) confirms vended-log charges apply to flow logs ' +
      'published to S3. Stored log files then bill at the S3 rate. Page date not shown; asOf = date read.',
  },
} as const satisfies Readonly<Record<StorageItem, StoragePrice>>;
