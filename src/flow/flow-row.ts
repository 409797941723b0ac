// Flow ↔ the store's row: 18 values (few, so inserts are cheap), small enums bit-packed, endpoints and policies interned, JSON for the rest.
//
// The mapping is exact for flows in canonical form (defaults omitted as protojson does, times with 9
// fractional digits, canonical IP text): fromRow(toRow(flow)) deep-equals flow. Anything the columns do
// not cover goes to `extra` (JSON) and is merged back. test/flow/store-filter.test.ts checks the round trip.
//
// m1 (filters read it): verdict 0-2 | L4 kind 3-5 | IP present 6 | IP version 7-8 | direction+1 9-10 |
//   reply (1 false, 2 true) 11-12 | TCP flags present 13 | TCP flag bits 14-22.
// m2: encrypted (1 true, 2 false) 0-1 | flow type+1 2-4 | observation point+1 5-8 | match type+1 9-14.
// drop_code: (drop_reason_desc code + 1) × 2^32 + drop_reason. event: type × 65536 + sub_type.
import type { Endpoint, Flow, IPVersion, Layer4, Policy, TraceObservationPoint } from './flow.js';
import { dropReasonCode, dropReasonDesc, IP_VERSIONS, TRAFFIC_DIRECTIONS, VERDICTS } from './flow-enums.js';
import { FlowError } from './flow-error.js';
import { l4Summary, tcpFlagsFromBits, tcpFlagsToBits } from './flow-summary.js';
import { formatTimeNs, parseTimeNs } from './flow-time.js';
import { bytesToIp, ipToBytes } from './ip-bytes.js';

export const FLOW_TYPES = ['UNKNOWN_TYPE', 'L3_L4', 'L7', 'SOCK'] as const;

/** The policy lists of a flow, in the order the attribution dictionary keeps them. */
export const POLICY_FIELDS = [
  'ingress_allowed_by',
  'egress_allowed_by',
  'ingress_denied_by',
  'egress_denied_by',
  'ingress_default_denied_by',
  'egress_default_denied_by',
] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

/** Columns of the flows table in insert order; `id` is assigned by the store (ingestion order). */
export const FLOW_COLUMNS = [
  'id',
  'time_ns',
  'uuid',
  'src_ep',
  'dst_ep',
  'src_ip',
  'dst_ip',
  'src_port',
  'dst_port',
  'm1',
  'm2',
  'drop_code',
  'event',
  'ifindex',
  'node_name',
  'pol',
  'l7',
  'extra',
] as const;
export const ROW_WIDTH = FLOW_COLUMNS.length;

/** Value positions in a row. */
export const C = Object.freeze({
  id: 0,
  time: 1,
  uuid: 2,
  srcEp: 3,
  dstEp: 4,
  srcIp: 5,
  dstIp: 6,
  srcPort: 7,
  dstPort: 8,
  m1: 9,
  m2: 10,
  dropCode: 11,
  event: 12,
  ifindex: 13,
  node: 14,
  pol: 15,
  l7: 16,
  extra: 17,
});

/** L4 kinds of m1 bits 3-5 (0: no L4). */
export const L4_KIND = Object.freeze({ TCP: 1, UDP: 2, SCTP: 3, ICMPv4: 4, ICMPv6: 5 } as const);

/** Observation points of m2 bits 5-8 (stored as index + 1). */
const OBS_POINTS: readonly TraceObservationPoint[] = [
  'UNKNOWN_POINT',
  'TO_PROXY',
  'TO_HOST',
  'TO_STACK',
  'TO_OVERLAY',
  'TO_ENDPOINT',
  'FROM_ENDPOINT',
  'FROM_PROXY',
  'FROM_HOST',
  'FROM_STACK',
  'FROM_OVERLAY',
  'FROM_NETWORK',
  'TO_NETWORK',
];

export type RowValue = number | bigint | string | Buffer | null;

/** Interning of endpoints and policy attributions into dictionary ids (the store backs it with tables). */
export interface RowDictionary {
  endpointId(ep: Endpoint | undefined): number;
  /** The id of a flow's six policy lists (POLICY_FIELDS order), or null when it has none. */
  attributionId(lists: readonly (Policy[] | undefined)[]): number | null;
  endpoint(id: number): Endpoint | undefined;
  attribution(id: number): readonly (Policy[] | undefined)[];
}

/** A stored flow as read back: its columns, with `time_ns` split so it stays exact in a double. */
export type FlowRow = Record<Exclude<(typeof FLOW_COLUMNS)[number], 'time_ns'>, RowValue> & {
  time_s: number;
  time_frac: number;
};

function schema(message: string, path: string): FlowError {
  return new FlowError('PORIN_FLOW_SCHEMA', message, path);
}

const COLUMN_FIELDS: ReadonlySet<string> = new Set([
  'time',
  'uuid',
  'verdict',
  'drop_reason',
  'drop_reason_desc',
  'source',
  'destination',
  'IP',
  'l4',
  'Type',
  'event_type',
  'traffic_direction',
  'is_reply',
  'policy_match_type',
  'trace_observation_point',
  'interface',
  'node_name',
  'l7',
  'Summary',
  ...POLICY_FIELDS,
]);

const indexOf = (values: readonly string[]): Readonly<Record<string, number>> =>
  Object.freeze(Object.fromEntries(values.map((v, i) => [v, i])));
const VERDICT_INDEX = indexOf(VERDICTS);
const IP_VERSION_INDEX = indexOf(IP_VERSIONS);
const FLOW_TYPE_INDEX = indexOf(FLOW_TYPES);
const DIRECTION_INDEX = indexOf(TRAFFIC_DIRECTIONS);
const OBS_INDEX = indexOf(OBS_POINTS);

const flagBits = new WeakMap<object, number>();
function flagsToBits(flags: NonNullable<NonNullable<Layer4['TCP']>['flags']>): number {
  let b = flagBits.get(flags);
  if (b === undefined) {
    b = tcpFlagsToBits(flags);
    if (Object.isFrozen(flags)) flagBits.set(flags, b);
  }
  return b;
}

const summaries = new WeakMap<object, string>();
/** l4Summary, cached per (shared, frozen) TCP flags object. */
function derivedSummary(l4: Layer4 | undefined): string | undefined {
  const flags = l4?.TCP?.flags;
  if (flags && Object.isFrozen(flags)) {
    let s = summaries.get(flags);
    if (s === undefined) {
      s = l4Summary(l4)!;
      summaries.set(flags, s);
    }
    return s;
  }
  if (l4?.UDP) return 'UDP';
  return l4Summary(l4);
}

const canonicalIP = new Map<string, Buffer | null>();
function ipColumn(ip: string | undefined, path: string): Buffer | null {
  if (ip === undefined) return null;
  let b = canonicalIP.get(ip);
  if (b === undefined) {
    const bytes = ipToBytes(ip);
    b = bytes && bytesToIp(bytes) === ip ? bytes : null;
    if (canonicalIP.size >= 65_536) canonicalIP.clear();
    canonicalIP.set(ip, b);
  }
  if (b === null) {
    const bytes = ipToBytes(ip);
    if (!bytes) throw schema(`"${ip}" is not an IP address`, path);
    throw schema(`"${ip}" is not in canonical form (${bytesToIp(bytes)})`, path);
  }
  return b;
}

/**
 * Writes a flow's values (without `id`) into `out[at+1 … at+ROW_WIDTH-1]`. `timeNs`, when the caller
 * knows it, must be the flow's time (it saves parsing it). Throws PORIN_FLOW_SCHEMA for a flow the row cannot
 * hold (an unparsable IP, two L4 members, a time that is not RFC 3339, an event type over 65535).
 */
export function toRow(flow: Flow, dict: RowDictionary, out: RowValue[], at = 0, timeNs?: bigint): void {
  let extra: Record<string, unknown> | undefined;
  for (const k in flow) {
    const v = (flow as Record<string, unknown>)[k];
    if (v !== undefined && !COLUMN_FIELDS.has(k)) {
      extra = extra ?? {};
      extra[k] = v;
    }
  }
  const time = flow.time;
  if (time === undefined) throw schema('a stored flow needs a time', 'time');
  let ns = timeNs;
  if (ns === undefined) {
    ns = parseTimeNs(time);
    if (ns === undefined) throw schema(`"${time}" is not an RFC 3339 time`, 'time');
    if (formatTimeNs(ns) !== time) extra = { ...extra, time: time };
  }
  out[at + C.time] = ns;
  out[at + C.uuid] = flow.uuid ?? null;
  out[at + C.srcEp] = dict.endpointId(flow.source);
  out[at + C.dstEp] = dict.endpointId(flow.destination);

  let m1 = flow.verdict === undefined ? 0 : (VERDICT_INDEX[flow.verdict] ?? 0);
  let m2 = 0;
  const IP = flow.IP;
  if (IP === undefined) {
    out[at + C.srcIp] = null;
    out[at + C.dstIp] = null;
  } else {
    m1 |= 64 | ((IP.ipVersion === undefined ? 0 : (IP_VERSION_INDEX[IP.ipVersion] ?? 0)) << 7);
    if (IP.encrypted !== undefined) m2 |= IP.encrypted ? 1 : 2;
    out[at + C.srcIp] = ipColumn(IP.source, 'IP.source');
    out[at + C.dstIp] = ipColumn(IP.destination, 'IP.destination');
  }
  out[at + C.srcPort] = null;
  out[at + C.dstPort] = null;
  const l4 = flow.l4;
  if (l4 !== undefined) {
    let k: keyof Layer4 | undefined;
    let n = 0;
    for (const key in l4) {
      if ((l4 as Record<string, unknown>)[key] === undefined) continue;
      k = key as keyof Layer4;
      n++;
    }
    const kind = k === undefined ? undefined : L4_KIND[k];
    if (n !== 1 || kind === undefined)
      throw schema('l4 must hold exactly one of TCP, UDP, SCTP, ICMPv4, ICMPv6', 'l4');
    m1 |= kind << 3;
    if (kind >= 4) {
      const icmp = l4[k as 'ICMPv4' | 'ICMPv6']!;
      out[at + C.srcPort] = icmp.type ?? 0;
      out[at + C.dstPort] = icmp.code ?? 0;
    } else {
      const pp = l4[k as 'TCP' | 'UDP' | 'SCTP']!;
      out[at + C.srcPort] = pp.source_port ?? 0;
      out[at + C.dstPort] = pp.destination_port ?? 0;
      const flags = kind === 1 ? l4.TCP!.flags : undefined;
      if (flags !== undefined) m1 |= 8192 | (flagsToBits(flags) << 14);
    }
  }
  if (flow.traffic_direction !== undefined) m1 |= ((DIRECTION_INDEX[flow.traffic_direction] ?? 0) + 1) << 9;
  if (flow.is_reply !== undefined) m1 |= (flow.is_reply ? 2 : 1) << 11;
  if (flow.Type !== undefined) m2 |= ((FLOW_TYPE_INDEX[flow.Type] ?? 0) + 1) << 2;
  if (flow.trace_observation_point !== undefined)
    m2 |= ((OBS_INDEX[flow.trace_observation_point] ?? 0) + 1) << 5;
  const match = flow.policy_match_type;
  if (match !== undefined) {
    if (Number.isInteger(match) && match >= 0 && match <= 62) m2 |= (match + 1) << 9;
    else extra = { ...extra, policy_match_type: match };
  }
  out[at + C.m1] = m1;
  out[at + C.m2] = m2;

  const reason = flow.drop_reason;
  const desc = flow.drop_reason_desc;
  if (reason === undefined && desc === undefined) out[at + C.dropCode] = null;
  else {
    let d = 0;
    if (desc !== undefined) {
      const code = dropReasonCode(desc);
      if (code === undefined) throw schema(`unknown drop reason "${desc}"`, 'drop_reason_desc');
      d = (code + 1) * 2 ** 32;
    }
    if (reason !== undefined) {
      if (!Number.isInteger(reason) || reason < 0 || reason > 0xffffffff)
        throw schema('must be a uint32', 'drop_reason');
      d += reason;
      if (reason === 0) extra = { ...extra, drop_reason: 0 };
    }
    out[at + C.dropCode] = d;
  }
  const et = flow.event_type;
  if (et === undefined) out[at + C.event] = null;
  else {
    const t = et.type ?? 0;
    const s = et.sub_type ?? 0;
    if (!(t >= 0 && t <= 65535 && s >= 0 && s <= 65535 && Number.isInteger(t) && Number.isInteger(s)))
      throw schema('event type and sub-type must be 0-65535', 'event_type');
    out[at + C.event] = t * 65536 + s;
  }
  const iface = flow.interface;
  if (iface !== undefined && iface.name === undefined) out[at + C.ifindex] = iface.index ?? 0;
  else {
    out[at + C.ifindex] = null;
    if (iface !== undefined) extra = { ...extra, interface: iface };
  }
  out[at + C.node] = flow.node_name ?? null;
  out[at + C.pol] =
    flow.ingress_allowed_by ||
    flow.egress_allowed_by ||
    flow.ingress_denied_by ||
    flow.egress_denied_by ||
    flow.ingress_default_denied_by ||
    flow.egress_default_denied_by
      ? dict.attributionId([
          flow.ingress_allowed_by,
          flow.egress_allowed_by,
          flow.ingress_denied_by,
          flow.egress_denied_by,
          flow.ingress_default_denied_by,
          flow.egress_default_denied_by,
        ])
      : null;
  out[at + C.l7] = flow.l7 === undefined ? null : JSON.stringify(flow.l7);
  const summary = flow.Summary;
  if (summary !== derivedSummary(l4)) extra = { ...extra, Summary: summary === undefined ? null : summary };
  out[at + C.extra] = extra === undefined ? null : JSON.stringify(extra);
}

function num(v: RowValue): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** Rebuilds the flow of a stored row. */
export function fromRow(r: FlowRow, dict: RowDictionary): Flow {
  const extra = r.extra === null ? undefined : (JSON.parse(r.extra as string) as Record<string, unknown>);
  const f: Flow = {};
  f.time = formatTimeNs(BigInt(r.time_s) * 1_000_000_000n + BigInt(r.time_frac));
  if (r.uuid !== null) f.uuid = r.uuid as string;
  const m1 = num(r.m1);
  const m2 = num(r.m2);
  const verdict = m1 & 7;
  if (verdict !== 0) f.verdict = VERDICTS[verdict];
  if (r.drop_code !== null) {
    const d = num(r.drop_code);
    const code = Math.floor(d / 2 ** 32);
    const reason = d % 2 ** 32;
    if (reason !== 0) f.drop_reason = reason;
    if (code !== 0) f.drop_reason_desc = dropReasonDesc(code - 1);
  }
  if (m1 & 64) {
    const ip: Flow['IP'] = {};
    if (r.src_ip !== null) ip.source = bytesToIp(r.src_ip as Buffer);
    if (r.dst_ip !== null) ip.destination = bytesToIp(r.dst_ip as Buffer);
    const v = (m1 >> 7) & 3;
    if (v !== 0) ip.ipVersion = IP_VERSIONS[v] as IPVersion;
    const enc = m2 & 3;
    if (enc === 1) ip.encrypted = true;
    else if (enc === 2) ip.encrypted = false;
    f.IP = ip;
  }
  const kind = (m1 >> 3) & 7;
  if (kind !== 0) {
    const a = num(r.src_port);
    const b = num(r.dst_port);
    if (kind >= 4) {
      const icmp: { type?: number; code?: number } = {};
      if (a) icmp.type = a;
      if (b) icmp.code = b;
      f.l4 = kind === 4 ? { ICMPv4: icmp } : { ICMPv6: icmp };
    } else {
      const pp: {
        source_port?: number;
        destination_port?: number;
        flags?: ReturnType<typeof tcpFlagsFromBits>;
      } = {};
      if (a) pp.source_port = a;
      if (b) pp.destination_port = b;
      if (kind === 1) {
        if (m1 & 8192) pp.flags = { ...tcpFlagsFromBits((m1 >> 14) & 511) };
        f.l4 = { TCP: pp };
      } else f.l4 = kind === 2 ? { UDP: pp } : { SCTP: pp };
    }
  }
  const src = dict.endpoint(num(r.src_ep));
  const dst = dict.endpoint(num(r.dst_ep));
  if (src) f.source = src;
  if (dst) f.destination = dst;
  const type = (m2 >> 2) & 7;
  if (type > 1) f.Type = FLOW_TYPES[type - 1];
  if (r.node_name !== null) f.node_name = r.node_name as string;
  if (r.l7 !== null) f.l7 = JSON.parse(r.l7 as string);
  if (r.event !== null) {
    const e = num(r.event);
    const et: { type?: number; sub_type?: number } = {};
    const t = Math.floor(e / 65536);
    const s = e % 65536;
    if (t) et.type = t;
    if (s) et.sub_type = s;
    f.event_type = et;
  }
  const dir = (m1 >> 9) & 3;
  if (dir > 1) f.traffic_direction = TRAFFIC_DIRECTIONS[dir - 1];
  const match = (m2 >> 9) & 63;
  if (match !== 0) f.policy_match_type = match - 1;
  const obs = (m2 >> 5) & 15;
  if (obs > 1) f.trace_observation_point = OBS_POINTS[obs - 1];
  const reply = (m1 >> 11) & 3;
  if (reply !== 0) f.is_reply = reply === 2;
  if (r.ifindex !== null) {
    const index = num(r.ifindex);
    f.interface = index ? { index } : {};
  }
  const summary = l4Summary(f.l4);
  if (summary !== undefined) f.Summary = summary;
  if (r.pol !== null) {
    const lists = dict.attribution(num(r.pol));
    for (let i = 0; i < POLICY_FIELDS.length; i++) {
      const list = lists[i];
      if (list) f[POLICY_FIELDS[i]!] = list;
    }
  }
  if (extra) {
    for (const [k, v] of Object.entries(extra)) {
      if (v === null) delete (f as Record<string, unknown>)[k];
      else (f as Record<string, unknown>)[k] = v;
    }
  }
  return f;
}
