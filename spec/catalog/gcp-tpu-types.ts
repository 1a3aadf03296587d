/**
 * Cloud TPU slice types: single-host and multi-host slices of v4, v5e, v5p and v6e (Trillium).
 *
 * Names: v4 and v5p names count TensorCores (2 per chip), so v4-8 and v5p-8 are 4 chips; v5e
 * (`v5litepod-N`) and v6e names count chips. Hosts are TPU VMs: 4 chips per VM in every multi-host slice
 * (ct4p-hightpu-4t, ct5lp-hightpu-4t, ct5p-hightpu-4t, ct6e-standard-4t); the single-host v5litepod-8 and
 * v6e-8 are one 8-chip VM. (The v5e page's table counts 8-chip physical hosts and so lists 2 hosts for
 * 4x4 = 16 chips; the TPU API creates 4 VMs of 4 chips for v5litepod-16.)
 *
 * Per-VM vCPUs and memory: v5e from its architecture page; v4, v5p and v6e from a third-party table of
 * the GKE machine types (see HOSTS_3P below) because Google's GKE page could not be read in full; treat those
 * as unconfirmed. Runtime versions from https://cloud.google.com/tpu/docs/runtimes; zones from
 * https://cloud.google.com/tpu/docs/regions-zones (North America, plus europe-west4 and asia-northeast1).
 *
 * Prices: the SkyPilot GCP catalog gives whole-slice prices (= per-chip-hour x chips: v4 3.22 / 0.9215,
 * v5e 1.20 / 0.24493, v5p 4.20 / 0.92856, v6e 2.70 / 0.57285 on-demand / spot). Its commit date is not
 * shown, so `asOf` is the date the file was read.
 */
import type { GcpTpuType } from './types.js';

const SKY =
  'https://github.com/skypilot-org/skypilot-catalog/blob/8427bbff988abdd050a9f51addd314ef31cb4e85/catalogs/v8/gcp/vms.csv';
const ASOF = '2026-11-26';
const V4 = 'https://cloud.google.com/tpu/docs/v4';
const V5E = 'https://docs.cloud.google.com/tpu/docs/v5e';
const V5P = 'https://docs.cloud.google.com/tpu/docs/v5p';
const V6E = 'https://docs.cloud.google.com/tpu/docs/v6e';
// HOSTS_3P: a TPU machine-type table (vCPUs, memory per VM) in a public GitHub source file found by code
// search (its repository name was not shown), used for the v4 (ct4p-hightpu-4t 240 vCPU / 408 GB), v5p
// (ct5p-hightpu-4t 208 / 448) and v6e (ct6e-standard-1t 44 / 176, -4t 180 / 720, -8t 180 / 1440) figures.
// Its v5e rows match Google's v5e page, which lends it some weight; GKE's "Plan TPUs" page should confirm.

const V4_ZONES = ['us-central2-b'];
// europe-west4-b for v5e and v5p is from the third-party table (the docs' Europe rows were cut off).
const V5E_ZONES = ['us-central1-a', 'us-south1-a', 'us-west1-c', 'us-west4-a', 'europe-west4-b'];
const V5P_ZONES = ['us-central1-a', 'us-east5-a', 'europe-west4-b'];
const V6E_ZONES = ['us-central1-b', 'us-east1-d', 'us-east5-a', 'us-east5-b', 'europe-west4-a', 'asia-northeast1-b'];

const V4_RT = 'tpu-ubuntu2204-base';
const V5E_RT = 'v2-alpha-tpuv5-lite';
const V5P_RT = 'v2-alpha-tpuv5';
const V6E_RT = 'v2-alpha-tpuv6e';

/** Cloud TPU slices gpu-burst can request, with whole-slice prices. */
export const GCP_TPU_TYPES: readonly GcpTpuType[] = [
  // TPU v4 (32 GiB HBM per chip), us-central2-b only.
  {
    acceleratorType: 'v4-8', accelerator: 'tpu-v4', chips: 4, hosts: 1, acceleratorMemoryGiB: 128,
    vCpusPerHost: 240, memoryGiBPerHost: 408, runtimeVersion: V4_RT, zones: V4_ZONES, source: V4,
    prices: {
      onDemand: { usdPerHour: 12.88, region: 'us-central2-b', asOf: ASOF, source: SKY, note: '4 chips x 3.22' },
      spot: { usdPerHour: 3.686, region: 'us-central2-b', asOf: ASOF, source: SKY, note: 'spot: 4 chips x 0.9215' },
    },
  },
  {
    acceleratorType: 'v4-16', accelerator: 'tpu-v4', chips: 8, hosts: 2, acceleratorMemoryGiB: 256,
    vCpusPerHost: 240, memoryGiBPerHost: 408, runtimeVersion: V4_RT, zones: V4_ZONES, source: V4,
    prices: {
      onDemand: { usdPerHour: 25.76, region: 'us-central2-b', asOf: ASOF, source: SKY, note: '8 chips x 3.22' },
      spot: { usdPerHour: 7.372, region: 'us-central2-b', asOf: ASOF, source: SKY, note: 'spot: 8 chips x 0.9215' },
    },
  },
  {
    acceleratorType: 'v4-32', accelerator: 'tpu-v4', chips: 16, hosts: 4, acceleratorMemoryGiB: 512,
    vCpusPerHost: 240, memoryGiBPerHost: 408, runtimeVersion: V4_RT, zones: V4_ZONES, source: V4,
    prices: {
      onDemand: { usdPerHour: 51.52, region: 'us-central2-b', asOf: ASOF, source: SKY, note: '16 chips x 3.22' },
      spot: { usdPerHour: 14.744, region: 'us-central2-b', asOf: ASOF, source: SKY, note: 'spot: 16 chips x 0.9215' },
    },
  },
  // TPU v5e (16 GB HBM per chip). VM types per the v5e page: 1 chip 24 vCPU / 48 GB, 4 chips 112 / 192,
  // 8 chips 224 / 384.
  {
    acceleratorType: 'v5litepod-1', accelerator: 'tpu-v5e', chips: 1, hosts: 1, acceleratorMemoryGiB: 16,
    vCpusPerHost: 24, memoryGiBPerHost: 48, runtimeVersion: V5E_RT, zones: V5E_ZONES, source: V5E,
    prices: {
      onDemand: { usdPerHour: 1.2, region: 'us-central1-a', asOf: ASOF, source: SKY, note: '1 chip x 1.20' },
      spot: { usdPerHour: 0.24493, region: 'us-central1-a', asOf: ASOF, source: SKY, note: 'spot: 1 chip x 0.24493' },
    },
  },
  {
    acceleratorType: 'v5litepod-4', accelerator: 'tpu-v5e', chips: 4, hosts: 1, acceleratorMemoryGiB: 64,
    vCpusPerHost: 112, memoryGiBPerHost: 192, runtimeVersion: V5E_RT, zones: V5E_ZONES, source: V5E,
    prices: {
      onDemand: { usdPerHour: 4.8, region: 'us-central1-a', asOf: ASOF, source: SKY, note: '4 chips x 1.20' },
      spot: { usdPerHour: 0.9797, region: 'us-central1-a', asOf: ASOF, source: SKY, note: 'spot: 4 chips x 0.24493' },
    },
  },
  {
    acceleratorType: 'v5litepod-8', accelerator: 'tpu-v5e', chips: 8, hosts: 1, acceleratorMemoryGiB: 128,
    vCpusPerHost: 224, memoryGiBPerHost: 384, runtimeVersion: V5E_RT, zones: V5E_ZONES, source: V5E,
    prices: {
      onDemand: { usdPerHour: 9.6, region: 'us-central1-a', asOf: ASOF, source: SKY, note: '8 chips x 1.20' },
      spot: { usdPerHour: 1.95941, region: 'us-central1-a', asOf: ASOF, source: SKY, note: 'spot: 8 chips x 0.24493' },
    },
  },
  {
    acceleratorType: 'v5litepod-16', accelerator: 'tpu-v5e', chips: 16, hosts: 4, acceleratorMemoryGiB: 256,
    vCpusPerHost: 112, memoryGiBPerHost: 192, runtimeVersion: V5E_RT, zones: V5E_ZONES, source: V5E,
    prices: {
      onDemand: { usdPerHour: 19.2, region: 'us-central1-a', asOf: ASOF, source: SKY, note: '16 chips x 1.20' },
      spot: { usdPerHour: 3.91882, region: 'us-central1-a', asOf: ASOF, source: SKY, note: 'spot: 16 chips x 0.24493' },
    },
  },
  // TPU v5p (95 GB HBM per chip); every slice is built of 4-chip VMs.
  {
    acceleratorType: 'v5p-8', accelerator: 'tpu-v5p', chips: 4, hosts: 1, acceleratorMemoryGiB: 380,
    vCpusPerHost: 208, memoryGiBPerHost: 448, runtimeVersion: V5P_RT, zones: V5P_ZONES, source: V5P,
    prices: {
      onDemand: { usdPerHour: 16.8, region: 'us-central1-a', asOf: ASOF, source: SKY, note: '4 chips x 4.20' },
      spot: { usdPerHour: 3.71423, region: 'us-central1-a', asOf: ASOF, source: SKY, note: 'spot: 4 chips x 0.92856' },
    },
  },
  {
    acceleratorType: 'v5p-16', accelerator: 'tpu-v5p', chips: 8, hosts: 2, acceleratorMemoryGiB: 760,
    vCpusPerHost: 208, memoryGiBPerHost: 448, runtimeVersion: V5P_RT, zones: V5P_ZONES, source: V5P,
    prices: {
      onDemand: { usdPerHour: 33.6, region: 'us-central1-a', asOf: ASOF, source: SKY, note: '8 chips x 4.20' },
      spot: { usdPerHour: 7.42846, region: 'us-central1-a', asOf: ASOF, source: SKY, note: 'spot: 8 chips x 0.92856' },
    },
  },
  // TPU v6e / Trillium (32 GB HBM per chip, 8 chips and 1536 GiB DRAM per physical host).
  {
    acceleratorType: 'v6e-1', accelerator: 'tpu-v6e', chips: 1, hosts: 1, acceleratorMemoryGiB: 32,
    vCpusPerHost: 44, memoryGiBPerHost: 176, runtimeVersion: V6E_RT, zones: V6E_ZONES, source: V6E,
    prices: {
      onDemand: { usdPerHour: 2.7, region: 'us-central1-b', asOf: ASOF, source: SKY, note: '1 chip x 2.70' },
      spot: { usdPerHour: 0.57285, region: 'us-central1-b', asOf: ASOF, source: SKY, note: 'spot: 1 chip x 0.57285' },
    },
  },
  {
    acceleratorType: 'v6e-4', accelerator: 'tpu-v6e', chips: 4, hosts: 1, acceleratorMemoryGiB: 128,
    vCpusPerHost: 180, memoryGiBPerHost: 720, runtimeVersion: V6E_RT, zones: V6E_ZONES, source: V6E,
    prices: {
      onDemand: { usdPerHour: 10.8, region: 'us-central1-b', asOf: ASOF, source: SKY, note: '4 chips x 2.70' },
      spot: { usdPerHour: 2.2914, region: 'us-central1-b', asOf: ASOF, source: SKY, note: 'spot: 4 chips x 0.57285' },
    },
  },
  {
    acceleratorType: 'v6e-8', accelerator: 'tpu-v6e', chips: 8, hosts: 1, acceleratorMemoryGiB: 256,
    vCpusPerHost: 180, memoryGiBPerHost: 1440, runtimeVersion: V6E_RT, zones: V6E_ZONES, source: V6E,
    prices: {
      onDemand: { usdPerHour: 21.6, region: 'us-central1-b', asOf: ASOF, source: SKY, note: '8 chips x 2.70' },
      spot: { usdPerHour: 4.5828, region: 'us-central1-b', asOf: ASOF, source: SKY, note: 'spot: 8 chips x 0.57285' },
    },
  },
  {
    acceleratorType: 'v6e-16', accelerator: 'tpu-v6e', chips: 16, hosts: 4, acceleratorMemoryGiB: 512,
    vCpusPerHost: 180, memoryGiBPerHost: 720, runtimeVersion: V6E_RT, zones: V6E_ZONES, source: V6E,
    prices: {
      onDemand: { usdPerHour: 43.2, region: 'us-central1-b', asOf: ASOF, source: SKY, note: '16 chips x 2.70' },
      spot: { usdPerHour: 9.1656, region: 'us-central1-b', asOf: ASOF, source: SKY, note: 'spot: 16 chips x 0.57285' },
    },
  },
];
