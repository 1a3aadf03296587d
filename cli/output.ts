/** Output helpers shared by the commands: money, padding, JSON. */
import pc from 'picocolors';

/** `$1.2345/h` style money; small figures keep enough digits to be non-zero. */
export function usd(value: number, unit = ''): string {
  const digits = value === 0 ? 2 : value < 0.01 ? 4 : value < 100 ? 3 : 2;
  return `$${value.toFixed(digits)}${unit}`;
}

/** Left-aligned columns: pads every cell but the last of each row to the widest in its column. */
export function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
        .join('  ')
        .trimEnd(),
  );
}

function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Writes a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const style = {
  heading: (s: string) => pc.bold(s),
  dim: (s: string) => pc.dim(s),
  ok: (s: string) => pc.green(s),
  bad: (s: string) => pc.red(s),
  warn: (s: string) => pc.yellow(s),
};
