// The upstream Kubernetes netpol e2e model (namespaces x,y,z; pods a,b,c) and its reachability tables.
//
// Mirrors kubernetes/kubernetes test/e2e/network/netpol/{model,reachability}.go: every pod serves ports
// 80 and 81 on TCP, UDP and SCTP, one container per (port, protocol) named `cont-<port>-<proto>` with the
// container port named `serve-<port>-<proto>`; pods carry `pod=<name>`, namespaces carry `ns=<name>` and
// `kubernetes.io/metadata.name=<name>`. Expectation tables start all-true and later operations override
// earlier ones; loopback pairs (p→p) are ignored when comparing, as upstream does (kubernetes#95879).
import type {
  Container,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  Pod,
  PolicyType,
  Protocol,
} from '../../src/resources/types/index.js';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export const MODEL_PORTS = [80, 81] as const;
export const MODEL_PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** `x/a`, `x/b`, ... `z/c`: the nine model pods in upstream order. */
export const ALL_PODS: readonly string[] = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

/** The pod CIDR the model addresses live in. */
export const POD_CIDR = '10.244.0.0/16';

/** Stable pod address: x/a 10.244.0.11, x/b .12, x/c .13, y/a .21 ... z/c .33. */
export function podIP(pod: string): string {
  const [ns, name] = splitPod(pod);
  const nsIndex = NAMESPACES.indexOf(ns as (typeof NAMESPACES)[number]);
  const podIndex = POD_NAMES.indexOf(name as (typeof POD_NAMES)[number]);
  if (nsIndex < 0 || podIndex < 0) throw new Error(`not a model pod: ${pod}`);
  return `10.244.0.${(nsIndex + 1) * 10 + podIndex + 1}`;
}

export function splitPod(pod: string): [string, string] {
  const i = pod.indexOf('/');
  if (i <= 0) throw new Error(`pod must be "namespace/name": ${pod}`);
  return [pod.slice(0, i), pod.slice(i + 1)];
}

export function namespaceLabels(ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ns, 'kubernetes.io/metadata.name': ns, ...extra };
}

export function makeNamespace(ns: string, extraLabels: Record<string, string> = {}): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, labels: namespaceLabels(ns, extraLabels) },
  };
}

export const AGNHOST_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.53';

/** The server upstream's model.go runs for a (port, protocol). */
export function agnhostCommand(port: number, protocol: Protocol): string[] {
  if (protocol === 'SCTP') return ['/agnhost', 'netexec', '--sctp-port', `${port}`];
  return [
    '/agnhost',
    'serve-hostname',
    protocol === 'TCP' ? '--tcp' : '--udp',
    '--http=false',
    '--port',
    `${port}`,
  ];
}

/** One container per (port, protocol), exactly like upstream's model.go `Pod.ContainerSpecs`. */
export function modelContainers(
  ports: readonly number[] = MODEL_PORTS,
  protocols: readonly Protocol[] = MODEL_PROTOCOLS,
): Container[] {
  const containers: Container[] = [];
  for (const port of ports) {
    for (const protocol of protocols) {
      const lc = protocol.toLowerCase();
      containers.push({
        name: `cont-${port}-${lc}`,
        image: AGNHOST_IMAGE,
        command: agnhostCommand(port, protocol),
        ports: [{ name: `serve-${port}-${lc}`, containerPort: port, protocol }],
      });
    }
  }
  return containers;
}

export function makePod(pod: string, extraLabels: Record<string, string> = {}): Pod {
  const [ns, name] = splitPod(pod);
  const ip = podIP(pod);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { pod: name, ...extraLabels } },
    spec: { containers: modelContainers() },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

// ---------------------------------------------------------------------------------------------------------
// NetworkPolicy builders mirroring upstream policies.go (GenNetworkPolicyWithNameAndPodSelector,
// SetSpecIngressRules, SetSpecEgressRules): each Set* call makes its list non-nil and appends its policy type.

export interface PolicyParts {
  /** Present (even `[]`) means "SetSpecIngressRules(...)" was applied: policyTypes gets Ingress. */
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
  /** Order in which the Set* helpers were applied; default ingress first. */
  order?: 'ingress-first' | 'egress-first';
  /** Explicit policyTypes (upstream sets them by hand in "Ingress, Egress specified together"). */
  policyTypes?: PolicyType[];
}

export function networkPolicy(
  name: string,
  namespace: string,
  podSelector: LabelSelector,
  parts: PolicyParts,
): NetworkPolicy {
  const spec: NetworkPolicy['spec'] = { podSelector };
  const types: PolicyType[] = [];
  const setIngress = () => {
    if (parts.ingress !== undefined) {
      spec.ingress = parts.ingress;
      types.push('Ingress');
    }
  };
  const setEgress = () => {
    if (parts.egress !== undefined) {
      spec.egress = parts.egress;
      types.push('Egress');
    }
  };
  if (parts.order === 'egress-first') {
    setEgress();
    setIngress();
  } else {
    setIngress();
    setEgress();
  }
  spec.policyTypes = parts.policyTypes ?? types;
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** GenNetworkPolicyWithNameAndPodMatchLabel. */
export function networkPolicyMatchLabels(
  name: string,
  namespace: string,
  matchLabels: Record<string, string>,
  parts: PolicyParts,
): NetworkPolicy {
  return networkPolicy(name, namespace, { matchLabels }, parts);
}

// ---------------------------------------------------------------------------------------------------------
// Reachability (reachability.go)

export interface Peer {
  namespace?: string;
  pod?: string;
}

function peerMatches(peer: Peer, pod: string): boolean {
  const [ns, name] = splitPod(pod);
  return (
    (peer.namespace === undefined || peer.namespace === ns) && (peer.pod === undefined || peer.pod === name)
  );
}

/** The expected truth table over a set of pods. Operations apply in order; later ones override earlier ones. */
export class Reachability {
  readonly pods: readonly string[];
  private readonly table = new Map<string, boolean>();

  constructor(pods: readonly string[], defaultExpectation = true) {
    this.pods = [...pods];
    for (const from of this.pods)
      for (const to of this.pods) this.table.set(key(from, to), defaultExpectation);
  }

  /** ExpectPeer: every pod matching `from` → every pod matching `to` (empty Peer field = wildcard). */
  expectPeer(from: Peer, to: Peer, connected: boolean): this {
    for (const f of this.pods) {
      if (!peerMatches(from, f)) continue;
      for (const t of this.pods) if (peerMatches(to, t)) this.table.set(key(f, t), connected);
    }
    return this;
  }

  /** Expect: a single pair. Pods that are not part of this table (absent in a smaller topology) are ignored. */
  expect(from: string, to: string, connected: boolean): this {
    if (this.table.has(key(from, to))) this.table.set(key(from, to), connected);
    return this;
  }

  /** ExpectAllIngress: every source → pod. */
  expectAllIngress(pod: string, connected: boolean): this {
    if (!this.pods.includes(pod)) return this;
    for (const f of this.pods) this.table.set(key(f, pod), connected);
    return this;
  }

  /** ExpectAllEgress: pod → every destination. */
  expectAllEgress(pod: string, connected: boolean): this {
    if (!this.pods.includes(pod)) return this;
    for (const t of this.pods) this.table.set(key(pod, t), connected);
    return this;
  }

  get(from: string, to: string): boolean {
    const v = this.table.get(key(from, to));
    if (v === undefined) throw new Error(`no expectation for ${from} -> ${to}`);
    return v;
  }

  /** Upstream-style truth table: `.` connected, `X` blocked. */
  render(value: (from: string, to: string) => string = (f, t) => (this.get(f, t) ? '.' : 'X')): string {
    const rows = [['-', ...this.pods].join('\t')];
    for (const f of this.pods) rows.push([f, ...this.pods.map((t) => value(f, t))].join('\t'));
    return rows.join('\n');
  }
}

function key(from: string, to: string): string {
  return `${from}>${to}`;
}

// ---------------------------------------------------------------------------------------------------------
// Comparing an engine matrix with an expectation table.

/** The subset of a policyMatrix result row this suite relies on. */
export interface MatrixRow {
  from: string;
  to: string;
  port: number;
  protocol: string;
  verdict: string;
  loopback?: boolean;
}

export interface Mismatch {
  from: string;
  to: string;
  port: number;
  protocol: string;
  expected: 'allowed' | 'denied';
  actual: 'allowed' | 'denied' | 'missing' | 'duplicate';
}

/**
 * Every pair of `reachability` (minus loopback) whose verdict on port/protocol differs from the matrix.
 * A pair absent from the matrix, or present more than once, is a mismatch too.
 */
export function compare(
  matrix: { results: readonly MatrixRow[] },
  reachability: Reachability,
  port: number,
  protocol: string,
): Mismatch[] {
  const observed = new Map<string, MatrixRow[]>();
  for (const row of matrix.results) {
    if (row.port !== port || row.protocol !== protocol) continue;
    const k = key(row.from, row.to);
    const list = observed.get(k);
    if (list) list.push(row);
    else observed.set(k, [row]);
  }
  const mismatches: Mismatch[] = [];
  for (const from of reachability.pods) {
    for (const to of reachability.pods) {
      if (from === to) continue; // ignoreLoopback
      const expected = reachability.get(from, to) ? 'allowed' : 'denied';
      const rows = observed.get(key(from, to)) ?? [];
      if (rows.length === 0) {
        mismatches.push({ from, to, port, protocol, expected, actual: 'missing' });
        continue;
      }
      if (rows.length > 1) {
        mismatches.push({ from, to, port, protocol, expected, actual: 'duplicate' });
        continue;
      }
      const row = rows[0]!;
      if (row.loopback) continue;
      const actual = row.verdict === 'allowed' ? 'allowed' : 'denied';
      if (row.verdict !== 'allowed' && row.verdict !== 'denied') {
        mismatches.push({ from, to, port, protocol, expected, actual: 'missing' });
      } else if (actual !== expected) {
        mismatches.push({ from, to, port, protocol, expected, actual });
      }
    }
  }
  return mismatches;
}

/** Observed table in upstream's rendering, for failure messages. */
export function renderObserved(
  matrix: { results: readonly MatrixRow[] },
  pods: readonly string[],
  port: number,
  protocol: string,
): string {
  const verdicts = new Map<string, string>();
  for (const row of matrix.results) {
    if (row.port === port && row.protocol === protocol) verdicts.set(key(row.from, row.to), row.verdict);
  }
  const r = new Reachability(pods);
  return r.render((f, t) => {
    const v = verdicts.get(key(f, t));
    return v === 'allowed' ? '.' : v === 'denied' ? 'X' : '?';
  });
}

export function formatMismatches(mismatches: readonly Mismatch[]): string {
  return mismatches
    .map((m) => `  ${m.from} -> ${m.to} ${m.port}/${m.protocol}: expected ${m.expected}, actual ${m.actual}`)
    .join('\n');
}
