/**
 * Cloud-neutral accelerator kinds and their per-device memory, one entry per id in `ACCELERATOR_IDS`.
 * Memory is as the provider states it (AWS and Google write "GB" or "GiB" for the same figures).
 */
import type { AcceleratorKind } from './types.js';

// AWS Batch "GPU jobs" lists GPU memory for g4dn (T4 16 GiB), p3 (V100 16 GiB), g5 (A10G 24 GiB), g6 (L4 24 GiB).
const AWS_BATCH_GPUS = 'https://docs.aws.amazon.com/batch/latest/userguide/gpu-jobs.html';
// Google Cloud "GPU machine types": A100 40GB, A100 80GB, H100 80GB, H200 141GB per GPU.
const GCP_GPUS = 'https://cloud.google.com/compute/docs/gpus';
// The SkyPilot AWS catalog (from EC2 DescribeInstanceTypes): L40S 45776 MiB usable, nominal 48 GB.
const SKY_AWS =
  'https://github.com/skypilot-org/skypilot-catalog/blob/e385a0d348eda9cefd9806423e7725944dc249e4/catalogs/v8/aws/vms.csv';
const NEURON_TRN1 = 'https://awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/neuron-hardware/trainium.html';

/** Every accelerator kind gpu-burst can request, with memory per device in GiB. */
export const ACCELERATORS: readonly AcceleratorKind[] = [
  // NVIDIA GPUs
  { id: 't4', displayName: 'NVIDIA T4', family: 'gpu', memoryGiBPerDevice: 16, source: AWS_BATCH_GPUS },
  { id: 'v100', displayName: 'NVIDIA V100 16GB', family: 'gpu', memoryGiBPerDevice: 16, source: AWS_BATCH_GPUS },
  { id: 'a10g', displayName: 'NVIDIA A10G', family: 'gpu', memoryGiBPerDevice: 24, source: AWS_BATCH_GPUS },
  { id: 'l4', displayName: 'NVIDIA L4', family: 'gpu', memoryGiBPerDevice: 24, source: AWS_BATCH_GPUS },
  // 48 GB nominal; EC2 reports 45776 MiB (44.7 GiB) usable per GPU.
  { id: 'l40s', displayName: 'NVIDIA L40S', family: 'gpu', memoryGiBPerDevice: 48, source: SKY_AWS },
  { id: 'a100-40gb', displayName: 'NVIDIA A100 40GB', family: 'gpu', memoryGiBPerDevice: 40, source: GCP_GPUS },
  { id: 'a100-80gb', displayName: 'NVIDIA A100 80GB', family: 'gpu', memoryGiBPerDevice: 80, source: GCP_GPUS },
  { id: 'h100', displayName: 'NVIDIA H100 80GB', family: 'gpu', memoryGiBPerDevice: 80, source: GCP_GPUS },
  { id: 'h200', displayName: 'NVIDIA H200 141GB', family: 'gpu', memoryGiBPerDevice: 141, source: GCP_GPUS },
  // AWS Trainium: 32 GiB per Trainium chip. (Trainium2 waits for a sourced trn2 price; add it with its instance type.)
  { id: 'trainium', displayName: 'AWS Trainium', family: 'trainium', memoryGiBPerDevice: 32, source: NEURON_TRN1 },
  // Cloud TPU: HBM per chip from each generation's architecture page.
  { id: 'tpu-v4', displayName: 'Cloud TPU v4', family: 'tpu', memoryGiBPerDevice: 32, source: 'https://cloud.google.com/tpu/docs/v4' },
  { id: 'tpu-v5e', displayName: 'Cloud TPU v5e', family: 'tpu', memoryGiBPerDevice: 16, source: 'https://docs.cloud.google.com/tpu/docs/v5e' },
  { id: 'tpu-v5p', displayName: 'Cloud TPU v5p', family: 'tpu', memoryGiBPerDevice: 95, source: 'https://docs.cloud.google.com/tpu/docs/v5p' },
  { id: 'tpu-v6e', displayName: 'Cloud TPU v6e (Trillium)', family: 'tpu', memoryGiBPerDevice: 32, source: 'https://docs.cloud.google.com/tpu/docs/v6e' },
];
