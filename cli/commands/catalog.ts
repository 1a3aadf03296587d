import type { Command } from 'commander';
import { ACCELERATORS, offers, type AcceleratorId, type Cloud } from '../../spec/catalog/index.js';
import { UserError } from '../../spec/problems.js';
import { didYouMean } from '../../spec/suggest.js';
import { columns, printJson, style, usd } from '../output.js';

function where(list: readonly string[]): string {
  return list.length <= 3 ? list.join(', ') : `${list.slice(0, 3).join(', ')} +${list.length - 3}`;
}

/** `burst catalog [--cloud aws|gcp] [--accelerator id] [--json]`. */
export function catalogCommand(opts: { cloud?: Cloud; accelerator?: string; json?: boolean }, _cmd: Command): number {
  const ids = ACCELERATORS.map((a) => a.id as string);
  if (opts.accelerator !== undefined && !ids.includes(opts.accelerator)) {
    throw new UserError(`unknown accelerator '${opts.accelerator}'${didYouMean(opts.accelerator, ids)} (known: ${ids.join(', ')})`);
  }
  const selected = offers(opts.cloud).filter((o) => opts.accelerator === undefined || o.accelerator === opts.accelerator);
  const kinds = ACCELERATORS.filter((a) => selected.some((o) => o.accelerator === a.id));
  if (opts.json) {
    printJson({ accelerators: kinds, offers: selected });
    return 0;
  }
  const blocks: string[] = [];
  for (const kind of kinds) {
    const rows = selected
      .filter((o) => o.accelerator === (kind.id as AcceleratorId))
      .map((o) => [
        o.cloud,
        o.type,
        `${o.count}x`,
        `${o.acceleratorMemoryGiB} GiB`,
        `${o.vCpus} vCPU`,
        `${o.memoryGiB} GiB RAM`,
        o.hosts > 1 ? `${o.hosts} hosts` : o.efaInterfaces > 0 ? `EFA x${o.efaInterfaces}` : '',
        usd(o.onDemand.usdPerHour, '/h'),
        `spot ${usd(o.spot.usdPerHour, '/h')}`,
        where(o.offeredIn),
      ]);
    blocks.push(
      [`${style.heading(kind.displayName)} ${style.dim(`(${kind.id}, ${kind.memoryGiBPerDevice} GiB per device)`)}`, ...columns(rows, '  ')].join('\n'),
    );
  }
  const dates = [...new Set(selected.flatMap((o) => [o.onDemand.asOf, o.spot.asOf]))].sort();
  blocks.push(
    style.dim(
      `Prices: US dollars per instance/VM/slice hour, on-demand and a representative spot figure, observed ${dates[0] ?? '?'} to ${dates[dates.length - 1] ?? '?'}; ` +
        'each carries its source (see --json). Spot prices float.',
    ),
  );
  process.stdout.write(`${blocks.join('\n\n')}\n`);
  return 0;
}
