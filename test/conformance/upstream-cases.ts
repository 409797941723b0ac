// The upstream Kubernetes e2e NetworkPolicy cases (test/e2e/network/netpol/network_policy.go) this suite ports.
//
// Source: kubernetes/kubernetes @ 008b3652 (newest, per-test pods) and @ 9db638c0 (full 9-pod model); both
// hold the same 48 `It` cases with the same policies and expectation tables. `pods` is the per-test topology
// of the newest version (`initializeResources(..., "x/a", ...)`); every case also runs on the full 9-pod
// model of 9db638c0. Ids follow upstream's order: 01..42 the main block (the numbering policy-semantics.md §1.5
// uses), 43..45 the UDP block, 46..48 the SCTP block.

export type UpstreamContext =
  | 'NetworkPolicy between server and client'
  | 'NetworkPolicy between server and client using UDP'
  | 'NetworkPolicy between server and client using SCTP';

export interface UpstreamCase {
  id: number;
  context: UpstreamContext;
  name: string;
  pods: readonly string[];
}

const MAIN: UpstreamContext = 'NetworkPolicy between server and client';
const UDP: UpstreamContext = 'NetworkPolicy between server and client using UDP';
const SCTP: UpstreamContext = 'NetworkPolicy between server and client using SCTP';

const p = (s: string) => s.split(' ');

export const UPSTREAM_CASES: readonly UpstreamCase[] = [
  {
    id: 1,
    context: MAIN,
    name: "should support a 'default-deny-ingress' policy",
    pods: p('x/a x/b y/a y/b'),
  },
  { id: 2, context: MAIN, name: "should support a 'default-deny-all' policy", pods: p('x/a x/b y/a') },
  {
    id: 3,
    context: MAIN,
    name: 'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    pods: p('x/a x/b x/c y/a'),
  },
  {
    id: 4,
    context: MAIN,
    name: 'should enforce policy to allow ingress traffic for a target',
    pods: p('x/a x/b y/a'),
  },
  {
    id: 5,
    context: MAIN,
    name: 'should enforce policy to allow ingress traffic from pods in all namespaces',
    pods: p('x/a x/b y/a z/a'),
  },
  {
    id: 6,
    context: MAIN,
    name: 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    pods: p('x/a x/b y/a z/a'),
  },
  {
    id: 7,
    context: MAIN,
    name: 'should enforce policy based on PodSelector with MatchExpressions',
    pods: p('x/a x/b y/a'),
  },
  {
    id: 8,
    context: MAIN,
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions',
    pods: p('x/a x/b y/a z/a'),
  },
  {
    id: 9,
    context: MAIN,
    name: 'should enforce policy based on PodSelector or NamespaceSelector',
    pods: p('x/a x/b x/c y/a'),
  },
  {
    id: 10,
    context: MAIN,
    name: 'should enforce policy based on PodSelector and NamespaceSelector',
    pods: p('x/a x/b y/a y/b z/b'),
  },
  {
    id: 11,
    context: MAIN,
    name: 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    pods: p('x/a x/b y/a y/b y/c'),
  },
  { id: 12, context: MAIN, name: 'should enforce policy based on any PodSelectors', pods: p('x/a x/b x/c') },
  {
    id: 13,
    context: MAIN,
    name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    pods: p('x/a x/b y/a y/b z/a'),
  },
  { id: 14, context: MAIN, name: 'should enforce policy based on Ports', pods: p('x/a x/b y/a y/b z/a') },
  {
    id: 15,
    context: MAIN,
    name: 'should enforce multiple, stacked policies with overlapping podSelectors',
    pods: p('x/a x/b y/a y/b z/a'),
  },
  { id: 16, context: MAIN, name: 'should support allow-all policy', pods: p('x/a x/b y/a') },
  { id: 17, context: MAIN, name: 'should allow ingress access on one named port', pods: p('x/a x/b y/a') },
  {
    id: 18,
    context: MAIN,
    name: 'should allow ingress access from namespace on one named port',
    pods: p('x/a x/b y/a z/a'),
  },
  { id: 19, context: MAIN, name: 'should allow egress access on one named port', pods: p('x/a y/a') },
  { id: 20, context: MAIN, name: 'should enforce updated policy', pods: p('x/a y/a') },
  { id: 21, context: MAIN, name: 'should allow ingress access from updated namespace', pods: p('x/a y/a') },
  { id: 22, context: MAIN, name: 'should allow ingress access from updated pod', pods: p('x/a x/b') },
  {
    id: 23,
    context: MAIN,
    name: 'should deny ingress from pods on other namespaces',
    pods: p('x/a x/b y/a z/a'),
  },
  { id: 24, context: MAIN, name: 'should deny ingress access to updated pod', pods: p('x/a y/a') },
  {
    id: 25,
    context: MAIN,
    name: 'should deny egress from pods based on PodSelector',
    pods: p('x/a x/b y/a'),
  },
  { id: 26, context: MAIN, name: 'should deny egress from all pods in a namespace', pods: p('x/a x/b y/a') },
  {
    id: 27,
    context: MAIN,
    name: 'should work with Ingress, Egress specified together',
    pods: p('x/a x/b x/c y/a'),
  },
  {
    id: 28,
    context: MAIN,
    name: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    pods: p('x/a y/a y/b'),
  },
  {
    id: 29,
    context: MAIN,
    name: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    pods: p('x/a y/a y/b'),
  },
  {
    id: 30,
    context: MAIN,
    name: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    pods: p('x/a y/a'),
  },
  {
    id: 31,
    context: MAIN,
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    pods: p('x/a y/a'),
  },
  {
    id: 32,
    context: MAIN,
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence',
    pods: p('x/a y/a'),
  },
  {
    id: 33,
    context: MAIN,
    name: 'should stop enforcing policies after they are deleted',
    pods: p('x/a y/a'),
  },
  {
    id: 34,
    context: MAIN,
    name: 'should allow egress access to server in CIDR block',
    pods: p('x/a y/a y/b'),
  },
  {
    id: 35,
    context: MAIN,
    name: 'should enforce except clause while egress access to server in CIDR block',
    pods: p('x/a x/b x/c'),
  },
  {
    id: 36,
    context: MAIN,
    name: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    pods: p('x/a x/b x/c'),
  },
  {
    id: 37,
    context: MAIN,
    name: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    pods: p('x/a x/b y/a'),
  },
  {
    id: 38,
    context: MAIN,
    name: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    pods: p('x/a y/a'),
  },
  {
    id: 39,
    context: MAIN,
    name: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    pods: p('x/a y/a'),
  },
  {
    id: 40,
    context: MAIN,
    name: 'should not allow access by TCP when a policy specifies only UDP',
    pods: p('x/a y/a'),
  },
  {
    id: 41,
    context: MAIN,
    name: 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    pods: p('x/a x/b y/a z/a'),
  },
  {
    id: 42,
    context: MAIN,
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    pods: p('x/a x/b y/a z/a'),
  },
  {
    id: 43,
    context: UDP,
    name: "should support a 'default-deny-ingress' policy",
    pods: p('x/a x/b y/a y/b'),
  },
  { id: 44, context: UDP, name: 'should enforce policy based on Ports', pods: p('x/a x/b y/a z/a') },
  {
    id: 45,
    context: UDP,
    name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    pods: p('x/a x/b y/a'),
  },
  {
    id: 46,
    context: SCTP,
    name: "should support a 'default-deny-ingress' policy",
    pods: p('x/a x/b y/a y/b'),
  },
  { id: 47, context: SCTP, name: 'should enforce policy based on Ports', pods: p('x/a x/b y/a z/a') },
  {
    id: 48,
    context: SCTP,
    name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    pods: p('x/a x/b y/a'),
  },
];

export function findUpstreamCase(context: UpstreamContext, name: string): UpstreamCase {
  const c = UPSTREAM_CASES.find((u) => u.context === context && u.name === name);
  if (!c) throw new Error(`not an upstream case: [${context}] ${name}`);
  return c;
}
