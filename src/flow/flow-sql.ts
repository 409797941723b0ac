// FlowFilterSet → a parameterized SQL condition over the store's tables, with the semantics of flow-filter.ts.
//
// Written against ParsedFilter (the parse both implementations share); test/flow/store-filter.test.ts
// checks on random flows and filters that the store's answer equals the in-memory predicate's.
// Table alias `f` is the flows table (columns as flow-row.ts packs them); endpoints are joined through their ids.
// Three SQL functions are registered by the store: porin_regexp(pattern, text) with the same regex
// engine as the in-memory filter, and porin_url_path(url) (urlPath of flow-filter.ts).
import type { Selector } from '../labels/index.js';
import type { FlowFilterSet } from './flow.js';
import { dropReasonCode, IP_VERSIONS, TRAFFIC_DIRECTIONS, VERDICTS } from './flow-enums.js';
import { asciiLower, type NamePrefix, type ParsedFilter, parseFlowFilter } from './flow-filter.js';
import { addrToBytes, type IPRange } from './ip-bytes.js';

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

class Builder {
  readonly params: unknown[] = [];

  p(v: unknown): string {
    this.params.push(v);
    return '?';
  }

  list(vs: readonly unknown[]): string {
    return `(${vs.map((v) => this.p(v)).join(', ')})`;
  }
}

export type Side = 'src' | 'dst';

function or(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

function ipCond(b: Builder, col: string, ranges: readonly IPRange[]): string {
  return or(
    ranges.map((r) => {
      const width = r.family === 4 ? 4 : 16;
      if (r.lo === r.hi) return `(${col} = ${b.p(addrToBytes(r.family, r.lo))})`;
      return `(length(${col}) = ${width} AND ${col} BETWEEN ${b.p(addrToBytes(r.family, r.lo))} AND ${b.p(addrToBytes(r.family, r.hi))})`;
    }),
  );
}

function endpointIn(side: Side, where: string): string {
  return `f.${side}_ep IN (SELECT e.id FROM endpoints e WHERE ${where})`;
}

function nameCond(b: Builder, nsCol: string, nameCol: string, list: readonly NamePrefix[]): string {
  // Hubble: no match when both are empty; a filter never has both empty, and namespace must be equal.
  return or(
    list.map((n) =>
      n.prefix === ''
        ? `(${nsCol} = ${b.p(n.namespace)} AND (${nsCol} != '' OR ${nameCol} != ''))`
        : `(${nsCol} = ${b.p(n.namespace)} AND substr(${nameCol}, 1, ${b.p(n.prefix.length)}) = ${b.p(n.prefix)})`,
    ),
  );
}

function selectorCond(b: Builder, sel: Selector): string {
  if (sel.requirements.length === 0) return '1';
  return sel.requirements
    .map((r) => {
      let cond = `l.ep = e.id AND l.key = ${b.p(r.key)}`;
      if (r.source !== 'any') cond += ` AND l.source = ${b.p(r.source)}`;
      const exists = (extra: string) => `EXISTS (SELECT 1 FROM endpoint_labels l WHERE ${cond}${extra})`;
      switch (r.operator) {
        case 'In':
          return exists(` AND l.value IN ${b.list(r.values)}`);
        case 'NotIn':
          return `NOT ${exists(` AND l.value IN ${b.list(r.values)}`)}`;
        case 'Exists':
          return exists('');
        default:
          return `NOT ${exists('')}`;
      }
    })
    .join(' AND ');
}

const L7 = (path: string) => `json_extract(f.l7, '$.${path}')`;
/** The L4 kind packed in m1 (flow-row.ts): 1 TCP, 2 UDP, 3 SCTP, 4 ICMPv4, 5 ICMPv6. */
const KIND = '((f.m1 >> 3) & 7)';

function globEscape(glob: string): string {
  return glob.replace(/[?[]/g, (c) => `[${c}]`);
}

/**
 * The conditions of one filter on one side's endpoint (pod, labels, workloads, identity), over alias `e`
 * of the endpoints table, AND-ed; undefined when the filter says nothing about that endpoint.
 */
function endpointWhere(p: ParsedFilter, side: Side, b: Builder): string | undefined {
  const src = side === 'src';
  const pods = src ? p.sourcePod : p.destinationPod;
  const labels = src ? p.sourceLabel : p.destinationLabel;
  const workloads = src ? p.sourceWorkload : p.destinationWorkload;
  const identities = src ? p.sourceIdentity : p.destinationIdentity;
  const c: string[] = [];
  if (pods) c.push(nameCond(b, 'e.namespace', 'e.pod_name', pods));
  if (labels) c.push(or(labels.map((s) => `(${selectorCond(b, s)})`)));
  if (workloads) {
    c.push(
      or(
        workloads.map((w) => {
          const parts = ['1'];
          if (w.name) parts.push(`json_extract(w.value, '$.name') = ${b.p(w.name)}`);
          if (w.kind) parts.push(`json_extract(w.value, '$.kind') = ${b.p(w.kind)}`);
          return `EXISTS (SELECT 1 FROM json_each(e.workloads) w WHERE ${parts.join(' AND ')})`;
        }),
      ),
    );
  }
  if (identities) c.push(`e.identity IN ${b.list(identities)}`);
  return c.length === 0 ? undefined : c.map((x) => `(${x})`).join(' AND ');
}

/** The endpoint-table condition (alias `e`) of one side of a filter, for index lookups; undefined when unconstrained. */
export function endpointConditionSql(p: ParsedFilter, side: Side): SqlCondition | undefined {
  const b = new Builder();
  const sql = endpointWhere(p, side, b);
  return sql === undefined ? undefined : { sql, params: b.params };
}

/** One parsed filter → condition (`1` when it has no fields). */
function parsedFilterSql(p: ParsedFilter, b: Builder): string {
  const c: string[] = [];
  if (p.uuid) c.push(`f.uuid IN ${b.list(p.uuid)}`);
  if (p.sourceIp) c.push(ipCond(b, 'f.src_ip', p.sourceIp));
  if (p.destinationIp) c.push(ipCond(b, 'f.dst_ip', p.destinationIp));
  for (const side of ['src', 'dst'] as const) {
    const where = endpointWhere(p, side, b);
    if (where) c.push(endpointIn(side, where));
  }
  const svc = (side: 'source' | 'destination', list: readonly NamePrefix[]) =>
    nameCond(
      b,
      `coalesce(json_extract(f.extra, '$.${side}_service.namespace'), '')`,
      `coalesce(json_extract(f.extra, '$.${side}_service.name'), '')`,
      list,
    );
  if (p.sourceService) c.push(svc('source', p.sourceService));
  if (p.destinationService) c.push(svc('destination', p.destinationService));
  if (p.trafficDirection)
    c.push(
      `max(((f.m1 >> 9) & 3) - 1, 0) IN ${b.list(p.trafficDirection.map((d) => TRAFFIC_DIRECTIONS.indexOf(d)))}`,
    );
  if (p.verdict) c.push(`(f.m1 & 7) IN ${b.list(p.verdict.map((v) => VERDICTS.indexOf(v)))}`);
  if (p.dropReasonDesc)
    c.push(
      `max((coalesce(f.drop_code, 0) >> 32) - 1, 0) IN ${b.list(p.dropReasonDesc.map((d) => dropReasonCode(d)))}`,
    );
  if (p.eventType) {
    c.push(
      `(f.event IS NOT NULL AND ${or(
        p.eventType.map((t) => {
          const parts = ['1'];
          if (t.type) parts.push(`(f.event >> 16) = ${b.p(t.type)}`);
          if (t.match_sub_type) parts.push(`(f.event & 65535) = ${b.p(t.sub_type ?? 0)}`);
          return `(${parts.join(' AND ')})`;
        }),
      )})`,
    );
  }
  if (p.httpStatus) {
    const code = `printf('%03d', ${L7('http.code')})`;
    const parts: string[] = [];
    if (p.httpStatus.full.length > 0) parts.push(`${code} IN ${b.list(p.httpStatus.full)}`);
    for (const x of p.httpStatus.prefix) parts.push(`substr(${code}, 1, ${b.p(x.length)}) = ${b.p(x)}`);
    c.push(`(coalesce(${L7('http.code')}, 0) != 0 AND ${or(parts)})`);
  }
  if (p.protocol) {
    const parts = p.protocol.map((x) => {
      switch (x) {
        case 'tcp':
          return `${KIND} = 1`;
        case 'udp':
          return `${KIND} = 2`;
        case 'sctp':
          return `${KIND} = 3`;
        case 'icmp':
          return `${KIND} IN (4, 5)`;
        case 'icmpv4':
          return `${KIND} = 4`;
        case 'icmpv6':
          return `${KIND} = 5`;
        default:
          return `json_type(f.l7, '$.${x}') IS NOT NULL`;
      }
    });
    c.push(or(parts));
  }
  if (p.sourcePort) c.push(`(${KIND} IN (1, 2, 3) AND f.src_port IN ${b.list(p.sourcePort)})`);
  if (p.destinationPort) c.push(`(${KIND} IN (1, 2, 3) AND f.dst_port IN ${b.list(p.destinationPort)})`);
  if (p.reply) c.push(`((f.m1 >> 11) & 3) IN ${b.list(p.reply.map((r) => (r ? 2 : 1)))}`);
  if (p.dnsQuery) {
    const q = `coalesce(${L7('dns.query')}, '')`;
    c.push(
      `(json_type(f.l7, '$.dns') IS NOT NULL AND ${or(p.dnsQuery.map((r) => `porin_regexp(${b.p(r)}, ${q})`))})`,
    );
  }
  if (p.httpMethod) {
    c.push(
      `(coalesce(${L7('http.method')}, '') != '' AND lower(${L7('http.method')}) IN ${b.list(p.httpMethod.map(asciiLower))})`,
    );
  }
  if (p.httpPath) {
    const path = `porin_url_path(${L7('http.url')})`;
    c.push(or(p.httpPath.map((r) => `coalesce(porin_regexp(${b.p(r)}, ${path}), 0)`)));
  }
  if (p.httpUrl) {
    c.push(
      `(coalesce(${L7('http.url')}, '') != '' AND ${or(p.httpUrl.map((r) => `porin_regexp(${b.p(r)}, ${L7('http.url')})`))})`,
    );
  }
  if (p.httpHeader) {
    c.push(
      `EXISTS (SELECT 1 FROM json_each(f.l7, '$.http.headers') h WHERE ${or(
        p.httpHeader.map(
          (h) =>
            `(json_extract(h.value, '$.key') = ${b.p(h.key)} AND json_extract(h.value, '$.value') = ${b.p(h.value)})`,
        ),
      )})`,
    );
  }
  if (p.tcpFlags) {
    c.push(`((f.m1 & 8192) != 0 AND ${or(p.tcpFlags.map((m) => `((f.m1 >> 14) & ${b.p(m)}) = ${b.p(m)}`))})`);
  }
  if (p.nodeName) c.push(or(p.nodeName.map((g) => `coalesce(f.node_name, '') GLOB ${b.p(globEscape(g))}`)));
  if (p.ipVersion) c.push(`((f.m1 >> 7) & 3) IN ${b.list(p.ipVersion.map((v) => IP_VERSIONS.indexOf(v)))}`);
  return c.length === 0 ? '1' : c.map((x) => `(${x})`).join(' AND ');
}

/** The condition of a whitelist/blacklist set (`1` when it filters nothing). */
export function filterSetSql(set: FlowFilterSet): SqlCondition {
  const b = new Builder();
  const parts: string[] = [];
  const white = (set.whitelist ?? []).map((f, i) =>
    parsedFilterSql(parseFlowFilter(f, `whitelist[${i}]`), b),
  );
  if (white.length > 0) parts.push(or(white.map((w) => `(${w})`)));
  const black = (set.blacklist ?? []).map((f, i) =>
    parsedFilterSql(parseFlowFilter(f, `blacklist[${i}]`), b),
  );
  // A condition may be NULL where the predicate is false (a NULL column); under NOT that must stay false.
  if (black.length > 0) parts.push(`NOT coalesce(${or(black.map((w) => `(${w})`))}, 0)`);
  return { sql: parts.length === 0 ? '1' : parts.join(' AND '), params: b.params };
}
