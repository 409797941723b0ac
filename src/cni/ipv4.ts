// IPv4 addresses as 32-bit numbers and IPv4 CIDRs: parsing, formatting, the host range of a prefix.
// (Kept tiny and dependency-free: the CNI plugin is started once per call and imports only this folder.)

export interface Cidr4 {
  /** Network address (host bits cleared). */
  readonly network: number;
  readonly bits: number;
}

const OCTETS =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The address as an unsigned 32-bit number, or undefined when `s` is not a dotted quad (no leading zeros). */
export function parseIPv4(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = OCTETS.exec(s);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses `a.b.c.d/n`; with `strict`, host bits must be zero. */
export function parseCidr4(s: unknown, strict = true): Cidr4 | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIPv4(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (addr === undefined || !/^(3[0-2]|[12]?\d)$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const network = (addr & mask(bits)) >>> 0;
  if (strict && network !== addr) return undefined;
  return { network, bits };
}

export function formatCidr4(c: Cidr4): string {
  return `${formatIPv4(c.network)}/${c.bits}`;
}

export function cidrContains(c: Cidr4, addr: number): boolean {
  return (addr & mask(c.bits)) >>> 0 === c.network;
}

/**
 * The addresses IPAM may hand out in `c`: every host address except the network address, the first
 * host (`.1`, reserved as the in-CIDR gateway) and the broadcast address. Returns [first, last] inclusive,
 * or undefined when the prefix is too small (/31, /32).
 */
export function allocatableRange(c: Cidr4): [number, number] | undefined {
  if (c.bits > 30) return undefined;
  const size = 2 ** (32 - c.bits);
  const first = c.network + 2;
  const last = c.network + size - 2;
  return first <= last ? [first, last] : undefined;
}
