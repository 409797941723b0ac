// Property: an allow can only add reachability, as long as it does not put new pods into default deny.
//
// Adding a whole new policy may put more pods into default deny, so the properties are:
//   - widening an existing policy (a rule in a direction it already enforces, a peer, a port) never
//     denies more;
//   - a new allow-only policy that selects only pods already in default deny in its direction never
//     denies more (and leaves every pod's default-deny state as it was);
//   - any new allow-only policy denies more only where it newly put a side into default deny.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PolicyEngine } from '../../src/policy/engine.js';
import type { CiliumNetworkPolicy, CiliumRule, NetworkPolicy } from '../../src/resources/types/index.js';
import { addAllow } from './add-allow.js';
import {
  type AnyPolicy,
  allowAdditionArb,
  allowPolicyArb,
  clusterArb,
  cnpEgressRuleArb,
  cnpIngressRuleArb,
  knpEgressRuleArb,
  knpIngressRuleArb,
  NAMESPACES,
  policiesArb,
  withName,
} from './arbitraries.js';
import {
  assertNotNarrower,
  check,
  decisionTable,
  engineOf,
  matrixTable,
  verdictsOf,
} from './verdict-table.js';

type Dir = 'ingress' | 'egress';

test('widening an existing policy (new allow rule, peer or port) never denies more', () => {
  check(
    fc.property(
      clusterArb,
      policiesArb(5),
      fc.nat(),
      allowAdditionArb,
      (cluster, policies, which, addition) => {
        if (policies.length === 0) return;
        const target = policies[which % policies.length]!;
        const widened = addAllow(target, addition);
        if (!widened) return;
        const base = [...cluster.namespaces, ...cluster.pods];
        const before = engineOf([...base, ...policies]);
        const after = engineOf([...base, ...policies.map((p) => (p === target ? widened.policy : p))]);
        const what = `widening ${JSON.stringify(widened.site)} to ${JSON.stringify(widened.policy)}`;
        assertNotNarrower(matrixTable(before), matrixTable(after), `${what}: policy matrix`);
        assertNotNarrower(
          verdictsOf(decisionTable(before)),
          verdictsOf(decisionTable(after)),
          `${what}: decisions`,
        );
      },
    ),
    120,
  );
});

/** Pods (namespace → names) in default deny in `dir`. */
function defaultDenied(engine: PolicyEngine, dir: Dir): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const ep of engine.listEndpoints()) {
    if (!engine.policyOf(ep.key)[dir].defaultDeny) continue;
    const list = out.get(ep.namespace!) ?? [];
    list.push(ep.name);
    out.set(ep.namespace!, list);
  }
  return out;
}

function defaultDenyState(engine: PolicyEngine): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const ep of engine.listEndpoints()) {
    const p = engine.policyOf(ep.key);
    out.set(`${ep.key} ingress`, p.ingress.defaultDeny);
    out.set(`${ep.key} egress`, p.egress.defaultDeny);
  }
  return out;
}

const podsIn = (names: string[]) => ({
  matchExpressions: [{ key: 'pod', operator: 'In' as const, values: names }],
});

const newPolicyPartsArb = fc.record({
  kind: fc.constantFrom('NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'),
  dir: fc.constantFrom<Dir>('ingress', 'egress'),
  namespace: fc.constantFrom(...NAMESPACES),
  knpIngress: fc.array(knpIngressRuleArb, { minLength: 1, maxLength: 2 }),
  knpEgress: fc.array(knpEgressRuleArb, { minLength: 1, maxLength: 2 }),
  cnpIngress: fc.array(cnpIngressRuleArb(false), { minLength: 1, maxLength: 2 }),
  cnpEgress: fc.array(cnpEgressRuleArb(false), { minLength: 1, maxLength: 2 }),
});

type NewPolicyParts = typeof newPolicyPartsArb extends fc.Arbitrary<infer T> ? T : never;

/** A policy of the drawn kind whose subject is exactly the pods `denied` lists, with rules in `dir` only. */
function policyFor(parts: NewPolicyParts, denied: Map<string, string[]>): AnyPolicy | undefined {
  const namespace = denied.has(parts.namespace) ? parts.namespace : [...denied.keys()][0];
  if (namespace === undefined) return undefined;
  const names = denied.get(namespace)!;
  if (parts.kind === 'NetworkPolicy') {
    const spec: NetworkPolicy['spec'] = {
      podSelector: podsIn(names),
      policyTypes: [parts.dir === 'ingress' ? 'Ingress' : 'Egress'],
    };
    if (parts.dir === 'ingress') spec.ingress = parts.knpIngress;
    else spec.egress = parts.knpEgress;
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'new', namespace },
      spec,
    };
  }
  const rules = (endpointSelector: CiliumRule['endpointSelector']): CiliumRule =>
    parts.dir === 'ingress'
      ? { endpointSelector, ingress: parts.cnpIngress }
      : { endpointSelector, egress: parts.cnpEgress };
  if (parts.kind === 'CiliumNetworkPolicy') {
    return {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'new', namespace },
      spec: rules(podsIn(names)),
    };
  }
  const specs = [...denied].map(([ns, pods]) =>
    rules({ ...podsIn(pods), matchLabels: { 'k8s:io.kubernetes.pod.namespace': ns } }),
  );
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumClusterwideNetworkPolicy',
    metadata: { name: 'new' },
    specs,
  } satisfies CiliumNetworkPolicy;
}

test('a new allow-only policy selecting only pods already in default deny never denies more', () => {
  check(
    fc.property(clusterArb, policiesArb(5), newPolicyPartsArb, (cluster, policies, parts) => {
      const base = [...cluster.namespaces, ...cluster.pods, ...policies];
      const before = engineOf(base);
      const added = policyFor(parts, defaultDenied(before, parts.dir));
      if (!added) return;
      const after = engineOf([...base, added]);
      const what = `adding ${JSON.stringify(added)}`;
      assert.deepEqual(
        defaultDenyState(after),
        defaultDenyState(before),
        `${what}: default-deny state changed`,
      );
      assertNotNarrower(matrixTable(before), matrixTable(after), `${what}: policy matrix`);
      assertNotNarrower(
        verdictsOf(decisionTable(before)),
        verdictsOf(decisionTable(after)),
        `${what}: decisions`,
      );
    }),
    100,
  );
});

test('a new allow-only policy denies more only where it newly put a side into default deny', () => {
  check(
    fc.property(clusterArb, policiesArb(5), allowPolicyArb, (cluster, policies, policy) => {
      const base = [...cluster.namespaces, ...cluster.pods, ...policies];
      const before = engineOf(base);
      const after = engineOf([...base, withName(policy, 'new')]);
      const was = defaultDenyState(before);
      const now = defaultDenyState(after);
      const newly = (pod: string, dir: Dir) =>
        now.get(`${pod} ${dir}`) === true && was.get(`${pod} ${dir}`) === false;
      const what = `adding ${JSON.stringify(policy)}`;
      // Matrix rows `from>to port`: from's egress or to's ingress.
      assertNotNarrower(matrixTable(before), matrixTable(after), `${what}: policy matrix`, (k) => {
        const [from, to] = k.split(' ')[0]!.split('>') as [string, string];
        return newly(from, 'egress') || newly(to, 'ingress');
      });
      // Decision rows `egress local>remote port` / `ingress local<remote port`: the local side.
      assertNotNarrower(
        verdictsOf(decisionTable(before)),
        verdictsOf(decisionTable(after)),
        `${what}: decisions`,
        (k) => {
          const [dir, pair] = k.split(' ') as [Dir, string];
          return newly(pair.split(dir === 'egress' ? '>' : '<')[0]!, dir);
        },
      );
    }),
    100,
  );
});
