/**
 * Types of the accelerator catalog. The data lives next to this file, one file per kind of entry
 * (`accelerators.ts`, `aws-instance-types.ts`, `gcp-machine-types.ts`, `gcp-tpu-types.ts`,
 * `regions.ts`, `storage-prices.ts`); adding a type means adding one entry to one of them.
 *
 * Every fact carries the source it was taken from; every price carries its own date and source.
 */

/** Cloud-neutral accelerator kinds a team file names (`accelerator: a100-40gb`). */
export const ACCELERATOR_IDS = [
  't4',
  'v100',
  'a10g',
  'l4',
  'l40s',
  'a100-40gb',
  'a100-80gb',
  'h100',
  'h200',
  'trainium',
  'tpu-v4',
  'tpu-v5e',
  'tpu-v5p',
  'tpu-v6e',
] as const;

/** A cloud-neutral accelerator kind. */
export type AcceleratorId = (typeof ACCELERATOR_IDS)[number];

/** The clouds gpu-burst builds on. */
export type Cloud = 'aws' | 'gcp';

/** One price figure: what it costs, where, when it was observed, and where it was read. */
export interface Price {
  /** US dollars per hour for the whole instance, VM or slice (not per device). */
  readonly usdPerHour: number;
  /** Region (or zone, for TPUs) the figure applies to, e.g. `us-east-1`. */
  readonly region: string;
  /** Date the source published or showed the figure, `YYYY-MM-DD`. */
  readonly asOf: string;
  /** URL of the page or file the figure was read from. */
  readonly source: string;
  /** How the figure was derived when it is not a single number on the page (e.g. host + GPUs). */
  readonly note?: string;
}

/** On-demand and spot price of one type. Spot prices float; the figure is a representative one. */
export interface Prices {
  readonly onDemand: Price;
  readonly spot: Price;
}

/** A cloud-neutral accelerator kind and its per-device facts. */
export interface AcceleratorKind {
  readonly id: AcceleratorId;
  /** Product name, e.g. `NVIDIA A100 40GB`. */
  readonly displayName: string;
  /** `gpu` for NVIDIA GPUs, `tpu` for Cloud TPUs, `trainium` for AWS Trainium. */
  readonly family: 'gpu' | 'tpu' | 'trainium';
  /** Accelerator memory per device (GPU, TPU chip or Trainium chip), GiB. */
  readonly memoryGiBPerDevice: number;
  /** URL the per-device memory was read from. */
  readonly source: string;
}

/** An EC2 instance type that carries accelerators. */
export interface AwsInstanceType {
  /** EC2 instance type, e.g. `p4d.24xlarge`. */
  readonly instanceType: string;
  readonly accelerator: AcceleratorId;
  /** Accelerators (GPUs or Trainium chips) per instance. */
  readonly acceleratorCount: number;
  /** Accelerator memory of the whole instance, GiB (count x per-device memory). */
  readonly acceleratorMemoryGiB: number;
  readonly vCpus: number;
  /** Instance memory, GiB. */
  readonly memoryGiB: number;
  /** Maximum EFA interfaces; 0 when the type does not support EFA. */
  readonly efaInterfaces: number;
  /** Regions (from `regions.ts`) where the type is offered. */
  readonly regions: readonly string[];
  readonly prices: Prices;
  /** URL the hardware facts were read from. */
  readonly source: string;
}

/** A Compute Engine machine type with GPUs: either built in (A2, A3, G2) or attached (N1 + T4/V100). */
export interface GcpMachineType {
  /** Machine type, e.g. `a2-highgpu-1g`. */
  readonly machineType: string;
  readonly accelerator: AcceleratorId;
  /** The `guestAccelerators` type, e.g. `nvidia-tesla-a100`. */
  readonly acceleratorType: string;
  /** GPUs per VM. */
  readonly acceleratorCount: number;
  /** Accelerator memory of the whole VM, GiB. */
  readonly acceleratorMemoryGiB: number;
  readonly vCpus: number;
  /** VM memory, GiB. */
  readonly memoryGiB: number;
  /** `bundled` when the machine type fixes its GPUs (A2, A3, G2), `attached` for N1 + GPU. */
  readonly gpuAttachment: 'bundled' | 'attached';
  /** Regions (from `regions.ts`) where the GPU is offered with this machine series. */
  readonly regions: readonly string[];
  /** Zones (from `regions.ts`) where the GPU is offered; every zone lies in one of `regions`. */
  readonly zones?: readonly string[];
  /** Whole VM (machine + GPUs). */
  readonly prices: Prices;
  /** URL the hardware facts were read from. */
  readonly source: string;
}

/** A Cloud TPU slice type. */
export interface GcpTpuType {
  /** TPU accelerator type as the API names it, e.g. `v5litepod-8`, `v4-8`. */
  readonly acceleratorType: string;
  readonly accelerator: AcceleratorId;
  /** TPU chips in the slice (v4-8 and v5p-8 are 4 chips; v5litepod-8 is 8). */
  readonly chips: number;
  /** TPU VM hosts in the slice; more than 1 is a multi-host slice. */
  readonly hosts: number;
  /** High-bandwidth memory of the whole slice, GiB. */
  readonly acceleratorMemoryGiB: number;
  /** vCPUs per host VM. */
  readonly vCpusPerHost: number;
  /** Memory per host VM, GiB. */
  readonly memoryGiBPerHost: number;
  /** TPU software version (runtime) for this generation, e.g. `tpu-ubuntu2204-base`. */
  readonly runtimeVersion: string;
  /** Zones where the generation is offered. */
  readonly zones: readonly string[];
  /** Whole slice. */
  readonly prices: Prices;
  /** URL the hardware facts were read from. */
  readonly source: string;
}

/** A region and its zones. */
export interface Region {
  readonly id: string;
  /** Human name, e.g. `US East (N. Virginia)`. */
  readonly name: string;
  /** Zone names, e.g. `us-east-1a` or `us-central1-a`. */
  readonly zones: readonly string[];
  readonly source: string;
}

/**
 * A usage price: per GB-month stored, or per GB delivered (both clouds bill storage per GB-month,
 * where a GB is 2^30 bytes).
 */
export interface StoragePrice {
  /** What is billed, e.g. `S3 Standard storage`. */
  readonly item: string;
  /** US dollars per `unit`. */
  readonly usd: number;
  /** `GB-month` for storage, `GB` for a one-time charge per GB delivered or ingested. */
  readonly unit: 'GB-month' | 'GB';
  readonly region: string;
  readonly asOf: string;
  readonly source: string;
  readonly note?: string;
}
