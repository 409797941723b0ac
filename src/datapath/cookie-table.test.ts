import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleOrigin } from '../policy/index.js';
import { CookieTable } from './cookie-table.js';

const o = (name: string, rule = 0): RuleOrigin => ({
  kind: 'CiliumNetworkPolicy',
  namespace: 'ns',
  name,
  section: 'ingress',
  rule,
});

describe('CookieTable', () => {
  it('gives equal origin sets one cookie whatever their order, and never reuses a forgotten one', () => {
    const t = new CookieTable();
    const a = t.intern([o('a'), o('b')]);
    assert.equal(t.intern([o('b'), o('a'), o('a')]), a);
    assert.deepEqual(
      t.origins(a).map((x) => x.name),
      ['a', 'b'],
    );
    t.sweep();
    assert.deepEqual(t.origins(a), [], 'unreferenced cookies are forgotten');
    const b = t.intern([o('a'), o('b')]);
    assert.ok(b > a);
  });
  it('keeps referenced cookies; skipTo leaves ids of a previous run alone', () => {
    const t = new CookieTable();
    const a = t.intern([o('x')]);
    t.retain(a);
    t.sweep();
    assert.equal(t.origins(a).length, 1);
    t.skipTo(100);
    assert.equal(t.intern([o('y')]), 101);
  });
});
