/**
 * Builds the CDK app for a set of team plans: per team a `<team>-storage` and a `<team>-burst`
 * stack, tagged, with cdk-nag's AwsSolutions and NIST 800-53 R5 packs applied. Used by `cdk synth`
 * (through app.ts), by `burst plan` in memory and by the tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { applyTeamTags } from '../../constructs/aws/team-tags.js';
import { loadImageLock, type ImageLock } from '../../spec/images.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import type { AwsPlan } from '../../spec/plan.js';
import { BurstStack } from './burst-stack.js';
import { StorageStack } from './storage-stack.js';

/** Options of {@link buildAwsApp}. */
export interface BuildAwsAppOptions {
  /** Where the cloud assembly is written. @default - a temporary directory CDK chooses */
  readonly outdir?: string;
  /** Register cdk-nag (synth fails on unacknowledged findings). @default true */
  readonly nag?: boolean;
  /** Pinned machine images. @default - images/lock.json */
  readonly lock?: ImageLock;
}

/** The two stacks of one team. */
export interface TeamStacks {
  readonly storage: StorageStack;
  readonly burst: BurstStack;
}

/** The feature flags in cdk.json, so an in-memory app behaves exactly like `cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Adds one team's stacks to an app. Stacks name only a region (no account), so synth needs no credentials. */
export function addTeamStacks(app: App, plan: AwsPlan, lock: ImageLock = loadImageLock()): TeamStacks {
  const env = { region: plan.region };
  const storage = new StorageStack(app, `${plan.team}-storage`, {
    env,
    plan,
    description: `${plan.description}: artifact storage (retained on teardown)`,
  });
  const burst = new BurstStack(app, `${plan.team}-burst`, {
    env,
    plan,
    storage,
    lock,
    description: `${plan.description}: burst compute (torn down after each burst)`,
  });
  burst.addStackDependency(storage, 'the burst writes to the storage stack');
  applyTeamTags(storage, plan.tags);
  applyTeamTags(burst, plan.tags);
  return { storage, burst };
}

/** Builds the app for every plan. */
export function buildAwsApp(plans: readonly AwsPlan[], options: BuildAwsAppOptions = {}): { app: App; teams: Map<string, TeamStacks> } {
  const app = new App({
    context: cdkJsonContext(),
    analyticsReporting: false,
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const teams = new Map<string, TeamStacks>();
  const lock = options.lock ?? loadImageLock();
  for (const plan of plans) teams.set(plan.team, addTeamStacks(app, plan, lock));
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
  }
  return { app, teams };
}
