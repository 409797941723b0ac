// Property: removing every policy (in any order, after resolving) restores full reachability.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clusterArb, policiesArb } from './arbitraries.js';
import { assertSameTable, check, decisionTable, engineOf, matrixTable } from './verdict-table.js';

const scenarioArb = fc
  .tuple(clusterArb, policiesArb(6))
  .chain(([cluster, policies]) =>
    fc
      .shuffledSubarray(policies, { minLength: policies.length, maxLength: policies.length })
      .map((removalOrder) => ({ cluster, policies, removalOrder })),
  );

test('removing every policy restores full reachability', () => {
  check(
    fc.property(scenarioArb, fc.boolean(), ({ cluster, policies, removalOrder }, resolveBetween) => {
      const engine = engineOf([...cluster.namespaces, ...cluster.pods, ...policies]);
      matrixTable(engine);
      for (const p of removalOrder) {
        engine.remove(p);
        if (resolveBetween) matrixTable(engine);
      }
      const matrix = matrixTable(engine);
      const denied = [...matrix].filter(([, v]) => v !== 'allowed').map(([k]) => k);
      assert.deepEqual(
        denied.slice(0, 12),
        [],
        `still denied after removing every policy (${denied.length} rows)`,
      );
      // Every decision is an allow, for the same reason as in a cluster that never had a policy.
      assertSameTable(
        decisionTable(engineOf([...cluster.namespaces, ...cluster.pods])),
        decisionTable(engine),
        'decisions',
      );
      for (const [k, v] of decisionTable(engine)) assert.match(v, /^allowed\//, k);
    }),
    100,
  );
});
