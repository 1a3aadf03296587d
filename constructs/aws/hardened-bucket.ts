import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * What every gpu-burst bucket shares (checklist A11, A12, A13): TLS 1.2+ only, all public access
 * blocked, ACLs off, versioned, retained on delete and replacement, never auto-emptied.
 * Encryption is left to each bucket: the log archive cannot use SSE-KMS.
 */
export const HARDENED_BUCKET_PROPS = {
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: true,
  removalPolicy: RemovalPolicy.RETAIN,
  autoDeleteObjects: false,
} as const satisfies s3.BucketProps;
