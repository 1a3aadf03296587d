import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { HARDENED_BUCKET_PROPS } from './hardened-bucket.js';
import { acknowledge } from './nag.js';

/** Properties of a {@link LogArchive}. */
export interface LogArchiveProps {
  /**
   * Days access logs and flow logs are kept.
   * @default 365
   */
  readonly retentionDays?: number;
}

/**
 * The bucket that receives S3 server access logs and VPC flow logs. Retained like data: it is the
 * audit trail of who touched the artifacts.
 */
export class LogArchive extends Construct {
  /** The log bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LogArchiveProps = {}) {
    super(scope, id);
    const retention = Duration.days(props.retentionDays ?? 365);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...HARDENED_BUCKET_PROPS,
      // S3 server access logging can only deliver to SSE-S3 buckets (not SSE-KMS).
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: retention,
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'S3 server access logs can only be delivered to a bucket encrypted with SSE-S3, not SSE-KMS.',
    );
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'Logs are versioned and retained; cross-region replication would double their cost for an audit trail that expires.',
    );
  }
}
