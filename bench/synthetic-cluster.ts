// A deterministic synthetic cluster for benchmarks: namespaces, nodes, pods with shared label sets, and a policy mix.
//
// Shape (full size): 100 namespaces × 50 label sets (app/tier/team/version) = 5,000 identities;
// 50,000 pods (10 per label set) placed at random on 200 nodes, 250 pods each; 2,000 policies, 55 %
// KNP, 40 % CNP, 5 % CCNP, mixing L3 selectors, L4 ports (numeric and named), L7 HTTP rules, deny
// rules, CIDR rules and entities. Most policies select one app (or tier) in one namespace; a few
// peers are broad (every prod/staging namespace, the `cluster` entity); ten clusterwide baselines
// cover a tier or every pod. Everything comes from one seeded PRNG, so runs are comparable.
import type {
  CiliumNetworkPolicy,
  CiliumRule,
  EgressRule,
  IngressCommon,
  IngressRule,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Node,
  Pod,
} from '../src/resources/types/index.js';

export interface ClusterSize {
  namespaces: number;
  /** Distinct pod label sets per namespace (identities = namespaces × this). */
  labelSetsPerNamespace: number;
  nodes: number;
  podsPerNode: number;
  policies: number;
}

export const FULL_SIZE: ClusterSize = {
  namespaces: 100,
  labelSetsPerNamespace: 50,
  nodes: 200,
  podsPerNode: 250,
  policies: 2000,
};
export const QUICK_SIZE: ClusterSize = {
  namespaces: 10,
  labelSetsPerNamespace: 50,
  nodes: 20,
  podsPerNode: 250,
  policies: 200,
};

export const LOCAL_NODE = 'node-000';

const TIERS = ['web', 'api', 'db', 'cache'] as const;
const TEAMS = ['red', 'blue', 'green', 'gold', 'teal', 'plum', 'rose', 'jade', 'ruby', 'onyx'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;
const APPS_PER_NAMESPACE = 25;

/** mulberry32: small, fast, good enough to spread pods and shape policies reproducibly. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const nsName = (i: number) => `ns-${String(i).padStart(3, '0')}`;
const nodeName = (i: number) => `node-${String(i).padStart(3, '0')}`;
const appName = (i: number) => `app-${String(i).padStart(2, '0')}`;

/** The pod labels of label set `j` in namespace `ns`: 25 apps × 2 versions, tier by app, team by namespace. */
export interface PodLabels {
  [key: string]: string;
  app: string;
  tier: string;
  team: string;
  version: string;
}

export function podLabels(ns: number, j: number): PodLabels {
  const app = j % APPS_PER_NAMESPACE;
  return {
    app: appName(app),
    tier: TIERS[app % TIERS.length]!,
    team: TEAMS[ns % TEAMS.length]!,
    version: `v${1 + Math.floor(j / APPS_PER_NAMESPACE)}`,
  };
}

export function namespaces(size: ClusterSize): Namespace[] {
  return Array.from({ length: size.namespaces }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: nsName(i),
      labels: {
        'kubernetes.io/metadata.name': nsName(i),
        team: TEAMS[i % TEAMS.length]!,
        env: ENVS[i % ENVS.length]!,
      },
    },
  }));
}

export function nodes(size: ClusterSize): Node[] {
  return Array.from({ length: size.nodes }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName(i), labels: { 'kubernetes.io/hostname': nodeName(i), zone: `zone-${i % 3}` } },
    spec: { podCIDR: `10.${64 + (i >> 8)}.${i & 255}.0/24` },
    status: { addresses: [{ type: 'InternalIP', address: `172.16.${i >> 8}.${(i & 255) + 1}` }] },
  }));
}

/**
 * Every pod, generated one at a time (the caller need not hold 50,000 objects). Pods are spread over
 * the namespaces evenly and over the nodes by a seeded shuffle, `podsPerNode` on each.
 */
export function* pods(size: ClusterSize, seed = 1): Generator<Pod> {
  const total = size.nodes * size.podsPerNode;
  const placement = new Uint16Array(total);
  for (let i = 0; i < total; i++) placement[i] = Math.floor(i / size.podsPerNode);
  const rng = new Rng(seed);
  for (let i = total - 1; i > 0; i--) {
    const k = rng.int(i + 1);
    const t = placement[i]!;
    placement[i] = placement[k]!;
    placement[k] = t;
  }
  const slot = new Uint16Array(size.nodes);
  const perNamespace = Math.ceil(total / size.namespaces);
  for (let i = 0; i < total; i++) {
    const ns = Math.floor(i / perNamespace);
    const j = i % size.labelSetsPerNamespace;
    const node = placement[i]!;
    const host = ++slot[node]!;
    const labels = podLabels(ns, j);
    const ip = `10.${64 + (node >> 8)}.${node & 255}.${host}`;
    yield {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${labels.app}-${labels.version}-${i}`, namespace: nsName(ns), labels },
      spec: {
        nodeName: nodeName(node),
        containers: [
          {
            name: 'main',
            ports: [
              { name: 'http', containerPort: 8080, protocol: 'TCP' },
              { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
              ...(labels.tier === 'db'
                ? [{ name: 'sql', containerPort: 5432, protocol: 'TCP' as const }]
                : []),
            ],
          },
        ],
      },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
    };
  }
}

// ---- policies ------------------------------------------------------------------------------------

/** External CIDRs the policies allow or deny (each a CIDR identity once a policy names it). */
function externalCidr(rng: Rng): string {
  return rng.chance(0.5) ? `203.0.${rng.int(64)}.0/24` : `198.${18 + rng.int(2)}.${rng.int(32) * 8}.0/21`;
}

function appSelector(rng: Rng, size: ClusterSize): Record<string, string> {
  const j = rng.int(size.labelSetsPerNamespace);
  const l = podLabels(0, j);
  return rng.chance(0.7)
    ? { app: l.app }
    : rng.chance(0.5)
      ? { tier: l.tier }
      : { app: l.app, version: l.version };
}

function knpPort(rng: Rng): NetworkPolicyPort {
  const r = rng.int(4);
  if (r === 0) return { protocol: 'TCP', port: 'http' };
  if (r === 1) return { protocol: 'TCP', port: 8080 };
  if (r === 2) return { protocol: 'TCP', port: 9000, endPort: 9100 };
  return { protocol: 'TCP', port: 5432 };
}

function knp(rng: Rng, size: ClusterSize, name: string): NetworkPolicy {
  const namespace = nsName(rng.int(size.namespaces));
  const peer = (): NetworkPolicyPeer => {
    const r = rng.int(4);
    if (r === 0) return { podSelector: { matchLabels: appSelector(rng, size) } };
    if (r === 1)
      return {
        namespaceSelector: { matchLabels: { team: rng.pick(TEAMS) } },
        podSelector: { matchLabels: appSelector(rng, size) },
      };
    if (r === 2)
      return {
        namespaceSelector: {
          matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }],
        },
      };
    return { ipBlock: { cidr: externalCidr(rng) } };
  };
  const spec: NetworkPolicy['spec'] = {
    podSelector: { matchLabels: appSelector(rng, size) },
    policyTypes: ['Ingress'],
  };
  spec.ingress = Array.from({ length: 1 + rng.int(2) }, () => ({
    from: [peer(), ...(rng.chance(0.3) ? [peer()] : [])],
    ports: [knpPort(rng)],
  }));
  if (rng.chance(0.4)) {
    spec.policyTypes = ['Ingress', 'Egress'];
    spec.egress = [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': nsName(0) } } }],
        ports: [{ protocol: 'UDP', port: 53 }],
      },
      { to: [peer()], ports: [knpPort(rng)] },
      ...(rng.chance(0.5)
        ? [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12'] } }] }]
        : []),
    ];
  }
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function ciliumIngress(rng: Rng, size: ClusterSize, clusterwide: boolean): IngressRule {
  const r = rng.int(5);
  const ports = [{ port: rng.pick(['8080', '9090', '5432', 'http']), protocol: 'TCP' as const }];
  if (r === 0) {
    // L7: HTTP rules on the app port.
    return {
      fromEndpoints: [{ matchLabels: appSelector(rng, size) }],
      toPorts: [
        {
          ports: [{ port: '8080', protocol: 'TCP' }],
          rules: {
            http: [
              { method: 'GET', path: '/api/v1/.*' },
              { method: 'POST', path: '/api/v1/orders' },
            ],
          },
        },
      ],
    };
  }
  if (r === 1) return { fromEntities: [rng.pick(['cluster', 'host', 'remote-node'] as const)] };
  if (r === 2) return { fromCIDRSet: [{ cidr: externalCidr(rng) }], toPorts: [{ ports }] };
  if (r === 3 && clusterwide) {
    return {
      fromEndpoints: [
        {
          matchLabels: {
            ...appSelector(rng, size),
            'k8s:io.kubernetes.pod.namespace': nsName(rng.int(size.namespaces)),
          },
        },
      ],
      toPorts: [{ ports }],
    };
  }
  return { fromEndpoints: [{ matchLabels: appSelector(rng, size) }], toPorts: [{ ports }] };
}

function ciliumEgress(rng: Rng, size: ClusterSize): EgressRule {
  const r = rng.int(4);
  if (r === 0) return { toEntities: ['world'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] };
  if (r === 1) return { toCIDRSet: [{ cidr: externalCidr(rng) }] };
  if (r === 2) {
    return {
      toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': nsName(0) } }],
      toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }],
    };
  }
  return {
    toEndpoints: [{ matchLabels: appSelector(rng, size) }],
    toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
  };
}

function ciliumDeny(rng: Rng): IngressCommon {
  return rng.chance(0.5)
    ? { fromEntities: ['world'] }
    : { fromCIDRSet: [{ cidr: externalCidr(rng) }], toPorts: [{ ports: [{ port: '22', protocol: 'TCP' }] }] };
}

function cnp(rng: Rng, size: ClusterSize, name: string): CiliumNetworkPolicy {
  const spec: CiliumRule = { endpointSelector: { matchLabels: appSelector(rng, size) } };
  spec.ingress = Array.from({ length: 1 + rng.int(2) }, () => ciliumIngress(rng, size, false));
  if (rng.chance(0.5)) spec.egress = Array.from({ length: 1 + rng.int(2) }, () => ciliumEgress(rng, size));
  if (rng.chance(0.25)) spec.ingressDeny = [ciliumDeny(rng)];
  if (rng.chance(0.1)) spec.egressDeny = [{ toCIDRSet: [{ cidr: externalCidr(rng) }] }];
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name, namespace: nsName(rng.int(size.namespaces)) },
    spec,
  };
}

/**
 * Clusterwide policies: one in ten is a baseline over a whole tier or every pod (host and remote-node
 * in, world denied, default deny left off); the rest target one app in one namespace.
 */
function ccnp(rng: Rng, size: ClusterSize, name: string): CiliumNetworkPolicy {
  let spec: CiliumRule;
  if (rng.chance(0.1)) {
    spec = {
      endpointSelector: rng.chance(0.5) ? {} : { matchLabels: { tier: rng.pick(TIERS) } },
      ingress: [{ fromEntities: ['host', 'remote-node'] }],
      ingressDeny: [ciliumDeny(rng)],
      egress: [
        {
          toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': nsName(0) } }],
          toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }],
        },
      ],
      enableDefaultDeny: { ingress: false, egress: false },
    };
  } else {
    const ns = { 'k8s:io.kubernetes.pod.namespace': nsName(rng.int(size.namespaces)) };
    spec = { endpointSelector: { matchLabels: { ...appSelector(rng, size), ...ns } } };
    spec.ingress = Array.from({ length: 1 + rng.int(2) }, () => ciliumIngress(rng, size, true));
    if (rng.chance(0.5)) spec.egress = [ciliumEgress(rng, size)];
    if (rng.chance(0.25)) spec.ingressDeny = [ciliumDeny(rng)];
  }
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}

/** `count` policies named `<prefix>-<n>`: 55 % KNP, 40 % CNP, 5 % CCNP. */
export function policies(
  size: ClusterSize,
  count: number,
  seed: number,
  prefix = 'pol',
): (NetworkPolicy | CiliumNetworkPolicy)[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}-${i}`;
    const r = rng.next();
    return r < 0.55 ? knp(rng, size, name) : r < 0.95 ? cnp(rng, size, name) : ccnp(rng, size, name);
  });
}
