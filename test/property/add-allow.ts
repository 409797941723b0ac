// Widening an existing policy: add an allow rule, a peer or a port where doing so cannot narrow anything.
//
// Only "sites" where the addition is a pure widening are used:
//   rule  a new allow rule in a direction the policy already enforces (KNP: policyTypes has it; CNP spec:
//         it already has rules in that direction, or enableDefaultDeny turns default deny off for it),
//         so the addition cannot put new pods into default deny;
//   peer  a new peer in a rule that already lists peers (an empty/absent list means "every peer", and
//         adding one would narrow it; likewise a CNP rule with only toPorts applies to every peer);
//   port  a new port in a rule that already lists ports (no ports means every port).
import type {
  CIDRRule,
  CiliumNetworkPolicy,
  CiliumRule,
  EgressRule,
  Entity,
  IngressRule,
  LabelSelector,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PortRule,
} from '../../src/resources/types/index.js';
import type { AnyPolicy } from './arbitraries.js';

type Dir = 'ingress' | 'egress';

export type AllowSite =
  | { type: 'rule'; dir: Dir; spec: number }
  | { type: 'peer'; dir: Dir; spec: number; rule: number }
  | { type: 'port'; dir: Dir; spec: number; rule: number };

/** What may be added; the site decides which part is used. */
export interface AllowAddition {
  site: number;
  knpIngress: NetworkPolicyIngressRule;
  knpEgress: NetworkPolicyEgressRule;
  knpPeer: NetworkPolicyPeer;
  knpPort: NetworkPolicyPort;
  cnpIngress: IngressRule;
  cnpEgress: EgressRule;
  cnpPeer: { endpoints: LabelSelector } | { entity: Entity } | { cidr: CIDRRule };
  cnpPortRule: PortRule;
}

const DIRS: readonly Dir[] = ['ingress', 'egress'];

function specsOf(p: CiliumNetworkPolicy): CiliumRule[] {
  return p.spec ? [p.spec] : (p.specs ?? []);
}

function hasL3(r: IngressRule & EgressRule, dir: Dir): boolean {
  const lists =
    dir === 'ingress'
      ? [r.fromEndpoints, r.fromEntities, r.fromCIDRSet, r.fromCIDR]
      : [r.toEndpoints, r.toEntities, r.toCIDRSet, r.toCIDR];
  return lists.some((l) => (l?.length ?? 0) > 0);
}

export function allowSites(p: AnyPolicy): AllowSite[] {
  const sites: AllowSite[] = [];
  if (p.kind === 'NetworkPolicy') {
    for (const dir of DIRS) {
      if (!p.spec.policyTypes?.includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue;
      sites.push({ type: 'rule', dir, spec: 0 });
      const rules: (NetworkPolicyIngressRule & NetworkPolicyEgressRule)[] =
        (dir === 'ingress' ? p.spec.ingress : p.spec.egress) ?? [];
      rules.forEach((r, rule) => {
        if (((dir === 'ingress' ? r.from : r.to)?.length ?? 0) > 0)
          sites.push({ type: 'peer', dir, spec: 0, rule });
        if ((r.ports?.length ?? 0) > 0) sites.push({ type: 'port', dir, spec: 0, rule });
      });
    }
    return sites;
  }
  specsOf(p).forEach((s, spec) => {
    for (const dir of DIRS) {
      const allow: (IngressRule & EgressRule)[] = (dir === 'ingress' ? s.ingress : s.egress) ?? [];
      const deny = (dir === 'ingress' ? s.ingressDeny : s.egressDeny) ?? [];
      if (allow.length + deny.length > 0 || s.enableDefaultDeny?.[dir] === false)
        sites.push({ type: 'rule', dir, spec });
      allow.forEach((r, rule) => {
        if (hasL3(r, dir)) sites.push({ type: 'peer', dir, spec, rule });
        if ((r.toPorts?.length ?? 0) > 0) sites.push({ type: 'port', dir, spec, rule });
      });
    }
  });
  return sites;
}

/** `p` widened at one of its sites (chosen by `a.site`), or undefined when it has none. */
export function addAllow(p: AnyPolicy, a: AllowAddition): { policy: AnyPolicy; site: AllowSite } | undefined {
  const sites = allowSites(p);
  if (sites.length === 0) return undefined;
  const site = sites[a.site % sites.length]!;
  const copy = structuredClone(p);
  if (copy.kind === 'NetworkPolicy') widenKnp(copy, site, a);
  else widenCnp(copy, site, a);
  return { policy: copy, site };
}

/** Appends `value` to the list `obj[key]`, creating the list when absent. */
function append<O extends object, K extends keyof O>(
  obj: O,
  key: K,
  value: NonNullable<O[K]> extends (infer T)[] ? T : never,
): void {
  const list = (obj[key] as unknown[] | undefined) ?? [];
  if (!list.includes(value)) list.push(value);
  obj[key] = list as O[K];
}

function widenKnp(p: NetworkPolicy, site: AllowSite, a: AllowAddition): void {
  if (site.dir === 'ingress') {
    if (site.type === 'rule') append(p.spec, 'ingress', a.knpIngress);
    else if (site.type === 'peer') append(p.spec.ingress![site.rule]!, 'from', a.knpPeer);
    else append(p.spec.ingress![site.rule]!, 'ports', a.knpPort);
  } else {
    if (site.type === 'rule') append(p.spec, 'egress', a.knpEgress);
    else if (site.type === 'peer') append(p.spec.egress![site.rule]!, 'to', a.knpPeer);
    else append(p.spec.egress![site.rule]!, 'ports', a.knpPort);
  }
}

function widenCnp(p: CiliumNetworkPolicy, site: AllowSite, a: AllowAddition): void {
  const spec = specsOf(p)[site.spec]!;
  const ingress = site.dir === 'ingress';
  if (site.type === 'rule') {
    if (ingress) append(spec, 'ingress', a.cnpIngress);
    else append(spec, 'egress', a.cnpEgress);
    return;
  }
  const rule = ((ingress ? spec.ingress : spec.egress) as (IngressRule & EgressRule)[])[site.rule]!;
  const peer = a.cnpPeer;
  if (site.type === 'port') append(rule, 'toPorts', a.cnpPortRule);
  else if ('endpoints' in peer) append(rule, ingress ? 'fromEndpoints' : 'toEndpoints', peer.endpoints);
  else if ('entity' in peer) append(rule, ingress ? 'fromEntities' : 'toEntities', peer.entity);
  else append(rule, ingress ? 'fromCIDRSet' : 'toCIDRSet', peer.cidr);
}
