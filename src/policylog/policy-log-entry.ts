// GKE Dataplane V2's policy action log record (`PolicyActionLogEntry`), built from a policy-verdict flow.
import type { Endpoint, Flow, Policy } from '../flow/flow.js';

export interface LogConnection {
  src_ip: string;
  dest_ip: string;
  src_port?: number;
  dest_port?: number;
  /** tcp, udp, sctp, icmp, icmpv6. */
  protocol: string;
  direction: 'ingress' | 'egress';
}

/** A side of the connection: a pod (name, namespace, owning workload) or, for anything else, its IP as `instance`. */
export interface LogWorkload {
  pod_name?: string;
  node_name?: string;
  workload_kind?: string;
  workload_name?: string;
  pod_namespace?: string;
  namespace?: string;
  instance?: string;
}

export interface LogPolicy {
  name: string;
  namespace?: string;
  kind: string;
}

/**
 * One line of the policy action log. `disposition` is GKE's allow | deny, plus Porin's `audit` (a
 * connection an audit-mode policy would have denied). Porin also fills `policies` on denies: the deny
 * rules' policies, or the policies that put the endpoint into default deny.
 */
export interface PolicyLogEntry {
  connection: LogConnection;
  disposition: 'allow' | 'deny' | 'audit';
  policies?: LogPolicy[];
  src: LogWorkload;
  dest: LogWorkload;
  count: number;
  node_name?: string;
  /** RFC 3339 with nanoseconds. */
  timestamp: string;
  /** Porin's own, for a request the L7 proxy judged: what was asked and the rules that decided. */
  l7?: { protocol: string; method?: string; url?: string; query?: string; rules?: string[] };
}

function workload(ep: Endpoint | undefined, ip: string): LogWorkload {
  if (!ep?.pod_name) return { instance: ip };
  const w: LogWorkload = { pod_name: ep.pod_name };
  const owner = ep.workloads?.[0];
  if (owner?.kind) w.workload_kind = owner.kind;
  if (owner?.name) w.workload_name = owner.name;
  if (ep.namespace) {
    w.pod_namespace = ep.namespace;
    w.namespace = ep.namespace;
  }
  return w;
}

function protocolOf(f: Flow): string | undefined {
  const l4 = f.l4;
  if (l4?.TCP) return 'tcp';
  if (l4?.UDP) return 'udp';
  if (l4?.SCTP) return 'sctp';
  if (l4?.ICMPv4) return 'icmp';
  if (l4?.ICMPv6) return 'icmpv6';
  return undefined;
}

function logPolicies(lists: (Policy[] | undefined)[]): LogPolicy[] {
  const seen = new Set<string>();
  const out: LogPolicy[] = [];
  for (const list of lists) {
    for (const p of list ?? []) {
      const key = `${p.kind}/${p.namespace ?? ''}/${p.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const lp = { name: p.name ?? '' } as LogPolicy;
      if (p.namespace) lp.namespace = p.namespace;
      lp.kind = p.kind ?? '';
      out.push(lp);
    }
  }
  return out;
}

/** The record of a flow, or undefined when the flow is not a loggable connection verdict. */
export function policyLogEntryOf(f: Flow, nodeName?: string): PolicyLogEntry | undefined {
  const direction =
    f.traffic_direction === 'INGRESS' ? 'ingress' : f.traffic_direction === 'EGRESS' ? 'egress' : undefined;
  const src = f.IP?.source;
  const dst = f.IP?.destination;
  const protocol = protocolOf(f);
  if (!direction || !src || !dst || !protocol) return undefined;
  let disposition: PolicyLogEntry['disposition'];
  let policies: LogPolicy[];
  const ingress = direction === 'ingress';
  switch (f.verdict) {
    case 'FORWARDED':
    case 'REDIRECTED':
      disposition = 'allow';
      policies = logPolicies([ingress ? f.ingress_allowed_by : f.egress_allowed_by]);
      break;
    case 'DROPPED':
    case 'AUDIT':
      disposition = f.verdict === 'AUDIT' ? 'audit' : 'deny';
      policies = logPolicies(
        ingress
          ? [f.ingress_denied_by, f.ingress_default_denied_by]
          : [f.egress_denied_by, f.egress_default_denied_by],
      );
      break;
    default:
      return undefined;
  }
  const connection = { src_ip: src, dest_ip: dst } as LogConnection;
  const ports = f.l4?.TCP ?? f.l4?.UDP ?? f.l4?.SCTP;
  if (ports?.source_port) connection.src_port = ports.source_port;
  if (ports?.destination_port) connection.dest_port = ports.destination_port;
  connection.protocol = protocol;
  connection.direction = direction;
  const entry: PolicyLogEntry = {
    connection,
    disposition,
    src: workload(f.source, src),
    dest: workload(f.destination, dst),
    count: 1,
    timestamp: f.time ?? new Date().toISOString(),
  };
  if (policies.length > 0) entry.policies = policies;
  if (nodeName) entry.node_name = nodeName;
  const l7 = f.l7;
  if (l7?.http || l7?.dns || l7?.kafka) {
    const rules = f.l7_rules?.map((r) => `${r.policy}${r.rule ? ` ${r.rule}` : ''}`);
    entry.l7 = {
      protocol: l7.http ? 'http' : l7.dns ? 'dns' : 'kafka',
      ...(l7.http?.method ? { method: l7.http.method } : {}),
      ...(l7.http?.url ? { url: l7.http.url } : {}),
      ...(l7.dns?.query ? { query: l7.dns.query } : {}),
      ...(rules?.length ? { rules } : {}),
    };
  }
  return entry;
}

/** Deny aggregation key: the connection with the source port zeroed (GKE's AggregationKey). */
export function aggregationKey(e: PolicyLogEntry): string {
  const c = e.connection;
  const l7 = e.l7 ? `|${e.l7.method ?? ''} ${e.l7.url ?? e.l7.query ?? ''}` : '';
  return `${e.disposition}|${c.src_ip}|${c.dest_ip}|${c.dest_port ?? 0}|${c.protocol}|${c.direction}${l7}`;
}

/** The JSON line as written, with fields in GKE's order. */
export function formatPolicyLogEntry(e: PolicyLogEntry): string {
  const o: Record<string, unknown> = { connection: e.connection, disposition: e.disposition };
  if (e.policies) o.policies = e.policies;
  o.src = e.src;
  o.dest = e.dest;
  o.count = e.count;
  if (e.node_name) o.node_name = e.node_name;
  o.timestamp = e.timestamp;
  return JSON.stringify(o);
}
