/**
 * Queries over the accelerator catalog. The data is in the files next to this one; this module is
 * the only way the rest of gpu-burst reads it.
 */
import { ACCELERATORS } from './accelerators.js';
import { AWS_INSTANCE_TYPES } from './aws-instance-types.js';
import { GCP_MACHINE_TYPES } from './gcp-machine-types.js';
import { GCP_TPU_TYPES } from './gcp-tpu-types.js';
import { AWS_REGIONS, GCP_REGIONS } from './regions.js';
import { STORAGE_PRICES } from './storage-prices.js';
import type {
  AcceleratorId,
  AcceleratorKind,
  AwsInstanceType,
  Cloud,
  GcpMachineType,
  GcpTpuType,
  Price,
  Region,
} from './types.js';

export * from './types.js';
export { ACCELERATORS, AWS_INSTANCE_TYPES, GCP_MACHINE_TYPES, GCP_TPU_TYPES, AWS_REGIONS, GCP_REGIONS, STORAGE_PRICES };

function nonEmpty(ids: string[], what: string): [string, ...string[]] {
  const [first, ...rest] = ids;
  if (first === undefined) throw new Error(`catalog: no ${what}`);
  return [first, ...rest];
}

/** AWS region ids gpu-burst knows, in catalog order. */
export function awsRegionIds(): [string, ...string[]] {
  return nonEmpty(AWS_REGIONS.map((r) => r.id), 'AWS regions');
}

/** GCP region ids gpu-burst knows, in catalog order. */
export function gcpRegionIds(): [string, ...string[]] {
  return nonEmpty(GCP_REGIONS.map((r) => r.id), 'GCP regions');
}

/** The region entry for `id` on `cloud`, or undefined. */
export function findRegion(cloud: Cloud, id: string): Region | undefined {
  return (cloud === 'aws' ? AWS_REGIONS : GCP_REGIONS).find((r) => r.id === id);
}

/** The accelerator kind with this id. */
export function accelerator(id: AcceleratorId): AcceleratorKind {
  const kind = ACCELERATORS.find((a) => a.id === id);
  if (kind === undefined) throw new Error(`catalog: accelerator '${id}' has no entry in accelerators.ts`);
  return kind;
}

/** One type of one cloud that carries an accelerator, in a shape the CLI and cost code share. */
export interface CatalogOffer {
  readonly cloud: Cloud;
  /** `p4d.24xlarge`, `a2-highgpu-1g + 1x nvidia-tesla-a100`, `v5litepod-8`. */
  readonly type: string;
  readonly accelerator: AcceleratorId;
  /** GPUs, Trainium chips or TPU chips. */
  readonly count: number;
  readonly acceleratorMemoryGiB: number;
  /** vCPUs and memory of the whole instance (all hosts of a TPU slice). */
  readonly vCpus: number;
  readonly memoryGiB: number;
  /** Hosts (more than 1 for multi-host TPU slices). */
  readonly hosts: number;
  /** Regions (GPU types) or zones (TPU types). */
  readonly offeredIn: readonly string[];
  readonly efaInterfaces: number;
  readonly onDemand: Price;
  readonly spot: Price;
  readonly source: string;
}

function fromAws(t: AwsInstanceType): CatalogOffer {
  return {
    cloud: 'aws',
    type: t.instanceType,
    accelerator: t.accelerator,
    count: t.acceleratorCount,
    acceleratorMemoryGiB: t.acceleratorMemoryGiB,
    vCpus: t.vCpus,
    memoryGiB: t.memoryGiB,
    hosts: 1,
    offeredIn: t.regions,
    efaInterfaces: t.efaInterfaces,
    onDemand: t.prices.onDemand,
    spot: t.prices.spot,
    source: t.source,
  };
}

function fromGcpMachine(t: GcpMachineType): CatalogOffer {
  return {
    cloud: 'gcp',
    type: t.gpuAttachment === 'attached' ? `${t.machineType} + ${t.acceleratorCount}x ${t.acceleratorType}` : t.machineType,
    accelerator: t.accelerator,
    count: t.acceleratorCount,
    acceleratorMemoryGiB: t.acceleratorMemoryGiB,
    vCpus: t.vCpus,
    memoryGiB: t.memoryGiB,
    hosts: 1,
    offeredIn: t.regions,
    efaInterfaces: 0,
    onDemand: t.prices.onDemand,
    spot: t.prices.spot,
    source: t.source,
  };
}

function fromTpu(t: GcpTpuType): CatalogOffer {
  return {
    cloud: 'gcp',
    type: t.acceleratorType,
    accelerator: t.accelerator,
    count: t.chips,
    acceleratorMemoryGiB: t.acceleratorMemoryGiB,
    vCpus: t.vCpusPerHost * t.hosts,
    memoryGiB: t.memoryGiBPerHost * t.hosts,
    hosts: t.hosts,
    offeredIn: t.zones,
    efaInterfaces: 0,
    onDemand: t.prices.onDemand,
    spot: t.prices.spot,
    source: t.source,
  };
}

/** Every offer on `cloud` (or both clouds), grouped in catalog order. */
export function offers(cloud?: Cloud): CatalogOffer[] {
  const all = [
    ...AWS_INSTANCE_TYPES.map(fromAws),
    ...GCP_MACHINE_TYPES.map(fromGcpMachine),
    ...GCP_TPU_TYPES.map(fromTpu),
  ];
  return cloud === undefined ? all : all.filter((o) => o.cloud === cloud);
}

/** Every price in the catalog with what it prices, for freshness and consistency checks. */
export function allPrices(): { readonly what: string; readonly price: Price }[] {
  return offers().flatMap((o) => [
    { what: `${o.cloud} ${o.type} on-demand`, price: o.onDemand },
    { what: `${o.cloud} ${o.type} spot`, price: o.spot },
  ]);
}
export { AWS_CPU_INSTANCE_TYPES } from './aws-cpu-instance-types.js';
export type { AwsCpuInstanceType } from './aws-cpu-instance-types.js';
export { SERVICE_PRICES } from './service-prices.js';
export type { ServicePrice, ServicePriceUnit, ServiceItem } from './service-prices.js';
export { EC2_QUOTA_CLASSES, EC2_QUOTA_CLASS_IDS, quotaClassOf, quotaFor, familyLetters } from './quotas.js';
export type { Ec2QuotaClass, Ec2QuotaClassId, Ec2Quota } from './quotas.js';
export { GCP_CPU_MACHINE_TYPES } from './gcp-cpu-machine-types.js';
export type { GcpCpuMachineType } from './gcp-cpu-machine-types.js';
export { GCP_SERVICE_PRICES } from './gcp-service-prices.js';
export type { GcpServicePrice, GcpServicePriceUnit, GcpServiceItem } from './gcp-service-prices.js';
export {
  GCP_GPU_QUOTAS, GCP_GPUS_ALL_REGIONS, GCP_SPOT_QUOTA_FALLBACK_SOURCE, GCP_TPU_GENERATIONS, GCP_TPU_QUOTAS,
  gpuQuotaMetric, tpuGeneration, tpuQuota,
} from './gcp-quotas.js';
export type { GcpGpuQuota, GcpGpuQuotaName, GcpTpuGeneration, GcpTpuQuota, GcpTpuQuotaName } from './gcp-quotas.js';
