/**
 * The CDK app (cdk.json "app"): every team file in teams/ with an `aws:` section becomes a
 * `<team>-storage` and a `<team>-burst` stack. `npx cdk synth` needs no credentials.
 */
import { loadTeamFiles, teamFilesIn } from '../../spec/load.js';
import { teamsDir } from '../../spec/paths.js';
import { planTeam } from '../../spec/plan.js';
import { TeamFileError } from '../../spec/problems.js';
import { buildAwsApp } from './build.js';

try {
  const specs = loadTeamFiles(teamFilesIn(teamsDir()));
  const plans = specs.map(planTeam).flatMap((p) => (p.aws ? [p.aws] : []));
  buildAwsApp(plans).app.synth();
} catch (err) {
  if (err instanceof TeamFileError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
