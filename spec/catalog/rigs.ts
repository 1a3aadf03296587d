/**
 * Machines a team could buy instead of renting: the "buy" side of `burst cost <team> --compare-buy`.
 *
 * Every figure carries its own source and date, like the cloud prices in this folder. Hardware prices
 * and electricity tariffs vary far more than list cloud prices (street price, country, office or home),
 * so figures that are a judgment rather than a number read off a page are marked `estimate: true` and
 * say how they were reached; every one can be overridden on the command line (`--rig-price`,
 * `--power-watts`, `--usd-per-kwh`, `--lifetime-years`, `--resale`, `--rig-gpus`).
 *
 * To refresh: the card's launch price and board power are on NVIDIA's product page; a whole workstation's
 * price from a current build list or vendor quote; electricity from the EIA Electric Power Monthly
 * (table 5.6.A, US total, residential or commercial) or the local tariff; resale from sold listings.
 */

/** One sourced figure of a rig. */
export interface RigFigure {
  readonly value: number;
  /** Unit of `value`, e.g. `USD`, `W`, `USD/kWh`, `years`. */
  readonly unit: string;
  /** Date the source showed the figure, or the date it was read when it shows none, `YYYY-MM-DD`. */
  readonly asOf: string;
  readonly source: string;
  /** True when the figure is a judgment built from the source rather than a number on it. */
  readonly estimate: boolean;
  /** How the figure was reached. */
  readonly note: string;
}

/** A machine to buy, with a sourced figure for everything the rent-or-buy arithmetic needs. */
export interface RigSpec {
  /** Identifier, e.g. `rtx-4090-workstation`. */
  readonly id: string;
  /** Human name, e.g. `RTX 4090 workstation`. */
  readonly name: string;
  /** GPU product, e.g. `NVIDIA GeForce RTX 4090`. */
  readonly gpuModel: string;
  /** GPUs in the machine. */
  readonly gpuCount: number;
  /** Price of the whole machine (GPUs, CPU, memory, disk, power supply, case), USD. */
  readonly purchaseUsd: RigFigure;
  /** Draw of the whole machine while it trains, watts. */
  readonly powerWatts: RigFigure;
  /** Electricity price, USD per kWh. */
  readonly usdPerKwh: RigFigure;
  /** Years the machine stays useful for the team's training before it is replaced. */
  readonly lifetimeYears: RigFigure;
  /** What the machine sells for at the end of its lifetime, USD. */
  readonly resaleUsd: RigFigure;
}

const READ = '2026-11-26';
const TOMS_4090 = 'https://www.tomshardware.com/reviews/nvidia-geforce-rtx-4090-review';
const NVIDIA_4090 = 'https://www.nvidia.com/en-us/geforce/graphics-cards/40-series/rtx-4090/';
const EIA_5_6_A = 'https://eia.gov/electricity/monthly/epm_table_grapher.php?t=table_5_06_a';
const CALCBEE_USED_GPU = 'https://www.calcbee.com/calculators/gaming/pc-hardware/used-gpu-value';

/** A single-GPU RTX 4090 deep-learning workstation: the default rig of `--compare-buy`. */
export const RTX_4090_WORKSTATION: RigSpec = {
  id: 'rtx-4090-workstation',
  name: 'RTX 4090 workstation',
  gpuModel: 'NVIDIA GeForce RTX 4090',
  gpuCount: 1,
  purchaseUsd: {
    value: 3000,
    unit: 'USD',
    asOf: '2022-10-11',
    source: TOMS_4090,
    estimate: true,
    note:
      'The card launched at $1,599 (Founders Edition; partner cards to $1,999, Tom\'s Hardware review 2022-10-11). About ' +
      '$1,400 more for the rest of a training box (16-core CPU, 64 GB RAM, 2 TB NVMe, 1,000 W power supply, case) gives ' +
      '$3,000, the figure of the worked example in the project\'s reference notes; street prices of the card have been ' +
      'above launch price since production ended, so check a current quote.',
  },
  powerWatts: {
    value: 600,
    unit: 'W',
    asOf: READ,
    source: NVIDIA_4090,
    estimate: true,
    note:
      'The card\'s total graphics power is 450 W (NVIDIA product page; 850 W minimum system power supply); about 150 W for ' +
      'CPU, memory, disks and fans under a training load gives 600 W at the wall.',
  },
  usdPerKwh: {
    value: 0.17,
    unit: 'USD/kWh',
    asOf: '2025-06-25',
    source: EIA_5_6_A,
    estimate: true,
    note:
      'US residential, rounded: EIA Electric Power Monthly table 5.6.A (April 2025, released 2025-06-25) gives 13.67 ' +
      '(West North Central) to 29.61 (New England) cents per kWh by census division; the US-total row was not read, so ' +
      '17 cents is an estimate of the national figure. Published rent-or-buy analyses use $0.12 (US) and $0.25 (EU).',
  },
  lifetimeYears: {
    value: 3,
    unit: 'years',
    asOf: READ,
    source: 'https://techtwisted.com/news/nvidias-rtx-50-series-brings-ai-revolution-with-dollar1999-flagship-gpu',
    estimate: true,
    note:
      'NVIDIA replaces its consumer GPU generation every two to three years (RTX 4090 October 2022; RTX 5090 announced at ' +
      'CES, January 2025, "up to twice the performance of the RTX 4090"); three years is how long a card stays a sensible ' +
      'training machine for a team that then buys the next one. An assumption.',
  },
  resaleUsd: {
    value: 900,
    unit: 'USD',
    asOf: READ,
    source: CALCBEE_USED_GPU,
    estimate: true,
    note:
      'Rule of thumb on that page: GPUs lose 20-30 % of their price in the first year and 10-15 % a year after, so the ' +
      'card keeps about 55 % ($880) after three years; the rest of the box is worth little. $900 for the whole machine, ' +
      'an estimate: the used market for this card has at times paid more.',
  },
};

/** Every rig the catalog knows, default first. */
export const RIGS: readonly RigSpec[] = [RTX_4090_WORKSTATION];
