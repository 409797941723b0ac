// FlowFilter JSON → checked and parsed values (CIDRs, selectors, ports …): the one parse the predicate and the SQL share.
import type { Selector } from '../labels/index.js';
import type {
  EventTypeFilter,
  FlowFilter,
  FlowFilterSet,
  HTTPHeader,
  IPVersion,
  TCPFlags,
  TrafficDirection,
  Verdict,
  Workload,
} from './flow.js';
import { dropReasonCode, IP_VERSIONS, MESSAGE_TYPE, TRAFFIC_DIRECTIONS, VERDICTS } from './flow-enums.js';
import { FlowError } from './flow-error.js';
import { tcpFlagsToBits } from './flow-summary.js';
import { type IPRange, parseIPRange } from './ip-bytes.js';
import { parseLabelSelector } from './label-selector.js';

/** `[namespace/]prefix` as Hubble reads it: no slash means namespace `default`. */
export interface NamePrefix {
  namespace: string;
  prefix: string;
}

export interface HttpStatusMatch {
  full: string[];
  prefix: string[];
}

/** A FlowFilter with every value parsed and checked; absent or empty fields are undefined. */
export interface ParsedFilter {
  uuid?: string[];
  sourceIp?: IPRange[];
  destinationIp?: IPRange[];
  sourcePod?: NamePrefix[];
  destinationPod?: NamePrefix[];
  sourceLabel?: Selector[];
  destinationLabel?: Selector[];
  sourceService?: NamePrefix[];
  destinationService?: NamePrefix[];
  sourceWorkload?: Workload[];
  destinationWorkload?: Workload[];
  sourceIdentity?: number[];
  destinationIdentity?: number[];
  trafficDirection?: TrafficDirection[];
  verdict?: Verdict[];
  dropReasonDesc?: string[];
  eventType?: EventTypeFilter[];
  httpStatus?: HttpStatusMatch;
  protocol?: string[];
  sourcePort?: number[];
  destinationPort?: number[];
  reply?: boolean[];
  dnsQuery?: string[];
  httpMethod?: string[];
  httpPath?: string[];
  httpUrl?: string[];
  httpHeader?: HTTPHeader[];
  /** Bitmasks (flow-enums TCP_FLAG_BITS): a flow matches one when it has all of its bits. */
  tcpFlags?: number[];
  nodeName?: string[];
  ipVersion?: IPVersion[];
}

export const PROTOCOLS = ['tcp', 'udp', 'sctp', 'icmp', 'icmpv4', 'icmpv6', 'http', 'dns', 'kafka'] as const;

type FieldKind =
  | 'strings'
  | 'numbers'
  | 'bools'
  | 'workloads'
  | 'eventTypes'
  | 'headers'
  | 'tcpFlags'
  | readonly string[];

const FIELDS: Record<keyof FlowFilter, FieldKind> = {
  uuid: 'strings',
  source_ip: 'strings',
  source_pod: 'strings',
  source_label: 'strings',
  source_service: 'strings',
  source_workload: 'workloads',
  source_identity: 'numbers',
  destination_ip: 'strings',
  destination_pod: 'strings',
  destination_label: 'strings',
  destination_service: 'strings',
  destination_workload: 'workloads',
  destination_identity: 'numbers',
  traffic_direction: TRAFFIC_DIRECTIONS,
  verdict: VERDICTS,
  drop_reason_desc: 'strings',
  event_type: 'eventTypes',
  http_status_code: 'strings',
  protocol: 'strings',
  source_port: 'strings',
  destination_port: 'strings',
  reply: 'bools',
  dns_query: 'strings',
  http_method: 'strings',
  http_path: 'strings',
  http_url: 'strings',
  http_header: 'headers',
  tcp_flags: 'tcpFlags',
  node_name: 'strings',
  ip_version: IP_VERSIONS,
};

function invalid(path: string, message: string): FlowError {
  return new FlowError('PORIN_FLOW_FILTER_INVALID', message, path);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks the shape of a FlowFilter from JSON (unknown fields are errors: a typo must not widen a query). */
export function validateFlowFilter(x: unknown, path = 'filter'): FlowFilter {
  if (!isRecord(x)) throw invalid(path, 'a flow filter must be an object');
  for (const [key, value] of Object.entries(x)) {
    const kind = FIELDS[key as keyof FlowFilter];
    const p = `${path}.${key}`;
    if (!kind) throw invalid(p, `unknown flow filter field (known: ${Object.keys(FIELDS).join(', ')})`);
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) throw invalid(p, 'must be a list');
    for (let i = 0; i < value.length; i++) checkValue(kind, value[i], `${p}[${i}]`);
  }
  return x as FlowFilter;
}

function checkValue(kind: FieldKind, v: unknown, path: string): void {
  const want = (ok: boolean, what: string) => {
    if (!ok) throw invalid(path, `must be ${what}`);
  };
  if (Array.isArray(kind)) {
    want(typeof v === 'string' && kind.includes(v), `one of ${kind.join(', ')}`);
    return;
  }
  switch (kind) {
    case 'strings':
      want(typeof v === 'string', 'a string');
      return;
    case 'numbers':
      want(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff, 'a uint32');
      return;
    case 'bools':
      want(typeof v === 'boolean', 'true or false');
      return;
    case 'workloads':
      want(isRecord(v), 'an object {name, kind}');
      for (const [k, s] of Object.entries(v as object)) {
        if (k !== 'name' && k !== 'kind') throw invalid(`${path}.${k}`, 'unknown workload field');
        if (typeof s !== 'string') throw invalid(`${path}.${k}`, 'must be a string');
      }
      return;
    case 'headers':
      want(isRecord(v) && typeof v.key === 'string' && typeof v.value === 'string', 'an object {key, value}');
      return;
    case 'eventTypes': {
      want(isRecord(v), 'an object {type, match_sub_type, sub_type}');
      const e = v as Record<string, unknown>;
      for (const k of Object.keys(e)) {
        if (!['type', 'match_sub_type', 'sub_type'].includes(k))
          throw invalid(`${path}.${k}`, 'unknown field');
      }
      if (e.type !== undefined) want(Number.isInteger(e.type), 'an object whose type is an integer');
      if (e.sub_type !== undefined)
        want(Number.isInteger(e.sub_type), 'an object whose sub_type is an integer');
      if (e.match_sub_type !== undefined)
        want(typeof e.match_sub_type === 'boolean', 'match_sub_type: boolean');
      return;
    }
    case 'tcpFlags':
      want(isRecord(v), 'an object of flags ({"SYN": true})');
      for (const [k, s] of Object.entries(v as object)) {
        if (!['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'NS'].includes(k))
          throw invalid(`${path}.${k}`, 'unknown TCP flag');
        if (typeof s !== 'boolean') throw invalid(`${path}.${k}`, 'must be true or false');
      }
      return;
  }
}

/** Checks a FlowFilterSet from JSON. */
export function validateFilterSet(x: unknown, path = 'filters'): FlowFilterSet {
  if (x === undefined || x === null) return {};
  if (!isRecord(x)) throw invalid(path, 'must be an object {whitelist, blacklist}');
  const out: FlowFilterSet = {};
  for (const key of ['whitelist', 'blacklist'] as const) {
    const list = x[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw invalid(`${path}.${key}`, 'must be a list of flow filters');
    out[key] = list.map((f, i) => validateFlowFilter(f, `${path}.${key}[${i}]`));
  }
  return out;
}

function nonEmpty<T>(xs: readonly T[] | undefined | null): xs is readonly T[] {
  return Array.isArray(xs) && xs.length > 0;
}

function namePrefixes(values: readonly string[], path: string): NamePrefix[] {
  return values.map((v, i) => {
    const slash = v.indexOf('/');
    const np =
      slash >= 0
        ? { namespace: v.slice(0, slash), prefix: v.slice(slash + 1) }
        : v === ''
          ? undefined
          : { namespace: 'default', prefix: v };
    if (!np || (np.namespace === '' && np.prefix === ''))
      throw invalid(`${path}[${i}]`, `invalid filter "${v}", must be [namespace/][<name>]`);
    // Hubble splits on every slash and keeps the second part.
    const rest = np.prefix.indexOf('/');
    if (rest >= 0) np.prefix = np.prefix.slice(0, rest);
    return np;
  });
}

const STATUS_FULL = /^[1-5][0-9]{2}$/;
const STATUS_PREFIX = /^[1-5][0-9]?\+$/;

/** Parses and checks every value of a filter (throws PORIN_FLOW_FILTER_INVALID with the value's path). */
export function parseFlowFilter(f: FlowFilter, path = 'filter'): ParsedFilter {
  validateFlowFilter(f, path);
  const p: ParsedFilter = {};
  const at = (field: string) => `${path}.${field}`;
  if (nonEmpty(f.uuid)) p.uuid = [...f.uuid];
  const ips = (values: readonly string[], field: string) =>
    values.map((v, i) => {
      const r = parseIPRange(v);
      if (!r) throw invalid(`${at(field)}[${i}]`, `"${v}" is neither an IP address nor a CIDR`);
      return r;
    });
  if (nonEmpty(f.source_ip)) p.sourceIp = ips(f.source_ip, 'source_ip');
  if (nonEmpty(f.destination_ip)) p.destinationIp = ips(f.destination_ip, 'destination_ip');
  if (nonEmpty(f.source_pod)) p.sourcePod = namePrefixes(f.source_pod, at('source_pod'));
  if (nonEmpty(f.destination_pod)) p.destinationPod = namePrefixes(f.destination_pod, at('destination_pod'));
  if (nonEmpty(f.source_service)) p.sourceService = namePrefixes(f.source_service, at('source_service'));
  if (nonEmpty(f.destination_service))
    p.destinationService = namePrefixes(f.destination_service, at('destination_service'));
  const selectors = (values: readonly string[], field: string) =>
    values.map((v, i) => parseLabelSelector(v, `${at(field)}[${i}]`));
  if (nonEmpty(f.source_label)) p.sourceLabel = selectors(f.source_label, 'source_label');
  if (nonEmpty(f.destination_label)) p.destinationLabel = selectors(f.destination_label, 'destination_label');
  if (nonEmpty(f.source_workload)) p.sourceWorkload = f.source_workload.map((w) => ({ ...w }));
  if (nonEmpty(f.destination_workload)) p.destinationWorkload = f.destination_workload.map((w) => ({ ...w }));
  if (nonEmpty(f.source_identity)) p.sourceIdentity = [...f.source_identity];
  if (nonEmpty(f.destination_identity)) p.destinationIdentity = [...f.destination_identity];
  if (nonEmpty(f.traffic_direction)) p.trafficDirection = [...f.traffic_direction];
  if (nonEmpty(f.verdict)) p.verdict = [...f.verdict];
  if (nonEmpty(f.drop_reason_desc)) {
    p.dropReasonDesc = f.drop_reason_desc.map((d, i) => {
      if (dropReasonCode(d) === undefined)
        throw invalid(`${at('drop_reason_desc')}[${i}]`, `unknown drop reason "${d}"`);
      return d;
    });
  }
  if (nonEmpty(f.event_type)) {
    p.eventType = f.event_type.map((e) => ({
      type: e.type ?? 0,
      match_sub_type: e.match_sub_type === true,
      sub_type: e.sub_type ?? 0,
    }));
  }
  const l7Only = (field: string) => {
    if (p.eventType && !p.eventType.some((e) => e.type === MESSAGE_TYPE.l7))
      throw invalid(
        at(field),
        "filtering by HTTP fields requires the event type filter to match 'l7' events",
      );
  };
  if (nonEmpty(f.http_status_code)) {
    l7Only('http_status_code');
    const m: HttpStatusMatch = { full: [], prefix: [] };
    f.http_status_code.forEach((s, i) => {
      if (STATUS_FULL.test(s)) m.full.push(s);
      else if (STATUS_PREFIX.test(s)) m.prefix.push(s.slice(0, -1));
      else
        throw invalid(
          `${at('http_status_code')}[${i}]`,
          `invalid status code prefix "${s}" (use 404, 4+, 40+)`,
        );
    });
    p.httpStatus = m;
  }
  if (nonEmpty(f.protocol)) {
    p.protocol = f.protocol.map((v, i) => {
      const l = v.toLowerCase();
      if (!(PROTOCOLS as readonly string[]).includes(l))
        throw invalid(`${at('protocol')}[${i}]`, `unknown protocol "${v}" (known: ${PROTOCOLS.join(', ')})`);
      return l;
    });
  }
  const ports = (values: readonly string[], field: string) =>
    values.map((v, i) => {
      if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
        throw invalid(`${at(field)}[${i}]`, `"${v}" is not a port (0-65535)`);
      return Number(v);
    });
  if (nonEmpty(f.source_port)) p.sourcePort = ports(f.source_port, 'source_port');
  if (nonEmpty(f.destination_port)) p.destinationPort = ports(f.destination_port, 'destination_port');
  if (nonEmpty(f.reply)) p.reply = [...f.reply];
  if (nonEmpty(f.dns_query)) p.dnsQuery = [...f.dns_query];
  if (nonEmpty(f.http_method)) {
    l7Only('http_method');
    p.httpMethod = [...f.http_method];
  }
  if (nonEmpty(f.http_path)) {
    l7Only('http_path');
    p.httpPath = [...f.http_path];
  }
  if (nonEmpty(f.http_url)) {
    l7Only('http_url');
    p.httpUrl = [...f.http_url];
  }
  if (nonEmpty(f.http_header)) p.httpHeader = f.http_header.map((h) => ({ key: h.key, value: h.value }));
  if (nonEmpty(f.tcp_flags)) p.tcpFlags = f.tcp_flags.map((t: TCPFlags) => tcpFlagsToBits(t));
  if (nonEmpty(f.node_name)) p.nodeName = [...f.node_name];
  if (nonEmpty(f.ip_version)) p.ipVersion = [...f.ip_version];
  return p;
}
