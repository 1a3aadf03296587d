/**
 * The quotas that meter gpu-burst's GCP accelerators, so validation can check a team's declared quota
 * (G10) and the README can tell a user which quota to request.
 *
 * GPUs: Compute Engine meters GPUs per region, one quota per GPU model and provisioning model: standard
 * VMs draw on `NVIDIA_<MODEL>_GPUS`, Spot (and preemptible) VMs on `PREEMPTIBLE_NVIDIA_<MODEL>_GPUS`,
 * and a project-wide `GPUS_ALL_REGIONS` limit applies on top. Names are the
 * `metric` values of the Compute Engine API's `Quota` message (what `gcloud compute regions describe`
 * lists). The H100, H100 Mega and H200 names are not in that enum and, per the sources below, are not
 * returned by `regions.get`; they live in Cloud Quotas, where Compute Engine also has a `gpu_family`
 * dimension (https://cloud.google.com/docs/quotas/configure-dimensions). Those three rows are marked
 * `listedInComputeApi: false` and must be checked on the project's Quotas page.
 *
 * TPUs: the Cloud TPU API meters each generation separately, per zone (and per region), on-demand and
 * preemptible (https://cloud.google.com/tpu/docs/quota); Spot TPUs use the preemptible quota
 * (https://cloud.google.com/tpu/docs/plan-tpus). Quota ids
 * are the Cloud Quotas ids (`gcloud beta quotas info describe <id> --service=tpu.googleapis.com`);
 * metrics are the `tpu.googleapis.com/...` names Service Usage lists. What is not sourced is left out.
 */
import type { AcceleratorId } from './types.js';

/** Where a GPU quota name was read. */
export interface GcpGpuQuotaName {
  /** Regional Compute Engine quota metric, e.g. `NVIDIA_L4_GPUS`. */
  readonly metric: string;
  /** True when the metric is a value of the Compute Engine API's `Quota.Metric` enum (returned by `regions.get`). */
  readonly listedInComputeApi: boolean;
  /** URL the name was read from. */
  readonly source: string;
}

/** The regional quotas one GPU model draws on. */
export interface GcpGpuQuota {
  /** The `guestAccelerators` type, as in `gcp-machine-types.ts`, e.g. `nvidia-l4`. */
  readonly acceleratorType: string;
  /** Quota of standard (on-demand) VMs. */
  readonly onDemand: GcpGpuQuotaName;
  /** Quota of Spot and preemptible VMs. */
  readonly spot: GcpGpuQuotaName;
  /** GPU quotas are per region. */
  readonly scope: 'region';
  /** Counted in GPUs (not VMs). */
  readonly unit: 'GPUs';
  readonly note?: string;
}

// The Quota.Metric enum of the Compute Engine v1 API as shipped in the installed client (@google-cloud/compute 6.15.0).
const COMPUTE_ENUM = 'https://unpkg.com/@google-cloud/compute@6.15.0/build/protos/google/cloud/compute/v1/compute.proto';
// A `gcloud compute regions describe` dump of a live project (2024-11-20) listing these metrics in nine US regions.
const REGIONS_DUMP =
  'https://github.com/TeamADAPT/ai_ml/blob/e2e6f31819937f6db671e9901507f17d741ca07b/docs/guides/a3_quota_summary.md';
// dstack builds `NVIDIA_<GPU>_GPUS` and skips the regions.list check for H100 / H100 Mega, whose quotas it does not return.
const DSTACK_PR = 'https://github.com/dstackai/dstack/pull/3100/files';
const H200_DOC =
  'https://github.com/droderiquesit/development-box/blob/7a02ebba153adc34363928c9c1902adfba6aee9a/docs/gcp-models.md';

function api(metric: string): GcpGpuQuotaName {
  return { metric, listedInComputeApi: true, source: COMPUTE_ENUM };
}

/** Regional GPU quotas per accelerator type, in `gcp-machine-types.ts` order. */
export const GCP_GPU_QUOTAS: readonly GcpGpuQuota[] = [
  {
    acceleratorType: 'nvidia-tesla-t4', scope: 'region', unit: 'GPUs',
    onDemand: api('NVIDIA_T4_GPUS'), spot: api('PREEMPTIBLE_NVIDIA_T4_GPUS'),
    note: `Also listed with limits by regions.get in ${REGIONS_DUMP}. The -vws (virtual workstation) variant has its own quota.`,
  },
  {
    acceleratorType: 'nvidia-tesla-v100', scope: 'region', unit: 'GPUs',
    onDemand: api('NVIDIA_V100_GPUS'), spot: api('PREEMPTIBLE_NVIDIA_V100_GPUS'),
    note: `Also listed with limits by regions.get in ${REGIONS_DUMP}.`,
  },
  {
    acceleratorType: 'nvidia-l4', scope: 'region', unit: 'GPUs',
    onDemand: api('NVIDIA_L4_GPUS'), spot: api('PREEMPTIBLE_NVIDIA_L4_GPUS'),
    note: `Also listed with limits by regions.get in ${REGIONS_DUMP} (16 and 16 in us-central1 on that project).`,
  },
  {
    acceleratorType: 'nvidia-tesla-a100', scope: 'region', unit: 'GPUs',
    onDemand: api('NVIDIA_A100_GPUS'), spot: api('PREEMPTIBLE_NVIDIA_A100_GPUS'),
    note: `Also listed with limits by regions.get in ${REGIONS_DUMP}.`,
  },
  {
    acceleratorType: 'nvidia-a100-80gb', scope: 'region', unit: 'GPUs',
    onDemand: api('NVIDIA_A100_80GB_GPUS'), spot: api('PREEMPTIBLE_NVIDIA_A100_80GB_GPUS'),
    note: `Also listed by regions.get in ${REGIONS_DUMP}, with a limit of 0 in each region shown: request it first.`,
  },
  {
    acceleratorType: 'nvidia-h100-80gb', scope: 'region', unit: 'GPUs',
    onDemand: { metric: 'NVIDIA_H100_GPUS', listedInComputeApi: false, source: DSTACK_PR },
    spot: api('PREEMPTIBLE_NVIDIA_H100_GPUS'),
    note:
      'The on-demand name is not in the Compute API enum (which has PREEMPTIBLE_NVIDIA_H100_GPUS and ' +
      'COMMITTED_NVIDIA_H100_GPUS) and a regions.get dump showed no H100 quota ' +
      '(https://github.com/TeamADAPT/ai_ml/blob/e2e6f31819937f6db671e9901507f17d741ca07b/docs/guides/h100_quota_summary.md): ' +
      'check it on the Quotas page (Cloud Quotas) before relying on it.',
  },
  {
    acceleratorType: 'nvidia-h100-mega-80gb', scope: 'region', unit: 'GPUs',
    onDemand: { metric: 'NVIDIA_H100_MEGA_GPUS', listedInComputeApi: false, source: DSTACK_PR },
    spot: { metric: 'PREEMPTIBLE_NVIDIA_H100_MEGA_GPUS', listedInComputeApi: false, source: DSTACK_PR },
    note:
      'A3 Mega has its own quota, separate from A3 High (dstack treats H100 and H100_MEGA as two quota classes that ' +
      'regions.list does not return). Both names follow the NVIDIA_<GPU>_GPUS pattern and are not in the Compute API ' +
      'enum: check them on the Quotas page.',
  },
  {
    acceleratorType: 'nvidia-h200-141gb', scope: 'region', unit: 'GPUs',
    onDemand: { metric: 'NVIDIA_H200_GPUS', listedInComputeApi: false, source: H200_DOC },
    spot: { metric: 'PREEMPTIBLE_NVIDIA_H200_GPUS', listedInComputeApi: false, source: H200_DOC },
    note:
      'Per the source, A3 Ultra (a3-ultragpu-8g) has no plain on-demand capacity: NVIDIA_H200_GPUS serves reservations, ' +
      'while Spot and Flex-start (DWS) draw on PREEMPTIBLE_NVIDIA_H200_GPUS. Not in the Compute API enum: check both on ' +
      'the Quotas page.',
  },
];

/** The project-wide GPU quota every GPU VM also counts against, in every region. */
export const GCP_GPUS_ALL_REGIONS = {
  metric: 'GPUS_ALL_REGIONS',
  scope: 'global',
  source: COMPUTE_ENUM,
  note:
    'Defaults to 0 on a new project, which blocks every GPU VM until raised ' +
    '("Quota \'GPUS_ALL_REGIONS\' exceeded. Limit: 0.0 globally.", https://github.com/fastai/course-v3/pull/165).',
} as const;

/**
 * Spot VMs fall back to the standard quota when the project has no preemptible quota: "if your project
 * does not have preemptible quota, you can still use the regular quota to launch preemptible resources"
 * (Compute Engine quota docs as quoted in
 * https://github.com/blackie1019/cert-gcp-lab/blob/a9f188be870844c690dc138e690d3907b6e0d32a/doc/basic.md).
 */
export const GCP_SPOT_QUOTA_FALLBACK_SOURCE =
  'https://github.com/blackie1019/cert-gcp-lab/blob/a9f188be870844c690dc138e690d3907b6e0d32a/doc/basic.md';

/** Cloud TPU generations gpu-burst can request. */
export const GCP_TPU_GENERATIONS = ['v4', 'v5e', 'v5p', 'v6e'] as const;

/** A Cloud TPU generation. */
export type GcpTpuGeneration = (typeof GCP_TPU_GENERATIONS)[number];

/** One Cloud TPU API quota (service `tpu.googleapis.com`); any field may be missing where no source gave it. */
export interface GcpTpuQuotaName {
  /** Cloud Quotas id of the per-zone limit, e.g. `TPUV6EPerProjectPerZoneForTPUAPI`. */
  readonly zoneQuotaId?: string;
  /** Cloud Quotas id of the per-region limit. */
  readonly regionQuotaId?: string;
  /** Service Usage metric, e.g. `tpu.googleapis.com/tpu-v6e-preemptible`. */
  readonly metric?: string;
  /** URLs the names were read from. */
  readonly sources: readonly string[];
}

/** The quotas one TPU generation draws on. */
export interface GcpTpuQuota {
  readonly generation: GcpTpuGeneration;
  readonly accelerator: Extract<AcceleratorId, 'tpu-v4' | 'tpu-v5e' | 'tpu-v5p' | 'tpu-v6e'>;
  /** What the limit counts. v4/v5p chips carry two TensorCores, v5e/v6e chips one. */
  readonly unit: 'chips' | 'TensorCores';
  /** URL the unit was read from. */
  readonly unitSource: string;
  /** On-demand quota; undefined where no source named it. */
  readonly onDemand?: GcpTpuQuotaName;
  /** Preemptible quota, used by Spot TPUs and preemptible queued resources. */
  readonly spot: GcpTpuQuotaName;
  /** TPU quotas are per zone (with a per-region limit above them). */
  readonly scope: 'zone';
  readonly note?: string;
}

const TPU_QUOTA_PAGE = 'https://cloud.google.com/tpu/docs/quota';
const TPU_INTRO = 'https://github.com/boyazeng/tpu_intro/blob/01078b418e08b07230ba444162c6b32bceaa308d/QUOTA.md';
const MARIN_QUOTA_VIEWER =
  'https://github.com/marin-community/marin/blob/b46f7fc4f694e2cf197927e96b3faa508310bcd8/lib/iris/examples/gcp-quota.py';
const MARIN_ISSUE_87 = 'https://github.com/marin-community/marin/issues/87';
const V5P_LOG =
  'https://github.com/aaronzhfeng/tpu-spec-decode/blob/18da7e0396118f6e1793ee29e9429337178c6bef/legacy/docs/V5_ACCESS_LOG.md';

/** TPU quotas per generation. */
export const GCP_TPU_QUOTAS: readonly GcpTpuQuota[] = [
  {
    generation: 'v4', accelerator: 'tpu-v4', scope: 'zone', unit: 'chips', unitSource: TPU_QUOTA_PAGE,
    spot: {
      regionQuotaId: 'TPUV4sPreemptiblePodPerProjectPerRegionForTPUAPI',
      metric: 'tpu.googleapis.com/tpu-v4-preemptible',
      sources: [MARIN_ISSUE_87, MARIN_QUOTA_VIEWER],
    },
    note:
      'Unit: an earlier revision of the quota page said "For TPU v4, quota is solely determined in terms of Cloud TPU ' +
      'chips"; the current one says v4 and v5p quota "can be specified in terms of Cloud TPU chips or TensorCores", so ' +
      'read the unit on the Quotas page. v4 quota is granted on request (sales / TPU Research Cloud) and v4 runs only ' +
      'in us-central2-b. No source named the on-demand quota id or the per-zone preemptible id; both are left out.',
  },
  {
    generation: 'v5e', accelerator: 'tpu-v5e', scope: 'zone', unit: 'chips',
    unitSource: 'https://docs.cloud.google.com/tpu/docs/v5e',
    onDemand: {
      zoneQuotaId: 'TPUV5sLitepodPerProjectPerZoneForTPUAPI',
      regionQuotaId: 'TPUV5sLitepodPerProjectPerRegionForTPUAPI',
      sources: [TPU_INTRO],
    },
    spot: {
      zoneQuotaId: 'TPUV5sPreemptibleLitepodPerProjectPerZoneForTPUAPI',
      regionQuotaId: 'TPUV5sPreemptibleLitepodPerProjectPerRegionForTPUAPI',
      metric: 'tpu.googleapis.com/tpu-v5s-litepod-preemptible',
      sources: [TPU_INTRO, MARIN_ISSUE_87, MARIN_QUOTA_VIEWER],
    },
    note:
      'Each v5e chip has one TensorCore, so chips and cores count the same. v5litepod-1/-4/-8 created for inference ' +
      '(serving) draw on separate serving quotas: tpu-v5s-litepod-serving (on-demand) and ' +
      `tpu-v5s-litepod-serving-preemptible (${TPU_QUOTA_PAGE}).`,
  },
  {
    generation: 'v5p', accelerator: 'tpu-v5p', scope: 'zone', unit: 'TensorCores', unitSource: V5P_LOG,
    onDemand: {
      zoneQuotaId: 'TPUV5PPerProjectPerZoneForTPUAPI',
      regionQuotaId: 'TPUV5PPerProjectPerRegionForTPUAPI',
      sources: [V5P_LOG],
    },
    spot: { metric: 'tpu.googleapis.com/tpu-v5p-preemptible', sources: [MARIN_QUOTA_VIEWER] },
    note:
      'Unit: one v5p-8 (4 chips, 8 TensorCores per https://docs.cloud.google.com/tpu/docs/v5p-training) exhausted a limit of 8 in ' +
      'both TPUV5P quotas in the source, so v5p quota counts TensorCores: a v5p-N slice needs N. The preemptible ' +
      'Cloud Quotas id was not found in a citable source; only its metric is catalogued.',
  },
  {
    generation: 'v6e', accelerator: 'tpu-v6e', scope: 'zone', unit: 'chips',
    unitSource: 'https://docs.cloud.google.com/tpu/docs/v6e',
    onDemand: {
      zoneQuotaId: 'TPUV6EPerProjectPerZoneForTPUAPI',
      regionQuotaId: 'TPUV6EPerProjectPerRegionForTPUAPI',
      sources: [TPU_INTRO],
    },
    spot: {
      zoneQuotaId: 'TPUV6EPreemptiblePerProjectPerZoneForTPUAPI',
      regionQuotaId: 'TPUV6EPreemptiblePerProjectPerRegionForTPUAPI',
      metric: 'tpu.googleapis.com/tpu-v6e-preemptible',
      sources: [TPU_INTRO, MARIN_QUOTA_VIEWER],
    },
    note:
      'Each v6e chip has one TensorCore, so chips and cores count the same. The zone and the region limit both apply: ' +
      'a zone grant with a region limit of 0 still fails (https://github.com/marin-community/marin/pull/1612).',
  },
];

/** The regional quota metric a GPU of `acceleratorType` draws on, or undefined for an unknown type. */
export function gpuQuotaMetric(acceleratorType: string, spot: boolean): string | undefined {
  const quota = GCP_GPU_QUOTAS.find((q) => q.acceleratorType === acceleratorType);
  return quota === undefined ? undefined : spot ? quota.spot.metric : quota.onDemand.metric;
}

const TPU_TYPE_PREFIX: Readonly<Record<GcpTpuGeneration, RegExp>> = {
  v4: /^v4-\d+$/,
  v5e: /^v5litepod-\d+$/,
  v5p: /^v5p-\d+$/,
  v6e: /^v6e-\d+$/,
};

/** The generation of a TPU accelerator id (`tpu-v5e`) or TPU type (`v5litepod-8`), or undefined. */
export function tpuGeneration(accelerator: string): GcpTpuGeneration | undefined {
  const byId = GCP_TPU_QUOTAS.find((q) => q.accelerator === accelerator);
  if (byId !== undefined) return byId.generation;
  return GCP_TPU_GENERATIONS.find((g) => TPU_TYPE_PREFIX[g].test(accelerator));
}

/**
 * The quota a TPU of `accelerator` (an accelerator id such as `tpu-v6e`, or a TPU type such as
 * `v6e-8`) draws on, with the unit its limit counts; undefined for an unknown TPU or where no source
 * named the on-demand quota (v4).
 */
export function tpuQuota(
  accelerator: string,
  spot: boolean,
): { readonly quota: GcpTpuQuotaName; readonly unit: GcpTpuQuota['unit']; readonly generation: GcpTpuGeneration } | undefined {
  const generation = tpuGeneration(accelerator);
  const entry = GCP_TPU_QUOTAS.find((q) => q.generation === generation);
  if (entry === undefined) return undefined;
  const quota = spot ? entry.spot : entry.onDemand;
  return quota === undefined ? undefined : { quota, unit: entry.unit, generation: entry.generation };
}
