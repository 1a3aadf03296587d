import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ArtifactStore } from '../../constructs/aws/artifact-store.js';
import { ImageRepository } from '../../constructs/aws/image-repository.js';
import { LogArchive } from '../../constructs/aws/log-archive.js';
import { TeamAlerts } from '../../constructs/aws/team-alerts.js';
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
  /** The team's alert topic (fleet failures, backstop actions, spot notices) and monthly budget. */
  readonly alerts: TeamAlerts;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    this.logs = new LogArchive(this, 'Logs');
    let artifacts: ArtifactStore | undefined;
    let images: ImageRepository | undefined;
    let alerts: TeamAlerts | undefined;
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
        case 'budget':
          alerts = new TeamAlerts(this, 'Alerts', {
            team: props.plan.team,
            monthlyUsd: item.monthlyUsd,
            thresholdsPercent: item.thresholdsPercent,
            emails: item.emails,
          });
          break;
        default:
          assertNever(item);
      }
    }
    if (!artifacts || !images || !alerts) throw new Error(`${id}: the plan has no artifact store, image repository or budget`);
    this.artifacts = artifacts;
    this.images = images;
    this.alerts = alerts;
  }
}
