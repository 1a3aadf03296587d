/**
 * The arithmetic of `burst cost` (spec/burst-cost.ts) against hand-computed cases: a small fleet's
 * rate, burn and idle waste, a sweep with overhead, rent-or-buy with a break-even at a known month,
 * with resale, at an exact tie and never; stale prices against an injected clock; and that every
 * running rate is the one spec/cost.ts computes (no second copy of its arithmetic).
 */
import { describe, expect, it } from 'vitest';
import {
  burstCost,
  compareBuy,
  datedPrice,
  DEFAULT_SWEEP_OVERHEAD,
  DEFAULT_SWEEP_TRIALS,
  rentRateFor,
  rigFromCatalog,
  STALE_PRICE_DAYS,
  type Rig,
} from '../../spec/burst-cost.js';
import { AWS_INSTANCE_TYPES, GCP_MACHINE_TYPES, SERVICE_PRICES } from '../../spec/catalog/index.js';
import { RIGS, RTX_4090_WORKSTATION } from '../../spec/catalog/rigs.js';
import { HOURS_PER_MONTH, standingCost } from '../../spec/cost.js';
import { loadTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { planTeam } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import { examplePlan, specFromYaml } from '../helpers.js';

const NOW = new Date('2026-11-26T12:00:00Z');

function awsPrice(instanceType: string): { od: number; spot: number } {
  const t = AWS_INSTANCE_TYPES.find((x) => x.instanceType === instanceType);
  if (!t) throw new Error(instanceType);
  return { od: t.prices.onDemand.usdPerHour, spot: t.prices.spot.usdPerHour };
}

/** Two spot L4 nodes with 100 GiB disks, a 4-host T4 sweep group; idle 30 min, TTL 10 h. */
const SMALL = specFromYaml(
  'small',
  `shutdown:
  idleMinutes: 30
  ttlHours: 10
aws:
  region: us-east-1
  quotas:
    g: { spot: 64 }
  fleets:
    - name: train
      accelerator: l4
      nodes: 2
      diskGiB: 100
  sweeps:
    - name: hp
      accelerator: t4
      maxVCpus: 16
      trialHours: 3
      imageTag: v1
`,
);

describe('burst cost arithmetic', () => {
  const g6 = awsPrice('g6.xlarge');
  const t4 = awsPrice('g4dn.xlarge');
  const diskPerHour = (2 * 100 * SERVICE_PRICES.ebsGp3.usd) / HOURS_PER_MONTH;
  const nat = SERVICE_PRICES.natGatewayHour.usd + SERVICE_PRICES.publicIpv4.usd;

  it('a small fleet: $/h at full size, spot and on-demand, and its worst-case burn over the TTL', () => {
    const aws = burstCost(planTeam(SMALL), { now: NOW }).aws;
    const train = aws?.compute.find((c) => c.name === 'train');
    expect(train).toMatchObject({ kind: 'gpuFleet', market: 'spot', nodes: 2, hostType: 'g6.xlarge', ttlHours: 10, idleMinutes: 30 });
    expect(train?.usdPerHour).toBeCloseTo(2 * g6.spot + diskPerHour, 10);
    expect(train?.spotUsdPerHour).toBeCloseTo(2 * g6.spot + diskPerHour, 10);
    expect(train?.onDemandUsdPerHour).toBeCloseTo(2 * g6.od + diskPerHour, 10);
    // 2 x 0.4083 + 200 GiB x $0.08 / 730 = $0.8385/h, x 10 h; plus the NAT gateway and its IPv4 for 10 h.
    expect(aws?.burn.lines.map((l) => [l.name, l.hours])).toEqual([['train', 10], ['egress', 10]]);
    expect(aws?.burn.lines[0]?.usd).toBeCloseTo((2 * g6.spot + diskPerHour) * 10, 10);
    expect(aws?.burn.usd).toBeCloseTo((2 * g6.spot + diskPerHour) * 10 + nat * 10, 10);
  });

  it('idle waste: idleMinutes x $/h, and the backstop bound (2 x idle + 15 min) if the agent dies', () => {
    const idle = burstCost(planTeam(SMALL), { now: NOW }).aws?.idle;
    const rate = 2 * g6.spot + diskPerHour;
    expect(idle?.lines).toHaveLength(1);
    expect(idle?.lines[0]).toMatchObject({ name: 'train', idleMinutes: 30, backstopMinutes: 75 });
    expect(idle?.usd).toBeCloseTo(0.5 * rate, 10);
    expect(idle?.backstopUsd).toBeCloseTo(1.25 * rate, 10);
  });

  it('a sweep: trials x hours x spot $/h per host x (1 + overhead), next to on-demand without overhead', () => {
    const defaults = burstCost(planTeam(SMALL), { now: NOW }).aws?.sweeps[0];
    expect(defaults).toMatchObject({ group: 'hp', trials: DEFAULT_SWEEP_TRIALS, hoursPerTrial: 3, overhead: DEFAULT_SWEEP_OVERHEAD, hostType: 'g4dn.xlarge', hostsAtOnce: 4 });
    expect(defaults?.spotUsd).toBeCloseTo(100 * 3 * t4.spot * 1.1, 10);

    const sweep = burstCost(planTeam(SMALL), { now: NOW, sweep: { trials: 10, overhead: 0.15 } }).aws?.sweeps[0];
    // 10 trials x 3 h x $0.2131 x 1.15 = $7.35; on demand 10 x 3 x $0.526 = $15.78; 4 at once: 3 waves of 3 h.
    expect(sweep?.spotUsd).toBeCloseTo(10 * 3 * t4.spot * 1.15, 10);
    expect(sweep?.onDemandUsd).toBeCloseTo(10 * 3 * t4.od, 10);
    expect(sweep?.savingPercent).toBeCloseTo((1 - (t4.spot * 1.15) / t4.od) * 100, 10);
    expect(sweep?.wallClockHours).toBe(9);
    expect(sweep?.notes).toEqual([]);

    const long = burstCost(planTeam(SMALL), { now: NOW, sweep: { trialHours: 5 } }).aws?.sweeps[0];
    expect(long?.hoursPerTrial).toBe(5);
    expect(long?.notes[0]).toContain("longer than the group's trialHours (3 h)");
  });

  it('reuses spec/cost.ts: every rate as configured is the running cost standingCost computes', () => {
    for (const plan of [examplePlan(), planTeam(loadTeamFile(`${PROJECT_ROOT}/tests/fixtures/teams/research.yaml`))]) {
      for (const cloud of [plan.aws, plan.gcp]) {
        if (!cloud) continue;
        const running = standingCost(cloud).lines.filter((l) => l.running && l.kind !== 'network');
        const computed = burstCost(plan, { now: NOW })[cloud.cloud]?.compute ?? [];
        expect(computed.map((c) => [c.name, c.usdPerHour, c.onDemandUsdPerHour])).toEqual(
          running.map((l) => [l.name, l.running?.usdPerHour, l.running?.onDemandUsdPerHour]),
        );
      }
    }
  });

  it('on-demand and mixed fleets show what all-spot would cost; the dev box has no spot rate', () => {
    const research = burstCost(planTeam(loadTeamFile(`${PROJECT_ROOT}/tests/fixtures/teams/research.yaml`)), { now: NOW });
    const evalFleet = research.aws?.compute.find((c) => c.name === 'eval');
    const g5 = awsPrice('g5.xlarge');
    expect(evalFleet?.market).toBe('on-demand');
    expect(evalFleet?.usdPerHour).toBe(evalFleet?.onDemandUsdPerHour);
    expect((evalFleet?.usdPerHour ?? 0) - (evalFleet?.spotUsdPerHour ?? 0)).toBeCloseTo(2 * (g5.od - g5.spot), 10);
    const dist = research.aws?.compute.find((c) => c.name === 'dist');
    expect(dist?.market).toBe('mixed');
    expect(dist?.spotUsdPerHour).toBeLessThan(dist?.usdPerHour ?? 0);
    expect(dist?.usdPerHour).toBeLessThan(dist?.onDemandUsdPerHour ?? 0);
    const pod = research.gcp?.compute.find((c) => c.name === 'pod');
    expect(pod).toMatchObject({ kind: 'tpuNode', market: 'on-demand', nodes: 1 });
    expect(research.aws?.compute.find((c) => c.kind === 'devBox')?.spotUsdPerHour).toBeUndefined();
    // The TPU's TTL (6 h) and the fleets' (24 h, eval 4 h) each bound their own burn line.
    expect(research.gcp?.burn.lines.find((l) => l.name === 'pod')?.hours).toBe(6);
    expect(research.aws?.burn.lines.find((l) => l.name === 'eval')?.hours).toBe(4);
    expect(research.aws?.burn.lines.find((l) => l.name === 'egress')?.hours).toBe(24);
  });

  it('standing monthly cost at rest is standingCost\'s, with usage rates dated', () => {
    const plan = examplePlan();
    const report = burstCost(plan, { now: NOW });
    expect(report.aws?.standing.usdPerMonth).toBeCloseTo(standingCost(plan.aws as never).fixedUsdPerMonth, 10);
    expect(report.gcp?.standing.usdPerMonth).toBeCloseTo(standingCost(plan.gcp as never).fixedUsdPerMonth, 10);
    for (const p of report.aws?.standing.usage ?? []) expect(p.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('stale prices', () => {
  it(`flags a price older than ${STALE_PRICE_DAYS} days against the injected clock`, () => {
    const at = (iso: string) => datedPrice('x', 1, 'hour', '2026-01-01', 'https://example.com', new Date(iso));
    expect(at('2026-03-31T23:00:00Z')).toMatchObject({ ageDays: 89, stale: false });
    expect(at('2026-04-01T00:00:00Z')).toMatchObject({ ageDays: 90, stale: false });
    expect(at('2026-04-02T00:00:00Z')).toMatchObject({ ageDays: 91, stale: true });
    expect(datedPrice('x', 1, 'hour', 'unknown', 's', NOW).stale).toBe(true);
  });

  it('a team report lists the stale prices it uses, and all of them once time has passed', () => {
    const today = burstCost(examplePlan(), { now: NOW });
    expect(today.checkedOn).toBe('2026-11-26');
    expect(today.aws?.stalePrices.map((p) => p.what)).toContain(SERVICE_PRICES.natGatewayHour.item);
    expect(today.aws?.compute.find((c) => c.name === 'train')?.prices.every((p) => !p.stale)).toBe(true);
    const later = burstCost(examplePlan(), { now: new Date('2027-12-01T00:00:00Z') });
    const all = [...(later.aws?.compute ?? []), ...(later.gcp?.compute ?? [])].flatMap((c) => c.prices);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((p) => p.stale)).toBe(true);
  });
});

const RIG: Rig = { name: 'test rig', gpuModel: 'GPU', gpuCount: 1, purchaseUsd: 1000, powerWatts: 500, usdPerKwh: 0.2, lifetimeYears: 2, resaleUsd: 0 };

describe('rent or buy', () => {
  it('break-even at a known month: $1,000 + $10/month of power against $100/month on demand is month 12', () => {
    // 100 GPU-h x 0.5 kW x $0.20 = $10/month. On demand 100 x $1 = $100: 1000 + 10m <= 100m from m = 11.1, so 12.
    // Spot 100 x $0.50 = $50: 1000 + 10m <= 50m from m = 25, past the 24-month lifetime: never.
    const r = compareBuy({ rig: RIG, gpuHoursPerMonth: 100, onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 0.5 });
    expect(r.months).toBe(24);
    expect(r.monthly.buyPowerUsd).toBeCloseTo(10, 10);
    expect(r.breakEvenMonth).toEqual({ onDemand: 12, spot: null });
    expect(r.series).toHaveLength(25);
    expect(r.series[0]).toEqual({ month: 0, rentOnDemandUsd: 0, rentSpotUsd: 0, buyUsd: 1000 });
    expect(r.series[11]?.buyUsd).toBeCloseTo(1110, 10);
    expect(r.series[11]?.rentOnDemandUsd).toBeCloseTo(1100, 10);
    expect(r.series[12]?.rentOnDemandUsd).toBeCloseTo(1200, 10);
    expect(r.totals.rentOnDemandUsd).toBeCloseTo(2400, 10);
    expect(r.totals.rentSpotUsd).toBeCloseTo(1200, 10);
    expect(r.totals.buyUsd).toBeCloseTo(1240, 10);
    expect(r.buyUsdPerGpuHour).toBeCloseTo(1240 / 2400, 10);
    expect(r).toMatchObject({ rigHoursPerMonth: 100, utilisation: 100 / 730 });
  });

  it('a tie counts as breaking even: $900 and no power against $100/month is month 9', () => {
    const r = compareBuy({ rig: { ...RIG, purchaseUsd: 900, powerWatts: 0 }, gpuHoursPerMonth: 100, onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 0.1 });
    expect(r.breakEvenMonth.onDemand).toBe(9);
  });

  it('resale at the end: $2,000 - $600 resale breaks even with $150/month spot only in the last month', () => {
    const rig: Rig = { ...RIG, purchaseUsd: 2000, resaleUsd: 600, powerWatts: 0, lifetimeYears: 1 };
    const r = compareBuy({ rig, gpuHoursPerMonth: 100, onDemandUsdPerGpuHour: 2, spotUsdPerGpuHour: 1.5 });
    // Spot: 150 x 11 = 1650 < 2000; month 12: 1800 against 2000 - 600 = 1400. On demand: 200 x 10 = 2000, a tie.
    expect(r.breakEvenMonth).toEqual({ onDemand: 10, spot: 12 });
    expect(r.series[11]?.buyUsd).toBe(2000);
    expect(r.series[12]?.buyUsd).toBe(1400);
    expect(r.totals).toEqual({ rentOnDemandUsd: 2400, rentSpotUsd: 1800, buyUsd: 1400 });
  });

  it('never breaks even when renting costs less than the power', () => {
    // 1 kW x $0.20 = $0.20 per rig-hour against $0.05 and $0.02 per GPU-hour rented.
    const r = compareBuy({ rig: { ...RIG, powerWatts: 1000 }, gpuHoursPerMonth: 300, onDemandUsdPerGpuHour: 0.05, spotUsdPerGpuHour: 0.02 });
    expect(r.breakEvenMonth).toEqual({ onDemand: null, spot: null });
    expect(r.totals.buyUsd).toBeCloseTo(1000 + 24 * 300 * 0.2, 10);
    expect(r.totals.rentOnDemandUsd).toBeCloseTo(24 * 300 * 0.05, 10);
  });

  it('GPU-hours: several GPUs run together, utilisation sets the hours when none are given', () => {
    const r = compareBuy({ rig: { ...RIG, gpuCount: 2, utilisation: 0.5 }, onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 0.5 });
    expect(r.gpuHoursPerMonth).toBeCloseTo(730, 10);
    expect(r.rigHoursPerMonth).toBeCloseTo(365, 10);
    expect(r.monthly.buyPowerUsd).toBeCloseTo(365 * 0.5 * 0.2, 10);
    expect(compareBuy({ rig: RIG, onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 0.5 }).gpuHoursPerMonth).toBe(200);
  });

  it('rejects what no rig can be: more hours than its GPUs have, resale above price, no GPUs', () => {
    const base = { onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 0.5 };
    expect(() => compareBuy({ ...base, rig: RIG, gpuHoursPerMonth: 731 })).toThrow(/more than 1 GPU can deliver \(730/);
    expect(() => compareBuy({ ...base, rig: { ...RIG, resaleUsd: 1001 } })).toThrow(UserError);
    expect(() => compareBuy({ ...base, rig: { ...RIG, gpuCount: 0 } })).toThrow(/gpuCount/);
    expect(() => compareBuy({ ...base, rig: { ...RIG, lifetimeYears: 0 } })).toThrow(/lifetimeYears/);
  });

  it('the RTX 4090 workstation: every figure sourced and dated, estimates flagged', () => {
    expect(RIGS[0]).toBe(RTX_4090_WORKSTATION);
    for (const key of ['purchaseUsd', 'powerWatts', 'usdPerKwh', 'lifetimeYears', 'resaleUsd'] as const) {
      const f = RTX_4090_WORKSTATION[key];
      expect(f.source, key).toMatch(/^https:\/\//);
      expect(f.asOf, key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(typeof f.estimate, key).toBe('boolean');
      expect(f.note.length, key).toBeGreaterThan(40);
    }
    expect(rigFromCatalog()).toMatchObject({ gpuCount: 1, purchaseUsd: 3000, powerWatts: 600, usdPerKwh: 0.17, lifetimeYears: 3, resaleUsd: 900 });
  });

  it("rented $/GPU-hour: the team's cheapest GPU fleet per GPU, or the one --cloud/--accelerator choose", () => {
    const plan = examplePlan();
    const g2 = GCP_MACHINE_TYPES.find((t) => t.machineType === 'g2-standard-4');
    const cheapest = rentRateFor(plan, {}, NOW);
    expect(cheapest).toMatchObject({ cloud: 'gcp', type: 'g2-standard-4', from: 'fleet gtrain', accelerator: 'l4', gpusPerHost: 1 });
    expect(cheapest.onDemandUsdPerGpuHour).toBe(g2?.prices.onDemand.usdPerHour);
    expect(cheapest.spotUsdPerGpuHour).toBe(g2?.prices.spot.usdPerHour);
    expect(rentRateFor(plan, { cloud: 'aws' }, NOW)).toMatchObject({ cloud: 'aws', type: 'g6.xlarge', from: 'fleet train', onDemandUsdPerGpuHour: awsPrice('g6.xlarge').od });
    // No T4 fleet: the T4 sweep groups; no A100 at all: the catalog's cheapest A100 per GPU in the team's region.
    expect(rentRateFor(plan, { cloud: 'aws', accelerator: 't4' }, NOW)).toMatchObject({ type: 'g4dn.xlarge', from: 'sweep group hparams' });
    const a100 = rentRateFor(plan, { cloud: 'aws', accelerator: 'a100-40gb' }, NOW);
    expect(a100).toMatchObject({ type: 'p4d.24xlarge', from: 'catalog', gpusPerHost: 8 });
    expect(a100.onDemandUsdPerGpuHour).toBeCloseTo(awsPrice('p4d.24xlarge').od / 8, 10);

    const bare = planTeam(specFromYaml('bare', 'gcp:\n  project: acme-ml-training\n  region: us-central1\n'));
    expect(() => rentRateFor(bare, {}, NOW)).toThrow(/no GPU fleet or sweep group to compare a rig with; name the GPU to rent with --accelerator/);
    expect(() => rentRateFor(bare, { cloud: 'aws' }, NOW)).toThrow(/team bare has no aws section/);
  });
});
