// LabelSelector validation, with and without Cilium source prefixes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IssueCollector } from './issue-collector.js';
import { validateLabelSelector } from './validate-selector.js';

function run(sel: unknown, sourcePrefix = false) {
  const c = new IssueCollector();
  const out = validateLabelSelector(sel, 's', c, { sourcePrefix });
  return { out, errors: c.errors.map((e) => `${e.path}: ${e.message}`) };
}

function hasError(errors: string[], path: string, fragment: string): boolean {
  return errors.some((e) => e.startsWith(`${path}: `) && e.includes(fragment));
}

describe('validateLabelSelector', () => {
  it('accepts matchLabels and every operator used correctly', () => {
    const r = run({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'tier', operator: 'NotIn', values: ['c'] },
        { key: 'env', operator: 'Exists' },
        { key: 'debug', operator: 'DoesNotExist', values: [] },
      ],
    });
    assert.deepEqual(r.errors, []);
    assert.equal(r.out?.matchExpressions?.length, 4);
  });

  it('requires values for In/NotIn and forbids them for Exists/DoesNotExist', () => {
    assert.ok(
      hasError(
        run({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }).errors,
        's.matchExpressions[0].values',
        "'In' or 'NotIn'",
      ),
    );
    assert.ok(
      hasError(
        run({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }).errors,
        's.matchExpressions[0].values',
        "'Exists' or 'DoesNotExist'",
      ),
    );
  });

  it('rejects other operators and missing keys', () => {
    assert.ok(
      hasError(
        run({ matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }).errors,
        's.matchExpressions[0].operator',
        'unsupported value "in"',
      ),
    );
    assert.ok(
      hasError(
        run({ matchExpressions: [{ operator: 'Exists' }] }).errors,
        's.matchExpressions[0].key',
        'key is required',
      ),
    );
  });

  it('checks keys as qualified names and values as label values', () => {
    assert.ok(
      hasError(run({ matchLabels: { 'a b': 'x' } }).errors, 's.matchLabels', 'not a valid label key'),
    );
    assert.ok(
      hasError(run({ matchLabels: { a: 'x y' } }).errors, 's.matchLabels.a', 'not a valid label value'),
    );
    assert.ok(
      hasError(
        run({ matchExpressions: [{ key: 'a', operator: 'In', values: ['x y'] }] }).errors,
        's.matchExpressions[0].values[0]',
        'label value',
      ),
    );
  });

  it('accepts a source prefix only for Cilium selectors', () => {
    assert.deepEqual(run({ matchLabels: { 'k8s:app': 'x', 'reserved:host': '' } }, true).errors, []);
    assert.ok(
      hasError(
        run({ matchLabels: { 'k8s:app': 'x' } }, false).errors,
        's.matchLabels',
        'not a valid label key',
      ),
    );
    assert.ok(
      hasError(
        run({ matchExpressions: [{ key: 'no-pe:app', operator: 'Exists' }] }, true).errors,
        's.matchExpressions[0].key',
        'label source must be',
      ),
    );
  });

  it('rejects unknown fields and wrong types', () => {
    assert.ok(hasError(run({ matchLabel: {} }).errors, 's', 'unknown field "matchLabel"'));
    assert.ok(hasError(run({ matchExpressions: {} }).errors, 's.matchExpressions', 'must be a list'));
    assert.ok(hasError(run({ matchLabels: { a: 1 } }).errors, 's.matchLabels.a', 'must be a string'));
  });
});
