import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/** The repository root (where package.json, cdk.json and Pulumi.yaml live). */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The directory team files are read from: `$BURST_TEAMS_DIR` when set (resolved against the
 * working directory), else `teams/` in the repository. The CDK app, the Pulumi program and the CLI
 * all use this, so all three see the same teams.
 */
export function teamsDir(): string {
  const override = process.env['BURST_TEAMS_DIR'];
  return override ? resolve(override) : join(PROJECT_ROOT, 'teams');
}
