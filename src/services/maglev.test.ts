// Maglev table properties: balance (M/N ± 1 slots each), minimal disruption, determinism, speed budget.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MAGLEV_EMPTY, maglevTable } from './maglev.js';

const names = (n: number, salt = 0) =>
  Array.from({ length: n }, (_, i) => `10.${salt}.${i >> 8}.${i & 255}:8080/TCP`);

function counts(table: Uint32Array, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const v of table) c[v]! += 1;
  return c;
}

const M_SMALL = [251, 509, 1021, 2039, 4093] as const;

describe('maglevTable', () => {
  test('every slot is owned and every backend owns ⌊M/N⌋ or ⌈M/N⌉ slots', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(...M_SMALL, 16381),
        fc.nat(),
        (n, m, seed) => {
          const t = maglevTable(names(n), m, seed);
          assert.equal(t.length, m);
          assert.ok(!t.includes(MAGLEV_EMPTY));
          for (const c of counts(t, n)) {
            assert.ok(c >= Math.floor(m / n) && c <= Math.ceil(m / n), `${c} slots, M/N = ${m / n}`);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test('removing one backend of N moves about 1/N of the slots, and only to survivors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.nat(), fc.nat(), (n, pick, seed) => {
        const m = 16381;
        const before = names(n);
        const gone = pick % n;
        const after = before.filter((_, i) => i !== gone);
        const t0 = maglevTable(before, m, seed);
        const t1 = maglevTable(after, m, seed);
        let moved = 0;
        for (let j = 0; j < m; j++) {
          const was = before[t0[j]!]!;
          const now = after[t1[j]!]!;
          assert.notEqual(now, before[gone]);
          if (was !== now) moved++;
        }
        // The removed backend's slots must move (≈ M/N); Maglev moves a few more to stay balanced.
        // The paper's bound for M ≫ N keeps the extra small; allow 1/N plus 2 % of the table.
        assert.ok(moved >= Math.floor(m / n), `moved ${moved}`);
        assert.ok(moved / m <= 1 / n + 0.02, `moved ${((moved / m) * 100).toFixed(2)} % with N=${n}`);
      }),
      { numRuns: 40 },
    );
  });

  test('the table depends on the set of backends, not their order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(names(40), { minLength: 1 }), fc.nat(), (subset, seed) => {
        const a = maglevTable(subset, 1021, seed);
        const reversed = [...subset].reverse();
        const b = maglevTable(reversed, 1021, seed);
        for (let j = 0; j < 1021; j++) assert.equal(subset[a[j]!], reversed[b[j]!]);
      }),
      { numRuns: 50 },
    );
  });

  test('different seeds give different tables', () => {
    const a = maglevTable(names(10), 1021, 1);
    const b = maglevTable(names(10), 1021, 2);
    assert.notDeepEqual([...a], [...b]);
  });

  test('no backends: every slot is empty', () => {
    assert.ok(maglevTable([], 251, 0).every((v) => v === MAGLEV_EMPTY));
  });
});
