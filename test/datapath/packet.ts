// Builds Ethernet/IPv4/TCP/UDP/ICMP packets for BPF_PROG_TEST_RUN (Katran-style packet fixtures).
import { parseIPv4 } from '../../src/datapath/index.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv4Options {
  src: string;
  dst: string;
  protocol: number;
  ttl?: number;
  /** Fragment offset in 8-byte units, and the more-fragments flag. */
  fragOffset?: number;
  moreFragments?: boolean;
}

export function ipv4(o: Ipv4Options, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint8(0, 0x45);
  v.setUint16(2, b.length);
  v.setUint16(4, 0x1234);
  v.setUint16(6, ((o.moreFragments ? 0x2000 : 0) | (o.fragOffset ?? 0)) & 0xffff);
  v.setUint8(8, o.ttl ?? 64);
  v.setUint8(9, o.protocol);
  v.setUint32(12, parseIPv4(o.src));
  v.setUint32(16, parseIPv4(o.dst));
  v.setUint16(10, checksum(b.subarray(0, 20)));
  b.set(payload, 20);
  return b;
}

export function tcp(
  sport: number,
  dport: number,
  flags: number,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, 1000);
  v.setUint32(8, flags & TCP_ACK ? 2000 : 0);
  v.setUint8(12, 5 << 4);
  v.setUint8(13, flags);
  v.setUint16(14, 65535);
  b.set(payload, 20);
  return b;
}

export function udp(sport: number, dport: number, payload: Uint8Array = new Uint8Array(4)): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, b.length);
  b.set(payload, 8);
  return b;
}

/** SCTP common header only (ports, verification tag, checksum). */
export function sctp(sport: number, dport: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  return b;
}

export function icmp(
  type: number,
  code: number,
  id: number,
  rest: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const b = new Uint8Array(8 + rest.length);
  const v = new DataView(b.buffer);
  v.setUint8(0, type);
  v.setUint8(1, code);
  v.setUint16(4, id);
  v.setUint16(6, 1);
  b.set(rest, 8);
  v.setUint16(2, checksum(b));
  return b;
}

/** An ICMP error (e.g. type 3 code 3, port unreachable) quoting the first bytes of an IPv4 packet. */
export function icmpError(type: number, code: number, quoted: Uint8Array): Uint8Array {
  return icmp(type, code, 0, quoted.subarray(0, Math.min(quoted.length, 28)));
}

export function eth(payload: Uint8Array, etherType = 0x0800): Uint8Array {
  const b = new Uint8Array(14 + payload.length);
  b.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]);
  new DataView(b.buffer).setUint16(12, etherType);
  b.set(payload, 14);
  return b;
}

/** eth(ipv4(...)) for the common case. */
export function packet(src: string, dst: string, protocol: number, l4: Uint8Array): Uint8Array {
  return eth(ipv4({ src, dst, protocol }, l4));
}

export function tcpPacket(src: string, sport: number, dst: string, dport: number, flags: number): Uint8Array {
  return packet(src, dst, IPPROTO_TCP, tcp(sport, dport, flags));
}

export function udpPacket(src: string, sport: number, dst: string, dport: number): Uint8Array {
  return packet(src, dst, IPPROTO_UDP, udp(sport, dport));
}
