import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Shortest reason an acknowledgment may give (checklist A2). */
export const MIN_REASON_LENGTH = 20;

/**
 * Acknowledges one cdk-nag finding on one construct, with a reason.
 *
 * Use the bare rule id, narrowed to the finding where the rule reports several
 * (`AwsSolutions-IAM5[Action::s3:GetObject*]`); the `Pack::Rule` form the CLI suggests is honoured
 * by synth but ignored by `NagPack.validateScope`, so it would pass here and fail in the tests.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if ((id.split('[')[0] ?? id).includes('::')) {
    throw new Error(`acknowledge ${id}: use the bare rule id (e.g. 'AwsSolutions-S1'), not 'Pack::Rule'`);
  }
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(`acknowledge ${id} on ${scope.node.path}: the reason must say why, in ${MIN_REASON_LENGTH}+ characters`);
  }
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges the wildcard finding `rule[Resource::<resource>]`, named the way cdk-nag names it.
 * A resource built on another stack's bucket or repository resolves to its final form (a
 * `Fn::GetStackOutput`) only once CDK has wired the cross-stack reference (after prepare), so the
 * acknowledgment is made then, at validation, which synthesis runs before any cdk-nag pack.
 * Synthesize before calling a pack's `validateScope` directly.
 */
export function acknowledgeResolved(scope: IConstruct, rule: string, resource: string, reason: string): void {
  const done = new Set<string>();
  scope.node.addValidation({
    validate: () => {
      const id = `${rule}[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
      if (!done.has(id)) acknowledge(scope, id, reason);
      done.add(id);
      return [];
    },
  });
}
