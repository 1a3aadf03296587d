/** IPv4 CIDR arithmetic for the network fields of a team file. */

/** A parsed IPv4 CIDR block. */
export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  readonly address: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/p`; undefined when any part is out of range. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

/** `a.b.c.d/p` for a block. */
export function formatCidr(c: Cidr): string {
  const a = c.address;
  return `${Math.floor(a / 2 ** 24) % 256}.${Math.floor(a / 2 ** 16) % 256}.${Math.floor(a / 2 ** 8) % 256}.${a % 256}/${c.prefix}`;
}

/** The block with its host bits cleared (`10.64.1.0/16` -> `10.64.0.0/16`). */
export function networkOf(c: Cidr): Cidr {
  const size = 2 ** (32 - c.prefix);
  return { address: Math.floor(c.address / size) * size, prefix: c.prefix };
}

const PRIVATE_RANGES: readonly Cidr[] = [
  { address: 10 * 2 ** 24, prefix: 8 },
  { address: 172 * 2 ** 24 + 16 * 2 ** 16, prefix: 12 },
  { address: 192 * 2 ** 24 + 168 * 2 ** 16, prefix: 16 },
];

/** True when `inner` lies wholly inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && networkOf({ address: inner.address, prefix: outer.prefix }).address === outer.address;
}

/** True when the block is inside an RFC 1918 private range. */
export function isPrivate(c: Cidr): boolean {
  return PRIVATE_RANGES.some((range) => contains(range, c));
}
