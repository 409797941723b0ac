// Generate from traffic: the least-privilege NetworkPolicy or CiliumNetworkPolicy that allows exactly a workload's observed connections.
//
// Peers are the map's nodes (workloads by their Deployment's selector, else the labels their pods
// share); each peer gets exactly the ports it used; peers with the same ports share a rule. Only
// connections that were allowed are kept, unless asked otherwise.
import { stringify } from 'yaml';
import type { FlowTuple } from '../flow/flow-aggregate.js';
import { formatTimeNs } from '../flow/flow-time.js';
import type { Deployment } from '../resources/index.js';
import { foldConnections } from './impact.js';
import type { GenerateResponse } from './insight-types.js';
import {
  type ExternalRef,
  type NodeKey,
  NodeTable,
  nodeKeyOf,
  splitLabel,
  stableLabels,
} from './node-grouping.js';

export interface GenerateInput {
  tuples: readonly FlowTuple[];
  /** The map node (workload grouping) to write the policy for: `default/Deployment/deathstar`. */
  target: string;
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy';
  directions?: readonly ('ingress' | 'egress')[];
  includeDropped?: boolean;
  deployments: readonly Deployment[];
  name?: string;
  /** ExternalHost objects by address: a peer there is written as its addresses. */
  externals?: ReadonlyMap<string, ExternalRef>;
}

type Labels = Record<string, string>;

interface Peer {
  key: NodeKey;
  /** Pod labels shared by every member seen (for selectors when there is no Deployment). */
  labels?: Set<string>;
  ips: Set<string>;
  ports: Set<string>;
}

const NS_LABEL = 'kubernetes.io/metadata.name';
const CILIUM_NS = 'k8s:io.kubernetes.pod.namespace';

function toLabels(list: Iterable<string>): Labels {
  const out: Labels = {};
  for (const kv of list) {
    const { key, value } = splitLabel(`k8s:${kv}`);
    out[key] = value;
  }
  return out;
}

function dnsName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (n || 'workload').slice(0, 50);
}

function portOf(spec: string): { port: number; protocol: string } {
  const [p, proto] = spec.split('/');
  return { port: Number(p), protocol: proto ?? 'TCP' };
}

export function generatePolicy(input: GenerateInput): GenerateResponse {
  const grouping = { by: 'workload' } as const;
  const nodes = new NodeTable(input.externals);
  const conns = foldConnections(input.tuples, grouping, nodes);
  const directions = input.directions ?? ['ingress', 'egress'];
  const notes: string[] = [];
  const peers = { ingress: new Map<string, Peer>(), egress: new Map<string, Peer>() };
  let targetKey: NodeKey | undefined;
  const targetLabels = new Set<string>();
  let firstLabels = true;
  let used = 0;
  let t0: bigint | undefined;
  let t1: bigint | undefined;
  const note = (ep: FlowTuple['source']) => {
    const mine = stableLabels(ep?.labels);
    if (firstLabels) for (const l of mine) targetLabels.add(l);
    else for (const l of targetLabels) if (!mine.includes(l)) targetLabels.delete(l);
    firstLabels = false;
  };
  for (const c of conns) {
    if (c.dropped && !input.includeDropped) continue;
    const t = c.sample;
    const sides: ['ingress' | 'egress', FlowTuple['source'], string | undefined, FlowTuple['source']][] = [];
    if (c.target === input.target && directions.includes('ingress'))
      sides.push(['ingress', t.source, t.sourceIp, t.destination]);
    if (c.source === input.target && directions.includes('egress'))
      sides.push(['egress', t.destination, t.destinationIp, t.source]);
    for (const [dir, peerEp, peerIp, self] of sides) {
      if (c.source === c.target) continue;
      targetKey ??= nodeKeyOf(self, undefined, grouping);
      note(self);
      const key = nodeKeyOf(peerEp, peerIp, grouping, input.externals);
      let p = peers[dir].get(key.id);
      if (!p) {
        p = { key, ips: new Set(), ports: new Set() };
        peers[dir].set(key.id, p);
      }
      const mine = stableLabels(peerEp?.labels);
      if (!p.labels) p.labels = new Set(mine);
      else for (const l of p.labels) if (!mine.includes(l)) p.labels.delete(l);
      if (peerIp) p.ips.add(peerIp);
      p.ports.add(`${t.port}/${t.l4 ?? 'ANY'}`);
      used += Math.max(...c.counts.values());
      if (t0 === undefined || t.firstNs < t0) t0 = t.firstNs;
      if (t1 === undefined || t.lastNs > t1) t1 = t.lastNs;
    }
  }
  const ns = targetKey?.namespace ?? input.target.split('/')[0] ?? 'default';
  const subject = selectorFor(targetKey, targetLabels, input.deployments) ?? {};
  if (!targetKey)
    notes.push(`no recorded connection of ${input.target} in this time window: the policy allows nothing`);
  const name =
    input.name ?? `${dnsName(targetKey?.name ?? input.target.split('/').pop() ?? 'workload')}-from-traffic`;
  const policy =
    input.kind === 'NetworkPolicy'
      ? networkPolicy(name, ns, subject, peers, directions, input.deployments, notes)
      : ciliumPolicy(name, ns, subject, peers, directions, input.deployments, notes);
  if (t0 !== undefined && t1 !== undefined)
    notes.unshift(
      `built from ${used} recorded connection(s) of ${input.target} between ${formatTimeNs(t0)} and ${formatTimeNs(t1)}: ` +
        `${peers.ingress.size} ingress peer(s), ${peers.egress.size} egress peer(s)`,
    );
  return { policy, yaml: stringify(policy), notes, flows: used };
}

function selectorFor(
  key: NodeKey | undefined,
  shared: Set<string> | undefined,
  deployments: readonly Deployment[],
): Labels | undefined {
  if (!key) return undefined;
  if (key.kind === 'workload') {
    const d = deployments.find(
      (x) => x.metadata.name === key.name && (x.metadata.namespace ?? 'default') === key.namespace,
    );
    if (d?.spec.selector.matchLabels && !d.spec.selector.matchExpressions?.length)
      return { ...d.spec.selector.matchLabels };
  }
  if (key.kind === 'label') {
    const [k, v] = key.id.split('/label/')[1]!.split('=') as [string, string];
    return { [k]: v };
  }
  if (key.kind === 'kube-dns') return { 'k8s-app': 'kube-dns' };
  return shared && shared.size > 0 ? toLabels(shared) : undefined;
}

function groupByPorts(list: Peer[]): Map<string, Peer[]> {
  const out = new Map<string, Peer[]>();
  for (const p of list) {
    const k = [...p.ports].sort().join(',');
    const g = out.get(k);
    if (g) g.push(p);
    else out.set(k, [p]);
  }
  return out;
}

type Dir = 'ingress' | 'egress';

function networkPolicy(
  name: string,
  ns: string,
  subject: Labels,
  peers: Record<Dir, Map<string, Peer>>,
  directions: readonly Dir[],
  deployments: readonly Deployment[],
  notes: string[],
): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    podSelector: Object.keys(subject).length ? { matchLabels: subject } : {},
  };
  const types: string[] = [];
  for (const dir of directions) {
    types.push(dir === 'ingress' ? 'Ingress' : 'Egress');
    const rules: Record<string, unknown>[] = [];
    const usable = [...peers[dir].values()].filter((p) => {
      if (p.key.kind === 'host' && dir === 'ingress') {
        notes.push('ingress from the node (host) is always allowed (allow-localhost): no rule needed');
        return false;
      }
      if ([...p.ports].some((x) => x.endsWith('/ICMPv4') || x.endsWith('/ICMPv6'))) {
        notes.push(`ICMP with ${p.key.name} cannot be written in a NetworkPolicy: use a CiliumNetworkPolicy`);
        p.ports = new Set([...p.ports].filter((x) => !x.includes('/ICMP')));
      }
      return p.ports.size > 0;
    });
    for (const [, group] of groupByPorts(usable)) {
      const peerList = group.flatMap((p) => knpPeers(p, ns, deployments));
      const ports = [...group[0]!.ports].sort().map((x) => {
        const { port, protocol } = portOf(x);
        return protocol === 'ANY' ? {} : port ? { protocol, port } : { protocol };
      });
      rules.push({ [dir === 'ingress' ? 'from' : 'to']: peerList, ports });
    }
    spec[dir] = rules;
  }
  spec.policyTypes = types;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec,
  };
}

function knpPeers(p: Peer, ns: string, deployments: readonly Deployment[]): Record<string, unknown>[] {
  const k = p.key;
  if (
    k.kind === 'world' ||
    k.kind === 'unknown' ||
    k.kind === 'host' ||
    k.kind === 'remote-node' ||
    k.kind === 'reserved'
  )
    return [...p.ips]
      .sort()
      .map((ip) => ({ ipBlock: { cidr: ip.includes(':') ? `${ip}/128` : `${ip}/32` } }));
  if (k.kind === 'external' && k.cidr) return [{ ipBlock: { cidr: k.cidr } }];
  if (k.kind === 'external')
    return [...p.ips]
      .sort()
      .map((ip) => ({ ipBlock: { cidr: ip.includes(':') ? `${ip}/128` : `${ip}/32` } }));
  const sel = selectorFor(k, p.labels, deployments) ?? {};
  const podSelector = Object.keys(sel).length ? { matchLabels: sel } : {};
  if ((k.namespace ?? ns) === ns) return [{ podSelector }];
  return [{ namespaceSelector: { matchLabels: { [NS_LABEL]: k.namespace } }, podSelector }];
}

function ciliumPolicy(
  name: string,
  ns: string,
  subject: Labels,
  peers: Record<Dir, Map<string, Peer>>,
  directions: readonly Dir[],
  deployments: readonly Deployment[],
  _notes: string[],
): Record<string, unknown> {
  const spec: Record<string, unknown> = { endpointSelector: { matchLabels: subject } };
  for (const dir of directions) {
    const from = dir === 'ingress' ? 'from' : 'to';
    const rules: Record<string, unknown>[] = [];
    // A Cilium rule holds one kind of L3 peer: endpoints, entities and CIDRs get rules of their own.
    const byType = new Map<string, Peer[]>();
    for (const p of peers[dir].values()) {
      const t =
        p.key.kind === 'host' || p.key.kind === 'remote-node'
          ? 'Entities'
          : p.key.kind === 'world' || p.key.kind === 'external' || p.key.kind === 'unknown'
            ? 'CIDR'
            : 'Endpoints';
      const g = byType.get(t);
      if (g) g.push(p);
      else byType.set(t, [p]);
    }
    for (const [type, list] of byType) {
      for (const [, group] of groupByPorts(list)) {
        const rule: Record<string, unknown> = {};
        if (type === 'Entities') rule[`${from}Entities`] = [...new Set(group.map((p) => p.key.name))];
        else if (type === 'CIDR')
          rule[`${from}CIDR`] = [
            ...new Set(
              group.flatMap((p) =>
                p.key.cidr
                  ? [p.key.cidr]
                  : [...p.ips].map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`)),
              ),
            ),
          ].sort();
        else
          rule[`${from}Endpoints`] = group.map((p) => {
            const sel = selectorFor(p.key, p.labels, deployments) ?? {};
            const ml: Labels = { ...sel };
            if ((p.key.namespace ?? ns) !== ns) ml[CILIUM_NS] = p.key.namespace!;
            return { matchLabels: ml };
          });
        const ports = [...group[0]!.ports].sort();
        const icmp = ports.filter((x) => x.includes('/ICMP'));
        const l4 = ports.filter((x) => !x.includes('/ICMP') && !x.endsWith('/ANY'));
        if (l4.length)
          rule.toPorts = [
            { ports: l4.map((x) => ({ port: String(portOf(x).port), protocol: portOf(x).protocol })) },
          ];
        rules.push(rule);
        if (icmp.length) {
          const { toPorts: _, ...rest } = rule;
          rules.push({
            ...rest,
            icmps: [
              {
                fields: icmp.map((x) => ({
                  type: portOf(x).port,
                  family: x.endsWith('v6') ? 'IPv6' : 'IPv4',
                })),
              },
            ],
          });
          if (!l4.length) rules.splice(rules.indexOf(rule), 1);
        }
      }
    }
    spec[dir] = rules.length ? rules : [{}];
  }
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: ns }, spec };
}
