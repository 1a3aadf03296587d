/**
 * `burst leaks <team> [--cloud aws|gcp] [--json]`: the leak report (cli/leaks.ts) on its own. Lists
 * everything billable that still carries the team's tag or label, what it bills and how to remove
 * it. Exit 0 nothing leaks, 1 leaks found, 3 incomplete (a kind could not be checked), 2 usage or
 * credentials. Read-only: it never deletes anything.
 */
import type { Command } from 'commander';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { leakReport, renderLeakReport, type LeakCloud, type LeakDeps } from '../leaks.js';
import { loadSelected } from '../teams.js';

/** Options of `burst leaks` as commander gives them. */
export interface LeaksCommandOptions {
  readonly cloud?: LeakCloud;
  readonly json?: boolean;
}

/** What `runLeaks` touches besides the report's own dependencies. */
export interface LeaksDeps extends LeakDeps {
  readonly stdout: (text: string) => void;
}

/** Runs the report with injected dependencies, prints it, returns its exit code. */
export async function runLeaks(spec: TeamSpec, opts: LeaksCommandOptions, deps: LeaksDeps): Promise<number> {
  const report = await leakReport(spec, opts.cloud ? { cloud: opts.cloud } : {}, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderLeakReport(report)}\n`);
  return report.exitCode;
}

/** `burst leaks <team> [--cloud aws|gcp] [--json]` with the real clients. */
export async function leaksCommand(team: string, opts: LeaksCommandOptions, cmd: Command): Promise<number> {
  const [spec] = loadSelected([team], cmd);
  if (!spec) throw new UserError(`no team '${team}'`);
  return runLeaks(spec, opts, {
    sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  });
}
