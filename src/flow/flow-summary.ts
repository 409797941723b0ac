// Hubble's per-flow summary text (`TCP Flags: SYN, ACK`, `UDP`, `ICMPv4 EchoRequest`), derived from the L4 header.
import type { Layer4, TCPFlags } from './flow.js';
import { TCP_FLAG_BITS, TCP_FLAG_PRINT_ORDER } from './flow-enums.js';

const ICMPV4_NAMES: Record<number, string> = {
  0: 'EchoReply',
  3: 'DestinationUnreachable',
  4: 'SourceQuench',
  5: 'Redirect',
  8: 'EchoRequest',
  9: 'RouterAdvertisement',
  10: 'RouterSolicitation',
  11: 'TimeExceeded',
  12: 'ParameterProblem',
  13: 'TimestampRequest',
  14: 'TimestampReply',
};

const ICMPV6_NAMES: Record<number, string> = {
  1: 'DestinationUnreachable',
  2: 'PacketTooBig',
  3: 'TimeExceeded',
  4: 'ParameterProblem',
  128: 'EchoRequest',
  129: 'EchoReply',
  133: 'RouterSolicitation',
  134: 'RouterAdvertisement',
  135: 'NeighborSolicitation',
  136: 'NeighborAdvertisement',
  137: 'Redirect',
};

function icmp(names: Record<number, string>, type = 0, code = 0): string {
  const name = names[type] ?? `${type}`;
  return code === 0 ? name : `${name}(Code: ${code})`;
}

/** The flag names set, in Hubble's print order. */
export function tcpFlagNames(flags: TCPFlags | undefined): string[] {
  if (!flags) return [];
  return TCP_FLAG_PRINT_ORDER.filter((f) => flags[f] === true);
}

export function tcpFlagsToBits(flags: TCPFlags): number {
  let bits = 0;
  for (const [name, bit] of Object.entries(TCP_FLAG_BITS))
    if (flags[name as keyof TCPFlags] === true) bits |= bit;
  return bits;
}

const flagObjects: TCPFlags[] = [];
/** The (shared, frozen) TCPFlags object of a flag bitmask: only the set flags are present, as protojson prints them. */
export function tcpFlagsFromBits(bits: number): TCPFlags {
  let f = flagObjects[bits];
  if (!f) {
    const o: TCPFlags = {};
    for (const [name, bit] of Object.entries(TCP_FLAG_BITS)) if (bits & bit) o[name as keyof TCPFlags] = true;
    f = Object.freeze(o);
    flagObjects[bits] = f;
  }
  return f;
}

export function l4Summary(l4: Layer4 | undefined): string | undefined {
  if (!l4) return undefined;
  if (l4.TCP) return `TCP Flags: ${tcpFlagNames(l4.TCP.flags).join(', ')}`;
  if (l4.UDP) return 'UDP';
  if (l4.SCTP) return 'SCTP';
  if (l4.ICMPv4) return `ICMPv4 ${icmp(ICMPV4_NAMES, l4.ICMPv4.type, l4.ICMPv4.code)}`;
  if (l4.ICMPv6) return `ICMPv6 ${icmp(ICMPV6_NAMES, l4.ICMPv6.type, l4.ICMPv6.code)}`;
  return undefined;
}
