import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ArtifactStore } from '../../constructs/aws/artifact-store.js';
import { ImageRepository } from '../../constructs/aws/image-repository.js';
import { LogArchive } from '../../constructs/aws/log-archive.js';
import { assertNever, type AwsPlan } from '../../spec/plan.js';

/** Properties of a {@link StorageStack}. */
export interface StorageStackProps extends StackProps {
  readonly plan: AwsPlan;
}

/**
 * `<team>-storage`: everything that must outlive bursts. Every stateful resource is retained on
 * delete and on replacement; termination protection guards the stack itself.
 */
export class StorageStack extends Stack {
  /** The artifact store (bucket and team prefix). */
  readonly artifacts: ArtifactStore;
  /** The training image repository. */
  readonly images: ImageRepository;
  /** Access-log and flow-log archive. */
  readonly logs: LogArchive;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    this.logs = new LogArchive(this, 'Logs');
    let artifacts: ArtifactStore | undefined;
    let images: ImageRepository | undefined;
    for (const item of props.plan.items) {
      if (item.layer !== 'storage') continue;
      switch (item.kind) {
        case 'artifactStore':
          if (item.softDeleteDays !== undefined || item.location !== undefined) {
            throw new Error(`${id}: the AWS artifact store has no location or soft-delete setting (GCP only)`);
          }
          artifacts = new ArtifactStore(this, 'Artifacts', {
            prefix: item.prefix,
            noncurrentVersionDays: item.noncurrentVersionDays,
            incompleteUploadDays: item.incompleteUploadDays,
            accessLogs: this.logs.bucket,
          });
          break;
        case 'imageRepository':
          images = new ImageRepository(this, 'TrainingImages', { untaggedImageDays: item.untaggedImageDays });
          break;
        default:
          assertNever(item);
      }
    }
    if (!artifacts || !images) throw new Error(`${id}: the plan has no artifact store or image repository`);
    this.artifacts = artifacts;
    this.images = images;
  }
}
