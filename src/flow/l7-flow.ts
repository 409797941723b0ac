// An L7 observation from the proxy → a Hubble L7 flow: Type L7, l7.{type,http,dns,kafka,latency_ns}, verdict, the rules that decided.
import { randomUUID } from 'node:crypto';
import type { PolicyKind, PolicyRef } from '../policy/rule.js';
import type { Endpoint, Flow, Layer7, Policy, TrafficDirection, Verdict } from './flow.js';
import { policyOf } from './flow-builder.js';
import type { EndpointInfo, FlowContext } from './flow-context.js';
import { MESSAGE_TYPE } from './flow-enums.js';
import { formatTimeNs } from './flow-time.js';

/** One rule behind an L7 verdict: whose policy, which policy, which rule (src/proxy's L7RuleRef). */
export interface L7RuleName {
  readonly direction: 'ingress' | 'egress';
  /** `CiliumNetworkPolicy default/rule1` (formatPolicyRef). */
  readonly policy: string;
  /** `spec.ingress[0].toPorts[0].rules.http[1]`; absent for an L4-only allow or a denial. */
  readonly rule?: string;
}

/** What the proxy reports per request/response (src/proxy's WireL7Event has this shape). */
export interface L7Observation {
  /** ms since the epoch. */
  readonly time: number;
  readonly proxyPort: number;
  readonly parser: string;
  /** 6 (TCP) or 17 (UDP). */
  readonly protocol: number;
  readonly source: { readonly address: string; readonly port: number };
  readonly destination: { readonly address: string; readonly port: number };
  readonly srcIdentity: number;
  readonly dstIdentity: number;
  readonly directions: ReadonlyArray<'ingress' | 'egress'>;
  readonly l7: Layer7;
  readonly verdict: Extract<Verdict, 'FORWARDED' | 'DROPPED' | 'AUDIT'>;
  readonly rules: readonly L7RuleName[];
  readonly reply: boolean;
}

const KINDS: readonly PolicyKind[] = [
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
];

/** `CiliumNetworkPolicy default/rule1 [specs[0]]` → the policy reference (undefined when not in that form). */
export function parsePolicyName(s: string): PolicyRef | undefined {
  const m = /^(\S+) (?:([^/\s]+)\/)?([^\s/]+)(?: specs\[(\d+)\])?$/.exec(s);
  if (!m || !(KINDS as readonly string[]).includes(m[1]!)) return undefined;
  return {
    kind: m[1] as PolicyKind,
    name: m[3]!,
    ...(m[2] ? { namespace: m[2] } : {}),
    ...(m[4] !== undefined ? { spec: Number(m[4]) } : {}),
  };
}

function endpoint(ctx: FlowContext, ip: string, identity: number): Endpoint {
  const info: EndpointInfo | undefined = ctx.endpointByIP(ip);
  const ep: Endpoint = {};
  if (info?.id) ep.ID = info.id;
  const id = info?.identity ?? identity;
  if (id) ep.identity = id;
  if (info?.clusterName) ep.cluster_name = info.clusterName;
  if (info?.namespace) ep.namespace = info.namespace;
  const labels = info?.labels ?? ctx.identityLabels(id);
  if (labels?.length) ep.labels = [...labels];
  if (info?.podName) ep.pod_name = info.podName;
  if (info?.workloads?.length) ep.workloads = info.workloads.map((w) => ({ ...w }));
  return ep;
}

/** Defaults left out, as protojson prints them (an empty header list is no list). */
function canonical(l7: Layer7): Layer7 {
  if (!l7.http?.headers || l7.http.headers.length > 0) return l7;
  const { headers: _h, ...http } = l7.http;
  return { ...l7, http };
}

function summary(l7: Layer7): string | undefined {
  const h = l7.http;
  if (h) {
    if (l7.type === 'RESPONSE') {
      const ms = l7.latency_ns ? ` ${(Number(l7.latency_ns) / 1e6).toFixed(0)}ms` : '';
      return `${h.protocol ?? 'HTTP'} ${h.code ?? 0}${ms} (${h.method ?? ''} ${h.url ?? ''})`;
    }
    return `${h.protocol ?? 'HTTP'} ${h.method ?? ''} ${h.url ?? ''}`;
  }
  if (l7.dns) return `DNS ${l7.type === 'RESPONSE' ? 'Answer' : 'Query'} ${l7.dns.query ?? ''}`;
  if (l7.kafka) return `Kafka ${l7.type === 'RESPONSE' ? 'response' : 'request'} ${l7.kafka.api_key ?? ''}`;
  return undefined;
}

/**
 * Request flows go client → server, response flows server → client (`is_reply`), as Hubble shows them.
 * The direction is the proxy's: EGRESS when the client's egress policy redirected, else INGRESS. Rules
 * that allowed a request fill `*_allowed_by`; those it failed (or that would deny it, AUDIT) `*_denied_by`;
 * `l7_rules` (Porin's own) names each rule exactly.
 */
export function buildL7Flow(
  o: L7Observation,
  ctx: FlowContext,
  nodeName: string,
  uuid: () => string = randomUUID,
): Flow {
  const [src, dst] = o.reply ? [o.destination, o.source] : [o.source, o.destination];
  const [srcId, dstId] = o.reply ? [o.dstIdentity, o.srcIdentity] : [o.srcIdentity, o.dstIdentity];
  const udp = o.protocol === 17;
  const ports = { source_port: src.port, destination_port: dst.port };
  const direction: TrafficDirection = o.directions.includes('egress') ? 'EGRESS' : 'INGRESS';
  const f: Flow = {
    time: formatTimeNs(BigInt(Math.round(o.time)) * 1_000_000n),
    uuid: uuid(),
    verdict: o.verdict,
    IP: { source: src.address, destination: dst.address, ipVersion: 'IPv4' },
    l4: udp ? { UDP: ports } : { TCP: ports },
    source: endpoint(ctx, src.address, srcId),
    destination: endpoint(ctx, dst.address, dstId),
    Type: 'L7',
    node_name: nodeName,
    l7: canonical(o.l7),
    event_type: { type: MESSAGE_TYPE.l7 },
    traffic_direction: direction,
    is_reply: o.reply,
  };
  if (o.proxyPort) f.proxy_port = o.proxyPort;
  const s = summary(o.l7);
  if (s) f.Summary = s;
  const allowed = o.verdict === 'FORWARDED';
  const by = (d: 'ingress' | 'egress'): Policy[] => {
    const seen = new Set<string>();
    const out: Policy[] = [];
    for (const r of o.rules) {
      if (r.direction !== d || seen.has(r.policy)) continue;
      seen.add(r.policy);
      const ref = parsePolicyName(r.policy);
      if (ref) out.push(policyOf(ref));
    }
    return out;
  };
  for (const d of ['ingress', 'egress'] as const) {
    const list = by(d);
    if (list.length === 0) continue;
    if (allowed) f[d === 'ingress' ? 'ingress_allowed_by' : 'egress_allowed_by'] = list;
    else f[d === 'ingress' ? 'ingress_denied_by' : 'egress_denied_by'] = list;
  }
  if (o.rules.length > 0) f.l7_rules = o.rules.map((r) => ({ ...r }));
  return f;
}
