/**
 * Compute Engine machine types without GPUs, for a CPU dev box (no GPU needed to edit, build images or
 * inspect checkpoints) and for the small hosts around a burst.
 *
 * Hardware (vCPUs, memory) and the regions where each type is offered come from the same SkyPilot GCP
 * catalog commit as `gcp-machine-types.ts` (built from the Compute Engine machine-types API and the
 * Cloud Billing Catalog); only the regions of `regions.ts` are listed. All four types below have rows in
 * every region of `regions.ts` except us-central2, which is a TPU-only region.
 *
 * Prices: the catalog's us-central1 rows (identical in all four us-central1 zones), on-demand and spot,
 * per VM-hour, list prices. Spot prices float; the figure is the one the catalog held. The commit's date is not shown, so `asOf`
 * is the date the file was read. To refresh: re-read the `n2-standard-*` and `e2-standard-4` rows of a
 * newer `catalogs/v8/gcp/vms.csv`, or query the Cloud Billing Catalog API (service "Compute Engine",
 * SKUs "N2 Instance Core/Ram running in Americas" and their Spot/Preemptible twins).
 */
import type { Prices } from './types.js';

/** A Compute Engine machine type without accelerators. */
export interface GcpCpuMachineType {
  /** Machine type, e.g. `n2-standard-4`. */
  readonly machineType: string;
  readonly vCpus: number;
  /** VM memory, GiB. */
  readonly memoryGiB: number;
  /** Regions (from `regions.ts`) where the type is offered. */
  readonly regions: readonly string[];
  readonly prices: Prices;
  /** URL the hardware facts were read from. */
  readonly source: string;
  /** A billing or behaviour fact that matters for this type (shared-core, burst, ...). */
  readonly note?: string;
}

const SKY =
  'https://github.com/skypilot-org/skypilot-catalog/blob/8427bbff988abdd050a9f51addd314ef31cb4e85/catalogs/v8/gcp/vms.csv';
const ASOF = '2026-11-26';
const UC1 = 'us-central1';
const OD = 'on-demand, us-central1 rows (zones a, b, c, f) of the SkyPilot GCP catalog commit 8427bbf';
const SPOT = 'spot, us-central1 rows (zones a, b, c, f) of the SkyPilot GCP catalog commit 8427bbf';

// Every region of regions.ts that runs VMs (us-central2 is TPU-only and has no rows for these types).
const REGIONS_11 = [
  'us-central1', 'us-east1', 'us-east4', 'us-east5', 'us-south1', 'us-west1', 'us-west4',
  'europe-west4', 'europe-west1', 'asia-northeast1', 'asia-southeast1',
];

/** CPU machine types for the dev box, smallest first. */
export const GCP_CPU_MACHINE_TYPES: readonly GcpCpuMachineType[] = [
  {
    machineType: 'n2-standard-2', vCpus: 2, memoryGiB: 8, regions: REGIONS_11, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.09712, region: UC1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.03024, region: UC1, asOf: ASOF, source: SKY, note: SPOT },
    },
  },
  {
    machineType: 'n2-standard-4', vCpus: 4, memoryGiB: 16, regions: REGIONS_11, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.19424, region: UC1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.06049, region: UC1, asOf: ASOF, source: SKY, note: SPOT },
    },
  },
  {
    machineType: 'n2-standard-8', vCpus: 8, memoryGiB: 32, regions: REGIONS_11, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.38847, region: UC1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.12098, region: UC1, asOf: ASOF, source: SKY, note: SPOT },
    },
  },
  {
    machineType: 'e2-standard-4', vCpus: 4, memoryGiB: 16, regions: REGIONS_11, source: SKY,
    note: 'Same shape as n2-standard-4 (4 vCPU, 16 GiB) at about 69 % of its on-demand price in the same source.',
    prices: {
      onDemand: { usdPerHour: 0.13402, region: UC1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.06188, region: UC1, asOf: ASOF, source: SKY, note: SPOT },
    },
  },
];
