/**
 * Compute Engine machine types with NVIDIA GPUs: N1 with attached T4 or V100, and the accelerator-optimized
 * G2 (L4), A2 Standard/Ultra (A100 40GB / 80GB) and A3 High/Mega/Ultra (H100 / H100 Mega / H200) types,
 * whose GPUs are fixed by the machine type. Google offers no L40S, A10G or Trainium, so none appear here.
 *
 * Hardware: machine shapes, `guestAccelerators` names and GPU memory from Google's "GPU machine types"
 * page; vCPU/memory figures agree with the SkyPilot GCP catalog rows. Regions: those of `regions.ts` in
 * which the catalog shows the GPU offered in at least one zone.
 *
 * Prices: the SkyPilot GCP catalog lists each machine type (host vCPU + memory) and each GPU count as
 * separate rows, so the price of a VM is host row + GPU row; every note gives the sum. Figures are for
 * us-central1 where its rows look sound; where a us-central1 GPU row is out of line (spot above on-demand,
 * or an H100 at 4.20/GPU-hour, under half the us-east4 figure) the region used is said in the note.
 * The catalog commit's date is not shown, so `asOf` is the date the file was read.
 */
import type { GcpMachineType } from './types.js';

const GPUS = 'https://cloud.google.com/compute/docs/gpus';
const SKY =
  'https://github.com/skypilot-org/skypilot-catalog/blob/8427bbff988abdd050a9f51addd314ef31cb4e85/catalogs/v8/gcp/vms.csv';
const ASOF = '2026-11-26';
const UC1 = 'us-central1';

const T4_REGIONS = [
  'asia-northeast1', 'asia-southeast1', 'europe-west1', 'europe-west4', 'us-central1', 'us-east1', 'us-east4', 'us-west1', 'us-west4',
];
const V100_REGIONS = ['europe-west4', 'us-central1', 'us-east1', 'us-west1'];
const L4_REGIONS = T4_REGIONS;
const A100_REGIONS = ['asia-northeast1', 'asia-southeast1', 'europe-west4', 'us-central1', 'us-east1', 'us-west1', 'us-west4'];
const A100_80_REGIONS = ['asia-southeast1', 'europe-west4', 'us-central1', 'us-east4', 'us-east5'];
const H100_REGIONS = [
  'asia-northeast1', 'asia-southeast1', 'europe-west1', 'europe-west4', 'us-central1', 'us-east4', 'us-east5', 'us-west1', 'us-west4',
];
const H200_REGIONS = ['europe-west1', 'europe-west4', 'us-central1', 'us-east4', 'us-east5', 'us-south1', 'us-west1'];

// Zones of regions.ts with a row for the GPU in the same SkyPilot catalog commit (its accelerator rows list
// the zones Compute Engine offers each GPU in); Google's "GPU regions and zones" page could not be read.
const T4_ZONES = [
  'asia-northeast1-a', 'asia-northeast1-c', 'asia-southeast1-a', 'asia-southeast1-b', 'asia-southeast1-c',
  'europe-west1-b', 'europe-west1-c', 'europe-west1-d', 'europe-west4-a', 'europe-west4-b', 'europe-west4-c',
  'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f', 'us-east1-c', 'us-east1-d',
  'us-east4-a', 'us-east4-b', 'us-east4-c', 'us-west1-a', 'us-west1-b', 'us-west4-a', 'us-west4-b',
];
const V100_ZONES = [
  'europe-west4-a', 'europe-west4-b', 'europe-west4-c', 'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f',
  'us-east1-c', 'us-west1-a', 'us-west1-b',
];
const L4_ZONES = [
  'asia-northeast1-a', 'asia-northeast1-b', 'asia-northeast1-c', 'asia-southeast1-a', 'asia-southeast1-b', 'asia-southeast1-c',
  'europe-west1-b', 'europe-west1-c', 'europe-west4-a', 'europe-west4-b', 'europe-west4-c',
  'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-east1-b', 'us-east1-c', 'us-east1-d', 'us-east4-a', 'us-east4-c',
  'us-west1-a', 'us-west1-b', 'us-west1-c', 'us-west4-a', 'us-west4-c',
];
const A100_ZONES = [
  'asia-northeast1-a', 'asia-northeast1-c', 'asia-southeast1-b', 'asia-southeast1-c', 'europe-west4-a', 'europe-west4-b',
  'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f', 'us-east1-b', 'us-west1-b', 'us-west4-b',
];
const A100_80_ZONES = ['asia-southeast1-c', 'europe-west4-a', 'us-central1-a', 'us-central1-c', 'us-east4-c', 'us-east5-a', 'us-east5-b'];
// A3 High (H100) and A3 Mega (H100 Mega) rows list the same zones of regions.ts.
const H100_ZONES = [
  'asia-northeast1-b', 'asia-southeast1-b', 'asia-southeast1-c', 'europe-west1-b', 'europe-west1-c', 'europe-west4-b', 'europe-west4-c',
  'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-east4-a', 'us-east4-b', 'us-east4-c', 'us-east5-a',
  'us-west1-a', 'us-west1-b', 'us-west4-a',
];
const H200_ZONES = ['europe-west1-b', 'europe-west4-a', 'us-central1-b', 'us-east4-b', 'us-east5-a', 'us-south1-b', 'us-west1-c'];

/** GPU VM shapes on Compute Engine, whole-VM prices. */
export const GCP_MACHINE_TYPES: readonly GcpMachineType[] = [
  // N1 + attached T4 (16 GB). n1-standard-8/16 host prices and memory are the catalog's n1-standard-4 row
  // (4 vCPU, 15 GB, 0.19) x2 / x4: N1 scales linearly with size, as the n1-standard-2, -4 and -32 rows show.
  {
    machineType: 'n1-standard-8', accelerator: 't4', acceleratorType: 'nvidia-tesla-t4', acceleratorCount: 1, acceleratorMemoryGiB: 16,
    vCpus: 8, memoryGiB: 30, gpuAttachment: 'attached', regions: T4_REGIONS, zones: T4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 0.73, region: UC1, asOf: ASOF, source: SKY, note: 'n1-standard-8 0.38 + 1x T4 0.35' },
      spot: { usdPerHour: 0.29104, region: UC1, asOf: ASOF, source: SKY, note: 'spot: n1-standard-8 0.11604 + 1x T4 0.175' },
    },
  },
  {
    machineType: 'n1-standard-16', accelerator: 't4', acceleratorType: 'nvidia-tesla-t4', acceleratorCount: 2, acceleratorMemoryGiB: 32,
    vCpus: 16, memoryGiB: 60, gpuAttachment: 'attached', regions: T4_REGIONS, zones: T4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 1.46, region: UC1, asOf: ASOF, source: SKY, note: 'n1-standard-16 0.76 + 2x T4 0.70' },
      spot: { usdPerHour: 0.58208, region: UC1, asOf: ASOF, source: SKY, note: 'spot: n1-standard-16 0.23208 + 2x T4 0.35' },
    },
  },
  {
    machineType: 'n1-standard-32', accelerator: 't4', acceleratorType: 'nvidia-tesla-t4', acceleratorCount: 4, acceleratorMemoryGiB: 64,
    vCpus: 32, memoryGiB: 120, gpuAttachment: 'attached', regions: T4_REGIONS, zones: T4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 2.91999, region: UC1, asOf: ASOF, source: SKY, note: 'n1-standard-32 1.51999 + 4x T4 1.40' },
      spot: { usdPerHour: 1.1642, region: UC1, asOf: ASOF, source: SKY, note: 'spot: n1-standard-32 0.4642 + 4x T4 0.70' },
    },
  },
  // N1 + attached V100 (16 GB). n1-standard-64 host price and memory are the n1-standard-32 row x2.
  {
    machineType: 'n1-standard-8', accelerator: 'v100', acceleratorType: 'nvidia-tesla-v100', acceleratorCount: 1, acceleratorMemoryGiB: 16,
    vCpus: 8, memoryGiB: 30, gpuAttachment: 'attached', regions: V100_REGIONS, zones: V100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 2.86, region: UC1, asOf: ASOF, source: SKY, note: 'n1-standard-8 0.38 + 1x V100 2.48 (the 8x row / 8)' },
      spot: { usdPerHour: 1.26184, region: UC1, asOf: ASOF, source: SKY, note: 'spot: n1-standard-8 0.11604 + 1x V100 1.1458' },
    },
  },
  {
    machineType: 'n1-standard-64', accelerator: 'v100', acceleratorType: 'nvidia-tesla-v100', acceleratorCount: 8, acceleratorMemoryGiB: 128,
    vCpus: 64, memoryGiB: 240, gpuAttachment: 'attached', regions: V100_REGIONS, zones: V100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 22.87998, region: UC1, asOf: ASOF, source: SKY, note: 'n1-standard-64 3.03998 + 8x V100 19.84' },
      spot: { usdPerHour: 10.0948, region: UC1, asOf: ASOF, source: SKY, note: 'spot: n1-standard-64 0.9284 + 8x V100 9.1664' },
    },
  },
  // G2 + L4 (24 GB): g2-standard-4/8 carry 1 L4, -24 carries 2, -48 carries 4, -96 carries 8.
  // L4 row in us-central1: 0.56004 on-demand, 0.2231 spot per GPU.
  {
    machineType: 'g2-standard-4', accelerator: 'l4', acceleratorType: 'nvidia-l4', acceleratorCount: 1, acceleratorMemoryGiB: 24,
    vCpus: 4, memoryGiB: 16, gpuAttachment: 'bundled', regions: L4_REGIONS, zones: L4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 0.70683, region: UC1, asOf: ASOF, source: SKY, note: 'g2-standard-4 host 0.14679 + 1x L4 0.56004' },
      spot: { usdPerHour: 0.28184, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 0.05874 + 1x L4 0.2231' },
    },
  },
  {
    machineType: 'g2-standard-8', accelerator: 'l4', acceleratorType: 'nvidia-l4', acceleratorCount: 1, acceleratorMemoryGiB: 24,
    vCpus: 8, memoryGiB: 32, gpuAttachment: 'bundled', regions: L4_REGIONS, zones: L4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 0.85362, region: UC1, asOf: ASOF, source: SKY, note: 'g2-standard-8 host 0.29358 + 1x L4 0.56004' },
      spot: { usdPerHour: 0.34057, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 0.11747 + 1x L4 0.2231' },
    },
  },
  {
    machineType: 'g2-standard-24', accelerator: 'l4', acceleratorType: 'nvidia-l4', acceleratorCount: 2, acceleratorMemoryGiB: 48,
    vCpus: 24, memoryGiB: 96, gpuAttachment: 'bundled', regions: L4_REGIONS, zones: L4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 2.00083, region: UC1, asOf: ASOF, source: SKY, note: 'g2-standard-24 host 0.88075 + 2x L4 1.12008' },
      spot: { usdPerHour: 0.79862, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 0.35242 + 2x L4 0.4462' },
    },
  },
  {
    machineType: 'g2-standard-48', accelerator: 'l4', acceleratorType: 'nvidia-l4', acceleratorCount: 4, acceleratorMemoryGiB: 96,
    vCpus: 48, memoryGiB: 192, gpuAttachment: 'bundled', regions: L4_REGIONS, zones: L4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 4.00166, region: UC1, asOf: ASOF, source: SKY, note: 'g2-standard-48 host 1.7615 + 4x L4 2.24016 (4 x the 1-GPU row)' },
      spot: { usdPerHour: 1.59723, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 0.70483 + 4x L4 0.8924' },
    },
  },
  {
    machineType: 'g2-standard-96', accelerator: 'l4', acceleratorType: 'nvidia-l4', acceleratorCount: 8, acceleratorMemoryGiB: 192,
    vCpus: 96, memoryGiB: 384, gpuAttachment: 'bundled', regions: L4_REGIONS, zones: L4_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 8.00333, region: UC1, asOf: ASOF, source: SKY, note: 'g2-standard-96 host 3.52301 + 8x L4 4.48032 (8 x the 1-GPU row)' },
      spot: { usdPerHour: 3.19446, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 1.40966 + 8x L4 1.7848' },
    },
  },
  // A2 Standard + A100 40GB. A100 row in us-central1: 2.93391 on-demand, 1.4341 spot per GPU.
  {
    machineType: 'a2-highgpu-1g', accelerator: 'a100-40gb', acceleratorType: 'nvidia-tesla-a100', acceleratorCount: 1, acceleratorMemoryGiB: 40,
    vCpus: 12, memoryGiB: 85, gpuAttachment: 'bundled', regions: A100_REGIONS, zones: A100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 3.67339, region: UC1, asOf: ASOF, source: SKY, note: 'a2-highgpu-1g host 0.73948 + 1x A100 2.93391' },
      spot: { usdPerHour: 1.80385, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 0.36975 + 1x A100 1.4341' },
    },
  },
  {
    machineType: 'a2-highgpu-2g', accelerator: 'a100-40gb', acceleratorType: 'nvidia-tesla-a100', acceleratorCount: 2, acceleratorMemoryGiB: 80,
    vCpus: 24, memoryGiB: 170, gpuAttachment: 'bundled', regions: A100_REGIONS, zones: A100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 7.34677, region: UC1, asOf: ASOF, source: SKY, note: 'a2-highgpu-2g host 1.47895 + 2x A100 5.86782' },
      spot: { usdPerHour: 3.6077, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 0.7395 + 2x A100 2.8682' },
    },
  },
  {
    machineType: 'a2-highgpu-4g', accelerator: 'a100-40gb', acceleratorType: 'nvidia-tesla-a100', acceleratorCount: 4, acceleratorMemoryGiB: 160,
    vCpus: 48, memoryGiB: 340, gpuAttachment: 'bundled', regions: A100_REGIONS, zones: A100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 14.69354, region: UC1, asOf: ASOF, source: SKY, note: 'a2-highgpu-4g host 2.95791 + 4x A100 11.73563' },
      spot: { usdPerHour: 7.2154, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 1.479 + 4x A100 5.7364' },
    },
  },
  {
    machineType: 'a2-highgpu-8g', accelerator: 'a100-40gb', acceleratorType: 'nvidia-tesla-a100', acceleratorCount: 8, acceleratorMemoryGiB: 320,
    vCpus: 96, memoryGiB: 680, gpuAttachment: 'bundled', regions: A100_REGIONS, zones: A100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 29.38708, region: UC1, asOf: ASOF, source: SKY, note: 'a2-highgpu-8g host 5.91582 + 8x A100 23.47126' },
      spot: { usdPerHour: 14.4308, region: UC1, asOf: ASOF, source: SKY, note: 'spot: host 2.958 + 8x A100 11.4728' },
    },
  },
  // A2 Ultra + A100 80GB. Priced in us-east5: the us-central1 A100-80GB row has spot above on-demand
  // (1.8462 / 1.964) and the us-east4 row is below the A100 40GB price, so neither looks sound.
  {
    machineType: 'a2-ultragpu-1g', accelerator: 'a100-80gb', acceleratorType: 'nvidia-a100-80gb', acceleratorCount: 1, acceleratorMemoryGiB: 80,
    vCpus: 12, memoryGiB: 170, gpuAttachment: 'bundled', regions: A100_80_REGIONS, zones: A100_80_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 5.52382, region: 'us-east5', asOf: ASOF, source: SKY, note: 'us-east5: host 1.09962 + 1x A100 80GB 4.4242' },
      spot: { usdPerHour: 1.58393, region: 'us-east5', asOf: ASOF, source: SKY, note: 'spot, us-east5: host 0.31193 + 1x A100 80GB 1.272' },
    },
  },
  {
    machineType: 'a2-ultragpu-2g', accelerator: 'a100-80gb', acceleratorType: 'nvidia-a100-80gb', acceleratorCount: 2, acceleratorMemoryGiB: 160,
    vCpus: 24, memoryGiB: 340, gpuAttachment: 'bundled', regions: A100_80_REGIONS, zones: A100_80_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 11.04763, region: 'us-east5', asOf: ASOF, source: SKY, note: 'us-east5: host 2.19924 + 2x A100 80GB 8.84839' },
      spot: { usdPerHour: 3.16786, region: 'us-east5', asOf: ASOF, source: SKY, note: 'spot, us-east5: host 0.62386 + 2x A100 80GB 2.544' },
    },
  },
  {
    machineType: 'a2-ultragpu-4g', accelerator: 'a100-80gb', acceleratorType: 'nvidia-a100-80gb', acceleratorCount: 4, acceleratorMemoryGiB: 320,
    vCpus: 48, memoryGiB: 680, gpuAttachment: 'bundled', regions: A100_80_REGIONS, zones: A100_80_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 22.09528, region: 'us-east5', asOf: ASOF, source: SKY, note: 'us-east5: host 4.39849 + 4x A100 80GB 17.69679' },
      spot: { usdPerHour: 6.33572, region: 'us-east5', asOf: ASOF, source: SKY, note: 'spot, us-east5: host 1.24772 + 4x A100 80GB 5.088' },
    },
  },
  {
    machineType: 'a2-ultragpu-8g', accelerator: 'a100-80gb', acceleratorType: 'nvidia-a100-80gb', acceleratorCount: 8, acceleratorMemoryGiB: 640,
    vCpus: 96, memoryGiB: 1360, gpuAttachment: 'bundled', regions: A100_80_REGIONS, zones: A100_80_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 44.19056, region: 'us-east5', asOf: ASOF, source: SKY, note: 'us-east5: host 8.79698 + 8x A100 80GB 35.39358' },
      spot: { usdPerHour: 12.67144, region: 'us-east5', asOf: ASOF, source: SKY, note: 'spot, us-east5: host 2.49544 + 8x A100 80GB 10.176' },
    },
  },
  // A3 High + H100 80GB. Priced in us-east4: the us-central1 H100 row (4.20076/GPU, also shown for
  // us-west1/us-west4/asia) is under half of us-east4 (9.79655) and us-east5 (11.03385) and looks wrong.
  // Spot prices float widely for H100; the 1g/2g/4g sizes may be limited to Spot / flex-start use.
  {
    machineType: 'a3-highgpu-1g', accelerator: 'h100', acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 1, acceleratorMemoryGiB: 80,
    vCpus: 26, memoryGiB: 234, gpuAttachment: 'bundled', regions: H100_REGIONS, zones: H100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 10.97906, region: 'us-east4', asOf: ASOF, source: SKY, note: 'us-east4: host 1.18251 + 1x H100 9.79655' },
      spot: { usdPerHour: 2.38616, region: 'us-east4', asOf: ASOF, source: SKY, note: 'spot, us-east4: host 0.25706 + 1x H100 2.1291' },
    },
  },
  {
    machineType: 'a3-highgpu-2g', accelerator: 'h100', acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 2, acceleratorMemoryGiB: 160,
    vCpus: 52, memoryGiB: 468, gpuAttachment: 'bundled', regions: H100_REGIONS, zones: H100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 21.95812, region: 'us-east4', asOf: ASOF, source: SKY, note: 'us-east4: host 2.36502 + 2x H100 19.5931' },
      spot: { usdPerHour: 4.77232, region: 'us-east4', asOf: ASOF, source: SKY, note: 'spot, us-east4: host 0.51412 + 2x H100 4.2582' },
    },
  },
  {
    machineType: 'a3-highgpu-4g', accelerator: 'h100', acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 4, acceleratorMemoryGiB: 320,
    vCpus: 104, memoryGiB: 936, gpuAttachment: 'bundled', regions: H100_REGIONS, zones: H100_ZONES, source: GPUS,
    prices: {
      onDemand: {
        usdPerHour: 43.91624, region: 'us-east4', asOf: ASOF, source: SKY,
        note: 'us-east4: host 4.73004 (4 x the a3-highgpu-1g host row; the us-central1 4g row is 4.73003) + 4x H100 39.1862',
      },
      spot: { usdPerHour: 9.54464, region: 'us-east4', asOf: ASOF, source: SKY, note: 'spot, us-east4: host 1.02824 (4 x 1g) + 4x H100 8.5164' },
    },
  },
  {
    machineType: 'a3-highgpu-8g', accelerator: 'h100', acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 8, acceleratorMemoryGiB: 640,
    vCpus: 208, memoryGiB: 1872, gpuAttachment: 'bundled', regions: H100_REGIONS, zones: H100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 87.83247, region: 'us-east4', asOf: ASOF, source: SKY, note: 'us-east4: host 9.46006 + 8x H100 78.37241' },
      spot: { usdPerHour: 19.0893, region: 'us-east4', asOf: ASOF, source: SKY, note: 'spot, us-east4: host 2.0565 + 8x H100 17.0328' },
    },
  },
  // A3 Mega: H100 80GB under its own accelerator name.
  {
    machineType: 'a3-megagpu-8g', accelerator: 'h100', acceleratorType: 'nvidia-h100-mega-80gb', acceleratorCount: 8, acceleratorMemoryGiB: 640,
    vCpus: 208, memoryGiB: 1872, gpuAttachment: 'bundled', regions: H100_REGIONS, zones: H100_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 92.2143, region: 'us-east4', asOf: ASOF, source: SKY, note: 'us-east4 (as A3 High): host 9.46006 + 8x H100 Mega 82.75424' },
      spot: { usdPerHour: 16.9517, region: 'us-east4', asOf: ASOF, source: SKY, note: 'spot, us-east4: host 2.0565 + 8x H100 Mega 14.8952' },
    },
  },
  // A3 Ultra + H200 141GB; in us-central1 only zone b offers it.
  {
    machineType: 'a3-ultragpu-8g', accelerator: 'h200', acceleratorType: 'nvidia-h200-141gb', acceleratorCount: 8, acceleratorMemoryGiB: 1128,
    vCpus: 224, memoryGiB: 2952, gpuAttachment: 'bundled', regions: H200_REGIONS, zones: H200_ZONES, source: GPUS,
    prices: {
      onDemand: { usdPerHour: 86.75992, region: UC1, asOf: ASOF, source: SKY, note: 'us-central1-b: host 12.266 + 8x H200 74.49392' },
      spot: {
        usdPerHour: 40.81698, region: UC1, asOf: ASOF, source: SKY,
        note: 'spot, us-central1-b: host 3.56978 + 8x H200 37.2472 (us-east4-b is lower: 2.66678 + 29.2536 = 31.92038)',
      },
    },
  },
];
