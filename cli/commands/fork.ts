import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { parseTeamFile } from '../../spec/load.js';
import { TeamFileError, UserError } from '../../spec/problems.js';
import { TEAM_NAME } from '../../spec/schema.js';
import { style } from '../output.js';
import { displayPath, selectTeamFiles, teamsDirOf } from '../teams.js';

/** `burst fork <new-team> [--from <team>] [--force]`. */
export function forkCommand(newTeam: string, opts: { from: string; force?: boolean }, cmd: Command): number {
  if (!TEAM_NAME.test(newTeam)) {
    throw new UserError(
      `'${newTeam}' is not a valid team name: use 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash.`,
    );
  }
  const [source] = selectTeamFiles([opts.from], cmd);
  if (source === undefined) throw new UserError(`no team '${opts.from}' to fork from`);
  const target = displayPath(join(teamsDirOf(cmd), `${newTeam}.yaml`));
  if (existsSync(target) && !opts.force) {
    throw new UserError(`${target} already exists; pick another name or pass --force to overwrite it.`);
  }
  const text = readFileSync(source, 'utf8');
  const checked = parseTeamFile(source, text);
  if (!checked.spec) throw new TeamFileError(checked.problems);

  // Keep comments and layout; only the description names the team.
  const doc = parseDocument(text);
  if (doc.has('description')) doc.set('description', `Team ${newTeam} (forked from ${checked.spec.team})`);
  const forked = doc.toString();
  const result = parseTeamFile(target, forked);
  if (!result.spec) throw new TeamFileError(result.problems);
  writeFileSync(target, forked);

  process.stdout.write(
    [
      `${style.ok('created')} ${target} (a copy of ${displayPath(source)})`,
      '',
      'Next:',
      `  edit ${target}          # region, GCP project, storage settings`,
      `  npx burst plan ${newTeam}        # what it builds and costs, offline`,
      `  npx cdk deploy ${newTeam}-storage ${newTeam}-burst`,
      `  pulumi stack init ${newTeam} && pulumi up`,
      '',
    ].join('\n'),
  );
  return 0;
}
