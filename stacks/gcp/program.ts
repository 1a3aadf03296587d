/**
 * The Pulumi program for one team's GCP plan. The stack is the team; every resource goes through
 * one explicit provider built from the team file (project, region, and the team's labels as
 * `defaultLabels`, so labels live in one place), so `Pulumi.<team>.yaml` needs nothing.
 */
import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import { ArtifactStore } from '../../constructs/gcp/artifact-store.js';
import { BurstNetwork } from '../../constructs/gcp/burst-network.js';
import { ImageRepository } from '../../constructs/gcp/image-repository.js';
import { assertNever, type GcpPlan } from '../../spec/plan.js';

/** Stack outputs of a team. */
export interface GcpOutputs {
  readonly artifactBucket: pulumi.Output<string>;
  readonly artifactUrl: pulumi.Output<string>;
  readonly imageRepository: pulumi.Output<string>;
  readonly network: pulumi.Output<string>;
  readonly subnet: pulumi.Output<string>;
}

/** Creates every resource of a team's GCP plan and returns the stack outputs. */
export function gcpProgram(plan: GcpPlan): GcpOutputs {
  const provider = new gcp.Provider(`${plan.team}-gcp`, {
    project: plan.project,
    region: plan.region,
    defaultLabels: { ...plan.tags },
  });
  const opts = { provider };
  let artifacts: ArtifactStore | undefined;
  let images: ImageRepository | undefined;
  let network: BurstNetwork | undefined;
  for (const item of plan.items) {
    switch (item.kind) {
      case 'artifactStore':
        artifacts = new ArtifactStore(
          `${plan.team}-artifacts`,
          {
            location: item.location ?? plan.region.toUpperCase(),
            prefix: item.prefix,
            noncurrentVersionDays: item.noncurrentVersionDays,
            incompleteUploadDays: item.incompleteUploadDays,
            ...(item.softDeleteDays === undefined ? {} : { softDeleteDays: item.softDeleteDays }),
          },
          opts,
        );
        break;
      case 'imageRepository':
        images = new ImageRepository(
          `${plan.team}-${item.name}`,
          { repositoryId: `${plan.team}-${item.name}`, location: plan.region, untaggedImageDays: item.untaggedImageDays },
          opts,
        );
        break;
      case 'network':
        network = new BurstNetwork(`${plan.team}-burst`, { region: plan.region, cidr: item.cidr }, opts);
        break;
      default:
        assertNever(item);
    }
  }
  if (!artifacts || !images || !network) throw new Error(`gcp plan of ${plan.team} lacks storage or network`);
  return {
    artifactBucket: artifacts.bucket.name,
    artifactUrl: artifacts.url,
    imageRepository: images.repository.name,
    network: network.network.name,
    subnet: network.subnet.name,
  };
}
