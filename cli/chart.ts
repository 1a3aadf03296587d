/**
 * The rent-or-buy chart of `burst cost <team> --compare-buy --chart <file.svg|file.png>`: cumulative
 * cost of renting on demand, renting spot and buying, month by month over the rig's lifetime, with
 * the break-even months marked.
 *
 * The chart is a Vega-Lite specification (`costChartSpec`, a plain object: tested without any
 * package), compiled and rendered to SVG offline by vega-lite + vega in Node (`renderer: 'none'`,
 * no canvas, no browser, no network); PNG is that SVG rasterized by @resvg/resvg-js (prebuilt
 * binaries, no native build). The packages load only when a chart is asked for, so the rest of the
 * CLI starts without them.
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { CompareBuyResult } from '../spec/burst-cost.js';
import { UserError } from '../spec/problems.js';

/** The three options, as the legend names them. */
export const CHART_OPTIONS = ['Rent on-demand', 'Rent spot', 'Buy'] as const;
/** Okabe-Ito colours: distinct for people with the common colour-vision deficiencies. */
export const CHART_COLOURS = ['#D55E00', '#0072B2', '#009E73'] as const;
/** Chart file formats, by extension. */
export const CHART_EXTENSIONS = ['.svg', '.png'] as const;

const FONT = 'Helvetica Neue, Helvetica, Arial, DejaVu Sans, Liberation Sans, sans-serif';

/** What the chart says besides the numbers. */
export interface ChartLabels {
  readonly team: string;
  /** What is rented, e.g. `gcp g2-standard-4 (1 x L4)`. */
  readonly rent: string;
  readonly onDemandUsdPerGpuHour: number;
  readonly spotUsdPerGpuHour: number;
}

const dollars = (usd: number, digits = 0) =>
  `$${usd.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;

/** A Vega-Lite v6 specification of the cumulative-cost chart. */
export function costChartSpec(result: CompareBuyResult, labels: ChartLabels): Record<string, unknown> {
  const [onDemand, spot, buy] = CHART_OPTIONS;
  const values = result.series.flatMap((p) => [
    { month: p.month, option: onDemand, usd: p.rentOnDemandUsd },
    { month: p.month, option: spot, usd: p.rentSpotUsd },
    { month: p.month, option: buy, usd: p.buyUsd },
  ]);
  const marks: { month: number; usd: number; option: string; label: string }[] = [];
  const buyAt = (month: number) => result.series[month]?.buyUsd ?? 0;
  const { onDemand: odMonth, spot: spotMonth } = result.breakEvenMonth;
  if (odMonth !== null) marks.push({ month: odMonth, usd: buyAt(odMonth), option: onDemand, label: `Buying pays off vs on-demand in month ${odMonth}` });
  if (spotMonth !== null) marks.push({ month: spotMonth, usd: buyAt(spotMonth), option: spot, label: `Buying pays off vs spot in month ${spotMonth}` });
  const never = [odMonth === null ? 'on-demand' : '', spotMonth === null ? 'spot' : ''].filter((s) => s !== '');
  const rig = result.rig;
  const resale = rig.resaleUsd ?? 0;
  const step = result.months <= 24 ? 3 : result.months <= 60 ? 6 : 12;
  const ticks = Array.from({ length: Math.floor(result.months / step) + 1 }, (_, i) => i * step);
  const hours = result.gpuHoursPerMonth.toLocaleString('en-US', { maximumFractionDigits: 1 });
  // Short lines: without a canvas, Vega estimates text widths generously and widens the chart to fit them.
  const subtitle = [
    `${hours} GPU-hours a month (${Math.round(result.utilisation * 100)} % of the rig's time)`,
    `Rent: ${labels.rent}, ${dollars(labels.onDemandUsdPerGpuHour, 3)} on-demand / ${dollars(labels.spotUsdPerGpuHour, 3)} spot per GPU-hour`,
    `Buy: ${rig.gpuCount} x ${rig.gpuModel}, ${dollars(rig.purchaseUsd)} + power (${rig.powerWatts} W at ${dollars(rig.usdPerKwh, 2)}/kWh)` +
      (resale > 0 ? ` - ${dollars(resale)} resale` : ''),
    ...(never.length > 0 ? [`Buying never pays off vs ${never.join(' or ')} within ${result.months} months`] : []),
  ];
  const colour = { field: 'option', type: 'nominal', scale: { domain: [...CHART_OPTIONS], range: [...CHART_COLOURS] } };
  // Labels sit at the top of the plot beside their dashed rule (one row each), where the lines rarely
  // are; a late break-even's label ends at its rule so it stays inside the plot. Each is drawn twice:
  // a white outline first (a halo that keeps it readable across grid lines), then the text.
  const annotations = marks.flatMap((m, row) => {
    const align = m.month <= result.months / 2 ? 'left' : 'right';
    return [{ stroke: 'white', strokeWidth: 5, strokeJoin: 'round', fill: 'white' }, {}].map((halo) => ({
      data: { values: [m] },
      mark: { type: 'text', align, baseline: 'top', dx: align === 'left' ? 8 : -8, fontSize: 13, fontWeight: 'bold', ...halo },
      encoding: {
        x: { field: 'month', type: 'quantitative' },
        y: { value: 6 + row * 22 },
        text: { field: 'label' },
        ...('fill' in halo ? {} : { color: colour }),
      },
    }));
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Rent or buy? Team ${labels.team}, ${rig.name}`,
      subtitle,
      anchor: 'start',
      fontSize: 18,
      subtitleFontSize: 13,
      subtitleColor: '#444',
      offset: 14,
    },
    width: 760,
    height: 420,
    padding: 16,
    background: 'white',
    config: {
      font: FONT,
      axis: { labelFontSize: 13, titleFontSize: 14, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
      legend: { labelFontSize: 14, symbolStrokeWidth: 4, symbolSize: 400 },
      view: { stroke: null },
    },
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 3 },
        encoding: {
          x: { field: 'month', type: 'quantitative', title: 'Months after purchase', scale: { domain: [0, result.months], nice: false }, axis: { values: ticks } },
          y: { field: 'usd', type: 'quantitative', title: 'Cumulative cost (USD)', axis: { format: '$,.0f' } },
          color: { ...colour, legend: { title: null, orient: 'bottom', direction: 'horizontal', columnPadding: 24, symbolType: 'stroke' } },
        },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [5, 4], color: '#777', strokeWidth: 1.5 },
        encoding: { x: { field: 'month', type: 'quantitative' } },
      },
      {
        data: { values: marks },
        mark: { type: 'point', filled: true, size: 160, stroke: 'white', strokeWidth: 1.5, opacity: 1 },
        encoding: { x: { field: 'month', type: 'quantitative' }, y: { field: 'usd', type: 'quantitative' }, color: colour },
      },
      ...annotations,
    ],
  };
}

/** Loads a package by name (injected in tests). */
export type ModuleLoader = (name: string) => Promise<unknown>;

// A specifier in a variable: TypeScript leaves it alone, and Node resolves it only when a chart is drawn.
const importPackage: ModuleLoader = (name) => import(name);

interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}
interface VegaView {
  toSVG(): Promise<string>;
  finalize(): void;
}
interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => VegaView;
}
interface ResvgModule {
  Resvg: new (svg: string, options: Record<string, unknown>) => { render(): { asPng(): Uint8Array } };
}

const CHART_PACKAGES = 'vega and vega-lite (and @resvg/resvg-js for .png)';

async function load<T>(loader: ModuleLoader, name: string, check: (m: Record<string, unknown>) => boolean): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await loader(name)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UserError(`--chart needs the npm package '${name}', which is not installed; charts use ${CHART_PACKAGES}: run \`npm install\``);
    }
    throw err;
  }
  // CommonJS packages arrive as `default` when Node cannot see their named exports.
  const candidate = check(mod) ? mod : (mod['default'] as Record<string, unknown> | undefined);
  if (candidate === undefined || !check(candidate)) throw new Error(`${name} does not export what gpu-burst's chart needs (an incompatible version?)`);
  return candidate as T;
}

/** Renders a Vega-Lite specification to SVG text, offline. */
export async function renderSvg(spec: Record<string, unknown>, loader: ModuleLoader = importPackage): Promise<string> {
  const vl = await load<VegaLiteModule>(loader, 'vega-lite', (m) => typeof m['compile'] === 'function');
  const vega = await load<VegaModule>(loader, 'vega', (m) => typeof m['parse'] === 'function' && typeof m['View'] === 'function');
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes SVG text to PNG at twice its size (sharp on high-density screens). */
export async function renderPng(svg: string, loader: ModuleLoader = importPackage): Promise<Uint8Array> {
  const { Resvg } = await load<ResvgModule>(loader, '@resvg/resvg-js', (m) => typeof m['Resvg'] === 'function');
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: true } }).render().asPng();
}

/** `.svg` or `.png`, or a UserError naming the fix. */
export function chartFormat(file: string): 'svg' | 'png' {
  const ext = extname(file).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.png') return 'png';
  throw new UserError(`--chart ${file}: the file name must end in .svg or .png (it picks the format)`);
}

/** Draws the chart and writes it to `file` (SVG or PNG by extension). */
export async function writeCostChart(file: string, result: CompareBuyResult, labels: ChartLabels, loader: ModuleLoader = importPackage): Promise<void> {
  const format = chartFormat(file);
  const svg = await renderSvg(costChartSpec(result, labels), loader);
  const bytes = format === 'svg' ? svg : await renderPng(svg, loader);
  try {
    writeFileSync(file, bytes);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    throw new UserError(`--chart ${file}: cannot write the file (${code || (err as Error).message}); choose a path in an existing, writable directory`);
  }
}
