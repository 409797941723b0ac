// Label keys in Cilium selectors, as Cilium's own key validation judges them (pkg/labels validation cases).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadManifestText } from '../../src/resources/index.js';

const a = (n: number) => 'a'.repeat(n);

/** A CNP whose endpoint selector has the one matchLabels key under test. */
function withKey(key: string, value = 'x') {
  const doc = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: 'p', namespace: 'default' },
    spec: { endpointSelector: { matchLabels: { [key]: value } }, ingress: [{}] },
  };
  return loadManifestText(JSON.stringify(doc), 'keys.yaml');
}

describe('Cilium selector label keys (conformance with Cilium key validation)', () => {
  const valid = [
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    'simple/simple',
    'now.with.dots/simple',
    '1.2.3.4/5678',
    'UpperCaseAreOK123',
    'k8s:key',
    'any:simple/simple',
    'k8s:app.kubernetes.io',
    'reserved:host',
    `k8s:${a(63)}`,
    // the namespace-labels prefix does not count against the 63-character name
    `k8s:io.cilium.k8s.namespace.labels.${a(63)}`,
    `io.cilium.k8s.namespace.labels.${a(63)}`,
    `k8s:${a(253)}/${'b'.repeat(63)}`,
    // nor against the 253-character DNS prefix
    `k8s:io.cilium.k8s.namespace.labels.${a(253)}/${'b'.repeat(63)}`,
  ];
  for (const key of valid) {
    it(`accepts ${key.length > 40 ? `${key.slice(0, 40)}… (${key.length} chars)` : key}`, () => {
      const r = withKey(key);
      assert.deepEqual(
        r.errors.map((e) => e.toString()),
        [],
      );
      assert.equal(r.resources.length, 1);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['nospecialchars^=@', /name part must consist of/],
    ['cantendwithadash-', /name part must consist of/],
    ['only/one/slash', /a qualified name must consist of/],
    [a(64), /must be no more than 63/],
    [`src:${a(64)}`, /must be no more than 63/],
    [`k8s:test.com/${a(64)}`, /must be no more than 63/],
    [`k8s:${a(254)}/test`, /must be no more than 253/],
    [`k8s:io.cilium.k8s.namespace.labels.${a(254)}/test`, /must be no more than 253/],
    [`k8s:io.cilium.k8s.namespace.labels.${a(64)}`, /must be no more than 63/],
    [':empty-source', /label source must be a non-empty string/],
    ['k8s:empty:source', /only one ':' may separate/],
  ];
  for (const [key, want] of invalid) {
    it(`refuses ${key.length > 40 ? `${key.slice(0, 40)}… (${key.length} chars)` : key}, naming the field`, () => {
      const r = withKey(key);
      assert.equal(r.resources.length, 0, 'nothing is applied');
      assert.equal(r.errors.length, 1);
      const text = r.errors[0]!.toString();
      assert.match(text, want);
      assert.match(text, /spec\.endpointSelector\.matchLabels/);
    });
  }

  it('warns (but accepts, as Cilium does) a source Cilium does not define', () => {
    const r = withKey('src:app');
    assert.equal(r.errors.length, 0);
    assert.match(r.warnings.map(String).join('\n'), /unknown label source "src"/);
  });
});
