// Flow tuples → the service map: nodes, and edges whose links carry port, protocol, verdict counts and the deciding policies.
//
// A connection between two local pods is reported twice (the source's egress verdict and the
// destination's ingress verdict), so a link counts connections, not reports: drops and audits of
// either side add up (a drop on egress never reaches ingress), and forwarded connections are the
// ingress side's when the destination reports one, the egress side's otherwise.
import type { Policy } from '../flow/flow.js';
import type { FlowTuple, L7Tuple } from '../flow/flow-aggregate.js';
import type { PolicyField } from '../flow/flow-row.js';
import { formatTimeNs } from '../flow/flow-time.js';
import type {
  GraphEdge,
  GraphLink,
  GraphResponse,
  Grouping,
  L7Summary,
  LinkVerdict,
  PolicyName,
} from './insight-types.js';
import { l7Label } from './l7-groups.js';
import { type ExternalRef, NodeTable } from './node-grouping.js';

/** Drop reasons whose drops repeat a policy-verdict report (the verdict tuple already counts them). */
const POLICY_DROP_REASONS = new Set(['POLICY_DENIED', 'POLICY_DENY']);

const VERDICT_CLASS: Record<string, LinkVerdict | undefined> = {
  FORWARDED: 'forwarded',
  DROPPED: 'dropped',
  AUDIT: 'audit',
  REDIRECTED: 'redirected',
  ERROR: 'error',
};

const HOW: Record<PolicyField, PolicyName['how']> = {
  ingress_allowed_by: 'allowed',
  egress_allowed_by: 'allowed',
  ingress_denied_by: 'denied',
  egress_denied_by: 'denied',
  ingress_default_denied_by: 'default-deny',
  egress_default_denied_by: 'default-deny',
};

interface LinkAcc {
  port: number;
  protocol: string;
  ingress: Record<LinkVerdict, number>;
  egress: Record<LinkVerdict, number>;
  other: Record<LinkVerdict, number>;
  hasIngress: boolean;
  policies: Map<string, { p: PolicyName; verdict: LinkVerdict }>;
  dropReasons: Set<string>;
}

interface EdgeAcc {
  source: string;
  target: string;
  links: Map<string, LinkAcc>;
  l7: Map<string, L7Summary>;
  lastNs: bigint;
}

const zero = (): Record<LinkVerdict, number> => ({
  forwarded: 0,
  dropped: 0,
  audit: 0,
  redirected: 0,
  error: 0,
});

function policyNames(t: FlowTuple): PolicyName[] {
  const out: PolicyName[] = [];
  for (const [field, list] of Object.entries(t.policies) as [PolicyField, Policy[]][]) {
    for (const p of list) {
      out.push({
        kind: p.kind ?? '',
        ...(p.namespace ? { namespace: p.namespace } : {}),
        name: p.name ?? '',
        how: HOW[field],
      });
    }
  }
  return out;
}

export function protocolLabel(l4: string | undefined): string {
  return l4 ?? 'IP';
}

/** Which tuples a map counts: policy verdicts (5), drops (1) not already reported as a verdict, L7 (129). */
export function countsOnMap(t: FlowTuple): boolean {
  if (t.eventType === 5) return true;
  if (t.eventType === 1) return !POLICY_DROP_REASONS.has(t.dropReason ?? '');
  return false;
}

export function buildServiceGraph(
  tuples: readonly FlowTuple[],
  l7: readonly L7Tuple[],
  grouping: Grouping,
  externals?: ReadonlyMap<string, ExternalRef>,
): Omit<GraphResponse, 'window' | 'elapsedMs'> {
  const nodes = new NodeTable(externals);
  const edges = new Map<string, EdgeAcc>();
  let flows = 0;
  const edgeOf = (source: string, target: string): EdgeAcc => {
    const id = `${source}->${target}`;
    let e = edges.get(id);
    if (!e) {
      e = { source, target, links: new Map(), l7: new Map(), lastNs: 0n };
      edges.set(id, e);
    }
    return e;
  };
  for (const t of tuples) {
    if (!countsOnMap(t)) continue;
    const cls = VERDICT_CLASS[t.verdict];
    if (!cls) continue;
    flows += t.count;
    const src = nodes.add(t.source, t.sourceIp, grouping);
    const dst = nodes.add(t.destination, t.destinationIp, grouping);
    const e = edgeOf(src, dst);
    if (t.lastNs > e.lastNs) e.lastNs = t.lastNs;
    const protocol = protocolLabel(t.l4);
    const lk = `${t.port}/${protocol}`;
    let link = e.links.get(lk);
    if (!link) {
      link = {
        port: t.port,
        protocol,
        ingress: zero(),
        egress: zero(),
        other: zero(),
        hasIngress: false,
        policies: new Map(),
        dropReasons: new Set(),
      };
      e.links.set(lk, link);
    }
    const side = t.eventType !== 5 ? link.other : t.direction === 'INGRESS' ? link.ingress : link.egress;
    side[cls] += t.count;
    if (t.eventType === 5 && t.direction === 'INGRESS') link.hasIngress = true;
    if (t.dropReason && cls !== 'forwarded') link.dropReasons.add(t.dropReason);
    for (const p of policyNames(t)) {
      const k = `${cls}|${p.how}|${p.kind}|${p.namespace ?? ''}|${p.name}`;
      if (!link.policies.has(k)) link.policies.set(k, { p, verdict: cls });
    }
  }
  for (const t of l7) {
    const cls = VERDICT_CLASS[t.verdict] ?? 'forwarded';
    flows += t.count;
    const src = nodes.add(t.source, undefined, grouping);
    const dst = nodes.add(t.destination, t.destinationIp, grouping);
    const e = edgeOf(src, dst);
    const label = l7Label(t);
    const k = `${cls}|${label}`;
    const s = e.l7.get(k);
    if (s) s.count += t.count;
    else e.l7.set(k, { protocol: t.protocol, label, verdict: cls, count: t.count });
  }
  const out: GraphEdge[] = [];
  for (const [id, e] of edges) {
    const links: GraphLink[] = [];
    const counts = { forwarded: 0, dropped: 0, audit: 0 };
    for (const l of e.links.values()) {
      const per = zero();
      for (const v of Object.keys(per) as LinkVerdict[]) {
        if (v === 'forwarded') continue;
        per[v] = l.ingress[v] + l.egress[v] + l.other[v];
      }
      per.forwarded = l.hasIngress
        ? Math.max(0, l.ingress.forwarded - l.egress.audit)
        : l.egress.forwarded + l.other.forwarded;
      for (const v of Object.keys(per) as LinkVerdict[]) {
        if (per[v] === 0) continue;
        links.push({
          port: l.port,
          protocol: l.protocol,
          verdict: v,
          count: per[v],
          policies: [...l.policies.values()].filter((x) => x.verdict === v).map((x) => x.p),
          ...(v !== 'forwarded' && l.dropReasons.size ? { dropReason: [...l.dropReasons].join(', ') } : {}),
        });
        if (v === 'dropped' || v === 'error') counts.dropped += per[v];
        else if (v === 'audit') counts.audit += per[v];
        else counts.forwarded += per[v];
      }
    }
    links.sort(
      (a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1) || (a.verdict < b.verdict ? -1 : 1),
    );
    out.push({
      id,
      source: e.source,
      target: e.target,
      links,
      l7: [...e.l7.values()].sort((a, b) => b.count - a.count),
      counts,
      lastSeen: e.lastNs > 0n ? formatTimeNs(e.lastNs) : '',
    });
  }
  out.sort((a, b) => (a.id < b.id ? -1 : 1));
  const list = nodes.list();
  const namespaces = [...new Set(list.map((n) => n.namespace).filter((n): n is string => !!n))].sort();
  return { grouping, nodes: list, edges: out, namespaces, flows };
}
