/**
 * Regions gpu-burst knows, with their zones. Every region or zone that an entry in
 * `aws-instance-types.ts`, `gcp-machine-types.ts` or `gcp-tpu-types.ts` names is listed here.
 */
import type { Region } from './types.js';

// AWS documents the naming rule (region code + letter) and the AZ IDs per region on this page.
const AWS_AZS = 'https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html';
// Zones as the SkyPilot GCP catalog (built from the Compute Engine API) shows them per region; Google's
// own table is https://cloud.google.com/compute/docs/regions-zones (not readable in full when captured).
const GCP_ZONES =
  'https://github.com/skypilot-org/skypilot-catalog/blob/8427bbff988abdd050a9f51addd314ef31cb4e85/catalogs/v8/gcp/vms.csv';
const TPU_ZONES = 'https://cloud.google.com/tpu/docs/regions-zones';

/**
 * AWS regions and their Availability Zone names. In the oldest regions (us-east-1, us-west-2,
 * eu-west-1, ap-northeast-1, ...) AWS maps zone letters to physical zones per account, and an account
 * may not see every letter (ap-northeast-1b exists only for some older accounts and is left out);
 * use AZ IDs (`use1-az1`) to line zones up across accounts. Letters as listed by jsonmaur/aws-regions,
 * cross-checked with the number of AZ IDs per region in the SkyPilot AWS catalog (6 in us-east-1,
 * 4 in us-west-2, 3 elsewhere).
 */
export const AWS_REGIONS: readonly Region[] = [
  {
    id: 'us-east-1',
    name: 'US East (N. Virginia)',
    zones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'],
    source: AWS_AZS,
  },
  { id: 'us-east-2', name: 'US East (Ohio)', zones: ['us-east-2a', 'us-east-2b', 'us-east-2c'], source: AWS_AZS },
  {
    id: 'us-west-2',
    name: 'US West (Oregon)',
    zones: ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'],
    source: AWS_AZS,
  },
  { id: 'eu-west-1', name: 'Europe (Ireland)', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], source: AWS_AZS },
  {
    id: 'eu-central-1',
    name: 'Europe (Frankfurt)',
    zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    source: AWS_AZS,
  },
  { id: 'eu-north-1', name: 'Europe (Stockholm)', zones: ['eu-north-1a', 'eu-north-1b', 'eu-north-1c'], source: AWS_AZS },
  {
    id: 'ap-northeast-1',
    name: 'Asia Pacific (Tokyo)',
    zones: ['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d'],
    source: AWS_AZS,
  },
  {
    id: 'ap-southeast-2',
    name: 'Asia Pacific (Sydney)',
    zones: ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c'],
    source: AWS_AZS,
  },
];

/**
 * Google Cloud regions and their zones. us-central2 is a TPU-only region: its one zone that Cloud TPU
 * documents, us-central2-b, is the only place TPU v4 runs (quota there is granted by hand).
 */
export const GCP_REGIONS: readonly Region[] = [
  {
    id: 'us-central1',
    name: 'Council Bluffs, Iowa',
    zones: ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'],
    source: GCP_ZONES,
  },
  { id: 'us-central2', name: 'us-central2 (TPU v4 only)', zones: ['us-central2-b'], source: TPU_ZONES },
  {
    id: 'us-east1',
    name: 'Moncks Corner, South Carolina',
    zones: ['us-east1-b', 'us-east1-c', 'us-east1-d'],
    source: GCP_ZONES,
  },
  { id: 'us-east4', name: 'Ashburn, Virginia', zones: ['us-east4-a', 'us-east4-b', 'us-east4-c'], source: GCP_ZONES },
  { id: 'us-east5', name: 'Columbus, Ohio', zones: ['us-east5-a', 'us-east5-b', 'us-east5-c'], source: GCP_ZONES },
  { id: 'us-south1', name: 'Dallas, Texas', zones: ['us-south1-a', 'us-south1-b', 'us-south1-c'], source: GCP_ZONES },
  { id: 'us-west1', name: 'The Dalles, Oregon', zones: ['us-west1-a', 'us-west1-b', 'us-west1-c'], source: GCP_ZONES },
  { id: 'us-west4', name: 'Las Vegas, Nevada', zones: ['us-west4-a', 'us-west4-b', 'us-west4-c'], source: GCP_ZONES },
  {
    id: 'europe-west4',
    name: 'Eemshaven, Netherlands',
    zones: ['europe-west4-a', 'europe-west4-b', 'europe-west4-c'],
    source: GCP_ZONES,
  },
  {
    id: 'europe-west1',
    name: 'St. Ghislain, Belgium',
    zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'],
    source: GCP_ZONES,
  },
  {
    id: 'asia-northeast1',
    name: 'Tokyo, Japan',
    zones: ['asia-northeast1-a', 'asia-northeast1-b', 'asia-northeast1-c'],
    source: GCP_ZONES,
  },
  {
    id: 'asia-southeast1',
    name: 'Jurong West, Singapore',
    zones: ['asia-southeast1-a', 'asia-southeast1-b', 'asia-southeast1-c'],
    source: GCP_ZONES,
  },
];
