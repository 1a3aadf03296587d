import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { HARDENED_BUCKET_PROPS } from './hardened-bucket.js';
import { acknowledge } from './nag.js';

/** Properties of an {@link ArtifactStore}. */
export interface ArtifactStoreProps {
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
   * Bucket that receives the server access logs.
   * @default - no access logging (cdk-nag reports it)
   */
  readonly accessLogs?: s3.IBucket;
}

/**
 * The artifact bucket: checkpoints, datasets and run manifests. It must never be lost: versioned,
 * encrypted with KMS, TLS only, no public access, retained on delete and on replacement, never
 * auto-emptied, and named by CloudFormation so a redeploy cannot collide with a retained bucket.
 */
export class ArtifactStore extends Construct {
  /** The artifact bucket. */
  readonly bucket: s3.Bucket;
  /** Key prefix the team writes under. */
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...HARDENED_BUCKET_PROPS,
      encryption: s3.BucketEncryption.KMS_MANAGED,
      bucketKeyEnabled: true,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
          expiredObjectDeleteMarker: true,
        },
        {
          id: 'abort-incomplete-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(props.incompleteUploadDays ?? 7),
        },
      ],
      ...(props.accessLogs ? { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: 'artifacts/' } : {}),
    });
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'Versioning with noncurrent-version retention protects artifacts; cross-region replication would double storage cost per team.',
    );

    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'Artifact bucket' });
    new CfnOutput(this, 'Prefix', {
      value: `s3://${this.bucket.bucketName}/${this.prefix}`,
      description: 'Where this team writes runs and checkpoints',
    });
  }
}
