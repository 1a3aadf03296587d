/**
 * How the `gcp:` section's compute becomes machine types, guest accelerators, TPU slices and zones:
 * the one place validation (`validate-gcp.ts`) and the plan resolve a fleet, TPU node, sweep group
 * or dev box against the catalog.
 */
import { GCP_CPU_MACHINE_TYPES } from './catalog/gcp-cpu-machine-types.js';
import { GCP_MACHINE_TYPES, GCP_TPU_TYPES, type AcceleratorId, type GcpMachineType, type GcpTpuType } from './catalog/index.js';
import { defaultImageKind, type GcpImageKindId } from './catalog/images.js';

/** A machine type a GCP host may use: with GPUs (catalog) or CPU only (dev box). */
export interface GceType {
  readonly machineType: string;
  readonly accelerator?: AcceleratorId;
  /** The `guestAccelerators` type, e.g. `nvidia-l4`. */
  readonly acceleratorType?: string;
  readonly acceleratorCount: number;
  /** True for N1 + attached GPUs (the template lists guestAccelerators); false when the type fixes them. */
  readonly attached: boolean;
  readonly vCpus: number;
  readonly memoryGiB: number;
  readonly regions: readonly string[];
  /** Zones where the catalog lists the GPU (undefined: every zone of its regions). */
  readonly zones?: readonly string[];
  readonly onDemandUsdPerHour: number;
  readonly spotUsdPerHour: number;
}

function fromGpu(t: GcpMachineType): GceType {
  return {
    machineType: t.machineType,
    accelerator: t.accelerator,
    acceleratorType: t.acceleratorType,
    acceleratorCount: t.acceleratorCount,
    attached: t.gpuAttachment === 'attached',
    vCpus: t.vCpus,
    memoryGiB: t.memoryGiB,
    regions: t.regions,
    ...(t.zones ? { zones: t.zones } : {}),
    onDemandUsdPerHour: t.prices.onDemand.usdPerHour,
    spotUsdPerHour: t.prices.spot.usdPerHour,
  };
}

/** The team zones where a machine type's GPU is offered (all of them when the catalog lists no zones). */
export function zonesOffering(type: GceType | undefined, teamZones: readonly string[]): string[] {
  return teamZones.filter((z) => type?.zones === undefined || type.zones.includes(z));
}

/** Every machine type the catalog knows, GPU types first. */
export function gceTypes(): GceType[] {
  return [
    ...GCP_MACHINE_TYPES.map(fromGpu),
    ...GCP_CPU_MACHINE_TYPES.map((t) => ({
      machineType: t.machineType,
      acceleratorCount: 0,
      attached: false,
      vCpus: t.vCpus,
      memoryGiB: t.memoryGiB,
      regions: t.regions,
      onDemandUsdPerHour: t.prices.onDemand.usdPerHour,
      spotUsdPerHour: t.prices.spot.usdPerHour,
    })),
  ];
}

/** GPU machine types carrying `count` x `accelerator` in `region`, cheapest spot first. */
export function gpuMachineTypesIn(region: string, id: AcceleratorId, count: number): GceType[] {
  return GCP_MACHINE_TYPES.filter((t) => t.accelerator === id && t.acceleratorCount === count && t.regions.includes(region))
    .map(fromGpu)
    .sort((a, b) => a.spotUsdPerHour - b.spotUsdPerHour || a.machineType.localeCompare(b.machineType));
}

/** GPU counts per VM the catalog has for `id` in `region`. */
export function gpuCountsOffered(region: string, id: AcceleratorId): number[] {
  return [...new Set(GCP_MACHINE_TYPES.filter((t) => t.accelerator === id && t.regions.includes(region)).map((t) => t.acceleratorCount))].sort((a, b) => a - b);
}

/** Regions where the catalog offers `id` as a GPU on GCP. */
export function gpuRegionsOffering(id: AcceleratorId): string[] {
  return [...new Set(GCP_MACHINE_TYPES.filter((t) => t.accelerator === id).flatMap((t) => t.regions))].sort();
}

/**
 * The machine type of a GPU request: the file's (when it carries the request) or the cheapest
 * spot catalog choice. N1 types appear once per attached GPU count, so the match is on both.
 */
export function gpuMachineTypeFor(region: string, request: { accelerator: AcceleratorId; count: number; machineType?: string | undefined }): GceType | undefined {
  const candidates = gpuMachineTypesIn(region, request.accelerator, request.count);
  if (request.machineType === undefined) return candidates[0];
  return candidates.find((t) => t.machineType === request.machineType);
}

/** The TPU slice type with this API name. */
export function findTpuType(acceleratorType: string): GcpTpuType | undefined {
  return GCP_TPU_TYPES.find((t) => t.acceleratorType === acceleratorType);
}

/** The zone a TPU node uses: the file's, else the first team zone offering the type, else the type's first zone in the region. */
export function tpuZoneFor(type: GcpTpuType, region: string, teamZones: readonly string[], chosen?: string): string | undefined {
  if (chosen !== undefined) return chosen;
  return teamZones.find((z) => type.zones.includes(z)) ?? type.zones.find((z) => z.startsWith(`${region}-`));
}

/** The image kind a GCP host boots: the file's, else the GPU default (DLVM CUDA). */
export function gcpImageKindFor(chosen: GcpImageKindId | undefined): GcpImageKindId {
  if (chosen !== undefined) return chosen;
  const kind = defaultImageKind('gcp', 'gpu');
  if (kind?.cloud !== 'gcp') throw new Error('catalog: no default GCP image kind');
  return kind.id;
}

/** The machine type a CPU dev box gets when the file names none. */
export const DEFAULT_GCP_CPU_DEV_BOX = 'n2-standard-4';

/** The dev box's machine type: the file's, the cheapest on-demand type for its accelerator, or the default CPU type. */
export function gcpDevBoxType(region: string, request: { accelerator?: AcceleratorId | undefined; count: number; machineType?: string | undefined }): GceType | undefined {
  if (request.accelerator !== undefined) {
    const candidates = gpuMachineTypesIn(region, request.accelerator, request.count).sort((a, b) => a.onDemandUsdPerHour - b.onDemandUsdPerHour);
    return request.machineType === undefined ? candidates[0] : candidates.find((t) => t.machineType === request.machineType);
  }
  const name = request.machineType ?? DEFAULT_GCP_CPU_DEV_BOX;
  return gceTypes().find((t) => t.machineType === name && t.acceleratorCount === 0);
}
