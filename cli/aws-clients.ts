/**
 * The real AWS SDK v3 clients every command uses, one factory per service: each SDK is imported on
 * first use (a command that needs EC2 does not load Batch), reads credentials the usual way, and
 * retries throttling and transient failures with standard retries and 5 attempts (the SDK's default
 * is 3; bursts poll for minutes and Describe calls throttle per account).
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { BatchClient } from '@aws-sdk/client-batch';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SSMClient } from '@aws-sdk/client-ssm';

/** Attempts per AWS call, the first included. */
export const AWS_MAX_ATTEMPTS = 5;

const config = (region: string) => ({ region, maxAttempts: AWS_MAX_ATTEMPTS });

/** Factories of the real clients, by service. */
export const awsClients = {
  async autoScaling(region: string): Promise<AutoScalingClient> {
    const { AutoScalingClient } = await import('@aws-sdk/client-auto-scaling');
    return new AutoScalingClient(config(region));
  },
  async batch(region: string): Promise<BatchClient> {
    const { BatchClient } = await import('@aws-sdk/client-batch');
    return new BatchClient(config(region));
  },
  async cloudFormation(region: string): Promise<CloudFormationClient> {
    const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
    return new CloudFormationClient(config(region));
  },
  async ec2(region: string): Promise<EC2Client> {
    const { EC2Client } = await import('@aws-sdk/client-ec2');
    return new EC2Client(config(region));
  },
  async s3(region: string): Promise<S3Client> {
    const { S3Client } = await import('@aws-sdk/client-s3');
    return new S3Client(config(region));
  },
  async scheduler(region: string): Promise<SchedulerClient> {
    const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
    return new SchedulerClient(config(region));
  },
  async ssm(region: string): Promise<SSMClient> {
    const { SSMClient } = await import('@aws-sdk/client-ssm');
    return new SSMClient(config(region));
  },
};
