/** Which team files a command works on. */
import { existsSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadTeamFiles, resolveTeamArgs, suggestTeam } from '../spec/load.js';
import { teamsDir } from '../spec/paths.js';
import { UserError } from '../spec/problems.js';
import type { TeamSpec } from '../spec/schema.js';

/** The teams directory: `--teams-dir`, else `$BURST_TEAMS_DIR`, else the repository's teams/. */
export function teamsDirOf(cmd: Command): string {
  const dir = (cmd.optsWithGlobals() as { teamsDir?: string }).teamsDir;
  return dir ? resolve(dir) : teamsDir();
}

/** Shows a path relative to the working directory when it is inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** Resolves command-line team arguments to files, failing with suggestions for unknown names. */
export function selectTeamFiles(args: readonly string[], cmd: Command): string[] {
  const dir = teamsDirOf(cmd);
  const files = resolveTeamArgs(args, dir).map(displayPath);
  if (files.length === 0) {
    throw new UserError(`no team files in ${displayPath(dir)}; create one with \`burst fork <team>\`.`);
  }
  args.forEach((arg, i) => {
    const file = files[i];
    const bareName = !arg.endsWith('.yaml') && !arg.endsWith('.yml') && !arg.includes('/');
    if (bareName && file !== undefined && !existsSync(file)) {
      const guess = suggestTeam(arg, dir);
      throw new UserError(
        `no team '${arg}' (looked for ${file})` +
          (guess ? `; did you mean '${guess}'?` : `; create it with \`burst fork ${basename(arg)}\`.`),
      );
    }
  });
  return files;
}

/** Loads and validates the selected team files (throws TeamFileError with every problem). */
export function loadSelected(args: readonly string[], cmd: Command): TeamSpec[] {
  return loadTeamFiles(selectTeamFiles(args, cmd));
}
