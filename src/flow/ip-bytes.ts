// IP text ↔ fixed-width bytes (4 for IPv4, 16 for IPv6: the store's indexed form) and IP/CIDR filter ranges.
import { type Family, formatAddr, mask, parseIP, parsePrefix } from '../net/cidr.js';

export interface IPValue {
  family: Family;
  addr: bigint;
}

/** An inclusive address range of one family: an exact IP (lo = hi) or a CIDR. */
export interface IPRange {
  family: Family;
  lo: bigint;
  hi: bigint;
}

const parsed = new Map<string, IPValue | null>();

/** Parses a flow's IP text, with a bounded cache (the same addresses repeat across flows). */
export function parseFlowIP(ip: string): IPValue | undefined {
  let v = parsed.get(ip);
  if (v === undefined) {
    const r = parseIP(ip);
    v = r.ok ? r.value : null;
    if (parsed.size >= 65_536) parsed.clear();
    parsed.set(ip, v);
  }
  return v ?? undefined;
}

/** `10.0.0.1` or `10.0.0.0/8` (host bits ignored, as Go's netip.Prefix.Contains does) → range; undefined if neither. */
export function parseIPRange(spec: string): IPRange | undefined {
  if (spec.includes('/')) {
    const p = parsePrefix(spec);
    if (!p.ok) return undefined;
    const width = p.value.family === 4 ? 32n : 128n;
    const hostBits = (1n << (width - BigInt(p.value.bits))) - 1n;
    const lo = p.value.addr & mask(p.value.family, p.value.bits);
    return { family: p.value.family, lo, hi: lo | hostBits };
  }
  const ip = parseIP(spec);
  if (!ip.ok) return undefined;
  return { family: ip.value.family, lo: ip.value.addr, hi: ip.value.addr };
}

export function addrToBytes(family: Family, addr: bigint): Buffer {
  const n = family === 4 ? 4 : 16;
  const b = Buffer.alloc(n);
  let v = addr;
  for (let i = n - 1; i >= 0; i--) {
    b[i] = Number(v & 255n);
    v >>= 8n;
  }
  return b;
}

const v4Bytes = new Map<string, Buffer>();

/** The address bytes of an IP text, or undefined if it is not an IP. */
export function ipToBytes(ip: string): Buffer | undefined {
  let b = v4Bytes.get(ip);
  if (b) return b;
  const v = parseFlowIP(ip);
  if (!v) return undefined;
  b = addrToBytes(v.family, v.addr);
  if (v.family === 4) {
    if (v4Bytes.size >= 65_536) v4Bytes.clear();
    v4Bytes.set(ip, b);
  }
  return b;
}

/** The canonical text of 4 or 16 address bytes. */
export function bytesToIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return formatAddr(6, v);
}
