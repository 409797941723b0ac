// podTemplateHash: stable, Kubernetes-spelled, and sensitive to the template only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployment } from './controller-fixtures.test.js';
import { podTemplateHash } from './pod-template-hash.js';

test('the hash is stable, spelled in the no-vowel alphabet, and ignores key order', () => {
  const t = deployment('web', 1).spec.template;
  const h = podTemplateHash(t);
  assert.match(h, /^[bcdf245-9]{1,10}$/);
  assert.equal(podTemplateHash(structuredClone(t)), h);
  const reordered = { spec: t.spec, metadata: { labels: { app: 'web' } } };
  assert.equal(podTemplateHash(reordered), h);
});

test('any template change changes the hash', () => {
  const t = deployment('web', 1).spec.template;
  const image = structuredClone(t);
  image.spec.containers[0]!.image = 'porin/echo:2';
  const label = structuredClone(t);
  label.metadata!.labels = { app: 'web', v: '2' };
  const hashes = new Set([podTemplateHash(t), podTemplateHash(image), podTemplateHash(label)]);
  assert.equal(hashes.size, 3);
});
