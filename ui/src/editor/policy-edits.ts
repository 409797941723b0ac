// What the visual editor's buttons do to the YAML: add and remove peers, default-deny toggles, quick adds, the pod selector.
import type { Document } from 'yaml';
import type { Dir, VisualPolicy, VisualRule, Zone } from './visual-model.js';
import { appendIn, deleteIn, editYaml, getIn, type Seg } from './yaml-doc.js';

export interface NewPeer {
  zone: Zone;
  /** `app=web, tier=db` (pods), for the namespace and cluster zones. */
  labels: string;
  /** The other namespace (cluster zone); empty: every namespace. */
  namespace: string;
  /** A CIDR, or (Cilium egress) a DNS name / pattern, or the entity `world` (outside zone). */
  target: string;
  /** `80/TCP, 53/UDP`; empty: every port. */
  ports: string;
}

export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const t = part.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`"${t}" is not key=value`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

export function parsePorts(s: string): { port?: number; protocol: string }[] {
  const out: { port?: number; protocol: string }[] = [];
  for (const part of s.split(',')) {
    const t = part.trim();
    if (!t) continue;
    const m = /^(\d{1,5})?(?:\/(tcp|udp|sctp))?$/i.exec(t) ?? /^(?:(\d{1,5})\/)?(tcp|udp|sctp)$/i.exec(t);
    if (!m || (m[1] === undefined && m[2] === undefined))
      throw new Error(`"${t}" is not PORT[/PROTOCOL] (e.g. 80/TCP)`);
    out.push({
      ...(m[1] !== undefined ? { port: Number(m[1]) } : {}),
      protocol: (m[2] ?? 'TCP').toUpperCase(),
    });
  }
  return out;
}

const KNP_NS = 'kubernetes.io/metadata.name';
const CNP_NS = 'k8s:io.kubernetes.pod.namespace';

function knpRule(dir: Dir, p: NewPeer): Record<string, unknown> {
  const peerKey = dir === 'ingress' ? 'from' : 'to';
  const labels = parseLabels(p.labels);
  const pods = Object.keys(labels).length ? { matchLabels: labels } : {};
  let peer: Record<string, unknown>;
  if (p.zone === 'outside') {
    if (!p.target.includes('/'))
      throw new Error('an outside peer of a NetworkPolicy is a CIDR (ipBlock), e.g. 203.0.113.0/24');
    peer = { ipBlock: { cidr: p.target.trim() } };
  } else if (p.zone === 'cluster') {
    peer = {
      namespaceSelector: p.namespace.trim() ? { matchLabels: { [KNP_NS]: p.namespace.trim() } } : {},
      podSelector: pods,
    };
  } else peer = { podSelector: pods };
  const ports = parsePorts(p.ports);
  return { [peerKey]: [peer], ...(ports.length ? { ports } : {}) };
}

function cnpRule(dir: Dir, p: NewPeer): Record<string, unknown> {
  const from = dir === 'ingress' ? 'from' : 'to';
  const labels = parseLabels(p.labels);
  const rule: Record<string, unknown> = {};
  if (p.zone === 'outside') {
    const t = p.target.trim();
    if (t === 'world' || t === '') rule[`${from}Entities`] = ['world'];
    else if (t.includes('/')) rule[`${from}CIDR`] = [t];
    else if (dir === 'egress') rule.toFQDNs = [t.includes('*') ? { matchPattern: t } : { matchName: t }];
    else throw new Error('an outside source is a CIDR or the entity "world" (DNS names are for egress)');
  } else if (p.zone === 'cluster') {
    if (p.namespace.trim())
      rule[`${from}Endpoints`] = [{ matchLabels: { ...labels, [CNP_NS]: p.namespace.trim() } }];
    else if (Object.keys(labels).length)
      rule[`${from}Endpoints`] = [
        { matchExpressions: [{ key: CNP_NS, operator: 'Exists' }], matchLabels: labels },
      ];
    else rule[`${from}Entities`] = ['cluster'];
  } else rule[`${from}Endpoints`] = [Object.keys(labels).length ? { matchLabels: labels } : {}];
  const ports = parsePorts(p.ports);
  if (ports.length)
    rule.toPorts = [{ ports: ports.map((x) => ({ port: String(x.port ?? 0), protocol: x.protocol })) }];
  return rule;
}

function ensureKnpType(doc: Document.Parsed, dir: Dir): void {
  const types = getIn(doc, ['spec', 'policyTypes']);
  const type = dir === 'ingress' ? 'Ingress' : 'Egress';
  if (Array.isArray(types) && !types.includes(type)) appendIn(doc, ['spec', 'policyTypes'], type);
}

export function addRule(text: string, v: VisualPolicy, dir: Dir, rule: Record<string, unknown>): string {
  return editYaml(text, (doc) => {
    if (v.kind === 'NetworkPolicy') ensureKnpType(doc, dir);
    else {
      // An empty rule only turned default deny on: the new rule replaces it.
      const cur = getIn(doc, [...v.base, dir]);
      if (Array.isArray(cur) && cur.length === 1 && JSON.stringify(cur[0]) === '{}')
        deleteIn(doc, [...v.base, dir]);
    }
    appendIn(doc, [...v.base, dir], rule);
  });
}

export function addPeer(text: string, v: VisualPolicy, dir: Dir, p: NewPeer): string {
  return addRule(text, v, dir, v.kind === 'NetworkPolicy' ? knpRule(dir, p) : cnpRule(dir, p));
}

/** Removes a peer; a rule left without peers goes too (an empty peer list would allow everyone). */
export function removePeer(text: string, rule: VisualRule, peerPath: Seg[]): string {
  return editYaml(text, (doc) => {
    if (rule.peers.length <= 1) deleteIn(doc, rule.path);
    else {
      deleteIn(doc, peerPath);
      const parent = peerPath.slice(0, -1);
      const left = getIn(doc, parent);
      if (Array.isArray(left) && left.length === 0) deleteIn(doc, parent);
    }
  });
}

export function removeRule(text: string, rule: VisualRule): string {
  return editYaml(text, (doc) => deleteIn(doc, rule.path));
}

export function setDefaultDeny(text: string, v: VisualPolicy, dir: Dir, on: boolean): string {
  return editYaml(text, (doc) => {
    if (v.kind === 'NetworkPolicy') {
      const type = dir === 'ingress' ? 'Ingress' : 'Egress';
      const cur = getIn(doc, ['spec', 'policyTypes']);
      const types = Array.isArray(cur)
        ? (cur as string[])
        : ['Ingress', ...(v.egress.rules.length > 0 ? ['Egress'] : [])];
      const next = on ? [...new Set([...types, type])] : types.filter((t) => t !== type);
      doc.setIn(
        ['spec', 'policyTypes'],
        doc.createNode(['Ingress', 'Egress'].filter((t) => next.includes(t))),
      );
      if (!on) deleteIn(doc, ['spec', dir]);
      return;
    }
    const rules = getIn(doc, [...v.base, dir]);
    const deny = getIn(doc, [...v.base, `${dir}Deny`]);
    if (on) {
      deleteIn(doc, [...v.base, 'enableDefaultDeny', dir]);
      const edd = getIn(doc, [...v.base, 'enableDefaultDeny']);
      if (edd && typeof edd === 'object' && Object.keys(edd).length === 0)
        deleteIn(doc, [...v.base, 'enableDefaultDeny']);
      if (rules === undefined && deny === undefined) doc.setIn([...v.base, dir], doc.createNode([{}]));
    } else if (
      Array.isArray(rules) &&
      rules.length === 1 &&
      JSON.stringify(rules[0]) === '{}' &&
      deny === undefined
    ) {
      deleteIn(doc, [...v.base, dir]);
    } else doc.setIn([...v.base, 'enableDefaultDeny', dir], false);
  });
}

export function allowKubeDns(text: string, v: VisualPolicy): string {
  const rule =
    v.kind === 'NetworkPolicy'
      ? {
          to: [
            {
              namespaceSelector: { matchLabels: { [KNP_NS]: 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        }
      : {
          toEndpoints: [{ matchLabels: { [CNP_NS]: 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
          toPorts: [
            {
              ports: [
                { port: '53', protocol: 'UDP' },
                { port: '53', protocol: 'TCP' },
              ],
            },
          ],
        };
  return addRule(text, v, 'egress', rule);
}

export function allowSameNamespace(text: string, v: VisualPolicy): string {
  return addRule(
    text,
    v,
    'ingress',
    v.kind === 'NetworkPolicy' ? { from: [{ podSelector: {} }] } : { fromEndpoints: [{}] },
  );
}

export function setSelector(text: string, v: VisualPolicy, labels: string): string {
  const ml = parseLabels(labels);
  return editYaml(text, (doc) => {
    doc.setIn(v.selectorPath, doc.createNode(Object.keys(ml).length ? { matchLabels: ml } : {}));
  });
}
