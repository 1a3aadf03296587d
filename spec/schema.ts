/**
 * The team file schema. One file, `teams/<team>.yaml`, describes a team's whole environment on both
 * clouds; the team name is the file name. Every field has a description (it becomes the JSON Schema
 * that editors complete from, and the README's reference) and a default, so a minimal file is a few
 * lines. Cross-field rules (zones in the region, ...) live in `validate.ts`.
 *
 * Fleets, sweep groups and the dev box are here with the constructs that build them (AWS today; the
 * GCP ones join with theirs); nothing here is a field that nothing builds.
 */
import { z } from 'zod';
import { ACCELERATOR_IDS, awsRegionIds, gcpRegionIds } from './catalog/index.js';
import { AWS_IMAGE_KIND_IDS, GCP_IMAGE_KIND_IDS } from './catalog/images.js';

/** Lowercase letters, digits, `_` and `-`: what both AWS tags and GCP labels accept. */
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;

/** Tag/label keys gpu-burst sets itself; a team file may not override them. */
export const RESERVED_TAG_KEYS = ['team', 'cost-center', 'managed-by'] as const;

const days = (description: string, min: number, max: number, dflt: number) =>
  z.int().min(min).max(max).default(dflt).meta({ description, examples: [dflt] });

const ipv4Cidr = z
  .string()
  .regex(
    /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/,
    'is not an IPv4 CIDR block (address/prefix length)',
  );

/** Artifact storage settings shared by both clouds. */
export const StorageSchema = z
  .strictObject({
    noncurrentVersionDays: days(
      'Days an overwritten or deleted artifact version stays recoverable before it expires ' +
        '(S3 NoncurrentVersionExpiration; GCS lifecycle daysSinceNoncurrentTime). Current versions never expire.',
      1,
      3650,
      30,
    ),
    incompleteUploadDays: days(
      'Days after which an unfinished multipart upload (an interrupted checkpoint sync) is aborted and its parts deleted.',
      1,
      365,
      7,
    ),
    untaggedImageDays: days(
      'Days an untagged training image is kept in the image repository before it is deleted. Tagged images are immutable and kept.',
      1,
      3650,
      14,
    ),
  })
  .prefault({})
  .describe('Artifact storage (checkpoints, datasets, run manifests) and training image retention, on both clouds.');

/** Names of fleets, sweep groups: lowercase, short enough for every resource name built from them. */
export const COMPUTE_NAME = /^[a-z][a-z0-9-]{0,20}[a-z0-9]$/;

const computeName = (what: string) =>
  z
    .string()
    .regex(COMPUTE_NAME, 'must be 2 to 22 lowercase letters, digits or "-", starting with a letter and not ending with "-"')
    .meta({ description: `Name of the ${what}, unique in the team; used in resource names, tags and CLI commands.`, examples: ['train'] });

const acceleratorField = z.enum(ACCELERATOR_IDS).meta({
  description: 'Cloud-neutral accelerator kind (see `burst catalog`); the catalog turns it into instance types of the region.',
  examples: ['a10g'],
});

const idleMinutesField = (dflt: string) =>
  z
    .int()
    .min(5)
    .max(1440)
    .optional()
    .meta({ description: `Minutes every idle signal must stay quiet before the host is removed. Default: ${dflt}.`, examples: [30] });

const ttlHoursField = z
  .number()
  .min(0.5)
  .max(168)
  .optional()
  .meta({ description: 'Hours after boot at which a host goes away whatever it is doing (hard TTL). Default: shutdown.ttlHours.', examples: [12] });

const commandField = z
  .array(z.string().min(1))
  .min(1)
  .optional()
  .meta({
    description: 'Training command (argv). On a fleet the agent runs it and each node goes away when it exits; on a sweep it overrides the image entry point.',
    examples: [['python', 'train.py', '--config', 'configs/base.yaml']],
  });

/** What a dev box carries, the same on both clouds. */
const devBoxAcceleratorFields = {
  accelerator: acceleratorField.optional().meta({ description: 'Accelerator of a GPU dev box. Default: none (a CPU box).', examples: ['l4'] }),
  count: z.int().min(1).max(8).default(1).meta({ description: 'Accelerators (with accelerator:).', examples: [1] }),
};

const attemptsField = z
  .int()
  .min(1)
  .max(10)
  .default(3)
  .meta({ description: 'Attempts per trial: a trial is retried when spot reclaims its host, never after an application error.', examples: [3] });

const imageTagField = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'is not an image tag (letters, digits, "_", "." or "-", at most 128)')
  .meta({ description: "Tag of the training image in the team's repository (tags are immutable, so a tag names one image).", examples: ['v1'] });

const instanceTypesField = z
  .array(z.string())
  .min(1)
  .max(20)
  .optional()
  .meta({
    description:
      'EC2 instance types to use instead of the catalog choice. Each must carry `count` x `accelerator` and be offered in the region. ' +
      'Default: every catalog type with that accelerator and count in the region.',
    examples: [['g5.xlarge', 'g5.2xlarge', 'g5.4xlarge']],
  });

/** Shutdown defaults for every host of the team (a fleet, the dev box may override them). */
export const ShutdownSchema = z
  .strictObject({
    idleMinutes: z
      .int()
      .min(5)
      .max(1440)
      .default(30)
      .meta({
        description:
          'Minutes every idle signal (GPU/TPU activity, training heartbeat, SSH/SSM sessions, Jupyter kernels) must stay quiet before the on-host agent removes the host.',
        examples: [30],
      }),
    ttlHours: z
      .number()
      .min(0.5)
      .max(168)
      .default(12)
      .meta({
        description:
          'Hours after boot at which a host goes away whatever it is doing: the agent, a cloud-side deadline and the serverless backstop all enforce it.',
        examples: [12],
      }),
  })
  .prefault({})
  .describe('When idle or overdue hardware stops billing, for every host of the team.');

/** The team's monthly budget and who hears about it. */
export const BudgetSchema = z
  .strictObject({
    monthlyUsd: z
      .number()
      .positive()
      .max(10_000_000)
      .default(1000)
      .meta({ description: 'Monthly spend (USD) of everything tagged with the team; alerts fire at 50, 80 and 100 % of it.', examples: [1000] }),
    emails: z
      .array(z.email('is not an email address').meta({ examples: ['ml-team@example.com'] }))
      .max(10)
      .default([])
      .meta({
        description: 'Addresses that receive budget alerts and fleet launch/termination failures (each must confirm the subscription).',
        examples: [['ml-team@example.com']],
      }),
  })
  .prefault({})
  .describe('Budget alerts (AWS Budgets) for the team.');

const QuotaSchema = z
  .strictObject({
    onDemand: z.int().min(0).optional().meta({ description: 'On-Demand vCPU quota of this class in the region. Default: not checked.', examples: [64] }),
    spot: z.int().min(0).optional().meta({ description: 'Spot vCPU quota of this class in the region. Default: not checked.', examples: [128] }),
  })
  .meta({ description: 'vCPU quotas of one EC2 quota class (Service Quotas console, EC2). Default: not checked.' });

/** vCPU quotas the team's AWS account has in its region, per EC2 quota class. */
export const AwsQuotasSchema = z
  .strictObject({
    standard: QuotaSchema.optional(),
    g: QuotaSchema.optional(),
    p: QuotaSchema.optional(),
    trn: QuotaSchema.optional(),
  })
  .optional()
  .meta({
    description:
      'The vCPU quotas the account has in the region (Service Quotas: "Running On-Demand G and VT instances", "All P Spot Instance Requests", ...). ' +
      'Validation fails when fleets, sweep groups and the dev box at full size need more. Default: none declared, nothing checked.',
    examples: [{ g: { onDemand: 64, spot: 128 }, p: { spot: 192 } }],
  });

/** An AWS GPU fleet. */
export const AwsFleetSchema = z
  .strictObject({
    name: computeName('fleet'),
    accelerator: acceleratorField,
    count: z.int().min(1).max(16).default(1).meta({ description: 'Accelerators per node.', examples: [1] }),
    instanceTypes: instanceTypesField,
    nodes: z
      .int()
      .min(1)
      .max(64)
      .default(1)
      .meta({
        description:
          'Nodes of a full burst (the group\'s maximum and the default of `burst start --nodes`). More than 1 makes a multi-node fleet: one AZ, a cluster placement group, EFA where the type has it.',
        examples: [1],
      }),
    market: z
      .enum(['spot', 'on-demand', 'mixed'])
      .default('spot')
      .meta({ description: 'spot (cheapest, may be reclaimed with 2 minutes notice), on-demand, or mixed: onDemandBase nodes on demand, the rest spot.', examples: ['spot'] }),
    onDemandBase: z.int().min(0).max(64).default(0).meta({ description: 'With market mixed: nodes bought on demand before any spot.', examples: [1] }),
    diskGiB: z.int().min(50).max(16384).default(200).meta({ description: 'Encrypted gp3 root volume per node, GiB (deleted with the node: keep data in the artifact store).', examples: [200] }),
    efa: z
      .boolean()
      .optional()
      .meta({ description: 'Attach Elastic Fabric Adapter interfaces. Default: true for multi-node fleets whose types support EFA. true on a type without EFA is an error.', examples: [true] }),
    image: z
      .enum(AWS_IMAGE_KIND_IDS)
      .optional()
      .meta({ description: "Deep Learning AMI kind the nodes boot (pinned by images/lock.json). Default: the accelerator family's default kind.", examples: ['dlami-pytorch-gpu'] }),
    idleMinutes: idleMinutesField('shutdown.idleMinutes'),
    ttlHours: ttlHoursField,
    command: commandField,
  })
  .meta({ description: 'A GPU fleet: an Auto Scaling group at zero at rest, started by `burst start <team> <fleet>`.' });

/** An AWS sweep group. */
export const AwsSweepSchema = z
  .strictObject({
    name: computeName('sweep group'),
    accelerator: acceleratorField,
    count: z.int().min(1).max(16).default(1).meta({ description: 'GPUs per trial.', examples: [1] }),
    instanceTypes: instanceTypesField,
    maxVCpus: z
      .int()
      .min(1)
      .max(100_000)
      .default(64)
      .meta({ description: 'Ceiling of the Batch compute environment in vCPUs (how many trials run at once); it scales to 0 by itself.', examples: [64] }),
    trialHours: z.number().min(0.25).max(72).default(4).meta({ description: 'Hours a trial may run before Batch stops it (job timeout).', examples: [4] }),
    attempts: attemptsField,
    imageTag: imageTagField,
    command: commandField,
  })
  .meta({ description: 'A sweep group: AWS Batch capacity for `burst sweep submit <team> <group> --trials N`.' });

/** The AWS dev box. */
export const AwsDevBoxSchema = z
  .strictObject({
    ...devBoxAcceleratorFields,
    instanceType: z
      .string()
      .optional()
      .meta({ description: 'EC2 instance type. Default: the cheapest catalog type for the accelerator, or m7i.xlarge for a CPU box.', examples: ['g5.xlarge'] }),
    diskGiB: z.int().min(50).max(16384).default(100).meta({ description: 'Encrypted gp3 root volume, GiB (replaced with the instance).', examples: [100] }),
    dataGiB: z
      .int()
      .min(10)
      .max(16384)
      .default(200)
      .meta({ description: 'Encrypted gp3 data volume mounted at /data, GiB: kept across stops and retained when the burst is torn down.', examples: [200] }),
    dataVolumeId: z
      .string()
      .regex(/^vol-[0-9a-f]{8,17}$/, 'is not an EBS volume id (vol-...)')
      .optional()
      .meta({ description: 'Re-attach a data volume retained by an earlier teardown instead of creating one. Default: a new volume.', examples: ['vol-0123456789abcdef0'] }),
    image: z
      .enum(AWS_IMAGE_KIND_IDS)
      .optional()
      .meta({ description: 'Deep Learning AMI kind. Default: the GPU base DLAMI.', examples: ['dlami-pytorch-gpu'] }),
    idleMinutes: idleMinutesField('60'),
    ttlHours: ttlHoursField,
  })
  .meta({
    description: 'A dev box: one instance with Jupyter on localhost (reached through SSM), stopped when idle, its data volume kept. Default: none.',
  });

/** The `aws:` section. */
export const AwsSchema = z
  .strictObject({
    region: z
      .enum(awsRegionIds())
      .default('us-east-1')
      .meta({ description: 'AWS region of both stacks (<team>-storage and <team>-burst).', examples: ['us-east-1'] }),
    availabilityZones: z
      .array(z.string())
      .min(2)
      .max(6)
      .optional()
      .meta({
        description:
          "Availability Zones of the burst VPC's private subnets (at least 2, all in the region). " +
          "Default: the region's first two zones as CloudFormation lists them (Fn::GetAZs).",
        examples: [['us-east-1a', 'us-east-1b', 'us-east-1c']],
      }),
    vpcCidr: ipv4Cidr.default('10.64.0.0/16').meta({
      description: 'Private IPv4 range of the burst VPC (RFC 1918, /16 to /24), split evenly between the zones.',
      examples: ['10.64.0.0/16'],
    }),
    quotas: AwsQuotasSchema,
    fleets: z.array(AwsFleetSchema).max(20).default([]).meta({ description: 'GPU fleets (Auto Scaling groups, zero at rest).' }),
    sweeps: z.array(AwsSweepSchema).max(20).default([]).meta({ description: 'Sweep groups (AWS Batch, zero at rest).' }),
    devBox: AwsDevBoxSchema.optional(),
  })
  .describe('What the team builds on AWS (CDK stacks <team>-storage and <team>-burst).');

/** The GCP `storage:` settings that only Cloud Storage has. */
export const GcpStorageSchema = z
  .strictObject({
    location: z
      .string()
      .optional()
      .meta({
        description:
          'Cloud Storage location of the artifact bucket: a region (e.g. us-central1) or a multi-region (US, EU, ASIA). ' +
          "Default: the team's GCP region, next to its compute.",
        examples: ['us-central1'],
      }),
    softDeleteDays: z
      .int()
      .min(7)
      .max(90)
      .default(7)
      .meta({
        description:
          'Days a deleted or overwritten object stays restorable (GCS soft delete, 7 to 90; it cannot be turned off here). ' +
          'Soft-deleted bytes bill at the storage rate, so churned checkpoints cost money for this long.',
        examples: [7],
      }),
  })
  .prefault({})
  .describe('Cloud Storage settings with no AWS counterpart.');

const gcpImageField = (dflt: string) =>
  z
    .enum(GCP_IMAGE_KIND_IDS)
    .optional()
    .meta({ description: `Deep Learning VM image kind (pinned by images/lock.json). Default: ${dflt}.`, examples: ['dlvm-pytorch'] });

const machineTypeField = z
  .string()
  .optional()
  .meta({
    description:
      'Compute Engine machine type to use instead of the catalog choice; it must carry `count` x `accelerator` (A2/A3/G2 fix their GPUs; N1 takes attached T4/V100). ' +
      'Default: the cheapest catalog machine type with that accelerator and count in the region.',
    examples: ['g2-standard-8'],
  });

const QuotaPairSchema = z
  .strictObject({
    onDemand: z.int().min(0).optional().meta({ description: 'On-demand quota. Default: not checked.', examples: [8] }),
    spot: z.int().min(0).optional().meta({ description: 'Spot (preemptible) quota. Default: not checked.', examples: [16] }),
  })
  .meta({ description: 'On-demand and spot quota of one kind. Default: not checked.' });

/** GPU and TPU quotas the team's project has, per accelerator kind. */
export const GcpQuotasSchema = z
  .strictObject({
    gpus: z
      .partialRecord(z.enum(ACCELERATOR_IDS), QuotaPairSchema)
      .optional()
      .meta({
        description: 'GPUs per region (quota metrics such as NVIDIA_L4_GPUS and PREEMPTIBLE_NVIDIA_L4_GPUS), by accelerator kind. Default: not checked.',
        examples: [{ l4: { onDemand: 8, spot: 16 } }],
      }),
    tpuChips: z
      .partialRecord(z.enum(ACCELERATOR_IDS), QuotaPairSchema)
      .optional()
      .meta({
        description: 'TPU chips per zone (on-demand and preemptible TPU quotas), by TPU generation. Default: not checked.',
        examples: [{ 'tpu-v5e': { spot: 16 } }],
      }),
  })
  .optional()
  .meta({
    description:
      'The GPU and TPU quotas the project has (IAM & Admin > Quotas). Validation fails when fleets, TPU nodes, sweep groups and the dev box at full size need more. Default: none declared, nothing checked.',
    examples: [{ gpus: { l4: { spot: 16 } } }],
  });

/** A GCP GPU fleet. */
export const GcpFleetSchema = z
  .strictObject({
    name: computeName('fleet'),
    accelerator: acceleratorField,
    count: z.int().min(1).max(16).default(1).meta({ description: 'GPUs per node.', examples: [1] }),
    machineType: machineTypeField,
    nodes: z
      .int()
      .min(1)
      .max(64)
      .default(1)
      .meta({
        description:
          "Nodes of a full burst (the group's maximum and the default of `burst start --nodes`). More than 1 makes a multi-node fleet: one zone and a compact placement policy.",
        examples: [1],
      }),
    market: z
      .enum(['spot', 'on-demand'])
      .default('spot')
      .meta({ description: 'spot (provisioning model SPOT: cheapest, ~30 s preemption notice) or on-demand (STANDARD).', examples: ['spot'] }),
    diskGiB: z.int().min(50).max(65536).default(200).meta({ description: 'Boot disk per node, GiB (deleted with the node: keep data in the artifact store).', examples: [200] }),
    image: gcpImageField("the accelerator family's default kind"),
    idleMinutes: idleMinutesField('shutdown.idleMinutes'),
    ttlHours: ttlHoursField,
    command: commandField,
  })
  .meta({ description: 'A GPU fleet: a regional managed instance group at zero at rest, started by `burst start <team> <fleet>`.' });

/** A Cloud TPU node (a queued resource while a burst runs). */
export const GcpTpuSchema = z
  .strictObject({
    name: computeName('TPU node'),
    type: z
      .string()
      .meta({ description: 'TPU accelerator type as the TPU API names it (see `burst catalog --accelerator tpu-v5e`).', examples: ['v5litepod-8'] }),
    runtimeVersion: z
      .string()
      .optional()
      .meta({ description: "TPU software version. Default: the catalog's runtime for the TPU generation.", examples: ['v2-alpha-tpuv5-lite'] }),
    zone: z
      .string()
      .optional()
      .meta({ description: "Zone of the slice. Default: the first of the team's zones where the catalog offers the type.", examples: ['us-central1-a'] }),
    spot: z.boolean().default(true).meta({ description: 'Spot capacity (preemptible, far cheaper) instead of on-demand.', examples: [true] }),
    idleMinutes: idleMinutesField('shutdown.idleMinutes'),
    ttlHours: ttlHoursField,
    command: commandField,
  })
  .meta({ description: 'A TPU node: no TPU exists at rest; `burst start <team> <tpu>` creates it as a queued resource that expires at its TTL.' });

/** A GCP sweep group (Google Cloud Batch). */
export const GcpSweepSchema = z
  .strictObject({
    name: computeName('sweep group'),
    accelerator: acceleratorField,
    count: z.int().min(1).max(16).default(1).meta({ description: 'GPUs per trial.', examples: [1] }),
    machineType: machineTypeField,
    parallelism: z.int().min(1).max(1000).default(8).meta({ description: 'Trials that run at once (Batch task parallelism).', examples: [8] }),
    trialHours: z.number().min(0.25).max(72).default(4).meta({ description: 'Hours a trial may run (Batch task maxRunDuration).', examples: [4] }),
    attempts: attemptsField,
    imageTag: imageTagField,
    command: commandField,
  })
  .meta({ description: 'A sweep group: the identity, template and network Google Cloud Batch jobs of `burst sweep submit` use.' });

/** The GCP dev box. */
export const GcpDevBoxSchema = z
  .strictObject({
    ...devBoxAcceleratorFields,
    machineType: z
      .string()
      .optional()
      .meta({ description: 'Machine type. Default: the cheapest catalog type for the accelerator, or n2-standard-4 for a CPU box.', examples: ['g2-standard-8'] }),
    zone: z.string().optional().meta({ description: "Zone of the box and its disk. Default: the team's first zone.", examples: ['us-central1-a'] }),
    diskGiB: z.int().min(50).max(65536).default(100).meta({ description: 'Boot disk, GiB (kept while stopped).', examples: [100] }),
    dataGiB: z
      .int()
      .min(10)
      .max(65536)
      .default(200)
      .meta({ description: 'Persistent data disk mounted at /data, GiB: kept across stops and retained when the burst is torn down.', examples: [200] }),
    image: gcpImageField('the CUDA DLVM image'),
    idleMinutes: idleMinutesField('60'),
    ttlHours: ttlHoursField,
  })
  .meta({
    description: 'A dev box: one VM with Jupyter on localhost (reached through an IAP tunnel), stopped (not deleted) when idle. Default: none.',
  });

/** The `gcp:` section. */
export const GcpSchema = z
  .strictObject({
    project: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
        'is not a GCP project ID: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
      )
      .meta({ description: 'ID of the Google Cloud project the team deploys into (not its name or number).', examples: ['acme-ml-training'] }),
    region: z
      .enum(gcpRegionIds())
      .default('us-central1')
      .meta({ description: 'Compute Engine region of the network and, by default, of the bucket.', examples: ['us-central1'] }),
    zones: z
      .array(z.string())
      .min(1)
      .max(8)
      .optional()
      .meta({
        description: "Zones of the region that bursts may use. Default: every zone of the region gpu-burst's catalog lists.",
        examples: [['us-central1-a', 'us-central1-b', 'us-central1-c']],
      }),
    subnetCidr: ipv4Cidr.default('10.65.0.0/20').meta({
      description: 'Private IPv4 range of the burst subnet (RFC 1918, /16 to /24).',
      examples: ['10.65.0.0/20'],
    }),
    storage: GcpStorageSchema,
    billingAccount: z
      .string()
      .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, 'is not a billing account ID (XXXXXX-XXXXXX-XXXXXX, hex digits)')
      .optional()
      .meta({
        description:
          "Billing account that pays for the project: the team's budget (alerts at 50, 80 and 100 %) is created on it. Default: no budget on GCP.",
        examples: ['012345-6789AB-CDEF01'],
      }),
    quotas: GcpQuotasSchema,
    fleets: z.array(GcpFleetSchema).max(20).default([]).meta({ description: 'GPU fleets (managed instance groups, zero at rest).' }),
    tpus: z.array(GcpTpuSchema).max(20).default([]).meta({ description: 'TPU nodes (queued resources created by `burst start`; none at rest).' }),
    sweeps: z.array(GcpSweepSchema).max(20).default([]).meta({ description: 'Sweep groups (Google Cloud Batch jobs; nothing at rest).' }),
    devBox: GcpDevBoxSchema.optional(),
  })
  .describe('What the team builds on Google Cloud (Pulumi stack named after the team).');

/** A whole team file. */
export const TeamFileSchema = z
  .strictObject({
    description: z
      .string()
      .max(200)
      .optional()
      .meta({
        description: "One line about the team; becomes the stacks' description. Default: gpu-burst team <team>.",
        examples: ['Vision research team'],
      }),
    costCenter: z
      .string()
      .regex(LABEL_VALUE, 'must be lowercase letters, digits, "_" or "-" (at most 63), so that GCP labels accept it')
      .optional()
      .meta({
        description: 'Cost-allocation value, tagged/labelled `cost-center` on every resource. Default: the team name.',
        examples: ['ml-research'],
      }),
    tags: z
      .record(
        z.string().regex(LABEL_KEY, 'must start with a lowercase letter and use only lowercase letters, digits, "_" or "-" (at most 63)'),
        z.string().regex(LABEL_VALUE, 'must be lowercase letters, digits, "_" or "-" (at most 63)'),
      )
      .default({})
      .meta({
        description:
          'Extra cost-allocation tags (AWS) and labels (GCP) on every resource. Keys and values follow GCP label rules so one map fits both clouds.',
        examples: [{ project: 'vision' }],
      }),
    storage: StorageSchema,
    shutdown: ShutdownSchema,
    budget: BudgetSchema,
    aws: AwsSchema.optional(),
    gcp: GcpSchema.optional(),
  })
  .describe('A gpu-burst team file: teams/<team>.yaml. The file name is the team name; copy the file to fork the team.');

/** A team file as written (defaults optional). */
export type TeamFileInput = z.input<typeof TeamFileSchema>;
/** A parsed team file with defaults applied. */
export type TeamFile = z.output<typeof TeamFileSchema>;

/**
 * A validated team: the parsed file plus what the file's name and location say.
 * This, not raw YAML, is what the plan and every construct receive.
 */
export interface TeamSpec extends TeamFile {
  /** Team name: the file name without `.yaml`. */
  readonly team: string;
  /** Path of the file the team was read from. */
  readonly file: string;
}

/** Team names: what a file name may be (also the CDK stack prefix and the Pulumi stack name). */
export const TEAM_NAME = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;
