// Property: a deny can only take reachability away, whether it comes as a new deny-only policy or new deny rules.
import { test } from 'node:test';
import fc from 'fast-check';
import type { CiliumNetworkPolicy, CiliumRule } from '../../src/resources/types/index.js';
import {
  clusterArb,
  cnpEgressRuleArb,
  cnpIngressRuleArb,
  denyCnpArb,
  policiesArb,
  withName,
} from './arbitraries.js';
import { assertNotWider, check, decisionTable, engineOf, matrixTable, verdictsOf } from './verdict-table.js';

test('adding a deny-only CNP/CCNP never allows more', () => {
  check(
    fc.property(clusterArb, policiesArb(5), denyCnpArb, (cluster, policies, deny) => {
      const base = [...cluster.namespaces, ...cluster.pods, ...policies];
      const before = engineOf(base);
      const after = engineOf([...base, withName(deny, 'deny')]);
      assertNotWider(matrixTable(before), matrixTable(after), 'policy matrix');
      assertNotWider(verdictsOf(decisionTable(before)), verdictsOf(decisionTable(after)), 'decisions');
    }),
    100,
  );
});

test('adding ingressDeny/egressDeny rules to an existing Cilium policy never allows more', () => {
  check(
    fc.property(
      clusterArb,
      policiesArb(5),
      fc.nat(),
      fc.nat(),
      fc.constantFrom('ingressDeny', 'egressDeny'),
      cnpIngressRuleArb(true),
      cnpEgressRuleArb(true),
      (cluster, policies, which, specIndex, section, ingressDeny, egressDeny) => {
        const cilium = policies.filter((p): p is CiliumNetworkPolicy => p.kind !== 'NetworkPolicy');
        if (cilium.length === 0) return;
        const target = cilium[which % cilium.length]!;
        const widened = structuredClone(target);
        const specs: CiliumRule[] = widened.spec ? [widened.spec] : widened.specs!;
        const spec = specs[specIndex % specs.length]!;
        if (section === 'ingressDeny') spec.ingressDeny = [...(spec.ingressDeny ?? []), ingressDeny];
        else spec.egressDeny = [...(spec.egressDeny ?? []), egressDeny];
        const base = [...cluster.namespaces, ...cluster.pods];
        const before = engineOf([...base, ...policies]);
        const after = engineOf([...base, ...policies.map((p) => (p === target ? widened : p))]);
        assertNotWider(matrixTable(before), matrixTable(after), 'policy matrix');
        assertNotWider(verdictsOf(decisionTable(before)), verdictsOf(decisionTable(after)), 'decisions');
      },
    ),
    80,
  );
});
