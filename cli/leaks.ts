/**
 * The leak report: everything billable that still carries a team's tag (AWS) or label (GCP), what
 * each bills, and the command that removes it. `burst leaks <team>` prints it on its own; `burst
 * down` prints it after a teardown. Nothing here changes a cloud: every call is a Describe or List.
 *
 * A finding is one of three things:
 * - `leak`: it bills and nothing in gpu-burst's design keeps it (a running host counts: the report
 *   answers "what bills now?", so run it once a burst has ended);
 * - `at-rest`: the deployed burst's standing cost by design (the stopped dev box and its boot disk);
 *   after a teardown (`afterTeardown`, or the AWS burst stack is gone) the same thing is a leak;
 * - `retained`: kept on purpose across teardowns (the dev box data volume or disk): listed with what
 *   it costs and how to delete it once its data is safe.
 *
 * Exit codes ({@link LEAK_EXIT}): 0 nothing leaks; 1 leaks found; 3 nothing leaks among what could
 * be checked but some kinds could not be checked (permission denied, throttled past the retries, an
 * API failure). Missing or rejected credentials and an unreachable cloud stop the report at once
 * with the message of cli/aws-errors.ts or cli/gcp-errors.ts (a UserError: exit 2).
 *
 * The per-cloud checks live in leaks-aws.ts and leaks-gcp.ts; their clients are injected, so tests
 * run against aws-sdk-client-mock and plain fake Google clients.
 */
import { HOURS_PER_MONTH } from '../spec/cost.js';
import { planTeam } from '../spec/plan.js';
import { UserError } from '../spec/problems.js';
import type { TeamSpec } from '../spec/schema.js';
import { awsLeakClients, awsLeaks, type AwsLeakClients } from './leaks-aws.js';
import { gcpLeaks, googleLeakClients, type GcpLeakClients } from './leaks-gcp.js';
import { columns, style, usd } from './output.js';

export { awsLeakClients, type AwsLeakClients } from './leaks-aws.js';
export { googleLeakClients, type GcpLeakClients } from './leaks-gcp.js';

/** Exit codes of the report: 0 clean, 1 leaks, 3 incomplete (some kinds could not be checked). */
export const LEAK_EXIT = { clean: 0, leaks: 1, incomplete: 3 } as const;

/** The clouds the report covers. */
export type LeakCloud = 'aws' | 'gcp';

/** What the AWS side looks for. */
export const AWS_LEAK_KINDS = [
  'burst-stack',
  'instance',
  'volume',
  'network-interface',
  'elastic-ip',
  'nat-gateway',
  'batch-compute-environment',
  'auto-scaling-group',
  'spot-request',
] as const;
/** What the GCP side looks for. */
export const GCP_LEAK_KINDS = ['instance', 'disk', 'address', 'instance-group', 'tpu-node', 'queued-resource', 'batch-job'] as const;

/** An AWS kind of resource the report checks. */
export type AwsLeakKind = (typeof AWS_LEAK_KINDS)[number];
/** A GCP kind of resource the report checks. */
export type GcpLeakKind = (typeof GCP_LEAK_KINDS)[number];
/** Any kind the report checks. */
export type LeakKind = AwsLeakKind | GcpLeakKind;

/** Why a finding is listed: see the module comment. */
export type Disposition = 'leak' | 'at-rest' | 'retained';

/** One billable thing that carries the team's tag or label. */
export interface LeakFinding {
  readonly cloud: LeakCloud;
  readonly kind: LeakKind;
  /** Instance id, volume id, allocation id, resource name, ... */
  readonly id: string;
  /** A friendlier name when the id is opaque (the Name tag, the fleet). */
  readonly name?: string;
  /** Zone, region or `global`. */
  readonly location: string;
  /** The cloud's state (`running`, `available`, `TERMINATED`, `desiredvCpus 16`, ...). */
  readonly state: string;
  readonly disposition: Disposition;
  /** Why it bills (or will), with the price basis. */
  readonly bills: string;
  /**
   * Rough US dollars per hour from the catalog (spec/catalog): list prices of one region, spot
   * figures that move daily. 0 when it bills through something listed separately (a group
   * through its instances) or not yet (a queued request). @default - unknown (not in the catalog)
   */
  readonly usdPerHour?: number;
  /** The command that removes it (aws or gcloud; a gpu-burst command where that is the right tool). */
  readonly remove: string;
}

/** A kind the report could not check, and why (the message names the missing permission). */
export interface UncheckedKind {
  readonly cloud: LeakCloud;
  readonly kind: LeakKind;
  readonly reason: string;
}

/** The AWS burst stack as the report found it. */
export interface BurstStackState {
  readonly name: string;
  /** CloudFormation status, or `absent`. */
  readonly status: string;
  /** The Egress parameter (`on` keeps a NAT gateway). @default - the stack has no such parameter */
  readonly egress?: string;
}

/** What one cloud holds for the team. */
export interface CloudLeaks {
  readonly cloud: LeakCloud;
  /** AWS region, or GCP region of the project. */
  readonly region: string;
  /** GCP project. */
  readonly project?: string;
  /** Kinds that were checked (whether or not anything was found). */
  readonly checked: readonly LeakKind[];
  readonly unchecked: readonly UncheckedKind[];
  readonly findings: readonly LeakFinding[];
  /** AWS: the burst stack (undefined when it could not be described). */
  readonly burstStack?: BurstStackState;
  /** Remarks on what was checked (an API not enabled, a listing cut short, ...). */
  readonly notes: readonly string[];
}

/** The whole report; `--json` prints it. */
export interface LeakReport {
  readonly team: string;
  /** True when the caller has just torn the burst down: nothing is at rest any more. */
  readonly afterTeardown: boolean;
  readonly clouds: readonly CloudLeaks[];
  /** `clean` (exit 0), `leaks` (exit 1), `incomplete` (exit 3). */
  readonly status: 'clean' | 'leaks' | 'incomplete';
  readonly exitCode: (typeof LEAK_EXIT)[keyof typeof LEAK_EXIT];
  /** Findings that are leaks. */
  readonly leaks: number;
  /** Rough sum of the leaks' known hourly rates. */
  readonly leakUsdPerHour: number;
  /** Leaks whose rate is not in the catalog (left out of `leakUsdPerHour`). */
  readonly leaksWithoutPrice: number;
  /** Rough monthly cost of what is at rest or retained by design. */
  readonly keptUsdPerMonth: number;
}

/** Options of the report. */
export interface LeakOptions {
  /** Only this cloud. @default - every cloud the team file has a section for */
  readonly cloud?: LeakCloud;
  /**
   * The burst was just torn down (`burst down`): a stopped dev box or its boot disk is then a leak,
   * not the burst at rest. @default false
   */
  readonly afterTeardown?: boolean;
}

/** Everything the report touches outside its arguments. */
export interface LeakDeps {
  /** AWS clients. @default - real SDK clients ({@link awsLeakClients}) */
  readonly aws?: AwsLeakClients;
  /** Google clients. @default - real clients ({@link googleLeakClients}) */
  readonly gcp?: GcpLeakClients;
  /** Waits between retries of a throttled Google call (injected so tests do not wait). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Progress for a person. */
  readonly stderr: (text: string) => void;
}

/** What a per-cloud check receives. */
export interface CloudCheckContext {
  readonly team: string;
  readonly afterTeardown: boolean;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: (text: string) => void;
}

/** Which clouds to check: `--cloud` (refused when the file has no such section), else every section. */
export function leakClouds(spec: TeamSpec, cloud?: LeakCloud): LeakCloud[] {
  if (cloud) {
    if (!spec[cloud]) throw new UserError(`team ${spec.team} has no ${cloud}: section in ${spec.file}; drop --cloud ${cloud}`);
    return [cloud];
  }
  const clouds = (['aws', 'gcp'] as const).filter((c) => spec[c] !== undefined);
  if (clouds.length === 0) throw new UserError(`team ${spec.team} has neither an aws: nor a gcp: section in ${spec.file}; nothing to check`);
  return clouds;
}

/** Lists what still bills for the team on each cloud; see the module comment for the outcome. */
export async function leakReport(spec: TeamSpec, opts: LeakOptions, deps: LeakDeps): Promise<LeakReport> {
  const clouds = leakClouds(spec, opts.cloud);
  const plan = planTeam(spec);
  const afterTeardown = opts.afterTeardown === true;
  const ctx: CloudCheckContext = {
    team: spec.team,
    afterTeardown,
    sleep: deps.sleep,
    progress: (text) => deps.stderr(style.dim(`${text}\n`)),
  };
  const results: CloudLeaks[] = [];
  for (const cloud of clouds) {
    if (cloud === 'aws' && plan.aws) results.push(await awsLeaks(plan.aws, deps.aws ?? awsLeakClients(), ctx));
    if (cloud === 'gcp' && plan.gcp) results.push(await gcpLeaks(plan.gcp, deps.gcp ?? googleLeakClients(), ctx));
  }
  return summarize(spec.team, afterTeardown, results);
}

/** Totals and the exit code of a set of per-cloud results. */
export function summarize(team: string, afterTeardown: boolean, clouds: readonly CloudLeaks[]): LeakReport {
  const all = clouds.flatMap((c) => c.findings);
  const leaks = all.filter((f) => f.disposition === 'leak');
  const kept = all.filter((f) => f.disposition !== 'leak');
  const incomplete = clouds.some((c) => c.unchecked.length > 0);
  const status = leaks.length > 0 ? 'leaks' : incomplete ? 'incomplete' : 'clean';
  return {
    team,
    afterTeardown,
    clouds,
    status,
    exitCode: LEAK_EXIT[status === 'leaks' ? 'leaks' : status],
    leaks: leaks.length,
    leakUsdPerHour: leaks.reduce((sum, f) => sum + (f.usdPerHour ?? 0), 0),
    leaksWithoutPrice: leaks.filter((f) => f.usdPerHour === undefined).length,
    keptUsdPerMonth: kept.reduce((sum, f) => sum + (f.usdPerHour ?? 0), 0) * HOURS_PER_MONTH,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

const LABEL: Record<Disposition, string> = { leak: 'LEAK', 'at-rest': 'at rest', retained: 'kept' };

function colour(d: Disposition, text: string): string {
  return d === 'leak' ? style.bad(text) : style.dim(text);
}

/** `$0.805/h` or, for storage-sized figures, `$0.068/h ($50.00/month)`; `price unknown` when not in the catalog. */
export function rate(usdPerHour: number | undefined): string {
  if (usdPerHour === undefined) return 'price unknown';
  if (usdPerHour === 0) return '$0/h';
  return usdPerHour < 0.5 ? `${usd(usdPerHour, '/h')} (${monthly(usdPerHour)})` : usd(usdPerHour, '/h');
}

/** `$16.00/month` for an hourly rate. */
function monthly(usdPerHour: number): string {
  return `$${(usdPerHour * HOURS_PER_MONTH).toFixed(2)}/month`;
}

function where(c: CloudLeaks): string {
  if (c.cloud === 'gcp') return `gcp  project ${c.project ?? '?'}, ${c.region}`;
  const s = c.burstStack;
  const stack = s ? (s.status === 'absent' ? `${s.name} absent` : `${s.name} ${s.status}${s.egress ? `, Egress=${s.egress}` : ''}`) : 'burst stack not checked';
  return `aws  ${c.region}  (stack ${stack})`;
}

/** The report for a person: per cloud a table of findings, the remove commands, what was not checked, the verdict. */
export function renderLeakReport(r: LeakReport): string {
  const lines: string[] = [];
  for (const c of r.clouds) {
    lines.push(style.heading(where(c)));
    if (c.findings.length === 0) {
      lines.push(`  nothing billable carries ${c.cloud === 'aws' ? 'the tag' : 'the label'} team=${r.team}${c.unchecked.length ? ' among the kinds checked' : ''}`);
    } else {
      const rows = c.findings.map((f) => [
        colour(f.disposition, LABEL[f.disposition]),
        f.kind,
        f.name && f.name !== f.id ? `${f.id} (${f.name})` : f.id,
        f.location,
        f.state,
        `${rate(f.usdPerHour)}: ${f.bills}`,
      ]);
      lines.push(...columns([['', 'kind', 'id', 'location', 'state', 'bills'], ...rows], '  '));
      lines.push('', '  remove:');
      lines.push(...columns(c.findings.map((f) => [f.kind, f.id, f.remove]), '    '));
    }
    for (const u of c.unchecked) lines.push(`  ${style.warn('not checked')}  ${u.kind}: ${u.reason}`);
    for (const n of c.notes) lines.push(`  ${style.dim(`note: ${n}`)}`);
    lines.push('');
  }
  lines.push(verdict(r));
  return lines.join('\n');
}

function verdict(r: LeakReport): string {
  const kept = r.keptUsdPerMonth > 0 ? `; kept by design (dev box at rest, retained data): about ${monthly(r.keptUsdPerMonth / HOURS_PER_MONTH)}` : '';
  const unchecked = r.clouds.flatMap((c) => c.unchecked.map((u) => `${c.cloud} ${u.kind}`));
  const missing = unchecked.length > 0 ? ` ${unchecked.length} kind${unchecked.length === 1 ? '' : 's'} could not be checked (${unchecked.join(', ')}): fix the access named above and run it again.` : '';
  if (r.status === 'leaks') {
    const unknown = r.leaksWithoutPrice > 0 ? ` plus ${r.leaksWithoutPrice} not priced` : '';
    return (
      `${style.bad(`${r.leaks} leak${r.leaks === 1 ? '' : 's'}`)} of team ${r.team} bill about ${usd(r.leakUsdPerHour, '/h')}` +
      ` (${monthly(r.leakUsdPerHour)})${unknown}${kept}. Remove them with the commands above, then run burst leaks ${r.team} again.${missing}`
    );
  }
  if (r.status === 'incomplete') return `${style.warn('incomplete')}: nothing of team ${r.team} leaks among what could be checked${kept}.${missing}`;
  return `${style.ok('clean')}: nothing of team ${r.team} bills beyond what is kept by design${kept || ' (nothing)'}.`;
}
