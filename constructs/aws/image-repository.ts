import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

/** Properties of an {@link ImageRepository}. */
export interface ImageRepositoryProps {
  /**
   * Days an untagged image is kept before it is deleted.
   * @default 14
   */
  readonly untaggedImageDays?: number;
}

/**
 * The repository training images are pushed to. Tags are immutable, so the tag a run recorded
 * always names the same image; images are scanned on push; the repository is retained on delete.
 */
export class ImageRepository extends Construct {
  /** The ECR repository. */
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps = {}) {
    super(scope, id);
    this.repository = new ecr.Repository(this, 'Repository', {
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.KMS,
      lifecycleRules: [
        {
          description: 'Delete untagged images (failed or superseded pushes)',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(props.untaggedImageDays ?? 14),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
      emptyOnDelete: false,
    });
    new CfnOutput(this, 'RepositoryUri', { value: this.repository.repositoryUri, description: 'Training image repository' });
  }
}
