import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { RETAINED_DELETION_POLICY, retainedDataOptions } from './retain.js';

const SECONDS_PER_DAY = 86_400;

/** Arguments of an {@link ArtifactStore}. */
export interface ArtifactStoreArgs {
  /** Cloud Storage location: a region (`US-CENTRAL1`) or a multi-region (`US`). */
  readonly location: pulumi.Input<string>;
  /** Key prefix the team writes under, e.g. `teams/vision/` (same layout on both clouds). */
  readonly prefix: string;
  /**
   * Days an overwritten or deleted object version stays recoverable.
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days after which an unfinished multipart upload is aborted.
   * @default 7
   */
  readonly incompleteUploadDays?: number;
  /**
   * Days a deleted object stays restorable (soft delete), 7 to 90 as Cloud Storage allows.
   * @default 7
   */
  readonly softDeleteDays?: number;
}

/**
 * The artifact bucket: checkpoints, datasets and run manifests. Uniform access, public access
 * prevention enforced, versioned, soft delete, lifecycle for old versions and interrupted uploads,
 * never force-destroyed, protected and retained so no `pulumi destroy` deletes it.
 */
export class ArtifactStore extends pulumi.ComponentResource {
  /** The bucket. */
  readonly bucket: gcp.storage.Bucket;
  /** `gs://<bucket>/<prefix>`: where the team writes runs and checkpoints. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: ArtifactStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpu-burst:gcp:ArtifactStore', name, {}, opts);
    this.bucket = new gcp.storage.Bucket(
      name,
      {
        location: args.location,
        storageClass: 'STANDARD',
        // With the provider's team label, how `burst start` and `burst sweep submit` find the bucket
        // (its name is generated).
        labels: { 'gpu-burst-role': 'artifacts' },
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: true },
        softDeletePolicy: { retentionDurationSeconds: (args.softDeleteDays ?? 7) * SECONDS_PER_DAY },
        lifecycleRules: [
          {
            action: { type: 'Delete' },
            condition: { daysSinceNoncurrentTime: args.noncurrentVersionDays ?? 30, withState: 'ARCHIVED' },
          },
          {
            action: { type: 'AbortIncompleteMultipartUpload' },
            condition: { age: args.incompleteUploadDays ?? 7 },
          },
        ],
        forceDestroy: false,
        deletionPolicy: RETAINED_DELETION_POLICY,
      },
      retainedDataOptions({ parent: this }),
    );
    this.url = pulumi.interpolate`gs://${this.bucket.name}/${args.prefix}`;
    this.registerOutputs({ bucket: this.bucket.name, url: this.url });
  }
}
