/**
 * How the `aws:` section's compute becomes instance types, images and vCPU figures: the one place
 * both validation (`validate-aws.ts`) and the plan (`plan.ts`) resolve a fleet, a sweep group or the
 * dev box against the catalog, so what validation accepts is exactly what the plan builds.
 */
import { AWS_CPU_INSTANCE_TYPES } from './catalog/aws-cpu-instance-types.js';
import { accelerator, AWS_INSTANCE_TYPES, type AcceleratorId, type AwsInstanceType } from './catalog/index.js';
import { defaultImageKind, type AwsImageKindId } from './catalog/images.js';

/** An EC2 type the dev box or a fleet may use: accelerated (catalog) or CPU (dev box only). */
export interface Ec2Type {
  readonly instanceType: string;
  readonly accelerator?: AcceleratorId;
  readonly acceleratorCount: number;
  readonly vCpus: number;
  readonly memoryGiB: number;
  readonly efaInterfaces: number;
  readonly regions: readonly string[];
  readonly onDemandUsdPerHour: number;
  readonly spotUsdPerHour: number;
}

function fromGpu(t: AwsInstanceType): Ec2Type {
  return {
    instanceType: t.instanceType,
    accelerator: t.accelerator,
    acceleratorCount: t.acceleratorCount,
    vCpus: t.vCpus,
    memoryGiB: t.memoryGiB,
    efaInterfaces: t.efaInterfaces,
    regions: t.regions,
    onDemandUsdPerHour: t.prices.onDemand.usdPerHour,
    spotUsdPerHour: t.prices.spot.usdPerHour,
  };
}

/** Every EC2 type the catalog knows, accelerated first. */
export function ec2Types(): Ec2Type[] {
  return [
    ...AWS_INSTANCE_TYPES.map(fromGpu),
    ...AWS_CPU_INSTANCE_TYPES.map((t) => ({
      instanceType: t.instanceType,
      acceleratorCount: 0,
      vCpus: t.vCpus,
      memoryGiB: t.memoryGiB,
      efaInterfaces: 0,
      regions: t.regions,
      onDemandUsdPerHour: t.prices.onDemand.usdPerHour,
      spotUsdPerHour: t.prices.spot.usdPerHour,
    })),
  ];
}

/** The catalog entry of an EC2 type, or undefined. */
export function findEc2Type(instanceType: string): Ec2Type | undefined {
  return ec2Types().find((t) => t.instanceType === instanceType);
}

/** Catalog types carrying `count` x `accelerator` offered in `region`, cheapest spot first. */
export function acceleratedTypesIn(region: string, id: AcceleratorId, count: number): Ec2Type[] {
  return AWS_INSTANCE_TYPES.filter((t) => t.accelerator === id && t.acceleratorCount === count && t.regions.includes(region))
    .map(fromGpu)
    .sort((a, b) => a.spotUsdPerHour - b.spotUsdPerHour || a.instanceType.localeCompare(b.instanceType));
}

/** Accelerator counts per instance the catalog has for `id` in `region` (for error messages). */
export function countsOffered(region: string, id: AcceleratorId): number[] {
  const counts = AWS_INSTANCE_TYPES.filter((t) => t.accelerator === id && t.regions.includes(region)).map((t) => t.acceleratorCount);
  return [...new Set(counts)].sort((a, b) => a - b);
}

/** Regions where the catalog offers `id` on AWS at all. */
export function regionsOffering(id: AcceleratorId): string[] {
  return [...new Set(AWS_INSTANCE_TYPES.filter((t) => t.accelerator === id).flatMap((t) => t.regions))].sort();
}

/** A fleet or sweep group's request: accelerator, count and optional explicit types. */
export interface AcceleratedRequest {
  readonly accelerator: AcceleratorId;
  readonly count: number;
  readonly instanceTypes?: readonly string[] | undefined;
}

/**
 * The types a request resolves to: the explicit list (in the file's order, unknown or mismatched
 * types left out: validation reports them) or the catalog's choice.
 */
export function typesFor(region: string, request: AcceleratedRequest): Ec2Type[] {
  if (request.instanceTypes === undefined) return acceleratedTypesIn(region, request.accelerator, request.count);
  return request.instanceTypes
    .map((name) => findEc2Type(name))
    .filter((t): t is Ec2Type => t !== undefined && t.accelerator === request.accelerator && t.acceleratorCount === request.count);
}

/** The image kind a host boots: the file's choice, else the default for its accelerator family. */
export function imageKindFor(id: AcceleratorId | undefined, chosen: AwsImageKindId | undefined): AwsImageKindId {
  if (chosen !== undefined) return chosen;
  const family = id === undefined ? 'gpu' : accelerator(id).family;
  const kind = defaultImageKind('aws', family === 'trainium' ? 'trainium' : 'gpu');
  if (kind?.cloud !== 'aws') throw new Error(`catalog: no default AWS image kind for ${family}`);
  return kind.id;
}

/** The CPU type a dev box without an accelerator or instance type gets. */
export const DEFAULT_CPU_DEV_BOX = 'm7i.xlarge';

/** A dev box's request. */
export interface DevBoxRequest {
  readonly accelerator?: AcceleratorId | undefined;
  readonly count: number;
  readonly instanceType?: string | undefined;
}

/** The dev box's type: the file's, else the cheapest on-demand type for its accelerator, else the default CPU type. */
export function devBoxType(region: string, request: DevBoxRequest): Ec2Type | undefined {
  if (request.instanceType !== undefined) return findEc2Type(request.instanceType);
  if (request.accelerator === undefined) return findEc2Type(DEFAULT_CPU_DEV_BOX);
  return [...acceleratedTypesIn(region, request.accelerator, request.count)].sort(
    (a, b) => a.onDemandUsdPerHour - b.onDemandUsdPerHour,
  )[0];
}

/** EFA interfaces a fleet's nodes get: the smallest count among its types when all have EFA, else 0. */
export function efaInterfacesFor(types: readonly Ec2Type[], multiNode: boolean, efa: boolean | undefined): number {
  if (efa === false || (!multiNode && efa !== true) || types.length === 0) return 0;
  return Math.min(...types.map((t) => t.efaInterfaces));
}

/** Per-trial resources of a sweep group: what fits the smallest of its types. */
export function trialResources(types: readonly Ec2Type[]): { vCpus: number; memoryMiB: number } {
  if (types.length === 0) return { vCpus: 1, memoryMiB: 1024 };
  const vCpus = Math.min(...types.map((t) => t.vCpus));
  // The ECS agent and the OS keep part of the memory; 90 % of the smallest type leaves them room.
  const memoryMiB = Math.floor(Math.min(...types.map((t) => t.memoryGiB)) * 1024 * 0.9);
  return { vCpus, memoryMiB };
}
