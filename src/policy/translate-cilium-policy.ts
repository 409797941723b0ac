// CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy → normalized rules, with Cilium's namespace scoping.
import { CLUSTER_LABEL, NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL, Selector } from '../labels/index.js';
import { icmpTypeNumber } from '../net/icmp-types.js';
import type {
  CIDRRule,
  CiliumNetworkPolicy,
  CiliumRule,
  EgressRule,
  EndpointSelector,
  Entity,
  ICMPRule,
  IngressRule,
  PortRule,
} from '../resources/index.js';
import type {
  Direction,
  L4Protocol,
  L7Rules,
  Peer,
  PolicyKind,
  PolicyRef,
  PolicyRule,
  PolicyRuleSet,
  PortRuleSpec,
  RuleSection,
  Subject,
} from './rule.js';
import { ANY_NAMESPACE, mustPrefix, namespacePin } from './translate-network-policy.js';

export interface CiliumTranslateContext {
  /** This cluster's name, for the `cluster` entity. */
  cluster: string;
}

type AnyRule = IngressRule & EgressRule;

export function translateCiliumPolicy(p: CiliumNetworkPolicy, ctx: CiliumTranslateContext): PolicyRuleSet {
  const kind = p.kind as PolicyKind;
  const namespace = kind === 'CiliumNetworkPolicy' ? (p.metadata.namespace ?? 'default') : undefined;
  const base: PolicyRef = namespace
    ? { kind, namespace, name: p.metadata.name }
    : { kind, name: p.metadata.name };
  const specs: [CiliumRule, number | undefined][] = [];
  if (p.spec) specs.push([p.spec, undefined]);
  for (const [i, s] of (p.specs ?? []).entries()) specs.push([s, i]);
  const out: PolicyRuleSet = { policy: base, rules: [], defaults: [], usesEgressNamedPorts: false };
  for (const [spec, index] of specs) {
    const policy: PolicyRef = index === undefined ? base : { ...base, spec: index };
    translateSpec(spec, policy, namespace, ctx, out);
  }
  return out;
}

function translateSpec(
  spec: CiliumRule,
  policy: PolicyRef,
  namespace: string | undefined,
  ctx: CiliumTranslateContext,
  out: PolicyRuleSet,
): void {
  const subject: Subject = spec.nodeSelector
    ? { kind: 'nodes', selector: Selector.from(spec.nodeSelector, 'any') }
    : { kind: 'endpoints', selector: subjectSelector(spec.endpointSelector, namespace) };
  const sections: [RuleSection, Direction, boolean, AnyRule[] | undefined][] = [
    ['ingress', 'ingress', false, spec.ingress as AnyRule[] | undefined],
    ['ingressDeny', 'ingress', true, spec.ingressDeny as AnyRule[] | undefined],
    ['egress', 'egress', false, spec.egress as AnyRule[] | undefined],
    ['egressDeny', 'egress', true, spec.egressDeny as AnyRule[] | undefined],
  ];
  for (const [section, direction, deny, rules] of sections) {
    rules?.forEach((r, i) => {
      const rule = translateRule(r, direction, deny, namespace, ctx);
      if (!rule) return;
      const origin = { ...policy, section, rule: i };
      for (const p of rule.ports ?? []) if (p.l7) p.l7.origin = origin;
      out.rules.push({ origin, subject, direction, deny, ...rule });
      if (direction === 'egress' && rule.ports?.some((p) => p.port.name)) out.usesEgressNamedPorts = true;
    });
  }
  for (const direction of ['ingress', 'egress'] as const) {
    const has =
      (direction === 'ingress'
        ? (spec.ingress?.length ?? 0) + (spec.ingressDeny?.length ?? 0)
        : (spec.egress?.length ?? 0) + (spec.egressDeny?.length ?? 0)) > 0;
    if (has)
      out.defaults.push({ policy, subject, direction, enabled: spec.enableDefaultDeny?.[direction] ?? true });
  }
}

function subjectSelector(sel: EndpointSelector | undefined, namespace: string | undefined): Selector {
  const s = Selector.from(sel, 'any');
  if (namespace === undefined) return s;
  // A CNP always selects only its own namespace; a conflicting namespace requirement is dropped.
  return new Selector(s.requirements.filter((r) => r.key !== POD_NAMESPACE_LABEL)).and(
    namespacePin(namespace),
  );
}

/** Cilium's peer scoping: a CNP peer without a namespace requirement is pinned to the policy's namespace. */
export function scopePeerSelector(sel: EndpointSelector, namespace: string | undefined): Selector {
  const s = Selector.from(sel, 'any');
  const unscoped =
    s.requirements.some((r) => r.key === POD_NAMESPACE_LABEL) ||
    s.requirements.some((r) => r.source === 'reserved') ||
    s.requirements.some((r) => r.key.startsWith(NAMESPACE_LABELS_PREFIX));
  if (unscoped && namespace !== undefined) return s;
  if (namespace !== undefined) return s.and(namespacePin(namespace));
  return s.requirements.some((r) => r.source === 'reserved' || r.key === POD_NAMESPACE_LABEL)
    ? s
    : s.and(ANY_NAMESPACE);
}

const reservedSel = (name: string): Selector =>
  new Selector([{ source: 'reserved', key: name, operator: 'Exists', values: [] }]);

export function entityPeers(entity: Entity, ctx: CiliumTranslateContext): Peer[] {
  const via = `entity:${entity}`;
  const sel = (s: Selector): Peer => ({ kind: 'selector', selector: s, via });
  switch (entity) {
    case 'all':
      return [{ kind: 'all' }];
    case 'none':
      return [];
    case 'world':
    case 'world-ipv4':
    case 'world-ipv6':
      return [sel(reservedSel('world'))];
    case 'cluster':
    case 'cluster-mesh': {
      const reserved = [
        'host',
        'remote-node',
        'init',
        'health',
        'unmanaged',
        'ingress',
        'kube-apiserver',
      ].map((n) => sel(reservedSel(n)));
      const pods =
        entity === 'cluster'
          ? new Selector([{ source: 'k8s', key: CLUSTER_LABEL, operator: 'In', values: [ctx.cluster] }])
          : new Selector([{ source: 'k8s', key: CLUSTER_LABEL, operator: 'Exists', values: [] }]);
      return [...reserved, sel(pods)];
    }
    default:
      return [sel(reservedSel(entity))];
  }
}

function cidrSetPeer(r: CIDRRule): Peer[] {
  if (!r.cidr) return []; // cidrGroupRef / cidrGroupSelector: CiliumCIDRGroup is not a kind Porin reads yet.
  return [
    {
      kind: 'cidr',
      prefix: mustPrefix(r.cidr),
      except: (r.except ?? []).map(mustPrefix),
      matchesPods: false,
    },
  ];
}

function translateRule(
  r: AnyRule,
  direction: Direction,
  deny: boolean,
  namespace: string | undefined,
  ctx: CiliumTranslateContext,
): Pick<PolicyRule, 'peers' | 'ports' | 'requires' | 'auth'> | undefined {
  const isIn = direction === 'ingress';
  const endpoints = isIn ? r.fromEndpoints : r.toEndpoints;
  const cidrs = isIn ? r.fromCIDR : r.toCIDR;
  const cidrSets = isIn ? r.fromCIDRSet : r.toCIDRSet;
  const entities = isIn ? r.fromEntities : r.toEntities;
  const nodes = isIn ? r.fromNodes : r.toNodes;
  const requires = isIn ? r.fromRequires : r.toRequires;
  const peers: Peer[] = [];
  let hasL3 = false;
  const mark = (list: unknown[] | undefined) => {
    if (list && list.length > 0) hasL3 = true;
  };
  mark(endpoints);
  mark(cidrs);
  mark(cidrSets);
  mark(entities);
  mark(nodes);
  for (const e of endpoints ?? [])
    peers.push({ kind: 'selector', selector: scopePeerSelector(e, namespace) });
  for (const c of cidrs ?? [])
    peers.push({ kind: 'cidr', prefix: mustPrefix(c), except: [], matchesPods: false });
  for (const c of cidrSets ?? []) peers.push(...cidrSetPeer(c));
  for (const e of entities ?? []) peers.push(...entityPeers(e, ctx));
  for (const n of nodes ?? []) {
    const s = Selector.from(n, 'any');
    peers.push({
      kind: 'selector',
      selector: s.and({ source: 'reserved', key: 'host', operator: 'Exists', values: [] }),
      via: 'nodes',
    });
  }
  if (!isIn) {
    mark(r.toFQDNs);
    mark(r.toServices);
    for (const f of r.toFQDNs ?? []) peers.push({ kind: 'fqdn', ...f });
    for (const s of r.toServices ?? []) {
      if (s.k8sService) {
        peers.push({
          kind: 'service',
          namespace: s.k8sService.namespace ?? namespace ?? 'default',
          name: s.k8sService.serviceName ?? '',
        });
      } else if (s.k8sServiceSelector) {
        peers.push({
          kind: 'service',
          namespace: s.k8sServiceSelector.namespace ?? namespace ?? 'default',
          selector: Selector.from(s.k8sServiceSelector.selector, 'any'),
        });
      }
    }
  }
  const ports = portsOf(r.toPorts, r.icmps);
  if (!hasL3) {
    // `{}` allows nothing (it only puts the endpoint in default deny); L4-only rules apply to every peer.
    if (ports === null) return undefined;
    peers.push({ kind: 'all' });
  }
  const out: Pick<PolicyRule, 'peers' | 'ports' | 'requires' | 'auth'> = { peers, ports };
  if (requires?.length) out.requires = requires.map((s) => scopePeerSelector(s, namespace));
  if (!deny && r.authentication) out.auth = r.authentication.mode;
  return out;
}

const ANY_PROTOCOLS: L4Protocol[] = ['TCP', 'UDP', 'SCTP'];

function portsOf(toPorts: PortRule[] | undefined, icmps: ICMPRule[] | undefined): PortRuleSpec[] | null {
  const out: PortRuleSpec[] = [];
  for (const [index, pr] of (toPorts ?? []).entries()) {
    const l7: L7Rules | undefined = pr.rules?.http
      ? { type: 'http', http: pr.rules.http, toPorts: index }
      : pr.rules?.dns
        ? { type: 'dns', dns: pr.rules.dns, toPorts: index }
        : pr.rules?.kafka
          ? { type: 'kafka', kafka: pr.rules.kafka, toPorts: index }
          : undefined;
    const ports = pr.ports?.length ? pr.ports : [{}];
    for (const p of ports) {
      const protos: L4Protocol[] =
        !p.protocol || p.protocol === 'ANY' ? ANY_PROTOCOLS : [p.protocol as L4Protocol];
      const raw = p.port ?? '0';
      const numeric = /^\d+$/.test(raw) || /^0[xX][0-9a-fA-F]+$/.test(raw);
      for (const protocol of protos) {
        let spec: PortRuleSpec['port'];
        if (!numeric) spec = { protocol, port: 0, endPort: 0, name: raw.toLowerCase() };
        else {
          const n = Number(raw);
          spec =
            n === 0
              ? { protocol, port: 0, endPort: 65535 }
              : { protocol, port: n, endPort: Math.max(n, p.endPort ?? n) };
        }
        out.push(l7 ? { port: spec, l7 } : { port: spec });
      }
    }
  }
  for (const ic of icmps ?? []) {
    for (const f of ic.fields ?? []) {
      const family = f.family ?? 'IPv4';
      const t = icmpTypeNumber(family, f.type);
      if (t === undefined) continue;
      out.push({ port: { protocol: family === 'IPv6' ? 'ICMPv6' : 'ICMP', port: t, endPort: t } });
    }
  }
  return out.length > 0 ? out : null;
}
