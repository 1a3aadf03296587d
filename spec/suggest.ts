import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `value` by edit distance, when it is close enough to be a plausible
 * typo (at most a third of the longer string, and at least one character in common position).
 */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  const needle = value.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(needle, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.ceil(Math.max(needle.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean 'x'?` or an empty string. */
export function didYouMean(value: string, candidates: readonly string[]): string {
  const match = closest(value, candidates);
  return match === undefined ? '' : `; did you mean '${match}'?`;
}

/** A short list for messages: `'a', 'b', 'c'` or `'a', 'b', ... (12 in all)`. */
export function listForMessage(values: readonly string[], max = 8): string {
  const shown = values.slice(0, max).map((v) => `'${v}'`);
  return values.length > max ? `${shown.join(', ')}, ... (${values.length} in all)` : shown.join(', ');
}
