// fast-check generators: a small random cluster (namespaces x,y,z × pods a,b,c) and normalized KNP/CNP/CCNP objects.
//
// Everything is typed and already normalized (KNP policyTypes explicit, protocols set), the shape the
// validator hands the engine. Label, port and CIDR pools are small on purpose so selectors, named ports
// and prefixes collide often: a random selector should select some pods, not none.
import fc from 'fast-check';
import type {
  CIDRRule,
  CiliumNetworkPolicy,
  PortProtocol as CiliumPortProtocol,
  CiliumRule,
  EgressCommon,
  EgressRule,
  Entity,
  IngressCommon,
  IngressRule,
  LabelSelector,
  LabelSelectorRequirement,
  Namespace,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  PolicyType,
  PortRule,
} from '../../src/resources/types/index.js';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export const POD_KEYS: readonly string[] = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

export interface PortDecl {
  port: number;
  protocol: 'TCP' | 'UDP';
}

/** The container ports a pod may serve, each named `serve-<port>-<proto>`. */
export const CONTAINER_PORTS: readonly PortDecl[] = [
  { port: 80, protocol: 'TCP' },
  { port: 81, protocol: 'TCP' },
  { port: 80, protocol: 'UDP' },
  { port: 81, protocol: 'UDP' },
];

/** Matrix ports: the container ports plus 82, which no pod serves (endPort ranges and port-less rules reach it). */
export const MATRIX_PORTS: readonly PortDecl[] = [
  ...CONTAINER_PORTS,
  { port: 82, protocol: 'TCP' },
  { port: 82, protocol: 'UDP' },
];

export const NAMED_PORTS = CONTAINER_PORTS.map(portName);

export function portName(p: PortDecl): string {
  return `serve-${p.port}-${p.protocol.toLowerCase()}`;
}

/** Extra pod labels (besides `pod=<name>`) and namespace labels (besides `ns=<name>` and the name label). */
export const POD_LABEL_POOL: Readonly<Record<string, readonly string[]>> = {
  app: ['web', 'db'],
  tier: ['fe', 'be'],
};
export const NS_LABEL_POOL: Readonly<Record<string, readonly string[]>> = {
  env: ['prod', 'dev'],
  team: ['red', 'blue'],
};

/**
 * Pod address number n → 10.244.0.n (n ≤ 20) or 10.244.1.(n-20). Forty addresses for nine pods, so
 * prefixes like 10.244.0.0/28 split the pods differently from run to run.
 */
export const MAX_POD_ADDRESS = 40;
export function podAddress(n: number): string {
  return n <= 20 ? `10.244.0.${n}` : `10.244.1.${n - 20}`;
}

/** CIDRs for ipBlock / toCIDRSet; 10.244.0.7/32 is sometimes a pod's own address. */
export const CIDRS: readonly string[] = [
  '10.244.0.0/16',
  '10.244.0.0/24',
  '10.244.1.0/24',
  '10.244.0.0/28',
  '10.244.0.8/29',
  '10.244.0.7/32',
  '10.0.0.0/8',
  '192.168.0.0/16',
  '0.0.0.0/0',
];

// ---- cluster -------------------------------------------------------------------------------------

export interface PodInput {
  labels: Record<string, string>;
  ports: PortDecl[];
  /** Address number (see podAddress); undefined: the pod has no IP yet. */
  address: number | undefined;
}

export function makeNamespace(name: string, extra: Record<string, string> = {}): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...extra, ns: name, 'kubernetes.io/metadata.name': name } },
  };
}

/** A pod like the upstream netpol model's: `pod=<name>`, one container per served port. */
export function makePod(key: string, input: PodInput): Pod {
  const [namespace, name] = key.split('/') as [string, string];
  const ip = input.address === undefined ? undefined : podAddress(input.address);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { ...input.labels, pod: name } },
    spec: {
      containers: input.ports.map((p) => ({
        name: `cont-${p.port}-${p.protocol.toLowerCase()}`,
        ports: [{ name: portName(p), containerPort: p.port, protocol: p.protocol }],
      })),
    },
    status: ip ? { phase: 'Running', podIP: ip, podIPs: [{ ip }] } : { phase: 'Pending' },
  };
}

export interface Cluster {
  namespaces: Namespace[];
  pods: Pod[];
}

export function labelsArb(
  pool: Readonly<Record<string, readonly string[]>>,
): fc.Arbitrary<Record<string, string>> {
  const keys = Object.keys(pool);
  return fc
    .tuple(...keys.map((k) => fc.option(fc.constantFrom(...pool[k]!), { nil: undefined })))
    .map((values) => {
      const out: Record<string, string> = {};
      keys.forEach((k, i) => {
        if (values[i] !== undefined) out[k] = values[i];
      });
      return out;
    });
}

/** Mostly every port; sometimes a subset, so named ports resolve differently per pod. */
export const podPortsArb: fc.Arbitrary<PortDecl[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(CONTAINER_PORTS).map((p) => [...p]) },
  { weight: 1, arbitrary: fc.subarray([...CONTAINER_PORTS]) },
);

export const podInputArb = (address: number | undefined): fc.Arbitrary<PodInput> =>
  fc.record({ labels: labelsArb(POD_LABEL_POOL), ports: podPortsArb }).map((r) => ({ ...r, address }));

/** Three namespaces, nine pods with distinct addresses (one in ten has none yet). */
export const clusterArb: fc.Arbitrary<Cluster> = fc
  .tuple(
    fc.tuple(...NAMESPACES.map(() => labelsArb(NS_LABEL_POOL))),
    fc.uniqueArray(fc.integer({ min: 1, max: MAX_POD_ADDRESS }), {
      minLength: POD_KEYS.length,
      maxLength: POD_KEYS.length,
    }),
    fc.tuple(
      ...POD_KEYS.map(() =>
        fc.record({ labels: labelsArb(POD_LABEL_POOL), ports: podPortsArb, pending: fc.nat(9) }),
      ),
    ),
  )
  .map(([nsLabels, addresses, pods]) => ({
    namespaces: NAMESPACES.map((ns, i) => makeNamespace(ns, nsLabels[i])),
    pods: POD_KEYS.map((k, i) => {
      const { labels, ports, pending } = pods[i]!;
      return makePod(k, { labels, ports, address: pending === 0 ? undefined : addresses[i] });
    }),
  }));

// ---- selectors -----------------------------------------------------------------------------------

function expressionArb(
  pool: Readonly<Record<string, readonly string[]>>,
  prefix = '',
): fc.Arbitrary<LabelSelectorRequirement> {
  return fc.constantFrom(...Object.keys(pool)).chain((key) =>
    fc.oneof(
      fc
        .tuple(fc.constantFrom<'In' | 'NotIn'>('In', 'NotIn'), fc.subarray([...pool[key]!], { minLength: 1 }))
        .map(([operator, values]) => ({ key: prefix + key, operator, values })),
      fc
        .constantFrom<'Exists' | 'DoesNotExist'>('Exists', 'DoesNotExist')
        .map((operator) => ({ key: prefix + key, operator })),
    ),
  );
}

function equalityArb(
  pool: Readonly<Record<string, readonly string[]>>,
  prefix = '',
): fc.Arbitrary<Record<string, string>> {
  return fc
    .constantFrom(...Object.keys(pool))
    .chain((key) => fc.constantFrom(...pool[key]!).map((value) => ({ [prefix + key]: value })));
}

const POD_SELECTOR_POOL = { pod: POD_NAMES, ...POD_LABEL_POOL };
const NS_SELECTOR_POOL = { ns: NAMESPACES, ...NS_LABEL_POOL };

function merge(a: LabelSelector, b: LabelSelector): LabelSelector {
  const out: LabelSelector = {};
  const ml = { ...a.matchLabels, ...b.matchLabels };
  const me = [...(a.matchExpressions ?? []), ...(b.matchExpressions ?? [])];
  if (Object.keys(ml).length > 0) out.matchLabels = ml;
  if (me.length > 0) out.matchExpressions = me;
  return out;
}

function selectorArb(
  pool: Readonly<Record<string, readonly string[]>>,
  prefix = '',
): fc.Arbitrary<LabelSelector> {
  const single = fc.oneof(
    { weight: 3, arbitrary: equalityArb(pool, prefix).map((matchLabels) => ({ matchLabels })) },
    { weight: 2, arbitrary: expressionArb(pool, prefix).map((e) => ({ matchExpressions: [e] })) },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    { weight: 5, arbitrary: single },
    { weight: 1, arbitrary: fc.tuple(single, single).map(([a, b]) => merge(a, b)) },
  );
}

/** A pod label selector (podSelector, endpointSelector, fromEndpoints without a namespace part). */
export const podSelectorArb = selectorArb(POD_SELECTOR_POOL);
/** A KNP namespaceSelector over namespace labels. */
export const namespaceSelectorArb = selectorArb(NS_SELECTOR_POOL);

/** A Cilium endpoint selector that may also name the namespace or namespace labels (`k8s:` keys). */
export const ciliumPeerSelectorArb: fc.Arbitrary<LabelSelector> = fc
  .tuple(
    podSelectorArb,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<LabelSelector>({}) },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom(...NAMESPACES)
          .map((ns) => ({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': ns } })),
      },
      { weight: 1, arbitrary: selectorArb(NS_LABEL_POOL, 'k8s:io.cilium.k8s.namespace.labels.') },
    ),
  )
  .map(([a, b]) => merge(a, b));

// ---- Kubernetes NetworkPolicy --------------------------------------------------------------------

const protocolArb = fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP');

export const knpPortArb: fc.Arbitrary<NetworkPolicyPort> = fc.oneof(
  fc.record({ protocol: protocolArb, port: fc.constantFrom(80, 81, 82) }),
  fc.record({ protocol: protocolArb, port: fc.constant(80), endPort: fc.constantFrom(81, 82) }),
  fc.record({ protocol: protocolArb }),
  fc.record({ protocol: protocolArb, port: fc.constantFrom(...NAMED_PORTS) }),
);

/** A CIDR and up to two excepts strictly inside it. */
export const cidrRuleArb: fc.Arbitrary<{ cidr: string; except?: string[] }> = fc
  .constantFrom(...CIDRS)
  .chain((cidr) =>
    fc
      .subarray(inner(cidr), { maxLength: Math.min(2, inner(cidr).length) })
      .map((except) => (except.length > 0 ? { cidr, except } : { cidr })),
  );

export const knpPeerArb: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ podSelector: podSelectorArb }) },
  { weight: 2, arbitrary: fc.record({ namespaceSelector: namespaceSelectorArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ podSelector: podSelectorArb, namespaceSelector: namespaceSelectorArb }),
  },
  { weight: 2, arbitrary: fc.record({ ipBlock: cidrRuleArb }) },
);

type KnpRule = { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] };

/** A rule: no `from`/`to` (or an empty list) means every peer, no ports means every port. */
function knpRuleArbWith(port: fc.Arbitrary<NetworkPolicyPort>): fc.Arbitrary<KnpRule> {
  return fc.record(
    { peers: fc.array(knpPeerArb, { maxLength: 2 }), ports: fc.array(port, { minLength: 1, maxLength: 2 }) },
    { requiredKeys: [] },
  );
}

const toIngress = (r: KnpRule): NetworkPolicyIngressRule => ({
  ...(r.peers ? { from: r.peers } : {}),
  ...(r.ports ? { ports: r.ports } : {}),
});
const toEgress = (r: KnpRule): NetworkPolicyEgressRule => ({
  ...(r.peers ? { to: r.peers } : {}),
  ...(r.ports ? { ports: r.ports } : {}),
});

export const knpRuleArb = knpRuleArbWith(knpPortArb);
export const knpIngressRuleArb = knpRuleArb.map(toIngress);
export const knpEgressRuleArb = knpRuleArb.map(toEgress);

function knpArbWith(rule: fc.Arbitrary<KnpRule>, types: PolicyType[][]): fc.Arbitrary<NetworkPolicy> {
  return fc
    .record({
      namespace: fc.constantFrom(...NAMESPACES),
      podSelector: podSelectorArb,
      types: fc.constantFrom(...types),
      ingress: fc.array(rule.map(toIngress), { maxLength: 3 }),
      egress: fc.array(rule.map(toEgress), { maxLength: 3 }),
    })
    .map((r) => {
      const spec: NetworkPolicy['spec'] = { podSelector: r.podSelector, policyTypes: r.types };
      if (r.types.includes('Ingress')) spec.ingress = r.ingress;
      if (r.types.includes('Egress')) spec.egress = r.egress;
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'knp', namespace: r.namespace },
        spec,
      };
    });
}

export const knpArb = knpArbWith(knpRuleArb, [['Ingress'], ['Egress'], ['Ingress', 'Egress']]);

/** A named port of the pool with its own protocol (so it resolves wherever a pod serves it). */
const servedNamedPortArb: fc.Arbitrary<NetworkPolicyPort> = fc
  .constantFrom(...CONTAINER_PORTS)
  .map((p) => ({ protocol: p.protocol, port: portName(p) }));

/**
 * KNPs that lean on named ports, mostly on egress where they resolve against the destination pods'
 * ports (and, for ipBlock and every-peer rules, against every pod's address): the part of resolution
 * that moves when pods change ports, addresses or identities under a policy that does not change.
 */
export const namedPortKnpArb = knpArbWith(
  knpRuleArbWith(
    fc.oneof({ weight: 3, arbitrary: servedNamedPortArb }, { weight: 1, arbitrary: knpPortArb }),
  ),
  [['Egress'], ['Ingress', 'Egress']],
);

// ---- Cilium policies -----------------------------------------------------------------------------

export const entityArb = fc.constantFrom<Entity>('all', 'world', 'cluster', 'host', 'remote-node');
const ciliumProtocolArb = fc.constantFrom<'TCP' | 'UDP' | 'ANY'>('TCP', 'UDP', 'ANY');

export const ciliumPortArb: fc.Arbitrary<CiliumPortProtocol> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ port: fc.constantFrom('80', '81', '82', '0'), protocol: ciliumProtocolArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      port: fc.constant('80'),
      endPort: fc.constantFrom(81, 82),
      protocol: ciliumProtocolArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ port: fc.constantFrom(...NAMED_PORTS), protocol: ciliumProtocolArb }) },
  { weight: 1, arbitrary: fc.record({ protocol: ciliumProtocolArb }) },
);

const HTTP_RULES = { http: [{ method: 'GET', path: '/public' }] };

/** toPorts entries; with `l7`, some carry HTTP rules (on TCP 80/81 only, as Cilium requires). */
export function portRuleArb(l7: boolean): fc.Arbitrary<PortRule> {
  const plain = fc.record({ ports: fc.array(ciliumPortArb, { minLength: 1, maxLength: 2 }) });
  if (!l7) return plain;
  const http = fc.record({
    ports: fc.array(fc.record({ port: fc.constantFrom('80', '81'), protocol: fc.constant<'TCP'>('TCP') }), {
      minLength: 1,
      maxLength: 2,
    }),
    rules: fc.constant(HTTP_RULES),
  });
  return fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: http });
}

const cidrSetArb: fc.Arbitrary<CIDRRule[]> = fc.array(cidrRuleArb, { minLength: 1, maxLength: 2 });
const entitiesArb = fc.uniqueArray(entityArb, { minLength: 1, maxLength: 2 });
const endpointsArb = fc.array(ciliumPeerSelectorArb, { minLength: 1, maxLength: 2 });

/** A CNP ingress (deny: ingressDeny) rule; each field present half the time, so `{}` and L4-only rules occur. */
export function cnpIngressRuleArb(deny: boolean): fc.Arbitrary<IngressRule & IngressCommon> {
  return fc.record(
    {
      fromEndpoints: endpointsArb,
      fromEntities: entitiesArb,
      fromCIDRSet: cidrSetArb,
      toPorts: fc.array(portRuleArb(!deny), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: [] },
  );
}

export function cnpEgressRuleArb(deny: boolean): fc.Arbitrary<EgressRule & EgressCommon> {
  return fc.record(
    {
      toEndpoints: endpointsArb,
      toEntities: entitiesArb,
      toCIDRSet: cidrSetArb,
      toPorts: fc.array(portRuleArb(!deny), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: [] },
  );
}

export interface CiliumRuleOptions {
  allow: boolean;
  deny: boolean;
  /** Generate enableDefaultDeny (default true). */
  defaultDenyToggle?: boolean;
  clusterwide: boolean;
}

export function ciliumRuleArb(o: CiliumRuleOptions): fc.Arbitrary<CiliumRule> {
  const none = fc.constant(undefined);
  const list = <T>(a: fc.Arbitrary<T>, on: boolean) =>
    on ? fc.option(fc.array(a, { minLength: 1, maxLength: 2 }), { nil: undefined }) : none;
  return fc
    .record({
      endpointSelector: o.clusterwide ? ciliumPeerSelectorArb : podSelectorArb,
      ingress: list(cnpIngressRuleArb(false), o.allow),
      ingressDeny: list(cnpIngressRuleArb(true), o.deny),
      egress: list(cnpEgressRuleArb(false), o.allow),
      egressDeny: list(cnpEgressRuleArb(true), o.deny),
      enableDefaultDeny:
        o.defaultDenyToggle === false
          ? none
          : fc.option(fc.record({ ingress: fc.boolean(), egress: fc.boolean() }, { requiredKeys: [] }), {
              freq: 4,
              nil: undefined,
            }),
    })
    .map((r) => {
      const rule: CiliumRule = { endpointSelector: r.endpointSelector };
      if (r.ingress) rule.ingress = r.ingress;
      if (r.ingressDeny) rule.ingressDeny = r.ingressDeny;
      if (r.egress) rule.egress = r.egress;
      if (r.egressDeny) rule.egressDeny = r.egressDeny;
      if (r.enableDefaultDeny) rule.enableDefaultDeny = r.enableDefaultDeny;
      return rule;
    });
}

/** A CNP (in x, y or z) or CCNP with `spec`, or sometimes two `specs`. */
export function ciliumPolicyArb(
  o: Omit<CiliumRuleOptions, 'clusterwide'>,
): fc.Arbitrary<CiliumNetworkPolicy> {
  return fc
    .tuple(fc.boolean(), fc.constantFrom(...NAMESPACES), fc.integer({ min: 0, max: 5 }))
    .chain(([clusterwide, namespace, shape]) =>
      fc
        .array(ciliumRuleArb({ ...o, clusterwide }), {
          minLength: shape === 0 ? 2 : 1,
          maxLength: shape === 0 ? 2 : 1,
        })
        .map(
          (specs): CiliumNetworkPolicy => ({
            apiVersion: 'cilium.io/v2',
            kind: clusterwide ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy',
            metadata: clusterwide ? { name: 'cnp' } : { name: 'cnp', namespace },
            ...(specs.length === 1 ? { spec: specs[0]! } : { specs }),
          }),
        ),
    );
}

export const cnpArb = ciliumPolicyArb({ allow: true, deny: true });
/** Only ingressDeny/egressDeny rules (and maybe enableDefaultDeny). */
export const denyCnpArb = ciliumPolicyArb({ allow: false, deny: true });
/** Only allow rules. */
export const allowCnpArb = ciliumPolicyArb({ allow: true, deny: false });

export type AnyPolicy = NetworkPolicy | CiliumNetworkPolicy;

export const policyArb: fc.Arbitrary<AnyPolicy> = fc.oneof(knpArb, cnpArb);

export function withName<P extends AnyPolicy>(p: P, name: string): P {
  return { ...p, metadata: { ...p.metadata, name } };
}

/** Up to `max` policies with distinct keys (`p0`, `p1`, ...), so upsert order cannot matter. */
export function policiesArb(max = 6): fc.Arbitrary<AnyPolicy[]> {
  return fc.array(policyArb, { maxLength: max }).map((ps) => ps.map((p, i) => withName(p, `p${i}`)));
}

/** One to `max` policies, mostly named-port KNPs (see namedPortKnpArb), with distinct keys. */
export function namedPortPoliciesArb(max = 4): fc.Arbitrary<AnyPolicy[]> {
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: namedPortKnpArb }, { weight: 1, arbitrary: policyArb }), {
      minLength: 1,
      maxLength: max,
    })
    .map((ps) => ps.map((p, i) => withName(p, `p${i}`)));
}

export function policyKey(p: AnyPolicy): string {
  return p.kind === 'CiliumClusterwideNetworkPolicy'
    ? `${p.kind}/${p.metadata.name}`
    : `${p.kind}/${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
}

// ---- CIDR helpers --------------------------------------------------------------------------------

/** The pool CIDRs strictly inside `cidr` (valid excepts). */
function inner(cidr: string): string[] {
  return CIDRS.filter((c) => c !== cidr && cidrInside(c, cidr));
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** `inner` is inside `outer` (IPv4 only, which is all the pool holds). */
export function cidrInside(inner: string, outer: string): boolean {
  const [ia, ib] = inner.split('/') as [string, string];
  const [oa, ob] = outer.split('/') as [string, string];
  if (Number(ib) < Number(ob)) return false;
  const size = 2 ** (32 - Number(ob));
  return Math.floor(toNumber(ia) / size) === Math.floor(toNumber(oa) / size);
}

// ---- change sequences ----------------------------------------------------------------------------

/** One change to the cluster, as a watch event would bring it. */
export type Op =
  | { kind: 'pod-labels'; pod: string; labels: Record<string, string> }
  | { kind: 'pod-ports'; pod: string; ports: PortDecl[] }
  | { kind: 'pod-address'; pod: string; address: number | undefined }
  | { kind: 'pod-delete'; pod: string }
  | { kind: 'pod-create'; pod: string; input: PodInput }
  | { kind: 'ns-labels'; ns: string; labels: Record<string, string> }
  | { kind: 'ns-delete'; ns: string }
  | { kind: 'ns-create'; ns: string; labels: Record<string, string> }
  | { kind: 'policy-upsert'; policy: AnyPolicy }
  | { kind: 'policy-delete'; index: number }
  | { kind: 'query'; pods: string[] };

const podKeyArb = fc.constantFrom(...POD_KEYS);
const nsArb = fc.constantFrom(...NAMESPACES);
const addressArb = fc.option(fc.integer({ min: 1, max: MAX_POD_ADDRESS }), { freq: 10, nil: undefined });

type Weighted<T> = { weight: number; arbitrary: fc.Arbitrary<T> };

/** Changes to pods and namespaces: what makes identities, selections, addresses and named ports move. */
const endpointOps: Weighted<Op>[] = [
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pod-labels' as const),
      pod: podKeyArb,
      labels: labelsArb(POD_LABEL_POOL),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('pod-ports' as const), pod: podKeyArb, ports: podPortsArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('pod-address' as const), pod: podKeyArb, address: addressArb }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pod-delete' as const), pod: podKeyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('pod-create' as const),
      pod: podKeyArb,
      input: addressArb.chain((a) => podInputArb(a)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('ns-labels' as const),
      ns: nsArb,
      labels: labelsArb(NS_LABEL_POOL),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ns-delete' as const), ns: nsArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('ns-create' as const),
      ns: nsArb,
      labels: labelsArb(NS_LABEL_POOL),
    }),
  },
];

/** Policy names come from a pool of three, so an upsert often replaces an existing policy. */
const policyOps: Weighted<Op>[] = [
  {
    weight: 5,
    arbitrary: fc
      .tuple(policyArb, fc.constantFrom('p0', 'p1', 'p2'))
      .map(([p, name]) => ({ kind: 'policy-upsert' as const, policy: withName(p, name) })),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('policy-delete' as const), index: fc.nat(7) }) },
];

const queryOp: Weighted<Op> = {
  weight: 2,
  arbitrary: fc.record({
    kind: fc.constant('query' as const),
    pods: fc.subarray([...POD_KEYS], { minLength: 1 }),
  }),
};

/** Any change: pods, namespaces, policies, or a query that resolves some pods. */
export const opArb: fc.Arbitrary<Op> = fc.oneof(...endpointOps, ...policyOps, queryOp);

/** Pod and namespace changes only (the policies stay as they are), or a query. */
export const endpointOpArb: fc.Arbitrary<Op> = fc.oneof(...endpointOps, queryOp);

// ---- widening ------------------------------------------------------------------------------------

/** Material for widening an existing policy (see add-allow.ts). */
export const allowAdditionArb = fc.record({
  site: fc.nat(),
  knpIngress: knpIngressRuleArb,
  knpEgress: knpEgressRuleArb,
  knpPeer: knpPeerArb,
  knpPort: knpPortArb,
  cnpIngress: cnpIngressRuleArb(false),
  cnpEgress: cnpEgressRuleArb(false),
  cnpPeer: fc.oneof(
    ciliumPeerSelectorArb.map((endpoints) => ({ endpoints })),
    entityArb.map((entity) => ({ entity })),
    cidrRuleArb.map((cidr) => ({ cidr })),
  ),
  cnpPortRule: portRuleArb(true),
});

/** A new allow-only policy of any kind (KNP, or CNP/CCNP without deny sections). */
export const allowPolicyArb: fc.Arbitrary<AnyPolicy> = fc.oneof(knpArb, allowCnpArb);
