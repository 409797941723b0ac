// The one flow filter (server, CLI, UI): Hubble's FlowFilter semantics as a predicate over flows.
//
// Within one filter every field must match (AND); within one field any value may match (OR); a flow is
// selected when any whitelist filter matches (or there is none) and no blacklist filter does.
// Values are parsed once (parse-flow-filter.ts) into a ParsedFilter: the predicate below and the SQL
// translation (flow-sql.ts) are both written against it, so they cannot disagree on what a value means.
import type { Flow, FlowFilter, FlowFilterSet, Workload } from './flow.js';
import { FlowError } from './flow-error.js';
import { tcpFlagsToBits } from './flow-summary.js';
import { type IPRange, parseFlowIP } from './ip-bytes.js';
import { flowLabelSet } from './label-selector.js';
import { type NamePrefix, type ParsedFilter, parseFlowFilter } from './parse-flow-filter.js';

export * from './parse-flow-filter.js';
export type { FlowFilter, FlowFilterSet };

export type FlowPredicate = (flow: Flow) => boolean;

export interface RegexLike {
  test(s: string): boolean;
}

export interface FilterOptions {
  /**
   * Compiles the regular expressions of dns_query / http_path / http_url. Hubble's are RE2: the agent
   * passes the `re2` package (linear time on untrusted input); the default is the JS engine (browsers).
   */
  regex?: (pattern: string) => RegexLike;
}

/** Lower-cases ASCII only (what SQLite's lower() does), so both implementations fold alike. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** The path of an HTTP request URI (Go's url.ParseRequestURI: an absolute URL or an absolute path), decoded. */
export function urlPath(url: string): string | undefined {
  let rest: string;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  if (scheme) rest = url.slice(scheme[0].length);
  else if (url.startsWith('/')) rest = url;
  else return undefined;
  const end = rest.search(/[?#]/);
  const raw = end >= 0 ? rest.slice(0, end) : rest;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** A node-name glob (`*` = any run of characters) as an anchored RegExp. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
}

function nameMatches(list: readonly NamePrefix[], ns: string | undefined, name: string | undefined): boolean {
  const n = ns ?? '';
  const p = name ?? '';
  if (n === '' && p === '') return false;
  for (const f of list) if (f.namespace === n && (f.prefix === '' || p.startsWith(f.prefix))) return true;
  return false;
}

function ipMatches(ranges: readonly IPRange[], ip: string | undefined): boolean {
  if (!ip) return false;
  const v = parseFlowIP(ip);
  if (!v) return false;
  for (const r of ranges) if (r.family === v.family && v.addr >= r.lo && v.addr <= r.hi) return true;
  return false;
}

function workloadMatches(filters: readonly Workload[], workloads: readonly Workload[] | undefined): boolean {
  for (const w of workloads ?? []) {
    for (const f of filters) {
      if ((!f.name || f.name === w.name) && (!f.kind || f.kind === w.kind)) return true;
    }
  }
  return false;
}

type L4Ports = { source_port?: number; destination_port?: number } | undefined;

function portsOf(flow: Flow): L4Ports {
  const l4 = flow.l4;
  return l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
}

/** The predicate of one parsed filter. */
export function filterPredicate(p: ParsedFilter, opts: FilterOptions = {}): FlowPredicate {
  const regex = opts.regex ?? ((s: string) => new RegExp(s));
  const checks: FlowPredicate[] = [];
  const compileAll = (patterns: readonly string[], field: string): RegexLike[] =>
    patterns.map((s, i) => {
      try {
        return regex(s);
      } catch (e) {
        throw new FlowError(
          'PORIN_FLOW_FILTER_INVALID',
          `invalid regular expression "${s}": ${(e as Error).message}`,
          `${field}[${i}]`,
        );
      }
    });
  if (p.uuid) {
    const set = new Set(p.uuid);
    checks.push((f) => f.uuid !== undefined && set.has(f.uuid));
  }
  if (p.sourceIp) {
    const r = p.sourceIp;
    checks.push((f) => ipMatches(r, f.IP?.source));
  }
  if (p.destinationIp) {
    const r = p.destinationIp;
    checks.push((f) => ipMatches(r, f.IP?.destination));
  }
  if (p.sourcePod) {
    const l = p.sourcePod;
    checks.push((f) => nameMatches(l, f.source?.namespace, f.source?.pod_name));
  }
  if (p.destinationPod) {
    const l = p.destinationPod;
    checks.push((f) => nameMatches(l, f.destination?.namespace, f.destination?.pod_name));
  }
  if (p.sourceService) {
    const l = p.sourceService;
    checks.push((f) => nameMatches(l, f.source_service?.namespace, f.source_service?.name));
  }
  if (p.destinationService) {
    const l = p.destinationService;
    checks.push((f) => nameMatches(l, f.destination_service?.namespace, f.destination_service?.name));
  }
  if (p.sourceLabel) {
    const s = p.sourceLabel;
    checks.push((f) => {
      const set = flowLabelSet(f.source?.labels);
      return s.some((sel) => sel.matches(set));
    });
  }
  if (p.destinationLabel) {
    const s = p.destinationLabel;
    checks.push((f) => {
      const set = flowLabelSet(f.destination?.labels);
      return s.some((sel) => sel.matches(set));
    });
  }
  if (p.sourceWorkload) {
    const w = p.sourceWorkload;
    checks.push((f) => workloadMatches(w, f.source?.workloads));
  }
  if (p.destinationWorkload) {
    const w = p.destinationWorkload;
    checks.push((f) => workloadMatches(w, f.destination?.workloads));
  }
  if (p.sourceIdentity) {
    const ids = p.sourceIdentity;
    checks.push((f) => ids.includes(f.source?.identity ?? 0));
  }
  if (p.destinationIdentity) {
    const ids = p.destinationIdentity;
    checks.push((f) => ids.includes(f.destination?.identity ?? 0));
  }
  if (p.trafficDirection) {
    const d = p.trafficDirection;
    checks.push((f) => d.includes(f.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN'));
  }
  if (p.verdict) {
    const v = p.verdict;
    checks.push((f) => v.includes(f.verdict ?? 'VERDICT_UNKNOWN'));
  }
  if (p.dropReasonDesc) {
    const d = p.dropReasonDesc;
    checks.push((f) => d.includes(f.drop_reason_desc ?? 'DROP_REASON_UNKNOWN'));
  }
  if (p.eventType) {
    const types = p.eventType;
    checks.push((f) => {
      const et = f.event_type;
      if (!et) return false;
      return types.some(
        (t) =>
          (t.type === 0 || t.type === (et.type ?? 0)) &&
          (!t.match_sub_type || t.sub_type === (et.sub_type ?? 0)),
      );
    });
  }
  if (p.httpStatus) {
    const { full, prefix } = p.httpStatus;
    checks.push((f) => {
      const code = f.l7?.http?.code ?? 0;
      if (code === 0) return false;
      const s = String(code).padStart(3, '0');
      return full.includes(s) || prefix.some((x) => s.startsWith(x));
    });
  }
  if (p.protocol) {
    const protos = p.protocol;
    checks.push((f) => {
      const l4 = f.l4;
      const l7 = f.l7;
      for (const x of protos) {
        switch (x) {
          case 'tcp':
            if (l4?.TCP) return true;
            break;
          case 'udp':
            if (l4?.UDP) return true;
            break;
          case 'sctp':
            if (l4?.SCTP) return true;
            break;
          case 'icmp':
            if (l4?.ICMPv4 || l4?.ICMPv6) return true;
            break;
          case 'icmpv4':
            if (l4?.ICMPv4) return true;
            break;
          case 'icmpv6':
            if (l4?.ICMPv6) return true;
            break;
          case 'http':
            if (l7?.http) return true;
            break;
          case 'dns':
            if (l7?.dns) return true;
            break;
          case 'kafka':
            if (l7?.kafka) return true;
            break;
        }
      }
      return false;
    });
  }
  if (p.sourcePort) {
    const ports = p.sourcePort;
    checks.push((f) => {
      const l4 = portsOf(f);
      return l4 !== undefined && ports.includes(l4.source_port ?? 0);
    });
  }
  if (p.destinationPort) {
    const ports = p.destinationPort;
    checks.push((f) => {
      const l4 = portsOf(f);
      return l4 !== undefined && ports.includes(l4.destination_port ?? 0);
    });
  }
  if (p.reply) {
    const r = p.reply;
    checks.push((f) => f.is_reply !== undefined && r.includes(f.is_reply));
  }
  if (p.dnsQuery) {
    const res = compileAll(p.dnsQuery, 'dns_query');
    checks.push((f) => {
      const dns = f.l7?.dns;
      if (!dns) return false;
      const q = dns.query ?? '';
      return res.some((r) => r.test(q));
    });
  }
  if (p.httpMethod) {
    const methods = p.httpMethod.map(asciiLower);
    checks.push((f) => {
      const m = f.l7?.http?.method;
      return !!m && methods.includes(asciiLower(m));
    });
  }
  if (p.httpPath) {
    const res = compileAll(p.httpPath, 'http_path');
    checks.push((f) => {
      const url = f.l7?.http?.url;
      if (!url) return false;
      const path = urlPath(url);
      return path !== undefined && res.some((r) => r.test(path));
    });
  }
  if (p.httpUrl) {
    const res = compileAll(p.httpUrl, 'http_url');
    checks.push((f) => {
      const url = f.l7?.http?.url;
      return !!url && res.some((r) => r.test(url));
    });
  }
  if (p.httpHeader) {
    const hs = p.httpHeader;
    checks.push((f) => {
      const headers = f.l7?.http?.headers;
      if (!headers) return false;
      return headers.some((h) => hs.some((x) => x.key === h.key && x.value === h.value));
    });
  }
  if (p.tcpFlags) {
    const masks = p.tcpFlags;
    checks.push((f) => {
      const flags = f.l4?.TCP?.flags;
      if (!flags) return false;
      const bits = tcpFlagsToBits(flags);
      return masks.some((m) => (bits & m) === m);
    });
  }
  if (p.nodeName) {
    const globs = p.nodeName.map(globRegExp);
    checks.push((f) => {
      const n = f.node_name ?? '';
      return globs.some((g) => g.test(n));
    });
  }
  if (p.ipVersion) {
    const v = p.ipVersion;
    checks.push((f) => v.includes(f.IP?.ipVersion ?? 'IP_NOT_USED'));
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (f) => {
    for (const c of checks) if (!c(f)) return false;
    return true;
  };
}

/** Compiles one FlowFilter (throws PORIN_FLOW_FILTER_INVALID). */
export function compileFlowFilter(
  filter: FlowFilter,
  opts: FilterOptions = {},
  path = 'filter',
): FlowPredicate {
  return filterPredicate(parseFlowFilter(filter, path), opts);
}

/** Compiles whitelist/blacklist: any whitelist filter (or none) and no blacklist filter. */
export function compileFilterSet(set: FlowFilterSet, opts: FilterOptions = {}): FlowPredicate {
  const white = (set.whitelist ?? []).map((f, i) => compileFlowFilter(f, opts, `whitelist[${i}]`));
  const black = (set.blacklist ?? []).map((f, i) => compileFlowFilter(f, opts, `blacklist[${i}]`));
  if (white.length === 0 && black.length === 0) return () => true;
  return (flow) => {
    if (white.length > 0 && !white.some((w) => w(flow))) return false;
    return !black.some((b) => b(flow));
  };
}

/** True when the set filters nothing out. */
export function isMatchAll(set: FlowFilterSet): boolean {
  return (set.whitelist?.length ?? 0) === 0 && (set.blacklist?.length ?? 0) === 0;
}
