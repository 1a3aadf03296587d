/**
 * Pulumi entry point (Pulumi.yaml "main"). The stack name is the team: `pulumi up -s vision`
 * builds teams/vision.yaml's `gcp:` section.
 */
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { loadTeamFile, suggestTeam } from '../../spec/load.js';
import { teamsDir } from '../../spec/paths.js';
import { planTeam } from '../../spec/plan.js';
import { TeamFileError } from '../../spec/problems.js';
import { loadImageLock } from '../../spec/images.js';
import { gcpProgram, type GcpOutputs } from './program.js';
import { existsSync } from 'node:fs';

/** Runs the program for the current stack's team. */
export default async function main(): Promise<GcpOutputs> {
  const team = pulumi.getStack();
  const file = join(teamsDir(), `${team}.yaml`);
  if (!existsSync(file)) {
    const guess = suggestTeam(team, teamsDir());
    throw new pulumi.RunError(
      `stack '${team}' has no team file ${file}: the stack name must be a team` +
        (guess ? `; did you mean 'pulumi stack select ${guess}'?` : '; create one with `npx burst fork <team>`.'),
    );
  }
  try {
    const plan = planTeam(loadTeamFile(file));
    if (!plan.gcp) throw new pulumi.RunError(`${file} has no gcp: section, so stack '${team}' builds nothing; add one.`);
    return gcpProgram(plan.gcp, loadImageLock());
  } catch (err) {
    if (err instanceof TeamFileError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
