/**
 * `burst cost [team...] [--json]` and `burst cost <team> --compare-buy [...] [--chart file.svg|file.png]`:
 * what a burst costs (rates at full size, worst-case burn, sweep estimate, idle waste, standing cost)
 * and whether buying a machine would cost less than renting. Offline: the team file and the catalog,
 * no credentials, no network. The arithmetic is spec/burst-cost.ts; this file validates options and
 * prints.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  burstCost,
  compareBuy,
  DEFAULT_GPU_HOURS_PER_MONTH,
  DEFAULT_SWEEP_OVERHEAD,
  DEFAULT_SWEEP_TRIALS,
  rentRateFor,
  rigFromCatalog,
  type CloudBurstCost,
  type CompareBuyResult,
  type DatedPrice,
  type RentRate,
  type Rig,
  type SweepOptions,
  type TeamBurstCost,
} from '../../spec/burst-cost.js';
import { ACCELERATORS, accelerator as acceleratorKind, type AcceleratorId, type Cloud } from '../../spec/catalog/index.js';
import { RTX_4090_WORKSTATION, type RigFigure } from '../../spec/catalog/rigs.js';
import { HOURS_PER_MONTH } from '../../spec/cost.js';
import { planTeam } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { didYouMean } from '../../spec/suggest.js';
import type { ChartLabels } from '../chart.js';
import { columns, style, usd } from '../output.js';
import { loadSelected } from '../teams.js';
import { MAX_TRIALS } from './sweep.js';

/** Options of `burst cost` as commander gives them (numbers as text). */
export interface CostCommandOptions {
  readonly json?: boolean;
  readonly trials?: string;
  readonly trialHours?: string;
  readonly overhead?: string;
  readonly compareBuy?: boolean;
  readonly rigPrice?: string;
  readonly rigGpus?: string;
  readonly powerWatts?: string;
  readonly usdPerKwh?: string;
  readonly lifetimeYears?: string;
  readonly resale?: string;
  readonly gpuHoursPerMonth?: string;
  readonly accelerator?: string;
  readonly cloud?: string;
  readonly chart?: string;
}

/** What `burst cost` touches outside its arguments. */
export interface CostDeps {
  readonly now: () => Date;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Draws the rent-or-buy chart. @default - cli/chart.ts writeCostChart (vega-lite, vega, resvg) */
  readonly writeChart?: (file: string, result: CompareBuyResult, labels: ChartLabels) => Promise<void>;
}

/** What `burst cost --compare-buy --json` prints. */
export interface CompareBuyReport {
  readonly team: string;
  readonly rig: Rig;
  /** Each rig figure: the value used, and its source unless given on the command line. */
  readonly assumptions: readonly { readonly what: string; readonly value: number; readonly unit: string; readonly from: string }[];
  readonly rent: RentRate;
  readonly comparison: CompareBuyResult;
  readonly cheapest: 'rent on-demand' | 'rent spot' | 'buy';
  readonly chart?: string;
}

const BUY_ONLY = ['rigPrice', 'rigGpus', 'powerWatts', 'usdPerKwh', 'lifetimeYears', 'resale', 'gpuHoursPerMonth', 'accelerator', 'cloud', 'chart'] as const;
const FLAG: Record<(typeof BUY_ONLY)[number], string> = {
  rigPrice: '--rig-price', rigGpus: '--rig-gpus', powerWatts: '--power-watts', usdPerKwh: '--usd-per-kwh', lifetimeYears: '--lifetime-years',
  resale: '--resale', gpuHoursPerMonth: '--gpu-hours-per-month', accelerator: '--accelerator', cloud: '--cloud', chart: '--chart',
};

interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  /** `min` itself is not allowed. */
  readonly above?: boolean;
  readonly unit: string;
}

function parseNumber(flag: string, raw: string | undefined, rule: NumberRule): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw.trim().replace(/^\$/, '').replace(/_/g, ''));
  const range = `${rule.above ? 'more than' : 'from'} ${rule.min} ${rule.above ? 'and at most' : 'to'} ${rule.max}`;
  const ok = raw.trim() !== '' && Number.isFinite(value) && (rule.above ? value > rule.min : value >= rule.min) && value <= rule.max && (!rule.integer || Number.isInteger(value));
  if (!ok) throw new UserError(`${flag} takes ${rule.integer ? 'a whole number' : 'a number'} of ${rule.unit}, ${range}; got '${raw}'`);
  return value;
}

interface Parsed {
  readonly sweep: SweepOptions;
  readonly rig: Rig;
  readonly given: ReadonlySet<string>;
  readonly gpuHoursPerMonth: number;
  readonly accelerator?: AcceleratorId;
  readonly cloud?: Cloud;
  readonly chart?: string;
}

/** Validates every option before anything is computed; throws a UserError naming the fix. */
export function parseCostOptions(opts: CostCommandOptions, teams: number): Parsed {
  const overheadRaw = opts.overhead?.trim();
  if (overheadRaw !== undefined && /^\d+(\.\d+)?%$/.test(overheadRaw)) {
    throw new UserError(`--overhead is a fraction: for ${overheadRaw} write --overhead ${Number(overheadRaw.slice(0, -1)) / 100}`);
  }
  const overheadNumber = Number(overheadRaw);
  if (overheadRaw !== undefined && Number.isFinite(overheadNumber) && overheadNumber > 1 && overheadNumber <= 100) {
    throw new UserError(`--overhead is a fraction of the trial hours: 0.15 means 15 %; got '${opts.overhead}' (for ${overheadNumber} % write --overhead ${overheadNumber / 100})`);
  }
  const overhead = parseNumber('--overhead', opts.overhead, { min: 0, max: 1, unit: 'extra host-hours per trial host-hour (0.1 = 10 %)' });
  const trials = parseNumber('--trials', opts.trials, { min: 1, max: MAX_TRIALS, integer: true, unit: 'trials' });
  const trialHours = parseNumber('--trial-hours', opts.trialHours, { min: 0, above: true, max: 24 * 14, unit: 'hours' });
  if (!opts.compareBuy) {
    const stray = BUY_ONLY.filter((k) => opts[k] !== undefined).map((k) => FLAG[k]);
    if (stray.length > 0) throw new UserError(`${stray.join(', ')} ${stray.length === 1 ? 'applies' : 'apply'} to the rent-or-buy comparison: add --compare-buy`);
  } else if (teams !== 1) {
    throw new UserError(`--compare-buy compares one team${teams > 1 ? `; got ${teams}` : ''}: name it, e.g. \`burst cost example --compare-buy\``);
  }
  const d = rigFromCatalog();
  const rigGpus = parseNumber('--rig-gpus', opts.rigGpus, { min: 1, max: 64, integer: true, unit: 'GPUs' }) ?? d.gpuCount;
  const purchaseUsd = parseNumber('--rig-price', opts.rigPrice, { min: 0, max: 10_000_000, unit: 'US dollars' }) ?? d.purchaseUsd;
  const resaleUsd = parseNumber('--resale', opts.resale, { min: 0, max: 10_000_000, unit: 'US dollars' }) ?? Math.min(d.resaleUsd ?? 0, purchaseUsd);
  if (resaleUsd > purchaseUsd) throw new UserError(`--resale ${resaleUsd} is more than the rig's price (${purchaseUsd}); the resale value is what the rig sells for at the end`);
  const rig: Rig = {
    name: d.name,
    gpuModel: d.gpuModel,
    gpuCount: rigGpus,
    purchaseUsd,
    powerWatts: parseNumber('--power-watts', opts.powerWatts, { min: 0, max: 100_000, unit: 'watts' }) ?? d.powerWatts,
    usdPerKwh: parseNumber('--usd-per-kwh', opts.usdPerKwh, { min: 0, max: 10, unit: 'US dollars per kWh' }) ?? d.usdPerKwh,
    lifetimeYears: parseNumber('--lifetime-years', opts.lifetimeYears, { min: 0, above: true, max: 20, unit: 'years' }) ?? d.lifetimeYears,
    resaleUsd,
  };
  const capacity = rig.gpuCount * HOURS_PER_MONTH;
  const gpuHoursPerMonth =
    parseNumber('--gpu-hours-per-month', opts.gpuHoursPerMonth, { min: 0, above: true, max: capacity, unit: `GPU-hours (${rig.gpuCount} GPU${rig.gpuCount === 1 ? '' : 's'} x ${HOURS_PER_MONTH} h a month at most)` }) ??
    Math.min(DEFAULT_GPU_HOURS_PER_MONTH, capacity);
  let acceleratorId: AcceleratorId | undefined;
  if (opts.accelerator !== undefined) {
    const ids = ACCELERATORS.map((a) => a.id as string);
    if (!ids.includes(opts.accelerator)) throw new UserError(`--accelerator: unknown accelerator '${opts.accelerator}'${didYouMean(opts.accelerator, ids)} (known: ${ids.join(', ')})`);
    acceleratorId = opts.accelerator as AcceleratorId;
    if (acceleratorKind(acceleratorId).family !== 'gpu') {
      throw new UserError(`--accelerator ${opts.accelerator} is not a GPU; rent-or-buy compares GPU-hours with a GPU rig (GPUs: ${ACCELERATORS.filter((a) => a.family === 'gpu').map((a) => a.id).join(', ')})`);
    }
  }
  if (opts.cloud !== undefined && opts.cloud !== 'aws' && opts.cloud !== 'gcp') throw new UserError(`--cloud is aws or gcp; got '${opts.cloud}'`);
  if (opts.chart !== undefined && !/\.(svg|png)$/i.test(opts.chart)) throw new UserError(`--chart ${opts.chart}: the file name must end in .svg or .png (it picks the format)`);
  if (opts.chart !== undefined && !existsSync(dirname(resolve(opts.chart)))) {
    throw new UserError(`--chart ${opts.chart}: no directory ${dirname(opts.chart)}; create it or choose a path in an existing directory`);
  }
  const given = new Set(BUY_ONLY.filter((k) => opts[k] !== undefined));
  return {
    sweep: { ...(trials !== undefined ? { trials } : {}), ...(trialHours !== undefined ? { trialHours } : {}), ...(overhead !== undefined ? { overhead } : {}) },
    rig, given, gpuHoursPerMonth,
    ...(acceleratorId ? { accelerator: acceleratorId } : {}),
    ...(opts.cloud ? { cloud: opts.cloud as Cloud } : {}),
    ...(opts.chart ? { chart: opts.chart } : {}),
  };
}

/** `$1,234` above $1,000, `$12.34` below. */
export function money(value: number): string {
  return Math.abs(value) >= 1000 ? `$${Math.round(value).toLocaleString('en-US')}` : `$${value.toFixed(2)}`;
}

function figureText(value: number, unit: string): string {
  if (unit === 'USD') return Number.isInteger(value) ? `$${value.toLocaleString('en-US')}` : money(value);
  if (unit === 'USD/kWh') return `$${value}/kWh`;
  return `${value} ${unit}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const age = (p: DatedPrice) => (p.stale ? style.warn(`stale: ${Number.isFinite(p.ageDays) ? `${p.ageDays} days old` : 'undated'}`) : `${p.ageDays} days old`);

function cloudLines(c: CloudBurstCost): string[] {
  const out = [`  ${style.heading(c.cloud.toUpperCase())} ${style.dim(c.region)}`];
  if (c.compute.length === 0) out.push('    no fleets, TPU nodes, sweep groups or dev box');
  else {
    out.push(`    ${style.heading('At full size')} (as configured; on-demand; all spot):`);
    out.push(
      ...columns(
        c.compute.map((x) => [
          x.name, x.kind, x.kind === 'sweepGroup' ? `${plural(x.nodes, 'host')} at once` : x.kind === 'tpuNode' ? '1 slice' : plural(x.nodes, 'node'),
          `${usd(x.usdPerHour, '/h')} ${x.market}`, `on-demand ${usd(x.onDemandUsdPerHour, '/h')}`,
          x.spotUsdPerHour === undefined ? 'spot -' : `spot ${usd(x.spotUsdPerHour, '/h')}`, style.dim(x.basis),
        ]),
        '      ',
      ),
    );
  }
  if (c.burn.lines.length > 0) {
    out.push(`    ${style.heading('Worst-case burn')} of a burst, everything started at full size and kept to its TTL: ${style.heading(money(c.burn.usd))}`);
    out.push(...columns(c.burn.lines.map((l) => [l.name, `${usd(l.usdPerHour, '/h')} x ${l.hours} h`, money(l.usd), l.kind === 'network' ? style.dim('NAT gateway + its IPv4 while egress is on') : '']), '      '));
  }
  for (const s of c.sweeps) {
    out.push(
      `    ${style.heading('Sweep')} ${s.group}: ${s.trials} trials x ${s.hoursPerTrial} h on ${s.hostType} (${s.hostsAtOnce} at once, about ${s.wallClockHours} h): ` +
        `spot ${style.heading(money(s.spotUsd))} with ${Math.round(s.overhead * 100)} % interruption overhead, on-demand ${money(s.onDemandUsd)} ` +
        `(spot saves ${Math.round(s.savingPercent)} %)`,
    );
    for (const note of s.notes) out.push(`      ${style.warn(note)}`);
  }
  if (c.idle.lines.length > 0) {
    out.push(`    ${style.heading('Idle waste')} per burst: ${money(c.idle.usd)} (the agent's idle window); ${money(c.idle.backstopUsd)} if the agent dies and the backstop acts:`);
    out.push(...columns(c.idle.lines.map((l) => [l.name, `${l.idleMinutes} min x ${usd(l.usdPerHour, '/h')}`, money(l.usd), style.dim(`backstop ${l.backstopMinutes} min ${money(l.backstopUsd)}`)]), '      '));
  }
  const fixed = c.standing.lines.map((l) => `${l.name} ${money(l.usdPerMonth)}`).join(', ');
  const usage = c.standing.usage.map((p) => `${p.what} ${usd(p.usd, `/${p.unit}`)}`).join('; ');
  out.push(`    ${style.heading('Standing')} at rest: ${money(c.standing.usdPerMonth)}/month${fixed ? ` (${fixed})` : ''}; grows with use: ${usage || 'nothing'}`);
  return out;
}

function priceLines(report: TeamBurstCost): string[] {
  const seen = new Map<string, { cloud: Cloud; p: DatedPrice }>();
  for (const c of [report.aws, report.gcp]) {
    if (!c) continue;
    for (const p of [...c.compute.flatMap((x) => x.prices), ...c.stalePrices, ...c.standing.usage]) seen.set(`${c.cloud}|${p.what}`, { cloud: c.cloud, p });
  }
  const rows = [...seen.values()].map(({ cloud, p }) => [cloud, p.what, usd(p.usd, `/${p.unit}`), p.asOf, age(p), style.dim(p.source)]);
  const stale = [...seen.values()].filter(({ p }) => p.stale).length;
  return [
    `  ${style.heading('Prices')} (date, age on ${report.checkedOn}, source)` +
      (stale > 0 ? `; ${style.warn(`${stale} older than ${report.staleAfterDays} days`)}: refresh them in spec/catalog/ (each file says how)` : ''),
    ...columns(rows, '    '),
  ];
}

/** The human report of `burst cost` for one team. */
export function renderCostReport(report: TeamBurstCost): string {
  const out = [`${style.heading(`team ${report.team}`)} ${style.dim(report.file)}`];
  for (const c of [report.aws, report.gcp]) if (c) out.push(...cloudLines(c));
  out.push(...priceLines(report));
  return out.join('\n');
}

function figure(what: string, value: number, unit: string, flag: string, given: ReadonlySet<string>, key: string, fig: RigFigure): [string, number, string, string] {
  return [what, value, unit, given.has(key) ? flag : `${fig.estimate ? 'estimate, ' : ''}${fig.asOf} ${fig.source}`];
}

function cheapestOf(c: CompareBuyResult): CompareBuyReport['cheapest'] {
  const { rentOnDemandUsd, rentSpotUsd, buyUsd } = c.totals;
  if (buyUsd < rentSpotUsd && buyUsd < rentOnDemandUsd) return 'buy';
  return rentSpotUsd <= rentOnDemandUsd ? 'rent spot' : 'rent on-demand';
}

/** The human report of `burst cost <team> --compare-buy`. */
export function renderCompareBuy(r: CompareBuyReport): string {
  const c = r.comparison;
  const rent = r.rent;
  const when = (m: number | null) => (m === null ? `never within ${c.months} months` : `in month ${m} (after ${(m / 12).toFixed(1)} years)`);
  const rented = acceleratorKind(rent.accelerator).displayName;
  const resale = c.rig.resaleUsd ?? 0;
  const lines = [
    `${style.heading(`team ${r.team}`)}: rent or buy? ${c.rig.name} (${c.rig.gpuCount} x ${c.rig.gpuModel})`,
    `  ${style.heading('Rig')}`,
    ...columns(r.assumptions.map((a) => [a.what, figureText(a.value, a.unit), style.dim(a.from)]), '    '),
    `  ${style.heading('Use')}: ${c.gpuHoursPerMonth} GPU-hours a month; the rig trains ${Math.round(c.rigHoursPerMonth)} h a month (${Math.round(c.utilisation * 100)} % of its time)`,
    `  ${style.heading('Rent')}: ${rent.cloud} ${rent.type} (${rent.from}, ${rent.gpusPerHost} x ${rented}): ${usd(rent.onDemandUsdPerGpuHour)}/GPU-hour on-demand, ` +
      `${usd(rent.spotUsdPerGpuHour)} spot` + (rent.prices[0] ? ` ${style.dim(`(${rent.prices[0].asOf}, ${age(rent.prices[0])}, ${rent.prices[0].source})`)}` : ''),
    `  ${style.heading('Per month')}: rent on-demand ${money(c.monthly.rentOnDemandUsd)}, rent spot ${money(c.monthly.rentSpotUsd)}, buy ${money(c.monthly.buyPowerUsd)} of power after the purchase`,
    `  ${style.heading('Break-even')}: buying pays off vs on-demand ${when(c.breakEvenMonth.onDemand)}; vs spot ${when(c.breakEvenMonth.spot)}`,
    `  ${style.heading(`Over ${c.months} months`)}: rent on-demand ${money(c.totals.rentOnDemandUsd)}, rent spot ${money(c.totals.rentSpotUsd)}, ` +
      `buy ${money(c.totals.buyUsd)}${resale > 0 ? ` (after ${figureText(resale, 'USD')} resale)` : ''}, ${usd(c.buyUsdPerGpuHour)} per GPU-hour used; cheapest: ${style.heading(r.cheapest)}`,
    style.dim(
      `  Assumptions: hours are compared as hours, not as work done (${c.rig.gpuModel} and ${rented} differ in speed and memory); ` +
        'buying pays no staff, space, cooling, repairs or financing; the rig draws its power only while it trains; renting ' +
        'bills disks, storage and egress on top (see `burst cost`). Change any figure with the options of `burst cost --help`.',
    ),
  ];
  if (r.chart) lines.push(`  ${style.heading('Chart')}: ${r.chart}`);
  return lines.join('\n');
}

async function compareBuyReport(spec: TeamSpec, parsed: Parsed, deps: CostDeps): Promise<CompareBuyReport> {
  const plan = planTeam(spec);
  const rent = rentRateFor(plan, { ...(parsed.accelerator ? { accelerator: parsed.accelerator } : {}), ...(parsed.cloud ? { cloud: parsed.cloud } : {}) }, deps.now());
  const comparison = compareBuy({ rig: parsed.rig, gpuHoursPerMonth: parsed.gpuHoursPerMonth, onDemandUsdPerGpuHour: rent.onDemandUsdPerGpuHour, spotUsdPerGpuHour: rent.spotUsdPerGpuHour });
  const d = RTX_4090_WORKSTATION;
  const { rig, given } = parsed;
  const assumptions = [
    figure('purchase', rig.purchaseUsd, 'USD', '--rig-price', given, 'rigPrice', d.purchaseUsd),
    figure('power under load', rig.powerWatts, 'W', '--power-watts', given, 'powerWatts', d.powerWatts),
    figure('electricity', rig.usdPerKwh, 'USD/kWh', '--usd-per-kwh', given, 'usdPerKwh', d.usdPerKwh),
    figure('lifetime', rig.lifetimeYears, 'years', '--lifetime-years', given, 'lifetimeYears', d.lifetimeYears),
    figure('resale at the end', rig.resaleUsd ?? 0, 'USD', '--resale', given, 'resale', d.resaleUsd),
  ].map(([what, value, unit, from]) => ({ what, value, unit, from }));
  if (given.has('rigGpus') && rig.gpuCount !== d.gpuCount && !given.has('rigPrice')) {
    deps.stderr(style.warn(`burst: --rig-gpus ${rig.gpuCount} keeps the price and power of a ${d.gpuCount}-GPU ${d.name}; give --rig-price and --power-watts too\n`));
  }
  let chart: string | undefined;
  if (parsed.chart) {
    deps.stderr(style.dim(`drawing the chart to ${parsed.chart}...\n`));
    const writeChart = deps.writeChart ?? (await import('../chart.js')).writeCostChart;
    await writeChart(parsed.chart, comparison, {
      team: spec.team, rent: `${rent.cloud} ${rent.type} (${rent.gpusPerHost} x ${acceleratorKind(rent.accelerator).displayName.replace(/^NVIDIA /, '')})`,
      onDemandUsdPerGpuHour: rent.onDemandUsdPerGpuHour, spotUsdPerGpuHour: rent.spotUsdPerGpuHour,
    });
    chart = parsed.chart;
  }
  return { team: spec.team, rig, assumptions, rent, comparison, cheapest: cheapestOf(comparison), ...(chart ? { chart } : {}) };
}

/** Runs `burst cost` on validated team specs; returns the exit code (0: stale prices are warnings). */
export async function runCost(specs: readonly TeamSpec[], opts: CostCommandOptions, deps: CostDeps): Promise<number> {
  const parsed = parseCostOptions(opts, specs.length);
  if (opts.compareBuy) {
    const spec = specs[0] as TeamSpec;
    const report = await compareBuyReport(spec, parsed, deps);
    deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderCompareBuy(report)}\n`);
    return 0;
  }
  const reports = specs.map((spec) => burstCost(planTeam(spec), { now: deps.now(), sweep: parsed.sweep }));
  if (opts.json) {
    deps.stdout(`${JSON.stringify({ teams: reports }, null, 2)}\n`);
    return 0;
  }
  const sweeps = parsed.sweep;
  const header = style.dim(
    `Sweep estimates assume ${sweeps.trials ?? DEFAULT_SWEEP_TRIALS} trials of ${sweeps.trialHours ?? "each group's trialHours"}${sweeps.trialHours ? ' h' : ''} ` +
      `and ${Math.round((sweeps.overhead ?? DEFAULT_SWEEP_OVERHEAD) * 100)} % spot overhead (--trials, --trial-hours, --overhead). US dollars, list prices.`,
  );
  deps.stdout(`${reports.map(renderCostReport).join('\n\n')}\n\n${header}\n`);
  return 0;
}

/** `burst cost [team...] [options]` as commander calls it. */
export async function costCommand(teams: string[], opts: CostCommandOptions, cmd: Command): Promise<number> {
  parseCostOptions(opts, opts.compareBuy ? teams.length : Math.max(1, teams.length));
  const specs = loadSelected(teams, cmd);
  return runCost(specs, opts, {
    now: () => new Date(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
