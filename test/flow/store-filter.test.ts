// Properties: the store keeps flows exactly, and its SQL answers every filter as the in-memory predicate does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import RE2 from 're2';
import type { Flow } from '../../src/flow/flow.js';
import { compileFilterSet } from '../../src/flow/flow-filter.js';
import { FlowStore } from '../../src/flow/flow-store.js';
import { filterSetArb, flowsArb } from './flow-arbitraries.js';

const BASE = 1_780_000_000_000_000_000n;
const regex = (p: string) => new RE2(p, 'u');

/** Small segments and batches, so that queries cross many segments and the planner prunes. */
function storeWith(flows: Flow[], segmentRows = 4096, batchSize = 4096): FlowStore {
  const store = FlowStore.open({ path: ':memory:', maxAgeMs: 0, segmentRows, batchSize });
  for (const f of flows) store.add(f);
  store.flush();
  return store;
}

const sizes = fc.record({
  segmentRows: fc.integer({ min: 1, max: 9 }),
  batchSize: fc.integer({ min: 1, max: 12 }),
});

describe('flow store', () => {
  test('round trip: every stored flow comes back deep-equal, in time order', () => {
    fc.assert(
      fc.property(flowsArb(BASE), sizes, (flows, { segmentRows, batchSize }) => {
        const store = storeWith(flows, segmentRows, batchSize);
        try {
          assert.equal(store.stats().lost, 0);
          assert.deepStrictEqual(store.query({ first: true }), flows);
          assert.deepStrictEqual(store.query({}), flows);
        } finally {
          store.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  test('store query == in-memory filter, for random flows and whitelist/blacklist sets', () => {
    fc.assert(
      fc.property(flowsArb(BASE), filterSetArb, sizes, (flows, set, { segmentRows, batchSize }) => {
        const store = storeWith(flows, segmentRows, batchSize);
        try {
          const predicate = compileFilterSet(set, { regex });
          const expected = flows.filter(predicate);
          assert.deepStrictEqual(store.query({ ...set, first: true }), expected);
        } finally {
          store.close();
        }
      }),
      { numRuns: 400 },
    );
  });

  test('limits and time ranges: last N, first N, since/until', () => {
    fc.assert(
      fc.property(
        flowsArb(BASE),
        filterSetArb,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 45 }),
        fc.integer({ min: 0, max: 45 }),
        sizes,
        (flows, set, n, a, b, { segmentRows, batchSize }) => {
          const store = storeWith(flows, segmentRows, batchSize);
          try {
            const matching = flows.filter(compileFilterSet(set, { regex }));
            assert.deepStrictEqual(
              store.query({ ...set, limit: n }),
              matching.slice(Math.max(0, matching.length - n)),
            );
            assert.deepStrictEqual(store.query({ ...set, limit: n, first: true }), matching.slice(0, n));
            const [lo, hi] = a <= b ? [a, b] : [b, a];
            const sinceNs = BASE + BigInt(lo) * 1000n + 7n;
            const untilNs = BASE + BigInt(hi) * 1000n + 7n;
            const inRange = matching.filter((_f, i) => {
              const idx = flows.indexOf(matching[i]!);
              return idx >= lo && idx <= hi;
            });
            assert.deepStrictEqual(store.query({ ...set, sinceNs, untilNs, first: true }), inRange);
          } finally {
            store.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
