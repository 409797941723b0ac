// IPv4/IPv6 addresses and prefixes as bigints: parsing (lenient or strict), containment, subtraction.
import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

export interface Prefix {
  readonly family: Family;
  /** Network address (host bits zero unless `parsePrefix` was asked to keep them). */
  readonly addr: bigint;
  readonly bits: number;
}

const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };

export function familyWidth(f: Family): number {
  return WIDTH[f];
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function bytesToBigint(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Parses an IP address. Strict mode rejects leading zeros and IPv4-mapped IPv6, as the apiserver does. */
export function parseIP(s: string, strict = false): ParseResult<{ family: Family; addr: bigint }> {
  if (typeof s !== 'string' || s.length === 0) return { ok: false, error: 'must be a valid IP address' };
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.');
    if (strict && parts.some((p) => p.length > 1 && p.startsWith('0'))) {
      return { ok: false, error: 'must not have leading 0s' };
    }
    const bytes = parts.map(Number);
    if (bytes.some((b) => b > 255)) return { ok: false, error: 'must be a valid IP address' };
    return { ok: true, value: { family: 4, addr: bytesToBigint(bytes) } };
  }
  if (s.includes(':') && ipaddr.IPv6.isValid(s) && !s.includes('%')) {
    const v6 = ipaddr.IPv6.parse(s);
    if (strict && v6.isIPv4MappedAddress())
      return { ok: false, error: 'must not be an IPv4-mapped IPv6 address' };
    return { ok: true, value: { family: 6, addr: bytesToBigint(v6.toByteArray()) } };
  }
  return { ok: false, error: 'must be a valid IP address' };
}

/**
 * Parses `addr/bits`. `strict` (Kubernetes' StrictIPCIDRValidation) also rejects leading zeros and
 * host bits set beyond the prefix; otherwise host bits are cleared.
 */
export function parsePrefix(s: string, strict = false): ParseResult<Prefix> {
  if (typeof s !== 'string') return { ok: false, error: 'must be a valid CIDR value' };
  const slash = s.indexOf('/');
  if (slash < 0)
    return { ok: false, error: 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' };
  const ipPart = s.slice(0, slash);
  const bitsPart = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsPart) || (strict && bitsPart.length > 1 && bitsPart.startsWith('0'))) {
    return { ok: false, error: 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' };
  }
  const ip = parseIP(ipPart, strict);
  if (!ip.ok) return { ok: false, error: `must be a valid CIDR value (${ip.error})` };
  const bits = Number(bitsPart);
  const width = WIDTH[ip.value.family];
  if (bits > width) return { ok: false, error: `prefix length must be at most ${width}` };
  const net = ip.value.addr & mask(ip.value.family, bits);
  if (strict && net !== ip.value.addr) {
    return {
      ok: false,
      error: `must not have bits set beyond the prefix length (use "${formatPrefix({ family: ip.value.family, addr: net, bits })}")`,
    };
  }
  return { ok: true, value: { family: ip.value.family, addr: net, bits } };
}

/** Like parsePrefix but also accepts a bare address as a host prefix (/32 or /128). */
export function parsePrefixOrIP(s: string): ParseResult<Prefix> {
  if (typeof s === 'string' && !s.includes('/')) {
    const ip = parseIP(s);
    if (!ip.ok) return ip;
    return {
      ok: true,
      value: { family: ip.value.family, addr: ip.value.addr, bits: WIDTH[ip.value.family] },
    };
  }
  return parsePrefix(s);
}

export function mask(family: Family, bits: number): bigint {
  const width = BigInt(WIDTH[family]);
  const all = (1n << width) - 1n;
  return bits === 0 ? 0n : (all >> (width - BigInt(bits))) << (width - BigInt(bits));
}

/** True when `inner` lies within `outer` (equal prefixes included). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family &&
    outer.bits <= inner.bits &&
    (inner.addr & mask(outer.family, outer.bits)) === outer.addr
  );
}

export function prefixContainsAddr(p: Prefix, family: Family, addr: bigint): boolean {
  return p.family === family && (addr & mask(family, p.bits)) === p.addr;
}

export function formatAddr(family: Family, addr: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((addr >> s) & 255n).toString()).join('.');
  }
  const bytes: number[] = [];
  for (let i = 15; i >= 0; i--) bytes.push(Number((addr >> BigInt(i * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddr(p.family, p.addr)}/${p.bits}`;
}

/**
 * `outer` minus every prefix in `holes`, as the smallest set of disjoint prefixes (what an LPM map needs).
 * Holes outside `outer` are ignored.
 */
export function subtractPrefixes(outer: Prefix, holes: readonly Prefix[]): Prefix[] {
  const relevant = holes.filter((h) => prefixContains(outer, h) || prefixContains(h, outer));
  if (relevant.some((h) => prefixContains(h, outer))) return [];
  if (relevant.length === 0) return [outer];
  const width = WIDTH[outer.family];
  const childBits = outer.bits + 1;
  if (childBits > width) return [];
  const step = 1n << BigInt(width - childBits);
  const left: Prefix = { family: outer.family, addr: outer.addr, bits: childBits };
  const right: Prefix = { family: outer.family, addr: outer.addr | step, bits: childBits };
  return [...subtractPrefixes(left, relevant), ...subtractPrefixes(right, relevant)];
}
