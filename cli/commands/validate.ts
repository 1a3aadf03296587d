import type { Command } from 'commander';
import { TeamFileError, formatProblem, type Problem } from '../../spec/problems.js';
import { loadTeamFiles } from '../../spec/load.js';
import { printJson, style } from '../output.js';
import { selectTeamFiles } from '../teams.js';

/** `burst validate [team...] [--json]`. */
export function validateCommand(teams: string[], opts: { json?: boolean }, cmd: Command): number {
  const files = selectTeamFiles(teams, cmd);
  let problems: readonly Problem[] = [];
  try {
    loadTeamFiles(files);
  } catch (err) {
    if (!(err instanceof TeamFileError)) throw err;
    problems = err.problems;
  }
  if (opts.json) {
    printJson({
      valid: problems.length === 0,
      files: files.map((file) => ({ file, problems: problems.filter((p) => p.file === file) })),
    });
    return problems.length === 0 ? 0 : 1;
  }
  for (const file of files) {
    const mine = problems.filter((p) => p.file === file);
    if (mine.length === 0) {
      process.stdout.write(`${style.ok('ok')}       ${file}\n`);
    } else {
      process.stdout.write(`${style.bad('invalid')}  ${file}  (${mine.length} problem${mine.length === 1 ? '' : 's'})\n`);
      for (const p of mine) process.stdout.write(`  ${formatProblem(p)}\n`);
    }
  }
  return problems.length === 0 ? 0 : 1;
}
