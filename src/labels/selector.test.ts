import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLabel } from './label.js';
import { LabelFilter } from './label-filter.js';
import { LabelSet } from './label-set.js';
import { podSecurityLabels } from './pod-labels.js';
import { Selector } from './selector.js';

const set = (...ls: string[]) => new LabelSet(ls.map((l) => parseLabel(l, 'k8s')));

describe('Selector', () => {
  const labels = set('k8s:app=web', 'k8s:tier=front', 'reserved:host');
  it('matchLabels and every operator', () => {
    assert.ok(Selector.from({ matchLabels: { app: 'web' } }).matches(labels));
    assert.ok(!Selector.from({ matchLabels: { app: 'db' } }).matches(labels));
    const expr = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values?: string[]) =>
      Selector.from({ matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }] }).matches(
        labels,
      );
    assert.equal(expr('In', ['front', 'back']), true);
    assert.equal(expr('In', ['back']), false);
    assert.equal(expr('NotIn', ['back']), true);
    assert.equal(expr('NotIn', ['front']), false);
    assert.equal(expr('Exists'), true);
    assert.equal(expr('DoesNotExist'), false);
    assert.equal(
      Selector.from({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }).matches(
        labels,
      ),
      true,
    );
  });
  it('label sources: any matches every source, an explicit source only its own', () => {
    assert.ok(Selector.from({ matchLabels: { 'k8s:app': 'web' } }).matches(labels));
    assert.ok(!Selector.from({ matchLabels: { 'reserved:app': 'web' } }).matches(labels));
    assert.ok(Selector.from({ matchLabels: { 'any:app': 'web' } }).matches(labels));
    assert.ok(Selector.from({ matchLabels: { 'reserved:host': '' } }).matches(labels));
  });
  it('an empty selector matches everything; equal selectors have equal keys', () => {
    assert.ok(Selector.from({}).matches(set()));
    const a = Selector.from({ matchLabels: { a: '1', b: '2' } });
    const b = Selector.from({
      matchExpressions: [{ key: 'b', operator: 'In', values: ['2'] }],
      matchLabels: { a: '1' },
    });
    assert.equal(a.key, b.key);
  });
});

describe('pod security labels', () => {
  it('derives namespace, namespace labels, service account and cluster, and drops high-cardinality labels', () => {
    const l = podSecurityLabels({
      namespace: 'prod',
      labels: {
        app: 'web',
        'pod-template-hash': 'abc123',
        'statefulset.kubernetes.io/pod-name': 'web-0',
        'app.kubernetes.io/name': 'web',
      },
      namespaceLabels: { team: 'a', 'kubernetes.io/metadata.name': 'prod' },
      cluster: 'c1',
    });
    assert.deepEqual(l.toStrings(), [
      'k8s:app.kubernetes.io/name=web',
      'k8s:app=web',
      'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=prod',
      'k8s:io.cilium.k8s.namespace.labels.team=a',
      'k8s:io.cilium.k8s.policy.cluster=c1',
      'k8s:io.cilium.k8s.policy.serviceaccount=default',
      'k8s:io.kubernetes.pod.namespace=prod',
    ]);
  });
  it('two pods of a Deployment differing only in pod-template-hash share a label set', () => {
    const a = podSecurityLabels({
      namespace: 'd',
      labels: { app: 'x', 'pod-template-hash': '1' },
      cluster: 'c',
    });
    const b = podSecurityLabels({
      namespace: 'd',
      labels: { app: 'x', 'pod-template-hash': '2' },
      cluster: 'c',
    });
    assert.equal(a.key, b.key);
  });
  it('an inclusive filter keeps only matching labels', () => {
    const f = new LabelFilter({
      include: ['app$', 'io\\.kubernetes\\.pod\\.namespace'],
      exclude: [],
      onlyIncluded: true,
    });
    const l = podSecurityLabels({ namespace: 'd', labels: { app: 'x', version: 'v2' }, cluster: 'c' }, f);
    assert.deepEqual(l.toStrings(), ['k8s:app=x', 'k8s:io.kubernetes.pod.namespace=d']);
  });
});
