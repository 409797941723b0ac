// Kubernetes NetworkPolicy → normalized rules, with upstream semantics (ipBlock matches pod IPs too).
import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL, type Requirement, Selector } from '../labels/index.js';
import { type Prefix, parsePrefix } from '../net/cidr.js';
import type {
  LabelSelector,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from '../resources/index.js';
import type { Direction, Peer, PolicyRef, PolicyRule, PolicyRuleSet, PortRuleSpec } from './rule.js';

export function namespacePin(namespace: string): Requirement {
  return { source: 'k8s', key: POD_NAMESPACE_LABEL, operator: 'In', values: [namespace] };
}

export const ANY_NAMESPACE: Requirement = {
  source: 'k8s',
  key: POD_NAMESPACE_LABEL,
  operator: 'Exists',
  values: [],
};

/** A namespaceSelector as requirements on the `io.cilium.k8s.namespace.labels.*` labels of pods. */
export function namespaceSelectorRequirements(sel: LabelSelector): Requirement[] {
  return Selector.from(sel, 'k8s').requirements.map((r) => ({ ...r, key: NAMESPACE_LABELS_PREFIX + r.key }));
}

function peerOf(p: NetworkPolicyPeer, namespace: string): Peer {
  if (p.ipBlock) {
    const prefix = mustPrefix(p.ipBlock.cidr);
    return { kind: 'cidr', prefix, except: (p.ipBlock.except ?? []).map(mustPrefix), matchesPods: true };
  }
  const pods = Selector.from(p.podSelector, 'k8s');
  if (p.namespaceSelector) {
    // Only pods: ANY_NAMESPACE keeps host/world out even when a NotIn would match their missing labels.
    return {
      kind: 'selector',
      selector: pods.and(ANY_NAMESPACE, ...namespaceSelectorRequirements(p.namespaceSelector)),
    };
  }
  return { kind: 'selector', selector: pods.and(namespacePin(namespace)) };
}

function portsOf(ports: NetworkPolicyPort[] | undefined): PortRuleSpec[] | null {
  if (!ports || ports.length === 0) return null;
  return ports.map((p) => {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) return { port: { protocol, port: 0, endPort: 65535 } };
    if (typeof p.port === 'string') return { port: { protocol, port: 0, endPort: 0, name: p.port } };
    return { port: { protocol, port: p.port, endPort: p.endPort ?? p.port } };
  });
}

export function translateNetworkPolicy(np: NetworkPolicy): PolicyRuleSet {
  const namespace = np.metadata.namespace ?? 'default';
  const policy: PolicyRef = { kind: 'NetworkPolicy', namespace, name: np.metadata.name };
  const subject = {
    kind: 'endpoints' as const,
    selector: Selector.from(np.spec.podSelector, 'k8s').and(namespacePin(namespace)),
  };
  const types = np.spec.policyTypes ?? (np.spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']);
  const rules: PolicyRule[] = [];
  let usesEgressNamedPorts = false;
  const add = (
    direction: Direction,
    i: number,
    peers: NetworkPolicyPeer[] | undefined,
    ports: NetworkPolicyPort[] | undefined,
  ) => {
    const section = direction;
    rules.push({
      origin: { ...policy, section, rule: i },
      subject,
      direction,
      deny: false,
      peers: peers && peers.length > 0 ? peers.map((p) => peerOf(p, namespace)) : [{ kind: 'all' }],
      ports: portsOf(ports),
    });
    if (direction === 'egress' && ports?.some((p) => typeof p.port === 'string')) usesEgressNamedPorts = true;
  };
  if (types.includes('Ingress'))
    for (const [i, r] of (np.spec.ingress ?? []).entries()) add('ingress', i, r.from, r.ports);
  if (types.includes('Egress'))
    for (const [i, r] of (np.spec.egress ?? []).entries()) add('egress', i, r.to, r.ports);
  const defaults = (['Ingress', 'Egress'] as const)
    .filter((t) => types.includes(t))
    .map((t) => ({ policy, subject, direction: t.toLowerCase() as Direction, enabled: true }));
  return { policy, rules, defaults, usesEgressNamedPorts };
}

export function mustPrefix(s: string): Prefix {
  const r = parsePrefix(s.includes('/') ? s : s.includes(':') ? `${s}/128` : `${s}/32`);
  if (!r.ok) throw new Error(`invalid CIDR "${s}": ${r.error}`);
  return r.value;
}
