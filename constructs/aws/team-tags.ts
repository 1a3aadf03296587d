import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Tags every taggable resource under `scope` (checklist A10). The one place tags are applied: CDK's
 * tag aspect reaches every L1 that supports tags, including those inside L2s and custom-resource
 * providers.
 */
export function applyTeamTags(scope: IConstruct, tags: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(tags)) Tags.of(scope).add(key, value);
}
