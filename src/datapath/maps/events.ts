// Codec of `struct porin_event` (bpf/lib/events.h) and its decoding into typed datapath events.
import { type CodecValue, field, formatIPv4, struct } from '../codec.js';
import { dropReasonName } from '../drop-reasons.js';
import { CT_STATUSES, type CtStatus } from './conntrack.js';
import { MATCH_TYPES, type MatchType } from './policy.js';

export const EVENTS_MAP = 'porin_events';

/** Cilium's monitor message types. */
export const EVENT_DROP = 1;
export const EVENT_TRACE = 4;
export const EVENT_POLICY_VERDICT = 5;
/** Trace observation points (Cilium's TRACE_TO_LXC / TRACE_TO_PROXY / TRACE_FROM_LXC). */
export const TRACE_TO_ENDPOINT = 0;
export const TRACE_TO_PROXY = 1;
export const TRACE_FROM_ENDPOINT = 5;

export const PorinEventCodec = struct('porin_event', 56, {
  type: field.u8(0),
  subtype: field.u8(1),
  endpointId: field.u16(2),
  ifindex: field.u32(4),
  timestampNs: field.u64(8),
  srcIdentity: field.u32(16),
  dstIdentity: field.u32(20),
  saddr: field.ipv4(24),
  daddr: field.ipv4(28),
  sport: field.be16(32),
  dport: field.be16(34),
  protocol: field.u8(36),
  direction: field.u8(37),
  ctStatus: field.u8(38),
  matchType: field.u8(39),
  verdict: field.i32(40),
  cookie: field.u32(44),
  pktLen: field.u32(48),
  l4Info: field.u8(52),
});
export type RawPorinEvent = CodecValue<typeof PorinEventCodec>;

interface EventBase {
  endpointId: number;
  ifindex: number;
  /** bpf_ktime_get_ns() (CLOCK_MONOTONIC) when the event was sent. */
  timestampNs: bigint;
  srcIdentity: number;
  dstIdentity: number;
  saddr: string;
  daddr: string;
  /** ICMP: the echo identifier. */
  sport: number;
  /** ICMP: the type. */
  dport: number;
  protocol: number;
  /** From the endpoint's point of view. */
  direction: 'ingress' | 'egress';
  ctStatus: CtStatus;
  packetLength: number;
  /** TCP flags, or the ICMP code. */
  l4Info: number;
}

export interface DropEvent extends EventBase {
  type: 'drop';
  reason: number;
  reasonName: string;
  /** The policy rule cookie when a policy entry decided the drop (0 otherwise). */
  cookie: number;
}

export interface TraceEvent extends EventBase {
  type: 'trace';
  observationPoint: 'to-endpoint' | 'to-proxy' | 'from-endpoint';
}

export interface PolicyVerdictEvent extends EventBase {
  type: 'policy-verdict';
  verdict: 'allowed' | 'denied' | 'redirected';
  /** For 'denied': the drop reason (POLICY 133 or POLICY_DENY 181). */
  dropReason: number;
  proxyPort: number;
  matchType: MatchType;
  cookie: number;
}

export type DatapathEvent = DropEvent | TraceEvent | PolicyVerdictEvent;

// Addresses repeat across events: format each once (bounded cache).
const ipText = new Map<number, string>();
function ip(n: number): string {
  let s = ipText.get(n);
  if (s === undefined) {
    if (ipText.size >= 65536) ipText.clear();
    s = formatIPv4(n);
    ipText.set(n, s);
  }
  return s;
}

/**
 * Decodes one ring-buffer record. Written out by hand rather than through the generic codec: this runs
 * for every event, and PorinEventCodec (checked against BTF) pins the offsets used here.
 */
export function decodeEvent(v: DataView): DatapathEvent | undefined {
  if (v.byteLength < PorinEventCodec.size) return undefined;
  const type = v.getUint8(0);
  const subtype = v.getUint8(1);
  const endpointId = v.getUint16(2, true);
  const ifindex = v.getUint32(4, true);
  const timestampNs = v.getBigUint64(8, true);
  const srcIdentity = v.getUint32(16, true);
  const dstIdentity = v.getUint32(20, true);
  const saddr = ip(v.getUint32(24, false));
  const daddr = ip(v.getUint32(28, false));
  const sport = v.getUint16(32, false);
  const dport = v.getUint16(34, false);
  const protocol = v.getUint8(36);
  const direction = v.getUint8(37) === 1 ? 'egress' : 'ingress';
  const ctStatus = CT_STATUSES[v.getUint8(38)] ?? 'new';
  const verdict = v.getInt32(40, true);
  const cookie = v.getUint32(44, true);
  const packetLength = v.getUint32(48, true);
  const l4Info = v.getUint8(52);
  switch (type) {
    case EVENT_DROP:
      return {
        type: 'drop',
        reason: subtype,
        reasonName: dropReasonName(subtype),
        cookie,
        endpointId,
        ifindex,
        timestampNs,
        srcIdentity,
        dstIdentity,
        saddr,
        daddr,
        sport,
        dport,
        protocol,
        direction,
        ctStatus,
        packetLength,
        l4Info,
      };
    case EVENT_TRACE:
      return {
        type: 'trace',
        observationPoint:
          subtype === TRACE_FROM_ENDPOINT
            ? 'from-endpoint'
            : subtype === TRACE_TO_PROXY
              ? 'to-proxy'
              : 'to-endpoint',
        endpointId,
        ifindex,
        timestampNs,
        srcIdentity,
        dstIdentity,
        saddr,
        daddr,
        sport,
        dport,
        protocol,
        direction,
        ctStatus,
        packetLength,
        l4Info,
      };
    case EVENT_POLICY_VERDICT:
      return {
        type: 'policy-verdict',
        verdict: verdict < 0 ? 'denied' : verdict > 0 ? 'redirected' : 'allowed',
        dropReason: verdict < 0 ? -verdict : 0,
        proxyPort: Math.max(verdict, 0),
        matchType: MATCH_TYPES[v.getUint8(39)] ?? 'none',
        cookie,
        endpointId,
        ifindex,
        timestampNs,
        srcIdentity,
        dstIdentity,
        saddr,
        daddr,
        sport,
        dport,
        protocol,
        direction,
        ctStatus,
        packetLength,
        l4Info,
      };
    default:
      return undefined;
  }
}
