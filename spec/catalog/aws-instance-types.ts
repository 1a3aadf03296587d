/**
 * EC2 instance types that carry GPUs or Trainium chips.
 *
 * Hardware (accelerator count, vCPUs, memory) and the regions where each type is offered come from the
 * SkyPilot AWS catalog, which is built from EC2 DescribeInstanceTypes / DescribeInstanceTypeOfferings and
 * the AWS price list; only the regions of `regions.ts` are listed. Accelerator memory is count x the
 * per-device figure of `accelerators.ts`.
 *
 * EFA: counts from meta-pytorch/torchx `torchx/specs/named_resources_aws.py` (commit 3297a6e) where it
 * lists the type; eksctl `pkg/utils/instance/instance_types.go` (commit 0027506) gives EFA support as a
 * yes/no for the rest (a "yes" without a torchx count is entered as 1). traps.md agrees: p5/p5e 32,
 * p5en 16, p4d/p4de 4, trn1.32xlarge 8, g5.48xlarge and g4dn.12xlarge 1, `.xlarge` G sizes and p3 none.
 *
 * Prices: us-east-1 on-demand Linux and the median of the us-east-1 Availability Zone spot prices in the
 * same catalog commit (the commit's date is not shown, so `asOf` is the date the file was read).
 * Left out for want of a price: p5e.48xlarge (no on-demand price in the catalog) and trn2.48xlarge
 * (no price, listed only in us-east-2).
 */
import type { AwsInstanceType } from './types.js';

const SKY =
  'https://github.com/skypilot-org/skypilot-catalog/blob/e385a0d348eda9cefd9806423e7725944dc249e4/catalogs/v8/aws/vms.csv';
const SKY_V7 =
  'https://github.com/skypilot-org/skypilot-catalog/blob/27f67dd4e1bc0d35fa0ec075180ad54b230882c4/catalogs/v7/aws/vms.csv';
const ASOF = '2026-11-26';
const USE1 = 'us-east-1';
const OD = 'on-demand Linux, SkyPilot catalog v8 commit e385a0d';
const OD_CUT = `${OD}; after the June 2025 P4/P5 price cut (p5.48xlarge was 98.32 before it)`;
const SPOT = 'spot: median of the us-east-1 AZ prices in SkyPilot catalog v8 commit e385a0d; AZ range';

const R8 = [
  'ap-northeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2',
];
// p3 and p4d: every region of regions.ts but eu-north-1.
const P3 = ['ap-northeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2'];
// g6: every region of regions.ts but eu-west-1.
const G6 = ['ap-northeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-north-1', 'us-east-1', 'us-east-2', 'us-west-2'];
// g6e: no ap-southeast-2, no eu-west-1.
const G6E = ['ap-northeast-1', 'eu-central-1', 'eu-north-1', 'us-east-1', 'us-east-2', 'us-west-2'];

/** Accelerated EC2 instance types, several per accelerator where AWS offers several (spot fleets mix them). */
export const AWS_INSTANCE_TYPES: readonly AwsInstanceType[] = [
  // T4 (g4dn); EFA only from g4dn.8xlarge up.
  {
    instanceType: 'g4dn.xlarge', accelerator: 't4', acceleratorCount: 1, acceleratorMemoryGiB: 16, vCpus: 4, memoryGiB: 16,
    efaInterfaces: 0, regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.526, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.2131, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.2069-0.219` },
    },
  },
  {
    instanceType: 'g4dn.2xlarge', accelerator: 't4', acceleratorCount: 1, acceleratorMemoryGiB: 16, vCpus: 8, memoryGiB: 32,
    efaInterfaces: 0, regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.752, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.2961, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.2925-0.3482` },
    },
  },
  {
    instanceType: 'g4dn.4xlarge', accelerator: 't4', acceleratorCount: 1, acceleratorMemoryGiB: 16, vCpus: 16, memoryGiB: 64,
    efaInterfaces: 0, regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 1.204, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.4186, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.3885-0.4369` },
    },
  },
  {
    // Regions: only those whose catalog rows were read (ap-*/eu-central-1 rows not checked).
    instanceType: 'g4dn.12xlarge', accelerator: 't4', acceleratorCount: 4, acceleratorMemoryGiB: 64, vCpus: 48, memoryGiB: 192,
    efaInterfaces: 1, regions: ['eu-north-1', 'eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 3.912, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 1.2795, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 1.1739-1.6318` },
    },
  },
  // V100 16GB (p3); no EFA on p3 (only p3dn has it).
  {
    instanceType: 'p3.2xlarge', accelerator: 'v100', acceleratorCount: 1, acceleratorMemoryGiB: 16, vCpus: 8, memoryGiB: 61,
    efaInterfaces: 0, regions: P3, source: SKY,
    prices: {
      onDemand: { usdPerHour: 3.06, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.5027, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.4803-0.5576` },
    },
  },
  {
    instanceType: 'p3.8xlarge', accelerator: 'v100', acceleratorCount: 4, acceleratorMemoryGiB: 64, vCpus: 32, memoryGiB: 244,
    efaInterfaces: 0, regions: P3, source: SKY,
    prices: {
      onDemand: { usdPerHour: 12.24, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: {
        usdPerHour: 2.2771, region: USE1, asOf: ASOF, source: SKY_V7,
        note: 'spot: median of the us-east-1 AZ prices (1.9724-2.3998) in the older SkyPilot catalog v7 commit 27f67dd; the v8 rows were not read',
      },
    },
  },
  {
    instanceType: 'p3.16xlarge', accelerator: 'v100', acceleratorCount: 8, acceleratorMemoryGiB: 128, vCpus: 64, memoryGiB: 488,
    efaInterfaces: 0, regions: P3, source: SKY,
    prices: {
      onDemand: { usdPerHour: 24.48, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 4.1599, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 4.0417-4.3647` },
    },
  },
  // A10G (g5); EFA from g5.8xlarge up.
  {
    // Regions: only those whose catalog rows were read; every other g5 size is in all eight.
    instanceType: 'g5.xlarge', accelerator: 'a10g', acceleratorCount: 1, acceleratorMemoryGiB: 24, vCpus: 4, memoryGiB: 16,
    efaInterfaces: 0, regions: ['eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 1.006, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.4886, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.4591-0.507` },
    },
  },
  {
    instanceType: 'g5.2xlarge', accelerator: 'a10g', acceleratorCount: 1, acceleratorMemoryGiB: 24, vCpus: 8, memoryGiB: 32,
    efaInterfaces: 0, regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 1.212, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.4992, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.4445-0.6241` },
    },
  },
  {
    instanceType: 'g5.12xlarge', accelerator: 'a10g', acceleratorCount: 4, acceleratorMemoryGiB: 96, vCpus: 48, memoryGiB: 192,
    efaInterfaces: 1, regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 5.672, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 2.0049, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 1.9046-2.4982` },
    },
  },
  {
    instanceType: 'g5.24xlarge', accelerator: 'a10g', acceleratorCount: 4, acceleratorMemoryGiB: 96, vCpus: 96, memoryGiB: 384,
    efaInterfaces: 1, regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 8.144, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 3.23, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 3.0528-3.5025` },
    },
  },
  {
    instanceType: 'g5.48xlarge', accelerator: 'a10g', acceleratorCount: 8, acceleratorMemoryGiB: 192, vCpus: 192, memoryGiB: 768,
    efaInterfaces: 1, regions: R8, source: SKY,
    prices: {
      onDemand: { usdPerHour: 16.288, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 5.1074, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 4.3302-5.8705` },
    },
  },
  // L4 (g6); eksctl: EFA on g6.8xlarge and up (12xlarge, 48xlarge yes; xlarge, 2xlarge, 4xlarge no).
  {
    instanceType: 'g6.xlarge', accelerator: 'l4', acceleratorCount: 1, acceleratorMemoryGiB: 24, vCpus: 4, memoryGiB: 16,
    efaInterfaces: 0, regions: G6, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.8048, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.4083, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.4007-0.4386` },
    },
  },
  {
    instanceType: 'g6.2xlarge', accelerator: 'l4', acceleratorCount: 1, acceleratorMemoryGiB: 24, vCpus: 8, memoryGiB: 32,
    efaInterfaces: 0, regions: G6, source: SKY,
    prices: {
      onDemand: { usdPerHour: 0.9776, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.4387, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.4218-0.5324` },
    },
  },
  {
    instanceType: 'g6.4xlarge', accelerator: 'l4', acceleratorCount: 1, acceleratorMemoryGiB: 24, vCpus: 16, memoryGiB: 64,
    efaInterfaces: 0, regions: G6, source: SKY,
    prices: {
      onDemand: { usdPerHour: 1.3232, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.5464, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.5347-0.5776` },
    },
  },
  {
    instanceType: 'g6.12xlarge', accelerator: 'l4', acceleratorCount: 4, acceleratorMemoryGiB: 96, vCpus: 48, memoryGiB: 192,
    efaInterfaces: 1, regions: G6, source: SKY,
    prices: {
      onDemand: { usdPerHour: 4.6016, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 1.7353, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 1.664-2.0357` },
    },
  },
  {
    // Regions: ap-northeast-1 rows not read (the smaller g6 sizes are offered there).
    instanceType: 'g6.48xlarge', accelerator: 'l4', acceleratorCount: 8, acceleratorMemoryGiB: 192, vCpus: 192, memoryGiB: 768,
    efaInterfaces: 1, regions: ['ap-southeast-2', 'eu-central-1', 'eu-north-1', 'us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 13.3504, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 4.4759, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 2.7361-5.0687` },
    },
  },
  // L40S (g6e); eksctl: EFA on g6e.8xlarge and up; torchx: g6e.48xlarge 4 interfaces.
  {
    instanceType: 'g6e.xlarge', accelerator: 'l40s', acceleratorCount: 1, acceleratorMemoryGiB: 48, vCpus: 4, memoryGiB: 32,
    efaInterfaces: 0, regions: G6E, source: SKY,
    prices: {
      onDemand: { usdPerHour: 1.861, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.8902, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.7483-0.9302` },
    },
  },
  {
    // Regions: only the US rows were read.
    instanceType: 'g6e.2xlarge', accelerator: 'l40s', acceleratorCount: 1, acceleratorMemoryGiB: 48, vCpus: 8, memoryGiB: 64,
    efaInterfaces: 0, regions: ['us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 2.24208, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.8465, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.8327-0.8599` },
    },
  },
  {
    instanceType: 'g6e.4xlarge', accelerator: 'l40s', acceleratorCount: 1, acceleratorMemoryGiB: 48, vCpus: 16, memoryGiB: 128,
    efaInterfaces: 0, regions: G6E, source: SKY,
    prices: {
      onDemand: { usdPerHour: 3.00424, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 1.0261, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.8653-1.1347` },
    },
  },
  {
    // EFA supported per eksctl; torchx gives no count for this size, entered as 1.
    instanceType: 'g6e.12xlarge', accelerator: 'l40s', acceleratorCount: 4, acceleratorMemoryGiB: 192, vCpus: 48, memoryGiB: 384,
    efaInterfaces: 1, regions: G6E, source: SKY,
    prices: {
      onDemand: { usdPerHour: 10.49264, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 4.4325, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 3.2906-6.5969` },
    },
  },
  {
    instanceType: 'g6e.48xlarge', accelerator: 'l40s', acceleratorCount: 8, acceleratorMemoryGiB: 384, vCpus: 192, memoryGiB: 1536,
    efaInterfaces: 4, regions: G6E, source: SKY,
    prices: {
      onDemand: { usdPerHour: 30.13118, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 10.2297, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 8.7105-16.4971` },
    },
  },
  // A100 40GB (p4d) and A100 80GB (p4de), 4 EFA interfaces each.
  {
    instanceType: 'p4d.24xlarge', accelerator: 'a100-40gb', acceleratorCount: 8, acceleratorMemoryGiB: 320, vCpus: 96, memoryGiB: 1152,
    efaInterfaces: 4, regions: P3, source: SKY,
    prices: {
      onDemand: { usdPerHour: 21.957642, region: USE1, asOf: ASOF, source: SKY, note: `${OD}; after the June 2025 P4/P5 price cut (32.77 before it)` },
      spot: { usdPerHour: 12.4991, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 6.289-14.1051 (three AZs)` },
    },
  },
  {
    instanceType: 'p4de.24xlarge', accelerator: 'a100-80gb', acceleratorCount: 8, acceleratorMemoryGiB: 640, vCpus: 96, memoryGiB: 1152,
    efaInterfaces: 4, regions: ['ap-northeast-1', 'eu-central-1', 'us-east-1', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 27.44705, region: USE1, asOf: ASOF, source: SKY, note: `${OD}; after the June 2025 P4/P5 price cut` },
      spot: { usdPerHour: 10.5928, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 9.7262-11.4593 (two AZs)` },
    },
  },
  // H100 80GB (p5): p5.48xlarge 32 EFA interfaces; p5.4xlarge (1 GPU) 1 interface per a third-party
  // DescribeInstanceTypes dump, not confirmed on an AWS page.
  {
    instanceType: 'p5.48xlarge', accelerator: 'h100', acceleratorCount: 8, acceleratorMemoryGiB: 640, vCpus: 192, memoryGiB: 2048,
    efaInterfaces: 32, regions: ['ap-northeast-1', 'ap-southeast-2', 'eu-north-1', 'us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 55.04, region: USE1, asOf: ASOF, source: SKY, note: OD_CUT },
      spot: {
        usdPerHour: 31.037, region: USE1, asOf: ASOF, source: SKY,
        note: `${SPOT} 14.246-55.04 (six AZs: three near 14.5, three near on-demand; the median falls between)`,
      },
    },
  },
  {
    instanceType: 'p5.4xlarge', accelerator: 'h100', acceleratorCount: 1, acceleratorMemoryGiB: 80, vCpus: 16, memoryGiB: 256,
    efaInterfaces: 1, regions: ['ap-northeast-1', 'ap-southeast-2', 'us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 6.88, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: {
        usdPerHour: 3.3417, region: 'ap-northeast-1', asOf: ASOF, source: SKY,
        note: 'spot: the catalog has no us-east-1/us-east-2/us-west-2 spot price; ap-northeast-1 figure (on-demand there 8.6)',
      },
    },
  },
  // H200 141GB (p5en, 16 EFA interfaces). p5e.48xlarge is left out: no on-demand price in the catalog.
  {
    instanceType: 'p5en.48xlarge', accelerator: 'h200', acceleratorCount: 8, acceleratorMemoryGiB: 1128, vCpus: 192, memoryGiB: 2048,
    efaInterfaces: 16, regions: ['ap-northeast-1', 'eu-north-1', 'us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: {
        usdPerHour: 63.296, region: USE1, asOf: ASOF, source: SKY,
        note: `${OD}; same figure in dstack PR https://github.com/dstackai/dstack/pull/4110 (2026-08-06)`,
      },
      spot: { usdPerHour: 19.5362, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 19.1652-19.9071 (two AZs)` },
    },
  },
  // Trainium (trn1): trn1.32xlarge 8 EFA interfaces; trn1.2xlarge has none.
  {
    instanceType: 'trn1.2xlarge', accelerator: 'trainium', acceleratorCount: 1, acceleratorMemoryGiB: 32, vCpus: 8, memoryGiB: 32,
    efaInterfaces: 0, regions: ['us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 1.34375, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 0.365, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 0.355-0.375 (two AZs)` },
    },
  },
  {
    instanceType: 'trn1.32xlarge', accelerator: 'trainium', acceleratorCount: 16, acceleratorMemoryGiB: 512, vCpus: 128, memoryGiB: 512,
    efaInterfaces: 8, regions: ['ap-southeast-2', 'us-east-1', 'us-east-2', 'us-west-2'], source: SKY,
    prices: {
      onDemand: { usdPerHour: 21.5, region: USE1, asOf: ASOF, source: SKY, note: OD },
      spot: { usdPerHour: 3.9051, region: USE1, asOf: ASOF, source: SKY, note: `${SPOT} 3.6663-4.5719` },
    },
  },
];
