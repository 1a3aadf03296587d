/**
 * Machine images gpu-burst boots: AWS Deep Learning AMIs (found through AWS's public SSM
 * parameters) and Google Deep Learning VM images (found through an image family in Google's public
 * project). Each kind names the alias it is resolved from; `images/lock.json` pins the id an alias
 * resolved to, and `spec/images.ts` decides which of the two a host boots.
 *
 * Cloud TPU VMs boot no image of ours: a TPU node is created with a TPU software version (the
 * `runtimeVersion` of each entry in `gcp-tpu-types.ts`, e.g. `v2-alpha-tpuv5-lite`), which Google
 * maintains. TPUs therefore have no image kind here and never appear in the lock.
 *
 * Names come from the providers' documentation, not from memory:
 * - AWS DLAMI parameters are `/aws/service/deeplearning/ami/<arch>/<ami_type>/latest/ami-id`, where
 *   `ami_type` is the AMI name without the words "Deep", "Learning" and "AMI" (AWS_FIND_ID). For
 *   "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)" that keeps the `-gpu-`:
 *   `base-oss-nvidia-driver-gpu-ubuntu-22.04`. The example on AWS_FIND_ID itself omits the `-gpu-`
 *   (`base-oss-nvidia-driver-ubuntu-22.04`); that name does not match the rule the same page states.
 * - Neuron DLAMI parameters end in `/latest/image_id`, not `/latest/ami-id` (NEURON_DLAMI).
 * - Framework images carry the framework version in the alias (`pytorch-2.9`, `pytorch-2-9`):
 *   `latest` is the newest build of that line only, and a line stops being rebuilt when it leaves
 *   support. Moving to a newer framework is a deliberate edit of this file, followed by
 *   `burst images pin`.
 */
import type { AcceleratorKind, Cloud } from './types.js';

/** Accelerator families that boot a machine image (TPUs boot a runtime version instead). */
export type ImageFamily = Exclude<AcceleratorKind['family'], 'tpu'>;

/** AWS image kinds: Deep Learning AMIs, each resolved per region from a public SSM parameter. */
export const AWS_IMAGE_KIND_IDS = ['dlami-base-gpu', 'dlami-pytorch-gpu', 'dlami-neuron'] as const;
/** GCP image kinds: Deep Learning VM image families in project `deeplearning-platform-release`. */
export const GCP_IMAGE_KIND_IDS = ['dlvm-cuda', 'dlvm-pytorch'] as const;

/** An AWS image kind id. */
export type AwsImageKindId = (typeof AWS_IMAGE_KIND_IDS)[number];
/** A GCP image kind id. */
export type GcpImageKindId = (typeof GCP_IMAGE_KIND_IDS)[number];
/** Any image kind id. */
export type ImageKindId = AwsImageKindId | GcpImageKindId;

interface ImageKindBase {
  /** The provider's name for the image, as its documentation writes it. */
  readonly name: string;
  /** Accelerator families hosts booting this image may carry. */
  readonly serves: readonly ImageFamily[];
  /**
   * True for the one kind per cloud and accelerator family that hosts boot when nothing names an
   * image kind.
   */
  readonly default: boolean;
  /** What is installed, in a few words. */
  readonly contents: string;
  /** URL the alias was read from. */
  readonly source: string;
}

/** A Deep Learning AMI, resolved per region from a public SSM parameter. */
export interface AwsImageKind extends ImageKindBase {
  readonly id: AwsImageKindId;
  readonly cloud: 'aws';
  /** Public SSM parameter whose value is the region's current AMI id. */
  readonly ssmParameter: string;
}

/** A Deep Learning VM image family; images are global, so one pin serves every region. */
export interface GcpImageKind extends ImageKindBase {
  readonly id: GcpImageKindId;
  readonly cloud: 'gcp';
  /** Project that publishes the family. */
  readonly project: string;
  /** Image family; its newest non-deprecated image is the family's current image. */
  readonly family: string;
}

/** An image kind on either cloud. */
export type ImageKind = AwsImageKind | GcpImageKind;

const AWS_FIND_ID = 'https://docs.aws.amazon.com/dlami/latest/devguide/find-dlami-id.html';
// Release notes name each DLAMI; they were read through AWS's China-region mirror of the same guide
// (docs.amazonaws.cn), whose English names match the global site's. The x86_64 base AMI's own page
// could not be read; its ARM64 sibling, "Deep Learning ARM64 Base OSS Nvidia Driver GPU AMI
// (Ubuntu 22.04)", is released alongside it under the same name plus "ARM64":
// https://docs.amazonaws.cn/dlami/latest/devguide/aws-deep-learning-ami-gpubaseossarm64-ul2204-2026-10-08.html
const AWS_PYTORCH_NOTES =
  'https://docs.amazonaws.cn/dlami/latest/devguide/aws-deep-learning-ami-gpupt29oss-ul2404-2026-03-20.md';
// The Neuron guide's source is aws-neuron/aws-neuron-sdk, dlami/index.rst ("SSM Parameter Prefix").
const NEURON_DLAMI = 'https://awsdocs-neuron.readthedocs-hosted.com/en/latest/dlami/index.html';
// Google's "Choose an image" page lists the families with their frameworks, CUDA and driver lines.
// It could not be read directly here: the two families were taken from a public note quoting the
// page as last updated 2026-09-15 (PyTorch 2.9 families supported until 2028-08-04; the older
// pytorch-2-7-cu128-ubuntu-2204-nvidia-570 out of patch support since 2026-04-13) and from scripts
// that boot common-cu129-ubuntu-2204-nvidia-580. `burst images pin` fails loudly if either is gone.
const DLVM_IMAGES = 'https://docs.cloud.google.com/deep-learning-vm/docs/images';
const DLVM_PROJECT = 'deeplearning-platform-release';

/** Every image kind gpu-burst can boot, in the order `burst plan` and the lock list them. */
export const IMAGE_KINDS: readonly ImageKind[] = [
  {
    id: 'dlami-base-gpu',
    cloud: 'aws',
    name: 'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)',
    ssmParameter: '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    serves: ['gpu'],
    default: true,
    contents: 'NVIDIA open-source driver, several CUDA toolkits, Docker with the NVIDIA container toolkit, EFA; no framework',
    // The naming rule is AWS_FIND_ID's; the name is the ARM64 sibling's without "ARM64" (see above).
    source: AWS_FIND_ID,
  },
  {
    id: 'dlami-pytorch-gpu',
    cloud: 'aws',
    name: 'Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.9 (Ubuntu 24.04)',
    ssmParameter: '/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.9-ubuntu-24.04/latest/ami-id',
    serves: ['gpu'],
    default: false,
    contents: 'the base GPU stack plus PyTorch 2.9 in /opt/pytorch',
    source: AWS_PYTORCH_NOTES,
  },
  {
    id: 'dlami-neuron',
    cloud: 'aws',
    name: 'Deep Learning AMI Neuron (Ubuntu 24.04)',
    ssmParameter: '/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id',
    serves: ['trainium'],
    default: true,
    contents: 'Neuron driver, runtime and compiler, EFA, virtual environments for PyTorch, JAX and vLLM on Neuron (Inf2, Trn1, Trn2, Trn3)',
    source: NEURON_DLAMI,
  },
  {
    id: 'dlvm-cuda',
    cloud: 'gcp',
    name: 'Deep Learning VM with CUDA 12.9 and NVIDIA driver 580 (Ubuntu 22.04)',
    project: DLVM_PROJECT,
    family: 'common-cu129-ubuntu-2204-nvidia-580',
    serves: ['gpu'],
    default: true,
    contents: 'NVIDIA driver 580, CUDA 12.9, Python; no framework',
    source: DLVM_IMAGES,
  },
  {
    id: 'dlvm-pytorch',
    cloud: 'gcp',
    name: 'Deep Learning VM with PyTorch 2.9, CUDA 12.9 and NVIDIA driver 580 (Ubuntu 22.04)',
    project: DLVM_PROJECT,
    family: 'pytorch-2-9-cu129-ubuntu-2204-nvidia-580',
    serves: ['gpu'],
    default: false,
    contents: 'the CUDA stack plus PyTorch 2.9',
    source: DLVM_IMAGES,
  },
];

/** The AWS image kinds, in catalog order. */
export function awsImageKinds(): AwsImageKind[] {
  return IMAGE_KINDS.filter((k): k is AwsImageKind => k.cloud === 'aws');
}

/** The GCP image kinds, in catalog order. */
export function gcpImageKinds(): GcpImageKind[] {
  return IMAGE_KINDS.filter((k): k is GcpImageKind => k.cloud === 'gcp');
}

/** The AWS image kind with this id. */
export function awsImageKind(id: AwsImageKindId): AwsImageKind {
  const kind = awsImageKinds().find((k) => k.id === id);
  if (kind === undefined) throw new Error(`catalog: image kind '${id}' has no entry in images.ts`);
  return kind;
}

/** The GCP image kind with this id. */
export function gcpImageKind(id: GcpImageKindId): GcpImageKind {
  const kind = gcpImageKinds().find((k) => k.id === id);
  if (kind === undefined) throw new Error(`catalog: image kind '${id}' has no entry in images.ts`);
  return kind;
}

/** The alias an image kind is resolved from: the SSM parameter, or `projects/<p>/global/images/family/<f>`. */
export function imageAlias(kind: ImageKind): string {
  return kind.cloud === 'aws' ? kind.ssmParameter : `projects/${kind.project}/global/images/family/${kind.family}`;
}

/** The default image kind for an accelerator family on a cloud, or undefined when the cloud has none. */
export function defaultImageKind(cloud: Cloud, family: ImageFamily): ImageKind | undefined {
  return IMAGE_KINDS.find((k) => k.cloud === cloud && k.default && k.serves.includes(family));
}
