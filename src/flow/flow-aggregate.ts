// Stored flows grouped in SQL by (endpoints, addresses, port, protocol, direction, verdict, attribution): what maps and what-ifs read.
//
// A million stored flows collapse to a few thousand tuples in one GROUP BY over the flows table (no flow
// object is rebuilt); the dictionary then turns endpoint and attribution ids back into objects once per
// distinct id. Replies (is_reply = true) are left out: they follow their connection's verdict.
import type { Endpoint, Policy, TrafficDirection, Verdict } from './flow.js';
import { dropReasonDesc, TRAFFIC_DIRECTIONS, VERDICTS } from './flow-enums.js';
import { POLICY_FIELDS, type PolicyField } from './flow-row.js';
import type { FlowStore } from './flow-store.js';
import { bytesToIp } from './ip-bytes.js';
import { StoreDictionary } from './store-dictionary.js';

export type L4Name = 'TCP' | 'UDP' | 'SCTP' | 'ICMPv4' | 'ICMPv6';
const L4_NAMES: readonly (L4Name | undefined)[] = [undefined, 'TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6'];

export interface AggregateQuery {
  /** Inclusive time range, Unix nanoseconds. */
  sinceNs?: bigint;
  untilNs?: bigint;
  /** Monitor message types to count (default: 5, policy verdicts). */
  eventTypes?: readonly number[];
  /** Read each tuple's first and last time (default true; the impact preview does without). */
  times?: boolean;
}

/** Flows that share every grouped column. */
export interface FlowTuple {
  source?: Endpoint;
  destination?: Endpoint;
  sourceIp?: string;
  destinationIp?: string;
  l4?: L4Name;
  /** TCP/UDP/SCTP destination port; ICMP type (what policy port rules match for ICMP). */
  port: number;
  direction?: TrafficDirection;
  verdict: Verdict;
  eventType: number;
  dropReason?: string;
  policies: Partial<Record<PolicyField, Policy[]>>;
  count: number;
  /** 0 when not read (`times: false`). */
  firstNs: bigint;
  lastNs: bigint;
}

/** An L7 request group: method + URL path (HTTP), query (DNS) or topic (Kafka). */
export interface L7Tuple {
  source?: Endpoint;
  destination?: Endpoint;
  destinationIp?: string;
  port: number;
  verdict: Verdict;
  protocol: 'http' | 'dns' | 'kafka';
  method?: string;
  path?: string;
  query?: string;
  topic?: string;
  count: number;
}

/** A fresh reader per query: the store may collect (and renumber) endpoints between queries. */
function dictionary(store: FlowStore): StoreDictionary {
  return new StoreDictionary(store.db);
}

function timeWhere(q: AggregateQuery): { sql: string; params: bigint[] } {
  const conds: string[] = [];
  const params: bigint[] = [];
  if (q.sinceNs !== undefined) {
    conds.push('time_ns >= ?');
    params.push(q.sinceNs);
  }
  if (q.untilNs !== undefined) {
    conds.push('time_ns <= ?');
    params.push(q.untilNs);
  }
  return { sql: conds.length ? conds.join(' AND ') : '1', params };
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));

/** L3/L4 tuples of the stored flows (flushing queued flows first, so a caller reads its writes). */
export function aggregateFlows(store: FlowStore, q: AggregateQuery = {}): FlowTuple[] {
  store.flush();
  const types = (q.eventTypes ?? [5]).map((t) => Math.trunc(t)).filter((t) => t >= 0 && t <= 65535);
  if (types.length === 0) return [];
  const time = timeWhere(q);
  // event = type × 65536 + sub_type; m1 bits 0-10: verdict, L4 kind, IP present and version, direction;
  // bits 11-12: reply. Addresses are grouped only for endpoints that are not pods (a pod's address follows
  // from its endpoint): fewer and smaller sort keys, which is what a GROUP BY over a million rows costs.
  const times = q.times !== false;
  const sql = `WITH ext AS (SELECT id FROM endpoints WHERE pod_name = '')
    SELECT src_ep, dst_ep, CASE WHEN src_ep IN ext THEN src_ip END AS sip, CASE WHEN dst_ep IN ext THEN dst_ip END AS dip,
      m1 & 2047 AS m, CASE WHEN ((m1 >> 3) & 7) >= 4 THEN src_port ELSE dst_port END AS port, event >> 16 AS etype, drop_code, pol, count(*) AS n${times ? ', min(time_ns), max(time_ns)' : ''}
    FROM flows
    WHERE (event >> 16) IN (${types.join(',')}) AND ((m1 >> 11) & 3) != 2 AND ${time.sql}
    GROUP BY src_ep, dst_ep, sip, dip, m, port, etype, drop_code, pol`;
  const rows = store.db
    .prepare(sql)
    .safeIntegers(true)
    .raw(true)
    .all(...time.params) as unknown[][];
  const dict = dictionary(store);
  const out: FlowTuple[] = [];
  for (const r of rows) {
    const m = num(r[4]);
    const l4 = L4_NAMES[(m >> 3) & 7];
    const dir = (m >> 9) & 3;
    const t: FlowTuple = {
      port: r[5] === null ? 0 : num(r[5]),
      verdict: VERDICTS[m & 7] ?? 'VERDICT_UNKNOWN',
      eventType: num(r[6]),
      policies: {},
      count: num(r[9]),
      firstNs: times ? (r[10] as bigint) : 0n,
      lastNs: times ? (r[11] as bigint) : 0n,
    };
    const src = dict.endpoint(num(r[0]));
    const dst = dict.endpoint(num(r[1]));
    if (src) t.source = src;
    if (dst) t.destination = dst;
    if (r[2] !== null) t.sourceIp = bytesToIp(r[2] as Buffer);
    if (r[3] !== null) t.destinationIp = bytesToIp(r[3] as Buffer);
    if (l4) t.l4 = l4;
    if (dir > 1) t.direction = TRAFFIC_DIRECTIONS[dir - 1]!;
    if (r[7] !== null) {
      const code = Math.floor(num(r[7]) / 2 ** 32);
      if (code !== 0) t.dropReason = dropReasonDesc(code - 1);
    }
    if (r[8] !== null) {
      const lists = dict.attribution(num(r[8]));
      for (let i = 0; i < POLICY_FIELDS.length; i++) {
        const list = lists[i];
        if (list) t.policies[POLICY_FIELDS[i]!] = list;
      }
    }
    out.push(t);
  }
  return out;
}

/** L7 request groups (requests only: responses repeat them). */
export function aggregateL7(store: FlowStore, q: AggregateQuery = {}): L7Tuple[] {
  store.flush();
  const time = timeWhere(q);
  const sql = `SELECT src_ep, dst_ep, dst_ip, dst_port, m1 & 7 AS verdict,
      json_extract(l7, '$.http.method') AS method, porin_url_path(json_extract(l7, '$.http.url')) AS path,
      json_extract(l7, '$.dns.query') AS query, json_extract(l7, '$.kafka.topic') AS topic,
      (json_extract(l7, '$.http') IS NOT NULL) AS is_http, (json_extract(l7, '$.dns') IS NOT NULL) AS is_dns,
      count(*) AS n
    FROM flows
    WHERE l7 IS NOT NULL AND coalesce(json_extract(l7, '$.type'), 'REQUEST') = 'REQUEST' AND ${time.sql}
    GROUP BY src_ep, dst_ep, dst_ip, dst_port, verdict, method, path, query, topic, is_http, is_dns`;
  const rows = store.db
    .prepare(sql)
    .raw(true)
    .all(...time.params) as unknown[][];
  const dict = dictionary(store);
  return rows.map((r) => {
    const t: L7Tuple = {
      port: r[3] === null ? 0 : num(r[3]),
      verdict: VERDICTS[num(r[4])] ?? 'VERDICT_UNKNOWN',
      protocol: r[9] ? 'http' : r[10] ? 'dns' : 'kafka',
      count: num(r[11]),
    };
    const src = dict.endpoint(num(r[0]));
    const dst = dict.endpoint(num(r[1]));
    if (src) t.source = src;
    if (dst) t.destination = dst;
    if (r[2] !== null) t.destinationIp = bytesToIp(r[2] as Buffer);
    if (typeof r[5] === 'string') t.method = r[5];
    if (typeof r[6] === 'string') t.path = r[6];
    if (typeof r[7] === 'string') t.query = r[7];
    if (typeof r[8] === 'string') t.topic = r[8];
    return t;
  });
}
