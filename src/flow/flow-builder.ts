// Enrichment: a datapath event + wall time → a Flow (endpoints, verdict, L4, direction, and the policies behind it).
import { randomUUID } from 'node:crypto';
import type { DatapathEvent } from '../datapath/maps/events.js';
import type { Direction, PolicyRef } from '../policy/rule.js';
import type {
  CiliumEventType,
  Endpoint,
  Flow,
  IP,
  Layer4,
  Policy,
  TraceObservationPoint,
  TrafficDirection,
} from './flow.js';
import type { EndpointInfo, FlowContext } from './flow-context.js';
import { dropReasonDesc, MATCH_TYPE_NAMES, MESSAGE_TYPE } from './flow-enums.js';
import { l4Summary, tcpFlagsFromBits } from './flow-summary.js';
import { formatTimeNs } from './flow-time.js';

const DROP_POLICY = 133;
const DROP_POLICY_DENY = 181;
const TRACE_SUBTYPE: Record<string, number> = { 'to-endpoint': 0, 'to-proxy': 1, 'from-endpoint': 5 };
const TRACE_POINT: Record<string, TraceObservationPoint> = {
  'to-endpoint': 'TO_ENDPOINT',
  'to-proxy': 'TO_PROXY',
  'from-endpoint': 'FROM_ENDPOINT',
};

export interface FlowBuilderOptions {
  /** The node the flows are captured on (`node_name`). */
  nodeName: string;
  /** Flow UUIDs (default crypto.randomUUID). */
  uuid?: () => string;
}

/** The Policy message for a policy object, with the labels Cilium gives derived policies. */
export function policyOf(ref: PolicyRef, revision?: number): Policy {
  const labels = [
    `k8s:io.cilium.k8s.policy.derived-from=${ref.kind}`,
    `k8s:io.cilium.k8s.policy.name=${ref.name}`,
  ];
  if (ref.namespace) labels.push(`k8s:io.cilium.k8s.policy.namespace=${ref.namespace}`);
  const p: Policy = { name: ref.name };
  if (ref.namespace) p.namespace = ref.namespace;
  p.labels = labels;
  if (revision !== undefined && revision > 0) p.revision = String(revision);
  p.kind = ref.kind;
  return p;
}

/**
 * Builds Flows. Objects derived from context answers (endpoints, policy lists) are cached by the
 * identity of those answers and shared between flows: flows are immutable once built.
 */
export class FlowBuilder {
  private readonly uuid: () => string;
  private readonly endpointCache = new WeakMap<EndpointInfo, Endpoint>();
  private readonly identityCache = new Map<number, { labels: readonly string[] | undefined; ep: Endpoint }>();
  private readonly policyCache = new WeakMap<readonly PolicyRef[], Policy[]>();
  private readonly eventTypes = new Map<number, CiliumEventType>();

  constructor(
    private readonly ctx: FlowContext,
    private readonly opts: FlowBuilderOptions,
  ) {
    this.uuid = opts.uuid ?? randomUUID;
  }

  /**
   * `audited`: the datapath let a would-be policy drop through because the deciding policy is in audit
   * mode (also read from an `audited` property on the event, for datapaths that report it).
   */
  build(ev: DatapathEvent, timeNs: bigint, audited = (ev as { audited?: boolean }).audited === true): Flow {
    // Every field is present from the start (unset ones undefined, which JSON leaves out): one hidden
    // class for all flows keeps property access monomorphic in the store, filters and metrics.
    const f: Flow = {
      time: formatTimeNs(timeNs),
      uuid: this.uuid(),
      verdict: undefined,
      drop_reason: undefined,
      IP: undefined,
      l4: undefined,
      source: undefined,
      destination: undefined,
      Type: undefined,
      node_name: undefined,
      source_names: undefined,
      destination_names: undefined,
      l7: undefined,
      event_type: undefined,
      source_service: undefined,
      destination_service: undefined,
      traffic_direction: undefined,
      policy_match_type: undefined,
      trace_observation_point: undefined,
      drop_reason_desc: undefined,
      is_reply: undefined,
      interface: undefined,
      proxy_port: undefined,
      Summary: undefined,
      egress_allowed_by: undefined,
      ingress_allowed_by: undefined,
      egress_denied_by: undefined,
      ingress_denied_by: undefined,
      ingress_default_denied_by: undefined,
      egress_default_denied_by: undefined,
    };
    const dir: Direction = ev.direction;
    let attribution: 'allowed' | 'denied' | 'default-denied' | undefined;
    switch (ev.type) {
      case 'trace':
        f.verdict = 'FORWARDED';
        break;
      case 'drop':
        f.verdict = 'DROPPED';
        f.drop_reason = ev.reason;
        f.drop_reason_desc = dropReasonDesc(ev.reason);
        if (ev.reason === DROP_POLICY_DENY) attribution = 'denied';
        else if (ev.reason === DROP_POLICY) attribution = 'default-denied';
        break;
      case 'policy-verdict':
        if (audited) {
          f.verdict = 'AUDIT';
          attribution = ev.cookie !== 0 ? 'denied' : 'default-denied';
        } else if (ev.verdict === 'denied') {
          f.verdict = 'DROPPED';
          f.drop_reason = ev.dropReason;
          f.drop_reason_desc = dropReasonDesc(ev.dropReason);
          attribution = ev.dropReason === DROP_POLICY_DENY ? 'denied' : 'default-denied';
        } else {
          f.verdict = ev.verdict === 'redirected' ? 'REDIRECTED' : 'FORWARDED';
          attribution = 'allowed';
        }
        break;
    }
    f.IP = ipOf(ev.saddr, ev.daddr);
    const l4 = l4Of(ev);
    if (l4) f.l4 = l4;
    // The local endpoint is the packet's destination on ingress, its source on egress.
    if (dir === 'ingress') {
      f.source = this.remote(ev.saddr, ev.srcIdentity);
      f.destination = this.local(ev.endpointId, ev.dstIdentity, ev.daddr);
    } else {
      f.source = this.local(ev.endpointId, ev.srcIdentity, ev.saddr);
      f.destination = this.remote(ev.daddr, ev.dstIdentity);
    }
    f.Type = 'L3_L4';
    if (this.opts.nodeName) f.node_name = this.opts.nodeName;
    if (this.ctx.namesOf) {
      const localId = ev.endpointId;
      const src = this.ctx.namesOf(localId, ev.saddr);
      const dst = this.ctx.namesOf(localId, ev.daddr);
      if (src?.length) f.source_names = [...src];
      if (dst?.length) f.destination_names = [...dst];
    }
    f.event_type = this.eventType(ev);
    if (this.ctx.serviceByAddr) {
      const ss = this.ctx.serviceByAddr(ev.saddr, ev.sport);
      const ds = this.ctx.serviceByAddr(ev.daddr, ev.dport);
      if (ss) f.source_service = ss;
      if (ds) f.destination_service = ds;
    }
    // Hubble: drops are assumed not to be replies; traces know from conntrack; allowed verdicts are first packets.
    let isReply: boolean | undefined;
    if (ev.type === 'trace') isReply = ev.ctStatus === 'reply';
    else if (ev.type === 'policy-verdict' && (audited || ev.verdict !== 'denied')) isReply = false;
    const td: TrafficDirection = dir === 'ingress' ? 'INGRESS' : 'EGRESS';
    f.traffic_direction = isReply ? (td === 'INGRESS' ? 'EGRESS' : 'INGRESS') : td;
    if (ev.type === 'policy-verdict') {
      const m = MATCH_TYPE_NAMES.indexOf(matchTypeName(ev.matchType));
      if (m > 0) f.policy_match_type = m;
    }
    if (ev.type === 'trace') f.trace_observation_point = TRACE_POINT[ev.observationPoint] ?? 'UNKNOWN_POINT';
    if (isReply !== undefined) f.is_reply = isReply;
    if (ev.type === 'trace' && ev.ifindex !== 0) f.interface = { index: ev.ifindex };
    if (ev.type === 'policy-verdict' && ev.verdict === 'redirected' && ev.proxyPort > 0)
      f.proxy_port = ev.proxyPort;
    const summary = l4Summary(f.l4);
    if (summary !== undefined) f.Summary = summary;
    if (attribution) this.attribute(f, ev, dir, attribution);
    return f;
  }

  private attribute(
    f: Flow,
    ev: DatapathEvent,
    dir: Direction,
    kind: 'allowed' | 'denied' | 'default-denied',
  ): void {
    const cookie = ev.type === 'trace' ? 0 : ev.cookie;
    let policies: Policy[] | undefined;
    if (kind === 'default-denied') {
      const refs = this.ctx.defaultDenyPolicies(ev.endpointId, dir);
      if (refs.length > 0) policies = this.policies(refs);
      if (!policies) return;
      if (dir === 'ingress') f.ingress_default_denied_by = policies;
      else f.egress_default_denied_by = policies;
      return;
    }
    if (cookie === 0) return;
    const origins = this.ctx.ruleOrigins(cookie);
    if (origins.length === 0) return;
    policies = this.policies(origins);
    if (kind === 'allowed') {
      if (dir === 'ingress') f.ingress_allowed_by = policies;
      else f.egress_allowed_by = policies;
    } else if (dir === 'ingress') f.ingress_denied_by = policies;
    else f.egress_denied_by = policies;
  }

  /** One Policy per policy object (rules of the same policy collapse), in first-seen order. */
  private policies(refs: readonly PolicyRef[]): Policy[] {
    const revision = this.ctx.policyRevision;
    if (!revision) {
      const cached = this.policyCache.get(refs);
      if (cached) return cached;
    }
    const seen = new Set<string>();
    const out: Policy[] = [];
    for (const r of refs) {
      const key = `${r.kind}/${r.namespace ?? ''}/${r.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(policyOf(r, revision?.call(this.ctx, r)));
    }
    if (!revision) this.policyCache.set(refs, out);
    return out;
  }

  private local(endpointId: number, identity: number, ip: string): Endpoint {
    const info = this.ctx.endpointById(endpointId) ?? this.ctx.endpointByIP(ip);
    if (info) return this.fromInfo(info, identity, endpointId);
    const ep = this.byIdentity(identity);
    return endpointId ? { ID: endpointId, ...ep } : ep;
  }

  private remote(ip: string, identity: number): Endpoint {
    const info = this.ctx.endpointByIP(ip);
    if (info) return this.fromInfo(info, identity, info.id ?? 0);
    return this.byIdentity(identity);
  }

  private fromInfo(info: EndpointInfo, identity: number, id: number): Endpoint {
    // A stale ipcache answer (another identity than the packet's) is not cached.
    if (info.identity !== identity && identity !== 0) return endpointOf(info, identity, id);
    let ep = this.endpointCache.get(info);
    if (!ep) {
      ep = endpointOf(info, info.identity, info.id ?? id);
      this.endpointCache.set(info, ep);
    }
    return ep;
  }

  private byIdentity(identity: number): Endpoint {
    const labels = this.ctx.identityLabels(identity);
    const cached = this.identityCache.get(identity);
    if (cached && cached.labels === labels) return cached.ep;
    const ep: Endpoint = {};
    if (identity) ep.identity = identity;
    if (labels?.length) ep.labels = [...labels];
    if (this.identityCache.size > 65_536) this.identityCache.clear();
    this.identityCache.set(identity, { labels, ep });
    return ep;
  }

  private eventType(ev: DatapathEvent): CiliumEventType {
    const type =
      ev.type === 'drop'
        ? MESSAGE_TYPE.drop
        : ev.type === 'trace'
          ? MESSAGE_TYPE.trace
          : MESSAGE_TYPE['policy-verdict'];
    const sub =
      ev.type === 'drop' ? ev.reason : ev.type === 'trace' ? (TRACE_SUBTYPE[ev.observationPoint] ?? 0) : 0;
    const key = type * 256 + sub;
    let et = this.eventTypes.get(key);
    if (!et) {
      et = sub === 0 ? { type } : { type, sub_type: sub };
      this.eventTypes.set(key, et);
    }
    return et;
  }
}

function endpointOf(info: EndpointInfo, identity: number, id: number): Endpoint {
  const ep: Endpoint = {};
  if (id) ep.ID = id;
  if (identity) ep.identity = identity;
  if (info.clusterName) ep.cluster_name = info.clusterName;
  if (info.namespace) ep.namespace = info.namespace;
  if (info.labels.length) ep.labels = [...info.labels];
  if (info.podName) ep.pod_name = info.podName;
  if (info.workloads?.length) ep.workloads = info.workloads.map((w) => ({ ...w }));
  return ep;
}

function ipOf(saddr: string, daddr: string): IP {
  return { source: saddr, destination: daddr, ipVersion: saddr.includes(':') ? 'IPv6' : 'IPv4' };
}

function tcp(sport: number, dport: number, bits: number): Layer4 {
  return {
    TCP: {
      source_port: sport === 0 ? undefined : sport,
      destination_port: dport === 0 ? undefined : dport,
      flags: tcpFlagsFromBits(bits),
    },
  };
}

function ports(sport: number, dport: number): { source_port?: number; destination_port?: number } {
  const p: { source_port?: number; destination_port?: number } = {};
  if (sport) p.source_port = sport;
  if (dport) p.destination_port = dport;
  return p;
}

function l4Of(ev: DatapathEvent): Layer4 | undefined {
  switch (ev.protocol) {
    case 6:
      return tcp(ev.sport, ev.dport, ev.l4Info);
    case 17:
      return { UDP: ports(ev.sport, ev.dport) };
    case 132:
      return { SCTP: ports(ev.sport, ev.dport) };
    case 1:
    case 58: {
      // The datapath puts the ICMP type in dport and the code in l4Info.
      const icmp: { type?: number; code?: number } = {};
      if (ev.dport) icmp.type = ev.dport;
      if (ev.l4Info) icmp.code = ev.l4Info;
      return ev.protocol === 1 ? { ICMPv4: icmp } : { ICMPv6: icmp };
    }
    default:
      return undefined;
  }
}

const MATCH_NAME: Record<string, string> = {
  none: 'none',
  'l3-only': 'L3-Only',
  'l3-l4': 'L3-L4',
  'l4-only': 'L4-Only',
  all: 'all',
  'l3-proto': 'L3-Proto',
  'proto-only': 'Proto-Only',
  address: 'address',
  localhost: 'localhost',
};

function matchTypeName(m: string): string {
  return MATCH_NAME[m] ?? 'none';
}
