// Property: the order in which namespaces, pods and policies are upserted never changes the resolved result.
import { test } from 'node:test';
import fc from 'fast-check';
import type { Resource } from '../../src/resources/types/index.js';
import { clusterArb, policiesArb } from './arbitraries.js';
import { assertSameEngines, check, engineOf } from './verdict-table.js';

const scenarioArb = fc.tuple(clusterArb, policiesArb(6)).chain(([cluster, policies]) => {
  const canonical: Resource[] = [...cluster.namespaces, ...cluster.pods, ...policies];
  return fc
    .shuffledSubarray(canonical, { minLength: canonical.length, maxLength: canonical.length })
    .map((shuffled) => ({ canonical, shuffled }));
});

test('any upsert order of namespaces, pods and policies gives the same matrix, decisions and ipcache', () => {
  check(
    fc.property(scenarioArb, ({ canonical, shuffled }) => {
      assertSameEngines(
        engineOf(canonical),
        engineOf(shuffled),
        `order ${shuffled.map(describe).join(', ')}`,
      );
    }),
    120,
  );
});

function describe(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace ? `${r.metadata.namespace}/` : ''}${r.metadata.name}`;
}
