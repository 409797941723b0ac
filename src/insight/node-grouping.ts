// A flow endpoint → its service-map node: workload (or label, or pod) per namespace; world, host, kube-dns and external hosts apart.
import type { Endpoint } from '../flow/flow.js';
import type { GraphNode, Grouping, NodeKind, NodeMatch } from './insight-types.js';

/** Labels that differ between pods of one workload, or that Porin/Cilium derive: not a workload's identity. */
const VOLATILE_KEY =
  /^(pod-template-hash|controller-revision-hash|pod-template-generation|statefulset\.kubernetes\.io\/pod-name|io\.kubernetes\.|io\.cilium\.)/;

/** Well-known application labels, tried in order when a pod has no owning workload. */
const APP_KEYS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'];

/** An ExternalHost object (the embedded cluster's outside world), by the addresses it answers on. */
export interface ExternalRef {
  name: string;
  namespace?: string;
  hostnames: readonly string[];
  addresses: readonly string[];
}

/** ExternalHost objects → address → host. */
export function externalsByAddress(hosts: readonly ExternalRef[]): Map<string, ExternalRef> {
  const m = new Map<string, ExternalRef>();
  for (const h of hosts) for (const a of h.addresses) m.set(a, h);
  return m;
}

export interface NodeKey {
  id: string;
  kind: NodeKind;
  name: string;
  namespace?: string;
  /** For an address block a policy names (a CIDR identity): the block. */
  cidr?: string;
  /** What this endpoint adds to the node's member list (a pod name or an address). */
  member?: string;
  match: NodeMatch;
}

/** `k8s:app=web` → {source, key, value}. */
export function splitLabel(s: string): { source: string; key: string; value: string } {
  const colon = s.indexOf(':');
  const eq = s.indexOf('=', colon + 1);
  const source = colon >= 0 ? s.slice(0, colon) : 'any';
  const key = eq >= 0 ? s.slice(colon + 1, eq) : s.slice(colon + 1);
  return { source, key, value: eq >= 0 ? s.slice(eq + 1) : '' };
}

/** The stable k8s labels of an endpoint, as `key=value`. */
export function stableLabels(labels: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const l of labels ?? []) {
    const { source, key, value } = splitLabel(l);
    if (source !== 'k8s' || VOLATILE_KEY.test(key)) continue;
    out.push(`${key}=${value}`);
  }
  return out.sort();
}

function labelValue(labels: readonly string[] | undefined, key: string): string | undefined {
  for (const l of labels ?? []) {
    const s = splitLabel(l);
    if (s.key === key && (s.source === 'k8s' || s.source === 'any')) return s.value;
  }
  return undefined;
}

const RESERVED_NODES: Record<number, { kind: NodeKind; name: string }> = {
  1: { kind: 'host', name: 'host' },
  2: { kind: 'world', name: 'world' },
  6: { kind: 'remote-node', name: 'remote-node' },
  7: { kind: 'reserved', name: 'kube-apiserver' },
  8: { kind: 'reserved', name: 'ingress' },
  9: { kind: 'world', name: 'world' },
  10: { kind: 'world', name: 'world' },
};

/** The node an endpoint (and, for addresses outside the cluster, its IP) belongs to. */
export function nodeKeyOf(
  ep: Endpoint | undefined,
  ip: string | undefined,
  g: Grouping,
  externals?: ReadonlyMap<string, ExternalRef>,
): NodeKey {
  const identity = ep?.identity ?? 0;
  const labels = ep?.labels;
  const ns = ep?.namespace;
  const pod = ep?.pod_name;
  if (labelValue(labels, 'k8s-app') === 'kube-dns') {
    return {
      id: `${ns ?? 'kube-system'}/kube-dns`,
      kind: 'kube-dns',
      name: 'kube-dns',
      namespace: ns ?? 'kube-system',
      ...(pod ? { member: pod } : {}),
      match: { label: ['k8s:k8s-app=kube-dns'] },
    };
  }
  if (pod && ns) {
    const member = pod;
    const w = ep?.workloads?.[0];
    if (g.by === 'workload' && w?.name) {
      const kind = w.kind ?? 'Workload';
      return {
        id: `${ns}/${kind}/${w.name}`,
        kind: 'workload',
        name: w.name,
        namespace: ns,
        member,
        match: { workload: [{ name: w.name, kind }], pod: [`${ns}/`] },
      };
    }
    const keys = g.by === 'label' ? [g.key] : g.by === 'workload' ? APP_KEYS : [];
    for (const key of keys) {
      const v = labelValue(labels, key);
      if (v === undefined) continue;
      return {
        id: `${ns}/label/${key}=${v}`,
        kind: 'label',
        name: v,
        namespace: ns,
        member,
        match: { label: [`k8s:${key}=${v}`], pod: [`${ns}/`] },
      };
    }
    return {
      id: `${ns}/pod/${pod}`,
      kind: 'pod',
      name: pod,
      namespace: ns,
      member,
      match: { pod: [`${ns}/${pod}`] },
    };
  }
  const host = ip && !pod ? externals?.get(ip) : undefined;
  if (host) {
    return {
      id: `external/${host.namespace ? `${host.namespace}/` : ''}${host.name}`,
      kind: 'external',
      name: host.hostnames[0] ?? host.name,
      member: ip,
      match: { ip: [...host.addresses] },
    };
  }
  const cidr = labels?.find((l) => l.startsWith('cidr:'));
  if (cidr) {
    const prefix = cidr.slice(5);
    return {
      id: `external/${prefix}`,
      kind: 'external',
      name: prefix,
      cidr: prefix,
      ...(ip ? { member: ip, match: { ip: [prefix] } } : { match: { ip: [prefix] } }),
    };
  }
  const reserved = RESERVED_NODES[identity];
  if (reserved) {
    const match: NodeMatch = reserved.kind === 'world' ? { identity: [2, 9, 10] } : { identity: [identity] };
    return {
      id: `reserved/${reserved.name}`,
      kind: reserved.kind,
      name: reserved.name,
      ...(ip ? { member: ip } : {}),
      match,
    };
  }
  if (ip) return { id: `unknown/${ip}`, kind: 'unknown', name: ip, member: ip, match: { ip: [ip] } };
  return {
    id: `identity/${identity}`,
    kind: 'reserved',
    name: `identity ${identity}`,
    match: { identity: [identity] },
  };
}

/** Accumulates the nodes seen while grouping: members and the labels they share. */
export class NodeTable {
  private readonly nodes = new Map<string, { key: NodeKey; members: Set<string>; labels?: Set<string> }>();

  constructor(readonly externals?: ReadonlyMap<string, ExternalRef>) {}

  add(ep: Endpoint | undefined, ip: string | undefined, g: Grouping): string {
    const key = nodeKeyOf(ep, ip, g, this.externals);
    let n = this.nodes.get(key.id);
    if (!n) {
      n = { key, members: new Set() };
      this.nodes.set(key.id, n);
    }
    if (key.member) n.members.add(key.member);
    if (key.kind === 'workload' || key.kind === 'label' || key.kind === 'pod' || key.kind === 'kube-dns') {
      const mine = stableLabels(ep?.labels);
      if (!n.labels) n.labels = new Set(mine);
      else for (const l of n.labels) if (!mine.includes(l)) n.labels.delete(l);
    }
    return key.id;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  list(only?: ReadonlySet<string>): GraphNode[] {
    const out: GraphNode[] = [];
    for (const [id, n] of this.nodes) {
      if (only && !only.has(id)) continue;
      const names = [...n.members].sort();
      out.push({
        id,
        kind: n.key.kind,
        name: n.key.name,
        ...(n.key.namespace ? { namespace: n.key.namespace } : {}),
        members: names.length,
        memberNames: names.slice(0, 20),
        labels: [...(n.labels ?? [])].sort(),
        match: n.key.match,
      });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** Parses `workload`, `pod` or `label:KEY` (the `group` query parameter). */
export function parseGrouping(s: string | null | undefined): Grouping | undefined {
  if (!s || s === 'workload') return { by: 'workload' };
  if (s === 'pod') return { by: 'pod' };
  if (s.startsWith('label:') && s.length > 6) return { by: 'label', key: s.slice(6) };
  return undefined;
}
