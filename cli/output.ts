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

/**
 * Colour only for a person at a terminal: NO_COLOR turns it off, FORCE_COLOR (not 0) on, otherwise
 * stdout must be a TTY. Unlike picocolors' own default this ignores `CI`, so output piped or captured
 * in CI stays plain text that scripts and tests can compare.
 */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env, isTTY = process.stdout.isTTY === true): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

const colors = pc.createColors(colorEnabled());

export const style = {
  heading: (s: string) => colors.bold(s),
  dim: (s: string) => colors.dim(s),
  ok: (s: string) => colors.green(s),
  bad: (s: string) => colors.red(s),
  warn: (s: string) => colors.yellow(s),
};
