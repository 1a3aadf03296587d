/**
 * `burst sweep submit` and `burst sweep status` as commander runs them: a group named in
 * `gcp.sweeps` (and not in `aws.sweeps`) runs on Google Cloud Batch, every other one on AWS Batch.
 * The cloud-specific work lives in `sweep.ts` (AWS) and `sweep-gcp.ts` (GCP).
 */
import type { Command } from 'commander';
import { UserError } from '../../spec/problems.js';
import { loadSelected } from '../teams.js';
import { realDeps, renderStatusReport, runSweepStatus, runSweepSubmit, sweepStatus, type SubmitOptions } from './sweep.js';
import { realGcpSweepDeps, renderGcpStatusReport, runSweepStatusGcp, runSweepSubmitGcp, sweepCloudOf, sweepStatusGcp } from './sweep-gcp.js';

/** AWS Batch job ids are UUIDs; anything else names a run or a Google Cloud Batch job. */
const AWS_JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:\d+)?$/;

/** Command-line options of `burst sweep submit` as commander gives them (`--trials` is text). */
export interface SweepSubmitCommandOptions {
  readonly trials?: string;
  readonly params?: string;
  readonly name?: string;
  readonly egress?: boolean;
  readonly json?: boolean;
}

/** `burst sweep submit <team> <group> [--trials N] [--params file] [--name run] [--no-egress] [--json]`. */
export async function sweepSubmitCommand(team: string, group: string, opts: SweepSubmitCommandOptions, cmd: Command): Promise<number> {
  const [spec] = loadSelected([team], cmd);
  if (!spec) throw new UserError(`no team '${team}'`);
  let trials: number | undefined;
  if (opts.trials !== undefined) {
    if (!/^\s*\d+\s*$/.test(opts.trials)) throw new UserError(`--trials takes a whole number of trials; got '${opts.trials}'`);
    trials = Number(opts.trials);
  }
  const options: SubmitOptions = {
    ...(trials !== undefined ? { trials } : {}),
    ...(opts.params !== undefined ? { params: opts.params } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    egress: opts.egress !== false,
    json: !!opts.json,
  };
  const onAws = (spec.aws?.sweeps.length ?? 0) > 0;
  const cloud = sweepCloudOf(spec, group) ?? ((spec.gcp?.sweeps.length ?? 0) > 0 && !onAws ? 'gcp' : 'aws');
  if (cloud === 'gcp') return runSweepSubmitGcp(spec, group, options, realGcpSweepDeps());
  return runSweepSubmit(spec, group, options, realDeps());
}

/** `burst sweep status <team> [job] [--json]`. */
export async function sweepStatusCommand(team: string, job: string | undefined, opts: { readonly json?: boolean }, cmd: Command): Promise<number> {
  const [spec] = loadSelected([team], cmd);
  if (!spec) throw new UserError(`no team '${team}'`);
  const json = !!opts.json;
  const onAws = (spec.aws?.sweeps.length ?? 0) > 0;
  const onGcp = (spec.gcp?.sweeps.length ?? 0) > 0;
  if (onGcp && !onAws) return runSweepStatusGcp(spec, job, { json }, realGcpSweepDeps());
  if (!onGcp || (job !== undefined && AWS_JOB_ID.test(job))) return runSweepStatus(spec, job, { json }, realDeps());
  if (job === undefined) {
    const aws = await sweepStatus(spec, undefined, realDeps());
    const gcp = await sweepStatusGcp(spec, undefined, realGcpSweepDeps());
    process.stdout.write(json ? `${JSON.stringify({ aws, gcp }, null, 2)}\n` : `${renderStatusReport(aws)}\n\n${renderGcpStatusReport(gcp)}\n`);
    return 0;
  }
  try {
    return await runSweepStatusGcp(spec, job, { json }, realGcpSweepDeps());
  } catch (err) {
    if (err instanceof UserError && /^no sweep job or run /.test(err.message)) return runSweepStatus(spec, job, { json }, realDeps());
    throw err;
  }
}
