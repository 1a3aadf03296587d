/**
 * `burst cost` and `burst cost <team> --compare-buy` through `runCost` (clock and output injected) on
 * the example team and the research fixture: the human report, the --json shape, the rent-or-buy
 * report, every bad option as a clear UserError, and --chart writing an SVG and a PNG (rendered by
 * vega-lite + vega + @resvg/resvg-js, offline).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHART_COLOURS, CHART_OPTIONS, costChartSpec, writeCostChart } from '../../cli/chart.js';
import { costCommand, money, runCost, type CompareBuyReport, type CostCommandOptions } from '../../cli/commands/cost.js';
import { reportError } from '../../cli/main.js';
import { usd } from '../../cli/output.js';
import { compareBuy, type TeamBurstCost } from '../../spec/burst-cost.js';
import { loadTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { exampleSpec, hasStackTrace } from '../helpers.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const RESEARCH = join(PROJECT_ROOT, 'tests', 'fixtures', 'teams', 'research.yaml');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(specs: readonly TeamSpec[], opts: CostCommandOptions): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCost(specs, opts, { now: () => NOW, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

async function failure(specs: readonly TeamSpec[], opts: CostCommandOptions): Promise<UserError> {
  const err = await run(specs, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'burst-cost-'));

describe('burst cost', () => {
  it('prints per team and cloud: rates, burn, sweep estimate, idle waste, standing cost and dated prices', async () => {
    const { code, stdout, stderr } = await run([exampleSpec()], {});
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const json = JSON.parse((await run([exampleSpec()], { json: true })).stdout) as { teams: TeamBurstCost[] };
    const aws = json.teams[0]?.aws;
    const gcp = json.teams[0]?.gcp;
    expect(stdout).toMatch(/^team example .*teams\/example\.yaml$/m);
    expect(stdout).toContain('  AWS us-east-1');
    expect(stdout).toContain('  GCP us-central1');
    expect(stdout).toMatch(/^ {6}train +gpuFleet +1 node +\$0\.\d+\/h spot +on-demand \$0\.\d+\/h +spot \$0\.\d+\/h +1 x g6\.xlarge spot/m);
    expect(stdout).toMatch(/^ {6}tpu +tpuNode +1 slice /m);
    expect(stdout).toMatch(/^ {6}hparams +sweepGroup +16 hosts at once /m);
    expect(stdout).toContain(`Worst-case burn of a burst, everything started at full size and kept to its TTL: ${money(aws?.burn.usd ?? -1)}`);
    const trainBurn = aws?.burn.lines.find((l) => l.name === 'train');
    expect(stdout).toContain(`train   ${usd(trainBurn?.usdPerHour ?? -1, '/h')} x 12 h  ${money(trainBurn?.usd ?? -1)}`);
    expect(stdout).toMatch(/egress +\$0\.050\/h x 12 h +\$0\.60 +NAT gateway \+ its IPv4 while egress is on/);
    const sweep = aws?.sweeps[0];
    expect(stdout).toContain(
      `Sweep hparams: 100 trials x 4 h on g4dn.xlarge (16 at once, about 28 h): spot ${money(sweep?.spotUsd ?? -1)} with 10 % interruption overhead, ` +
        `on-demand ${money(sweep?.onDemandUsd ?? -1)} (spot saves ${Math.round(sweep?.savingPercent ?? -1)} %)`,
    );
    expect(stdout).toContain('Sweep gsweep: 100 trials x 4 h on n1-standard-8 + 1x nvidia-tesla-t4 (8 at once');
    expect(stdout).toContain(`Idle waste per burst: ${money(gcp?.idle.usd ?? -1)} (the agent's idle window)`);
    expect(stdout).toMatch(/^ {6}devbox +60 min x \$0\.\d+\/h +\$0\.\d\d +backstop 135 min/m);
    expect(stdout).toContain(`Standing at rest: ${money(aws?.standing.usdPerMonth ?? -1)}/month (budget $1.00, devbox $24.00, auto-shutdown $0.02)`);
    // Every price with its date, age and source; the stale ones flagged.
    expect(stdout).toMatch(/^ {4}aws +g6\.xlarge spot +\$0\.\d+\/hour +2026-11-26 +0 days old +https:\/\/github\.com\/skypilot-org/m);
    expect(stdout).toMatch(/^ {4}aws +NAT gateway \(per gateway-hour provisioned\) +\$0\.045\/hour +2026-02-24 +stale: 275 days old +https:\/\//m);
    expect(stdout).toMatch(/Prices \(date, age on 2026-11-26, source\); \d+ older than 90 days: refresh them in spec\/catalog\//);
    expect(stdout).toContain('Sweep estimates assume 100 trials of each group\'s trialHours and 10 % spot overhead');
  });

  it('--json: one document with every figure and every price dated', async () => {
    const { code, stdout } = await run([exampleSpec(), loadTeamFile(RESEARCH)], { json: true, trials: '40', trialHours: '2', overhead: '0.2' });
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { teams: TeamBurstCost[] };
    expect(doc.teams.map((t) => [t.team, t.checkedOn, t.staleAfterDays, !!t.aws, !!t.gcp])).toEqual([
      ['example', '2026-11-26', 90, true, true],
      ['research', '2026-11-26', 90, true, true],
    ]);
    const research = doc.teams[1] as TeamBurstCost;
    expect(Object.keys(research.aws ?? {})).toEqual(['cloud', 'region', 'compute', 'burn', 'sweeps', 'idle', 'standing', 'stalePrices']);
    expect(research.aws?.compute.map((c) => [c.name, c.kind, c.market])).toEqual([
      ['dist', 'gpuFleet', 'mixed'],
      ['eval', 'gpuFleet', 'on-demand'],
      ['neuron', 'gpuFleet', 'spot'],
      ['hpo', 'sweepGroup', 'spot'],
      ['devbox', 'devBox', 'on-demand'],
    ]);
    expect(research.aws?.sweeps[0]).toMatchObject({ group: 'hpo', trials: 40, hoursPerTrial: 2, overhead: 0.2, hostsAtOnce: 64 });
    expect(research.gcp?.compute.find((c) => c.name === 'pod')).toMatchObject({ kind: 'tpuNode', market: 'on-demand', ttlHours: 6 });
    for (const team of doc.teams) {
      for (const cloud of [team.aws, team.gcp]) {
        for (const c of cloud?.compute ?? []) {
          expect(c.prices.length, c.name).toBeGreaterThan(0);
          for (const p of c.prices) expect(Object.keys(p)).toEqual(['what', 'usd', 'unit', 'asOf', 'source', 'ageDays', 'stale']);
        }
      }
    }
  });

  it('through commander: team names resolve in teams/ and bad options exit 2 without a stack trace', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await costCommand(['example'], { json: true }, new Command())).toBe(0);
      const doc = JSON.parse(String(write.mock.calls.map((c) => c[0]).join(''))) as { teams: TeamBurstCost[] };
      expect(doc.teams[0]?.team).toBe('example');
    } finally {
      write.mockRestore();
    }
    const err = await costCommand(['example'], { trials: 'many' }, new Command()).catch((e: unknown) => e);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(reportError(err)).toBe(2);
      const text = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(text).toBe("burst: --trials takes a whole number of trials, from 1 to 10000; got 'many'\n");
      expect(hasStackTrace(text)).toBe(false);
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('burst cost --compare-buy', () => {
  it('prints the rig with its sources, the use, the rented rate, break-even months and lifetime totals', async () => {
    const { code, stdout } = await run([exampleSpec()], { compareBuy: true });
    expect(code).toBe(0);
    const report = JSON.parse((await run([exampleSpec()], { compareBuy: true, json: true })).stdout) as CompareBuyReport;
    const c = report.comparison;
    expect(stdout).toContain('team example: rent or buy? RTX 4090 workstation (1 x NVIDIA GeForce RTX 4090)');
    expect(stdout).toMatch(/^ {4}purchase +\$3,000 +estimate, 2022-10-11 https:\/\/www\.tomshardware\.com\//m);
    expect(stdout).toMatch(/^ {4}electricity +\$0\.17\/kWh +estimate, /m);
    expect(stdout).toMatch(/^ {4}resale at the end +\$900 +estimate, /m);
    expect(stdout).toContain('Use: 200 GPU-hours a month; the rig trains 200 h a month (27 % of its time)');
    expect(stdout).toContain('Rent: gcp g2-standard-4 (fleet gtrain, 1 x NVIDIA L4): $0.707/GPU-hour on-demand, $0.282 spot');
    // Hand check: $3,000 + 200 h x 0.6 kW x $0.17 = $20.40 a month against 200 x $0.70683 = $141.37: 3000 / 120.97 = 24.8 -> month 25.
    expect(c.monthly.buyPowerUsd).toBeCloseTo(20.4, 10);
    expect(c.breakEvenMonth.onDemand).toBe(Math.ceil(3000 / (c.monthly.rentOnDemandUsd - 20.4)));
    expect(stdout).toContain(`Break-even: buying pays off vs on-demand in month ${c.breakEvenMonth.onDemand} (after`);
    expect(c.breakEvenMonth.spot).toBeNull();
    expect(stdout).toContain('vs spot never within 36 months');
    expect(stdout).toContain(
      `Over 36 months: rent on-demand ${money(c.totals.rentOnDemandUsd)}, rent spot ${money(c.totals.rentSpotUsd)}, buy ${money(c.totals.buyUsd)} (after $900 resale)`,
    );
    expect(stdout).toContain(`cheapest: ${report.cheapest}`);
    expect(stdout).toContain('Assumptions: hours are compared as hours, not as work done');
  });

  it('--json: the rig, where each figure comes from, the rented rate and the month-by-month series', async () => {
    const { stdout } = await run([loadTeamFile(RESEARCH)], {
      compareBuy: true, json: true, rigPrice: '5000', rigGpus: '2', powerWatts: '1100', usdPerKwh: '0.25', lifetimeYears: '4', resale: '0',
      gpuHoursPerMonth: '600', accelerator: 'a100-40gb', cloud: 'gcp',
    });
    const report = JSON.parse(stdout) as CompareBuyReport;
    expect(Object.keys(report)).toEqual(['team', 'rig', 'assumptions', 'rent', 'comparison', 'cheapest']);
    expect(report.rig).toMatchObject({ gpuCount: 2, purchaseUsd: 5000, powerWatts: 1100, usdPerKwh: 0.25, lifetimeYears: 4, resaleUsd: 0 });
    expect(report.assumptions.map((a) => a.from)).toEqual(['--rig-price', '--power-watts', '--usd-per-kwh', '--lifetime-years', '--resale']);
    expect(report.rent).toMatchObject({ cloud: 'gcp', type: 'a2-highgpu-8g', from: 'fleet gdist', gpusPerHost: 8 });
    const expected = compareBuy({ rig: report.rig, gpuHoursPerMonth: 600, onDemandUsdPerGpuHour: report.rent.onDemandUsdPerGpuHour, spotUsdPerGpuHour: report.rent.spotUsdPerGpuHour });
    expect(report.comparison).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(report.comparison.series).toHaveLength(49);
    expect(report.comparison.rigHoursPerMonth).toBe(300);
  });

  it.each<[string, CostCommandOptions, RegExp]>([
    ['a count that is not a number', { trials: 'abc' }, /^--trials takes a whole number of trials, from 1 to 10000; got 'abc'$/],
    ['zero trials', { trials: '0' }, /^--trials takes a whole number of trials, from 1 to 10000; got '0'$/],
    ['a percentage for a fraction', { overhead: '15' }, /^--overhead is a fraction of the trial hours: 0\.15 means 15 %; got '15' \(for 15 % write --overhead 0\.15\)$/],
    ['a percent sign', { overhead: '15%' }, /^--overhead is a fraction: for 15% write --overhead 0\.15$/],
    ['negative hours', { trialHours: '-1' }, /^--trial-hours takes a number of hours, more than 0 and at most 336; got '-1'$/],
    ['a rig option without --compare-buy', { rigPrice: '2500', chart: 'x.svg' }, /^--rig-price, --chart apply to the rent-or-buy comparison: add --compare-buy$/],
    ['a chart that is neither SVG nor PNG', { compareBuy: true, chart: 'cost.pdf' }, /^--chart cost\.pdf: the file name must end in \.svg or \.png/],
    ['a TPU as the GPU to rent', { compareBuy: true, accelerator: 'tpu-v5e' }, /^--accelerator tpu-v5e is not a GPU; rent-or-buy compares GPU-hours/],
    ['a typo in the accelerator', { compareBuy: true, accelerator: 'l5' }, /^--accelerator: unknown accelerator 'l5'; did you mean 'l4'\?/],
    ['an unknown cloud', { compareBuy: true, cloud: 'azure' }, /^--cloud is aws or gcp; got 'azure'$/],
    ['resale above the price', { compareBuy: true, rigPrice: '1000', resale: '1200' }, /^--resale 1200 is more than the rig's price \(1000\)/],
    ['more GPU-hours than one GPU has', { compareBuy: true, gpuHoursPerMonth: '1000' }, /^--gpu-hours-per-month takes a number of GPU-hours \(1 GPU x 730 h a month at most\), more than 0 and at most 730; got '1000'$/],
    ['no GPUs', { compareBuy: true, rigGpus: '0' }, /^--rig-gpus takes a whole number of GPUs, from 1 to 64; got '0'$/],
    ['a lifetime of zero', { compareBuy: true, lifetimeYears: '0' }, /^--lifetime-years takes a number of years, more than 0 and at most 20; got '0'$/],
  ])('rejects %s with a UserError naming the fix', async (_what, opts, message) => {
    expect((await failure([exampleSpec()], opts)).message).toMatch(message);
  });

  it('needs exactly one team, and a team with the --cloud asked for', async () => {
    expect((await failure([exampleSpec(), loadTeamFile(RESEARCH)], { compareBuy: true })).message).toBe(
      '--compare-buy compares one team; got 2: name it, e.g. `burst cost example --compare-buy`',
    );
    const awsOnly = { ...exampleSpec(), gcp: undefined } as TeamSpec;
    expect((await failure([awsOnly], { compareBuy: true, cloud: 'gcp' })).message).toBe('team example has no gcp section; drop --cloud or choose aws');
  });
});

describe('burst cost --compare-buy --chart', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the chart specification: three cumulative lines, distinct colours, a marker at each break-even, titled with team and rig', () => {
    const result = compareBuy({
      rig: { name: 'RTX 4090 workstation', gpuModel: 'NVIDIA GeForce RTX 4090', gpuCount: 1, purchaseUsd: 1000, powerWatts: 500, usdPerKwh: 0.2, lifetimeYears: 2, resaleUsd: 0 },
      gpuHoursPerMonth: 100, onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 0.5,
    });
    const spec = costChartSpec(result, { team: 'example', rent: 'gcp g2-standard-4 (1 x L4)', onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 0.5 }) as {
      title: { text: string; subtitle: string[] };
      layer: { data: { values: { option?: string; month: number; label?: string }[] }; encoding: { color?: { scale?: { domain: string[]; range: string[] } } } }[];
    };
    expect(spec.title.text).toBe('Rent or buy? Team example, RTX 4090 workstation');
    expect(spec.title.subtitle).toContain('Buying never pays off vs spot within 24 months');
    const lines = spec.layer[0];
    expect(new Set(lines?.data.values.map((v) => v.option))).toEqual(new Set(CHART_OPTIONS));
    expect(lines?.data.values).toHaveLength(3 * 25);
    expect(lines?.encoding.color?.scale).toEqual({ domain: [...CHART_OPTIONS], range: [...CHART_COLOURS] });
    expect(new Set(CHART_COLOURS).size).toBe(3);
    expect(spec.layer[1]?.data.values.map((v) => v.month)).toEqual([12]);
    expect(spec.layer[3]?.data.values.map((v) => v.label)).toEqual(['Buying pays off vs on-demand in month 12']);
  });

  it('a missing charting package is a UserError that says what to install', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'vega-lite'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const result = compareBuy({ rig: { name: 'r', gpuModel: 'g', gpuCount: 1, purchaseUsd: 1, powerWatts: 1, usdPerKwh: 1, lifetimeYears: 1 }, onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 1 });
    const err = await writeCostChart(join(tempDir(), 'c.svg'), result, { team: 't', rent: 'r', onDemandUsdPerGpuHour: 1, spotUsdPerGpuHour: 1 }, missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^--chart needs the npm package 'vega-lite', which is not installed; charts use vega and vega-lite/);
  });

  it('writes an SVG with three lines, the legend and the break-even annotation', async () => {
    const file = join(tempDir(), 'example-cost.svg');
    const { code, stdout, stderr } = await run([exampleSpec()], { compareBuy: true, chart: file });
    expect(code).toBe(0);
    expect(stderr).toContain(`drawing the chart to ${file}...`);
    expect(stdout).toContain(`Chart: ${file}`);
    const svg = readFileSync(file, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const lineGroups = svg.match(/<g class="mark-line role-mark[^"]*"[^>]*>(?:<path[^>]*\/>)+/g) ?? [];
    expect(lineGroups.flatMap((g) => g.match(/<path /g) ?? [])).toHaveLength(3);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    for (const legend of CHART_OPTIONS) expect(texts).toContain(legend);
    expect(texts).toContain('Cumulative cost (USD)');
    expect(texts).toContain('Months after purchase');
    expect(texts).toContain('$3,000');
    expect(texts.some((t) => /^Buying pays off vs on-demand in month \d+$/.test(t ?? ''))).toBe(true);
    expect(texts).toContain('Rent or buy? Team example, RTX 4090 workstation');
  });

  it('writes a PNG', async () => {
    const file = join(tempDir(), 'example-cost.png');
    expect((await run([exampleSpec()], { compareBuy: true, chart: file })).code).toBe(0);
    const png = readFileSync(file);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: width and height at twice the SVG's size.
    expect(png.readUInt32BE(16)).toBeGreaterThan(1200);
    expect(png.readUInt32BE(20)).toBeGreaterThan(800);
  });

  it('a chart in a directory that does not exist is a UserError before anything is drawn', async () => {
    const dir = join(tempDir(), 'missing');
    const err = await failure([exampleSpec()], { compareBuy: true, chart: join(dir, 'c.svg') });
    expect(err.message).toBe(`--chart ${join(dir, 'c.svg')}: no directory ${dir}; create it or choose a path in an existing directory`);
  });
});
