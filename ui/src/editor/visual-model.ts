// A policy object as the visual editor draws it: selected pods, and per direction the default-deny state and rules with peers in zones.
import type { Seg } from './yaml-doc.js';

export type Zone = 'namespace' | 'cluster' | 'outside';
export type Dir = 'ingress' | 'egress';

export interface VisualPeer {
  zone: Zone;
  text: string;
  /** Where the peer is in the document (removing it). */
  path: Seg[];
}

export interface VisualRule {
  path: Seg[];
  deny: boolean;
  peers: VisualPeer[];
  /** When the rule names no peer: whom it allows. */
  anyone?: string;
  ports: string[];
}

export interface VisualDirection {
  dir: Dir;
  defaultDeny: boolean;
  /** Why the toggle cannot change (a NetworkPolicy with rules always isolates). */
  locked?: string;
  rules: VisualRule[];
}

export interface VisualPolicy {
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  name: string;
  namespace: string;
  base: Seg[];
  selectorPath: Seg[];
  selector: string[];
  ingress: VisualDirection;
  egress: VisualDirection;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const NS_KEYS = ['k8s:io.kubernetes.pod.namespace', 'io.kubernetes.pod.namespace'];

export function selectorText(sel: unknown, skip: readonly string[] = []): string[] {
  const s = obj(sel);
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj(s.matchLabels)))
    if (!skip.includes(k)) out.push(`${k}=${String(v)}`);
  for (const e of list(s.matchExpressions)) {
    const x = obj(e);
    if (skip.includes(String(x.key))) continue;
    const vals = list(x.values).map(String).join(',');
    out.push(`${String(x.key)} ${String(x.operator)}${vals ? ` (${vals})` : ''}`);
  }
  return out;
}

function knpPorts(ports: unknown): string[] {
  const l = list(ports);
  if (l.length === 0) return ['all ports'];
  return l.map((p) => {
    const x = obj(p);
    const proto = String(x.protocol ?? 'TCP');
    if (x.port === undefined) return `all ${proto}`;
    return `${String(x.port)}${x.endPort ? `-${String(x.endPort)}` : ''}/${proto}`;
  });
}

function knpDirection(spec: Obj, dir: Dir): VisualDirection {
  const rules = list(spec[dir]);
  const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as string[]) : undefined;
  const type = dir === 'ingress' ? 'Ingress' : 'Egress';
  // Kubernetes defaulting: no policyTypes means Ingress, plus Egress when there are egress rules.
  const on = types ? types.includes(type) : dir === 'ingress' || rules.length > 0;
  const peerKey = dir === 'ingress' ? 'from' : 'to';
  const out: VisualDirection = {
    dir,
    defaultDeny: on,
    rules: rules.map((r, i) => {
      const rule = obj(r);
      const path: Seg[] = ['spec', dir, i];
      const peers = list(rule[peerKey]).map((p, j): VisualPeer => {
        const peer = obj(p);
        const pp: Seg[] = [...path, peerKey, j];
        if (peer.ipBlock) {
          const b = obj(peer.ipBlock);
          const except = list(b.except).map(String);
          return {
            zone: 'outside',
            text: `${String(b.cidr)}${except.length ? ` except ${except.join(', ')}` : ''}`,
            path: pp,
          };
        }
        if (peer.namespaceSelector) {
          const ns = selectorText(peer.namespaceSelector);
          const pods = peer.podSelector ? selectorText(peer.podSelector) : [];
          const nsName = obj(obj(peer.namespaceSelector).matchLabels)['kubernetes.io/metadata.name'];
          const nsText = nsName
            ? `namespace ${String(nsName)}`
            : ns.length
              ? `namespaces ${ns.join(', ')}`
              : 'all namespaces';
          return {
            zone: 'cluster',
            text: `${nsText} · ${pods.length ? `pods ${pods.join(', ')}` : 'all pods'}`,
            path: pp,
          };
        }
        const pods = selectorText(peer.podSelector);
        return {
          zone: 'namespace',
          text: pods.length ? `pods ${pods.join(', ')}` : 'all pods of this namespace',
          path: pp,
        };
      });
      const vr: VisualRule = { path, deny: false, peers, ports: knpPorts(rule.ports) };
      if (peers.length === 0)
        vr.anyone = dir === 'ingress' ? 'any source (all namespaces and outside)' : 'any destination';
      return vr;
    }),
  };
  if (on && rules.length > 0)
    out.locked = 'a NetworkPolicy with rules in a direction always isolates it: remove the rules first';
  if (on && types && types.length === 1) out.locked ??= 'a NetworkPolicy isolates at least one direction';
  return out;
}

function ciliumPorts(rule: Obj): string[] {
  const out: string[] = [];
  for (const pr of list(rule.toPorts)) {
    const p = obj(pr);
    const rules = obj(p.rules);
    const l7 = rules.http
      ? ` (HTTP: ${list(rules.http).length} rule${list(rules.http).length === 1 ? '' : 's'})`
      : rules.dns
        ? ' (DNS rules)'
        : rules.kafka
          ? ' (Kafka rules)'
          : '';
    for (const port of list(p.ports)) {
      const x = obj(port);
      out.push(
        `${String(x.port ?? '0')}${x.endPort ? `-${String(x.endPort)}` : ''}/${String(x.protocol ?? 'ANY')}${l7}`,
      );
    }
  }
  for (const ic of list(rule.icmps))
    for (const f of list(obj(ic).fields))
      out.push(`ICMP ${String(obj(f).type)}${obj(f).family === 'IPv6' ? ' (v6)' : ''}`);
  return out.length ? out : ['all ports'];
}

const ENTITY_ZONE: Record<string, Zone> = {
  world: 'outside',
  all: 'outside',
  cluster: 'cluster',
  host: 'cluster',
  'remote-node': 'cluster',
  'kube-apiserver': 'cluster',
  health: 'cluster',
  init: 'cluster',
  ingress: 'cluster',
  unmanaged: 'cluster',
};

function ciliumRule(r: unknown, path: Seg[], from: 'from' | 'to', deny: boolean): VisualRule {
  const rule = obj(r);
  const peers: VisualPeer[] = [];
  list(rule[`${from}Endpoints`]).forEach((e, j) => {
    const sel = obj(e);
    const ns = NS_KEYS.map((k) => obj(sel.matchLabels)[k]).find((v) => v !== undefined);
    const labels = selectorText(sel, NS_KEYS);
    const pp = [...path, `${from}Endpoints`, j];
    if (ns !== undefined)
      peers.push({
        zone: 'cluster',
        text: `namespace ${String(ns)} · ${labels.length ? `pods ${labels.join(', ')}` : 'all pods'}`,
        path: pp,
      });
    else
      peers.push({
        zone: 'namespace',
        text: labels.length ? `pods ${labels.join(', ')}` : 'all pods of this namespace',
        path: pp,
      });
  });
  list(rule[`${from}Entities`]).forEach((e, j) => {
    peers.push({
      zone: ENTITY_ZONE[String(e)] ?? 'cluster',
      text: `entity ${String(e)}`,
      path: [...path, `${from}Entities`, j],
    });
  });
  list(rule[`${from}CIDR`]).forEach((c, j) => {
    peers.push({ zone: 'outside', text: String(c), path: [...path, `${from}CIDR`, j] });
  });
  list(rule[`${from}CIDRSet`]).forEach((c, j) => {
    const x = obj(c);
    const except = list(x.except).map(String);
    peers.push({
      zone: 'outside',
      text: `${String(x.cidr ?? x.cidrGroupRef ?? 'CIDR group')}${except.length ? ` except ${except.join(', ')}` : ''}`,
      path: [...path, `${from}CIDRSet`, j],
    });
  });
  list(rule.toFQDNs).forEach((f, j) => {
    const x = obj(f);
    peers.push({
      zone: 'outside',
      text: `DNS ${String(x.matchName ?? x.matchPattern)}`,
      path: [...path, 'toFQDNs', j],
    });
  });
  list(rule.toServices).forEach((s, j) => {
    const x = obj(obj(s).k8sService);
    peers.push({
      zone: 'cluster',
      text: `service ${x.namespace ? `${String(x.namespace)}/` : ''}${String(x.serviceName ?? 'by selector')}`,
      path: [...path, 'toServices', j],
    });
  });
  const vr: VisualRule = { path, deny, peers, ports: ciliumPorts(rule) };
  if (peers.length === 0)
    vr.anyone =
      Object.keys(rule).length === 0 ? 'nothing (an empty rule only turns on default deny)' : 'any peer';
  return vr;
}

function ciliumDirection(spec: Obj, base: Seg[], dir: Dir): VisualDirection {
  const from = dir === 'ingress' ? 'from' : 'to';
  const allow = list(spec[dir]);
  const deny = list(spec[`${dir}Deny`]);
  const present = spec[dir] !== undefined || spec[`${dir}Deny`] !== undefined;
  const optOut = obj(spec.enableDefaultDeny)[dir] === false;
  return {
    dir,
    defaultDeny: present && !optOut,
    rules: [
      ...allow.map((r, i) => ciliumRule(r, [...base, dir, i], from, false)),
      ...deny.map((r, i) => ciliumRule(r, [...base, `${dir}Deny`, i], from, true)),
    ],
  };
}

/** Undefined when the object is not a policy the visual editor can draw. */
export function visualPolicy(o: unknown): VisualPolicy | undefined {
  const x = obj(o);
  const meta = obj(x.metadata);
  const name = String(meta.name ?? '');
  if (x.kind === 'NetworkPolicy') {
    const spec = obj(x.spec);
    return {
      kind: 'NetworkPolicy',
      name,
      namespace: String(meta.namespace ?? 'default'),
      base: ['spec'],
      selectorPath: ['spec', 'podSelector'],
      selector: selectorText(spec.podSelector),
      ingress: knpDirection(spec, 'ingress'),
      egress: knpDirection(spec, 'egress'),
    };
  }
  if (x.kind === 'CiliumNetworkPolicy' || x.kind === 'CiliumClusterwideNetworkPolicy') {
    const multi = !x.spec && Array.isArray(x.specs);
    const base: Seg[] = multi ? ['specs', 0] : ['spec'];
    const spec = obj(multi ? list(x.specs)[0] : x.spec);
    return {
      kind: x.kind,
      name,
      namespace: x.kind === 'CiliumNetworkPolicy' ? String(meta.namespace ?? 'default') : '',
      base,
      selectorPath: [...base, spec.nodeSelector ? 'nodeSelector' : 'endpointSelector'],
      selector: selectorText(spec.nodeSelector ?? spec.endpointSelector),
      ingress: ciliumDirection(spec, base, 'ingress'),
      egress: ciliumDirection(spec, base, 'egress'),
    };
  }
  return undefined;
}
