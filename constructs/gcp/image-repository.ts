import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { RETAINED_DELETION_POLICY, retainedDataOptions } from './retain.js';

/** Arguments of an {@link ImageRepository}. */
export interface ImageRepositoryArgs {
  /** Artifact Registry repository id, unique in the project and location, e.g. `vision-training-images`. */
  readonly repositoryId: string;
  /** Region of the repository, e.g. `us-central1`. */
  readonly location: pulumi.Input<string>;
  /**
   * Days an untagged image is kept before it is deleted.
   * @default 14
   */
  readonly untaggedImageDays?: number;
}

/**
 * The Artifact Registry repository training images are pushed to: Docker format, immutable tags,
 * untagged images cleaned up, protected and retained like the artifact bucket.
 */
export class ImageRepository extends pulumi.ComponentResource {
  /** The repository. */
  readonly repository: gcp.artifactregistry.Repository;

  constructor(name: string, args: ImageRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpu-burst:gcp:ImageRepository', name, {}, opts);
    const days = args.untaggedImageDays ?? 14;
    this.repository = new gcp.artifactregistry.Repository(
      name,
      {
        repositoryId: args.repositoryId,
        location: args.location,
        format: 'DOCKER',
        mode: 'STANDARD_REPOSITORY',
        description: 'gpu-burst training images (tags are immutable)',
        dockerConfig: { immutableTags: true },
        cleanupPolicyDryRun: false,
        cleanupPolicies: [
          {
            id: 'delete-untagged',
            action: 'DELETE',
            condition: { tagState: 'UNTAGGED', olderThan: `${days * 86_400}s` },
          },
        ],
        deletionPolicy: RETAINED_DELETION_POLICY,
      },
      retainedDataOptions({ parent: this }),
    );
    this.registerOutputs({ repository: this.repository.name });
  }
}
