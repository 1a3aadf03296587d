/**
 * The team file schema. One file, `teams/<team>.yaml`, describes a team's whole environment on both
 * clouds; the team name is the file name. Every field has a description (it becomes the JSON Schema
 * that editors complete from, and the README's reference) and a default, so a minimal file is a few
 * lines. Cross-field rules (zones in the region, ...) live in `validate.ts`.
 *
 * Fleets, TPU nodes, sweep groups and the dev box join this schema together with the constructs that
 * build them; nothing here is a field that nothing builds.
 */
import { z } from 'zod';
import { awsRegionIds, gcpRegionIds } from './catalog/index.js';

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
