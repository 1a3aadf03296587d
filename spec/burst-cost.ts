/**
 * What a burst costs, and whether buying a machine would cost less: the arithmetic behind
 * `burst cost`. Pure functions of the plan (`planTeam`), the catalog and an injected clock; every
 * instance price comes from `standingCost(...).lines[].running` (spec/cost.ts), never recomputed here.
 *
 * Formulas (USD; h = hours):
 * - Rate of an item at full size (`ComputeCost`): `running.usdPerHour` as configured (spot,
 *   on-demand or mixed), `running.onDemandUsdPerHour`, and the spot rate = `running.usdPerHour` of
 *   the same item with its market set to spot (fleets, TPU nodes; a sweep group is always spot).
 * - Worst-case burn of a burst (`Burn`): every fleet, TPU node and the dev box started at full size
 *   and kept to its TTL: sum of `usdPerHour x ttlHours`; on AWS plus the NAT gateway (egress on) for
 *   the longest of those TTLs. Sweep groups are left out: their cost is the sweep estimate.
 * - Expected cost of a sweep (`SweepEstimate`): `trials x hoursPerTrial x spot $/h of one trial host
 *   x (1 + overhead)`, next to `trials x hoursPerTrial x on-demand $/h` (no interruptions on demand).
 * - Idle waste per burst (`IdleLine`): `idleMinutes / 60 x usdPerHour`: the agent keeps a host that
 *   long after its last work. If the agent is dead, the backstop acts after `idleGraceFactor x
 *   idleMinutes + everyMinutes` (never later than the TTL): `backstopUsd`.
 * - Standing cost at rest: `standingCost(plan).fixedUsdPerMonth`, plus usage rates (per GB-month).
 * - Rent or buy (`compareBuy`), per month m = 0..M (M = round(lifetimeYears x 12)), G = GPU-hours a
 *   month, n = GPUs in the rig:
 *     rent(m)  = m x G x rented $/GPU-hour            (on-demand and spot)
 *     buy(m)   = purchaseUsd + m x (G / n) x powerWatts / 1000 x usdPerKwh   (- resaleUsd at m = M)
 *   The break-even month is the first m in 1..M with buy(m) <= rent(m), or null when there is none.
 *
 * Every price is returned with its date and source; a price older than {@link STALE_PRICE_DAYS}
 * days against the injected `now` is flagged `stale`.
 */
import {
  accelerator,
  AWS_CPU_INSTANCE_TYPES,
  AWS_INSTANCE_TYPES,
  GCP_CPU_MACHINE_TYPES,
  GCP_MACHINE_TYPES,
  GCP_SERVICE_PRICES,
  GCP_TPU_TYPES,
  offers,
  SERVICE_PRICES,
  type AcceleratorId,
  type Cloud,
  type Prices,
} from './catalog/index.js';
import { RTX_4090_WORKSTATION, type RigSpec } from './catalog/rigs.js';
import { HOURS_PER_MONTH, standingCost, type RunningCost } from './cost.js';
import type { AutoShutdownItem, CloudPlan, PlanItem, TeamPlan } from './plan.js';
import { UserError } from './problems.js';

/** A price older than this many days is flagged stale. */
export const STALE_PRICE_DAYS = 90;
/** Trials a sweep estimate assumes when none are given. */
export const DEFAULT_SWEEP_TRIALS = 100;
/**
 * Interruption/retry overhead of a spot sweep when none is given: an assumption. Spot Advisor puts
 * g5.xlarge, g6.xlarge and p3.2xlarge in its worst interruption bucket ("> 20 %", g4dn.xlarge 15-20 %;
 * /work/shared/reference/prices-and-peers.md): about a fifth of trials interrupted once, each redoing on
 * average half its work when it checkpoints rarely, is 0.2 x 0.5 = 10 % more host-hours. Trials that
 * checkpoint often lose less; `--overhead` sets it.
 */
export const DEFAULT_SWEEP_OVERHEAD = 0.1;
/** GPU-hours a month the rent-or-buy comparison assumes when none are given (about 9 GPU-hours a working day). */
export const DEFAULT_GPU_HOURS_PER_MONTH = 200;

const DAY_MS = 86_400_000;

/** A price with its date, source and age. */
export interface DatedPrice {
  /** What is priced, e.g. `g6.xlarge on-demand`. */
  readonly what: string;
  readonly usd: number;
  /** `hour`, `GB-month`, ... */
  readonly unit: string;
  readonly asOf: string;
  readonly source: string;
  /** Whole days from `asOf` to `now`. */
  readonly ageDays: number;
  /** True when older than {@link STALE_PRICE_DAYS} days (or undated). */
  readonly stale: boolean;
}

/** A price dated against `now`. */
export function datedPrice(what: string, usd: number, unit: string, asOf: string, source: string, now: Date): DatedPrice {
  const ageDays = Math.floor((now.getTime() - Date.parse(`${asOf}T00:00:00Z`)) / DAY_MS);
  return { what, usd, unit, asOf, source, ageDays, stale: !(ageDays <= STALE_PRICE_DAYS) };
}

function instancePrices(what: string, prices: Prices, now: Date): DatedPrice[] {
  return [
    datedPrice(`${what} on-demand`, prices.onDemand.usdPerHour, 'hour', prices.onDemand.asOf, prices.onDemand.source, now),
    datedPrice(`${what} spot`, prices.spot.usdPerHour, 'hour', prices.spot.asOf, prices.spot.source, now),
  ];
}

/** Kinds of plan items that bill while a burst runs. */
export type ComputeKind = 'gpuFleet' | 'tpuNode' | 'sweepGroup' | 'devBox';

/** What one compute item bills per hour at full size. */
export interface ComputeCost {
  readonly cloud: Cloud;
  readonly kind: ComputeKind;
  readonly name: string;
  /** How it buys capacity as configured. */
  readonly market: 'spot' | 'on-demand' | 'mixed';
  /** At full size: fleet nodes, 1 TPU slice, a sweep group's hosts running at once, 1 dev box. */
  readonly nodes: number;
  /** As configured. */
  readonly usdPerHour: number;
  readonly onDemandUsdPerHour: number;
  /** The same capacity all on spot; absent for the dev box (always on demand). */
  readonly spotUsdPerHour?: number;
  /** How `usdPerHour` is made up (from spec/cost.ts). */
  readonly basis: string;
  /** Fleets, TPU nodes and the dev box. */
  readonly idleMinutes?: number;
  readonly ttlHours?: number;
  /** Host type of one node or trial, e.g. `g4dn.xlarge`. */
  readonly hostType: string;
  readonly prices: readonly DatedPrice[];
}

/** One line of the worst-case burn. */
export interface BurnLine {
  readonly name: string;
  readonly kind: ComputeKind | 'network';
  readonly usdPerHour: number;
  readonly hours: number;
  readonly usd: number;
}

/** Expected cost of one sweep on a sweep group. */
export interface SweepEstimate {
  readonly group: string;
  readonly trials: number;
  readonly hoursPerTrial: number;
  readonly overhead: number;
  readonly hostType: string;
  /** Trials that run at once (hosts at full size). */
  readonly hostsAtOnce: number;
  readonly spotUsdPerHostHour: number;
  readonly onDemandUsdPerHostHour: number;
  readonly spotUsd: number;
  readonly onDemandUsd: number;
  /** How much less spot costs, percent of on-demand (after overhead). */
  readonly savingPercent: number;
  /** ceil(trials / hostsAtOnce) x hoursPerTrial, without retries. */
  readonly wallClockHours: number;
  readonly notes: readonly string[];
}

/** Idle waste one host (or fleet) allows per burst. */
export interface IdleLine {
  readonly name: string;
  readonly kind: ComputeKind;
  readonly idleMinutes: number;
  readonly usdPerHour: number;
  /** With the agent working. */
  readonly usd: number;
  /** With the agent dead: the backstop's bound (capped by the TTL). */
  readonly backstopMinutes: number;
  readonly backstopUsd: number;
}

/** One cloud's burst costs. */
export interface CloudBurstCost {
  readonly cloud: Cloud;
  readonly region: string;
  readonly compute: readonly ComputeCost[];
  readonly burn: { readonly lines: readonly BurnLine[]; readonly usd: number };
  readonly sweeps: readonly SweepEstimate[];
  readonly idle: { readonly lines: readonly IdleLine[]; readonly usd: number; readonly backstopUsd: number };
  readonly standing: {
    readonly usdPerMonth: number;
    readonly lines: readonly { readonly name: string; readonly usdPerMonth: number; readonly note: string }[];
    /** Charges that grow with use (stored GB-month, processed GB). */
    readonly usage: readonly DatedPrice[];
  };
  /** Every stale price this cloud's figures use. */
  readonly stalePrices: readonly DatedPrice[];
}

/** A team's burst costs on each of its clouds. */
export interface TeamBurstCost {
  readonly team: string;
  readonly file: string;
  /** The date prices were aged against, `YYYY-MM-DD`. */
  readonly checkedOn: string;
  readonly staleAfterDays: number;
  readonly aws?: CloudBurstCost;
  readonly gcp?: CloudBurstCost;
}

/** Sweep assumptions; each group's own trialHours when `trialHours` is left out. */
export interface SweepOptions {
  readonly trials?: number;
  readonly trialHours?: number;
  readonly overhead?: number;
}

function runningOf(plan: CloudPlan, item: PlanItem): RunningCost | undefined {
  return standingCost({ ...plan, items: [item] } as CloudPlan).lines[0]?.running;
}

function awsPrices(instanceType: string): Prices | undefined {
  return [...AWS_INSTANCE_TYPES, ...AWS_CPU_INSTANCE_TYPES].find((t) => t.instanceType === instanceType)?.prices;
}

/** A GCE host as the catalog prices it: `n1-standard-8 + 1x nvidia-tesla-t4` when the GPUs are attached. */
function gcpHost(item: { readonly machineType: string; readonly attached: boolean; readonly count: number; readonly acceleratorType?: string }): string {
  return item.attached && item.count > 0 ? `${item.machineType} + ${item.count}x ${item.acceleratorType ?? '?'}` : item.machineType;
}

function gcpPrices(machineType: string, count: number): Prices | undefined {
  return (
    GCP_MACHINE_TYPES.find((t) => t.machineType === machineType && t.acceleratorCount === count)?.prices ??
    GCP_CPU_MACHINE_TYPES.find((t) => t.machineType === machineType)?.prices
  );
}

/** The compute item's cost, or undefined when it is not compute or the catalog has no price for it. */
function computeCost(plan: CloudPlan, item: PlanItem, now: Date): ComputeCost | undefined {
  const running = runningOf(plan, item);
  if (running === undefined) return undefined;
  const base = { cloud: plan.cloud, name: item.name, usdPerHour: running.usdPerHour, onDemandUsdPerHour: running.onDemandUsdPerHour, basis: running.basis };
  const disk =
    plan.cloud === 'aws'
      ? datedPrice(SERVICE_PRICES.ebsGp3.item, SERVICE_PRICES.ebsGp3.usd, 'GB-month', SERVICE_PRICES.ebsGp3.asOf, SERVICE_PRICES.ebsGp3.source, now)
      : datedPrice(GCP_SERVICE_PRICES.pdBalanced.item, GCP_SERVICE_PRICES.pdBalanced.usd, 'GB-month', GCP_SERVICE_PRICES.pdBalanced.asOf, GCP_SERVICE_PRICES.pdBalanced.source, now);
  if (item.kind === 'gpuFleet') {
    const type = 'instanceTypes' in item ? (item.instanceTypes[0] ?? '?') : gcpHost(item);
    const prices = 'instanceTypes' in item ? awsPrices(type) : gcpPrices(item.machineType, item.count);
    const spot = runningOf(plan, 'instanceTypes' in item ? { ...item, market: 'spot', onDemandBase: 0 } : { ...item, market: 'spot' });
    return {
      ...base, kind: 'gpuFleet', market: item.market, nodes: item.nodes, spotUsdPerHour: spot?.usdPerHour ?? running.usdPerHour,
      idleMinutes: item.idleMinutes, ttlHours: item.ttlHours, hostType: type, prices: [...(prices ? instancePrices(type, prices, now) : []), disk],
    };
  }
  if (item.kind === 'tpuNode') {
    const prices = GCP_TPU_TYPES.find((t) => t.acceleratorType === item.acceleratorType)?.prices;
    return {
      ...base, kind: 'tpuNode', market: item.spot ? 'spot' : 'on-demand', nodes: 1, spotUsdPerHour: runningOf(plan, { ...item, spot: true })?.usdPerHour ?? running.usdPerHour,
      idleMinutes: item.idleMinutes, ttlHours: item.ttlHours, hostType: item.acceleratorType,
      prices: prices ? instancePrices(item.acceleratorType, prices, now) : [],
    };
  }
  if (item.kind === 'sweepGroup') {
    const type = 'instanceTypes' in item ? (item.instanceTypes[0] ?? '?') : gcpHost(item);
    const prices = 'instanceTypes' in item ? awsPrices(type) : gcpPrices(item.machineType, item.count);
    const hostSpot = prices?.spot.usdPerHour ?? 0;
    const nodes = 'parallelism' in item ? item.parallelism : hostSpot > 0 ? Math.round(running.usdPerHour / hostSpot) : 1;
    return { ...base, kind: 'sweepGroup', market: 'spot', nodes, spotUsdPerHour: running.usdPerHour, hostType: type, prices: prices ? instancePrices(type, prices, now) : [] };
  }
  if (item.kind === 'devBox') {
    const type = 'instanceType' in item ? item.instanceType : gcpHost(item);
    const prices = 'instanceType' in item ? awsPrices(type) : gcpPrices(item.machineType, item.count);
    const od = prices ? [instancePrices(type, prices, now)[0] as DatedPrice] : [];
    return { ...base, kind: 'devBox', market: 'on-demand', nodes: 1, idleMinutes: item.idleMinutes, ttlHours: item.ttlHours, hostType: type, prices: [...od, disk] };
  }
  return undefined;
}

function sweepEstimate(item: ComputeCost, timeoutHours: number, options: SweepOptions): SweepEstimate {
  const trials = options.trials ?? DEFAULT_SWEEP_TRIALS;
  const hoursPerTrial = options.trialHours ?? timeoutHours;
  const overhead = options.overhead ?? DEFAULT_SWEEP_OVERHEAD;
  const spotHost = item.prices.find((p) => p.what.endsWith(' spot'))?.usd ?? 0;
  const odHost = item.prices.find((p) => p.what.endsWith(' on-demand'))?.usd ?? 0;
  const spotUsd = trials * hoursPerTrial * spotHost * (1 + overhead);
  const onDemandUsd = trials * hoursPerTrial * odHost;
  const notes =
    hoursPerTrial > timeoutHours
      ? [`${hoursPerTrial} h per trial is longer than the group's trialHours (${timeoutHours} h): Batch stops a trial at its timeout`]
      : [];
  return {
    group: item.name, trials, hoursPerTrial, overhead, hostType: item.hostType, hostsAtOnce: item.nodes,
    spotUsdPerHostHour: spotHost, onDemandUsdPerHostHour: odHost, spotUsd, onDemandUsd,
    savingPercent: onDemandUsd > 0 ? (1 - spotUsd / onDemandUsd) * 100 : 0,
    wallClockHours: Math.ceil(trials / Math.max(1, item.nodes)) * hoursPerTrial,
    notes,
  };
}

function idleLine(item: ComputeCost, shutdown: AutoShutdownItem | undefined): IdleLine | undefined {
  if (item.idleMinutes === undefined) return undefined;
  const ttlMinutes = (item.ttlHours ?? Number.POSITIVE_INFINITY) * 60;
  const backstopMinutes = Math.min(ttlMinutes, shutdown ? shutdown.idleGraceFactor * item.idleMinutes + shutdown.everyMinutes : ttlMinutes);
  return {
    name: item.name, kind: item.kind, idleMinutes: item.idleMinutes, usdPerHour: item.usdPerHour,
    usd: (item.idleMinutes / 60) * item.usdPerHour, backstopMinutes, backstopUsd: (backstopMinutes / 60) * item.usdPerHour,
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function uniqueStale(prices: readonly DatedPrice[]): DatedPrice[] {
  const seen = new Map<string, DatedPrice>();
  for (const p of prices) if (p.stale) seen.set(`${p.what}|${p.asOf}|${p.source}`, p);
  return [...seen.values()];
}

/** One cloud's burst costs. */
export function cloudBurstCost(plan: CloudPlan, options: { readonly now: Date; readonly sweep?: SweepOptions }): CloudBurstCost {
  const { now } = options;
  const compute = plan.items.map((item) => computeCost(plan, item, now)).filter((c): c is ComputeCost => c !== undefined);
  const bursting = compute.filter((c) => c.kind !== 'sweepGroup');
  const burnLines: BurnLine[] = bursting.map((c) => ({ name: c.name, kind: c.kind, usdPerHour: c.usdPerHour, hours: c.ttlHours ?? 0, usd: c.usdPerHour * (c.ttlHours ?? 0) }));
  const network = plan.items.find((i) => i.kind === 'network');
  const egress = network ? runningOf(plan, network) : undefined;
  const longest = Math.max(0, ...bursting.map((c) => c.ttlHours ?? 0));
  const networkPrices: DatedPrice[] = [];
  if (egress && longest > 0) {
    burnLines.push({ name: 'egress', kind: 'network', usdPerHour: egress.usdPerHour, hours: longest, usd: egress.usdPerHour * longest });
    for (const p of [SERVICE_PRICES.natGatewayHour, SERVICE_PRICES.publicIpv4]) networkPrices.push(datedPrice(p.item, p.usd, p.unit, p.asOf, p.source, now));
  }
  const sweeps = plan.items.flatMap((item) => {
    const c = item.kind === 'sweepGroup' ? compute.find((x) => x.kind === 'sweepGroup' && x.name === item.name) : undefined;
    return c && item.kind === 'sweepGroup' ? [sweepEstimate(c, item.trialHours, options.sweep ?? {})] : [];
  });
  const shutdown = plan.items.find((i): i is AutoShutdownItem => i.kind === 'autoShutdown');
  const idleLines = bursting.map((c) => idleLine(c, shutdown)).filter((l): l is IdleLine => l !== undefined);
  const standing = standingCost(plan);
  const usage = standing.lines.flatMap((l) => l.usage.map((u) => datedPrice(u.price.item, u.price.usd, u.price.unit, u.price.asOf, u.price.source, now)));
  return {
    cloud: plan.cloud,
    region: plan.region,
    compute,
    burn: { lines: burnLines, usd: sum(burnLines.map((l) => l.usd)) },
    sweeps,
    idle: { lines: idleLines, usd: sum(idleLines.map((l) => l.usd)), backstopUsd: sum(idleLines.map((l) => l.backstopUsd)) },
    standing: {
      usdPerMonth: standing.fixedUsdPerMonth,
      lines: standing.lines.filter((l) => l.fixedUsdPerHour > 0).map((l) => ({ name: l.name, usdPerMonth: l.fixedUsdPerHour * HOURS_PER_MONTH, note: l.note })),
      usage,
    },
    stalePrices: uniqueStale([...compute.flatMap((c) => c.prices), ...networkPrices, ...usage]),
  };
}

/** A team's burst costs on each cloud it has a section for. */
export function burstCost(plan: TeamPlan, options: { readonly now: Date; readonly sweep?: SweepOptions }): TeamBurstCost {
  return {
    team: plan.team,
    file: plan.file,
    checkedOn: options.now.toISOString().slice(0, 10),
    staleAfterDays: STALE_PRICE_DAYS,
    ...(plan.aws ? { aws: cloudBurstCost(plan.aws, options) } : {}),
    ...(plan.gcp ? { gcp: cloudBurstCost(plan.gcp, options) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Rent or buy

/** A machine to buy, as the arithmetic sees it (figures without their sources). */
export interface Rig {
  readonly name: string;
  readonly gpuModel: string;
  readonly gpuCount: number;
  readonly purchaseUsd: number;
  /** Whole machine under a training load. */
  readonly powerWatts: number;
  readonly usdPerKwh: number;
  readonly lifetimeYears: number;
  /** Sale price at the end of the lifetime. @default 0 */
  readonly resaleUsd?: number;
  /** Fraction of the month the rig trains; sets the GPU-hours when the input gives none. */
  readonly utilisation?: number;
}

/** The arithmetic's view of a catalog rig. */
export function rigFromCatalog(spec: RigSpec = RTX_4090_WORKSTATION): Rig {
  return {
    name: spec.name, gpuModel: spec.gpuModel, gpuCount: spec.gpuCount, purchaseUsd: spec.purchaseUsd.value, powerWatts: spec.powerWatts.value,
    usdPerKwh: spec.usdPerKwh.value, lifetimeYears: spec.lifetimeYears.value, resaleUsd: spec.resaleUsd.value,
  };
}

/** What renting one GPU for an hour costs, and where the figure comes from. */
export interface RentRate {
  readonly cloud: Cloud;
  /** Instance or machine type, e.g. `g2-standard-4`. */
  readonly type: string;
  readonly accelerator: AcceleratorId;
  readonly gpusPerHost: number;
  /** `fleet gtrain`, `sweep group hparams` or `catalog`. */
  readonly from: string;
  readonly onDemandUsdPerGpuHour: number;
  readonly spotUsdPerGpuHour: number;
  readonly prices: readonly DatedPrice[];
}

interface Candidate {
  readonly cloud: Cloud;
  readonly type: string;
  readonly accelerator: AcceleratorId;
  readonly count: number;
  readonly prices: Prices;
  readonly from: string;
}

function teamCandidates(plan: CloudPlan, kind: 'gpuFleet' | 'sweepGroup'): Candidate[] {
  return plan.items.flatMap((item): Candidate[] => {
    if (item.kind !== kind || accelerator(item.accelerator).family !== 'gpu') return [];
    const type = 'instanceTypes' in item ? (item.instanceTypes[0] ?? '?') : gcpHost(item);
    const prices = 'instanceTypes' in item ? awsPrices(type) : gcpPrices(item.machineType, item.count);
    const from = `${kind === 'gpuFleet' ? 'fleet' : 'sweep group'} ${item.name}`;
    return prices ? [{ cloud: plan.cloud, type, accelerator: item.accelerator, count: item.count, prices, from }] : [];
  });
}

/**
 * The rented $/GPU-hour to compare a rig with: the team's GPU fleet with the lowest on-demand price
 * per GPU (its spot price beside it), on `cloud` or any of the team's clouds, of `accelerator` when
 * given; sweep groups when the team has no GPU fleet; the catalog's cheapest offer of `accelerator`
 * (in the team's region where offered) when the team runs none of it.
 */
export function rentRateFor(plan: TeamPlan, choice: { readonly accelerator?: AcceleratorId; readonly cloud?: Cloud }, now: Date): RentRate {
  const clouds = [plan.aws, plan.gcp].filter((p): p is CloudPlan => p !== undefined && (choice.cloud === undefined || p.cloud === choice.cloud));
  if (clouds.length === 0) throw new UserError(`team ${plan.team} has no ${choice.cloud} section; drop --cloud or choose ${[plan.aws ? 'aws' : '', plan.gcp ? 'gcp' : ''].filter(Boolean).join(' or ')}`);
  const wanted = (c: Candidate) => choice.accelerator === undefined || c.accelerator === choice.accelerator;
  let candidates = clouds.flatMap((p) => teamCandidates(p, 'gpuFleet')).filter(wanted);
  if (candidates.length === 0) candidates = clouds.flatMap((p) => teamCandidates(p, 'sweepGroup')).filter(wanted);
  if (candidates.length === 0 && choice.accelerator !== undefined) {
    const id = choice.accelerator;
    const all = clouds.flatMap((p) => offers(p.cloud).filter((o) => o.accelerator === id).map((o) => ({ o, region: p.region })));
    const inRegion = all.filter(({ o, region }) => o.offeredIn.includes(region));
    candidates = (inRegion.length > 0 ? inRegion : all).map(({ o }) => ({
      cloud: o.cloud, type: o.type, accelerator: o.accelerator, count: o.count, prices: { onDemand: o.onDemand, spot: o.spot }, from: 'catalog',
    }));
  }
  const perGpu = (c: Candidate) => c.prices.onDemand.usdPerHour / c.count;
  const best = [...candidates].sort((a, b) => perGpu(a) - perGpu(b) || a.type.localeCompare(b.type))[0];
  if (best === undefined) {
    const where = choice.cloud ? ` on ${choice.cloud}` : '';
    throw new UserError(
      choice.accelerator === undefined
        ? `team ${plan.team} has no GPU fleet or sweep group${where} to compare a rig with; name the GPU to rent with --accelerator (e.g. --accelerator l4)`
        : `the catalog has no ${choice.accelerator} offer${where} for team ${plan.team}; see \`burst catalog --accelerator ${choice.accelerator}\``,
    );
  }
  return {
    cloud: best.cloud, type: best.type, accelerator: best.accelerator, gpusPerHost: best.count, from: best.from,
    onDemandUsdPerGpuHour: perGpu(best), spotUsdPerGpuHour: best.prices.spot.usdPerHour / best.count,
    prices: instancePrices(best.type, best.prices, now),
  };
}

/** Cumulative cost of each option at the end of a month. */
export interface CumulativeCost {
  readonly month: number;
  readonly rentOnDemandUsd: number;
  readonly rentSpotUsd: number;
  readonly buyUsd: number;
}

/** What `compareBuy` is given. */
export interface CompareBuyInput {
  readonly rig: Rig;
  /** @default rig.utilisation x gpuCount x 730, else {@link DEFAULT_GPU_HOURS_PER_MONTH} */
  readonly gpuHoursPerMonth?: number;
  readonly onDemandUsdPerGpuHour: number;
  readonly spotUsdPerGpuHour: number;
}

/** Rent on demand, rent spot or buy, month by month over the rig's lifetime. */
export interface CompareBuyResult {
  readonly rig: Rig;
  readonly gpuHoursPerMonth: number;
  /** Hours the rig runs a month: gpuHoursPerMonth / gpuCount. */
  readonly rigHoursPerMonth: number;
  /** rigHoursPerMonth / 730. */
  readonly utilisation: number;
  readonly months: number;
  readonly monthly: { readonly rentOnDemandUsd: number; readonly rentSpotUsd: number; readonly buyPowerUsd: number };
  /** Months 0..months. */
  readonly series: readonly CumulativeCost[];
  /** First month buying has cost no more than renting, or null when it never has within the lifetime. */
  readonly breakEvenMonth: { readonly onDemand: number | null; readonly spot: number | null };
  readonly totals: { readonly rentOnDemandUsd: number; readonly rentSpotUsd: number; readonly buyUsd: number };
  /** totals.buyUsd / (gpuHoursPerMonth x months). */
  readonly buyUsdPerGpuHour: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new UserError(message);
}

const finite = (x: number) => Number.isFinite(x);
// Sums of cents over dozens of months: a tie must count as a tie.
const EPSILON_USD = 1e-6;

/** Compares renting with buying over the rig's lifetime (formulas in the module comment). */
export function compareBuy(input: CompareBuyInput): CompareBuyResult {
  const { rig } = input;
  check(Number.isInteger(rig.gpuCount) && rig.gpuCount >= 1, `rig: gpuCount must be a whole number of GPUs, 1 or more; got ${rig.gpuCount}`);
  check(finite(rig.purchaseUsd) && rig.purchaseUsd >= 0, `rig: purchaseUsd must be 0 or more; got ${rig.purchaseUsd}`);
  check(finite(rig.powerWatts) && rig.powerWatts >= 0, `rig: powerWatts must be 0 or more; got ${rig.powerWatts}`);
  check(finite(rig.usdPerKwh) && rig.usdPerKwh >= 0, `rig: usdPerKwh must be 0 or more; got ${rig.usdPerKwh}`);
  check(finite(rig.lifetimeYears) && rig.lifetimeYears > 0 && rig.lifetimeYears <= 20, `rig: lifetimeYears must be more than 0 and at most 20; got ${rig.lifetimeYears}`);
  const resale = rig.resaleUsd ?? 0;
  check(finite(resale) && resale >= 0 && resale <= rig.purchaseUsd, `rig: resaleUsd must be between 0 and the purchase price (${rig.purchaseUsd}); got ${resale}`);
  check(rig.utilisation === undefined || (rig.utilisation > 0 && rig.utilisation <= 1), `rig: utilisation is a fraction above 0 and at most 1; got ${rig.utilisation}`);
  check(finite(input.onDemandUsdPerGpuHour) && input.onDemandUsdPerGpuHour >= 0, 'rent: onDemandUsdPerGpuHour must be 0 or more');
  check(finite(input.spotUsdPerGpuHour) && input.spotUsdPerGpuHour >= 0, 'rent: spotUsdPerGpuHour must be 0 or more');
  const capacity = rig.gpuCount * HOURS_PER_MONTH;
  const gpuHours = input.gpuHoursPerMonth ?? (rig.utilisation !== undefined ? rig.utilisation * capacity : DEFAULT_GPU_HOURS_PER_MONTH);
  check(finite(gpuHours) && gpuHours > 0, `GPU-hours per month must be more than 0; got ${gpuHours}`);
  check(
    gpuHours <= capacity + EPSILON_USD,
    `${gpuHours} GPU-hours a month is more than ${rig.gpuCount} GPU${rig.gpuCount === 1 ? '' : 's'} can deliver (${capacity} in a ${HOURS_PER_MONTH}-hour month); give the rig more GPUs`,
  );

  const months = Math.max(1, Math.round(rig.lifetimeYears * 12));
  const rigHours = gpuHours / rig.gpuCount;
  const monthly = {
    rentOnDemandUsd: gpuHours * input.onDemandUsdPerGpuHour,
    rentSpotUsd: gpuHours * input.spotUsdPerGpuHour,
    buyPowerUsd: rigHours * (rig.powerWatts / 1000) * rig.usdPerKwh,
  };
  const series: CumulativeCost[] = [];
  for (let m = 0; m <= months; m++) {
    series.push({
      month: m,
      rentOnDemandUsd: m * monthly.rentOnDemandUsd,
      rentSpotUsd: m * monthly.rentSpotUsd,
      buyUsd: rig.purchaseUsd + m * monthly.buyPowerUsd - (m === months ? resale : 0),
    });
  }
  const breakEven = (rent: (p: CumulativeCost) => number) => series.find((p) => p.month >= 1 && p.buyUsd <= rent(p) + EPSILON_USD)?.month ?? null;
  const last = series[series.length - 1] as CumulativeCost;
  return {
    rig,
    gpuHoursPerMonth: gpuHours,
    rigHoursPerMonth: rigHours,
    utilisation: rigHours / HOURS_PER_MONTH,
    months,
    monthly,
    series,
    breakEvenMonth: { onDemand: breakEven((p) => p.rentOnDemandUsd), spot: breakEven((p) => p.rentSpotUsd) },
    totals: { rentOnDemandUsd: last.rentOnDemandUsd, rentSpotUsd: last.rentSpotUsd, buyUsd: last.buyUsd },
    buyUsdPerGpuHour: last.buyUsd / (gpuHours * months),
  };
}
