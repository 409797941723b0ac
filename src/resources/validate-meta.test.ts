// ObjectMeta: names, namespaces and labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, assertValid, assertWarning, check } from './issue-assertions.js';

const ns = (metadata: unknown) => ({ apiVersion: 'v1', kind: 'Namespace', metadata });
const pod = (metadata: unknown) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata,
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe('metadata.name', () => {
  it('is required', () => {
    assertError(check(pod({})), 'metadata.name', 'name is required');
    assertError(check(pod(undefined)), 'metadata.name', 'name is required');
    assertError(check(pod({ generateName: 'web-' })), 'metadata.name', 'generateName is not supported');
  });

  it('is a DNS-1123 subdomain for most kinds', () => {
    assertValid(check(pod({ name: 'web-1.prod' })));
    assertError(check(pod({ name: 'Web' })), 'metadata.name', '"Web" is not a valid name');
    assertError(check(pod({ name: 'web_1' })), 'metadata.name', 'RFC 1123 subdomain');
    assertError(check(pod({ name: `${'a'.repeat(254)}` })), 'metadata.name', 'no more than 253 characters');
  });

  it('is a DNS-1123 label for Namespace', () => {
    assertValid(check(ns({ name: 'team-a' })));
    assertError(check(ns({ name: 'team.a' })), 'metadata.name', 'RFC 1123 label');
  });

  it('must be a string', () => {
    assertError(check(pod({ name: 42 })), 'metadata.name', 'must be a string');
  });
});

describe('metadata.namespace', () => {
  it('must be a DNS-1123 label', () => {
    assertError(check(pod({ name: 'a', namespace: 'Prod' })), 'metadata.namespace', 'RFC 1123 label');
  });

  it('is ignored with a warning on cluster-scoped kinds', () => {
    const r = check(ns({ name: 'a', namespace: 'b' }));
    assert.equal(assertValid(r).metadata.namespace, undefined);
    assertWarning(r, 'metadata.namespace', 'cluster-scoped');
  });
});

describe('metadata.labels', () => {
  it('accepts qualified keys and valid values', () => {
    assertValid(
      check(pod({ name: 'a', labels: { 'app.kubernetes.io/name': 'web', tier: '', 'a_b.c-d': 'X_1.y-z' } })),
    );
  });

  it('rejects bad keys', () => {
    assertError(
      check(pod({ name: 'a', labels: { 'bad key': 'x' } })),
      'metadata.labels',
      '"bad key" is not a valid label key',
    );
    assertError(
      check(pod({ name: 'a', labels: { 'Example.com/app': 'x' } })),
      'metadata.labels',
      'prefix part',
    );
    assertError(check(pod({ name: 'a', labels: { 'a/b/c': 'x' } })), 'metadata.labels', 'qualified name');
    assertError(
      check(pod({ name: 'a', labels: { [`${'k'.repeat(64)}`]: 'x' } })),
      'metadata.labels',
      'name part must be no more than 63',
    );
  });

  it('rejects bad values, naming the key in the path', () => {
    assertError(
      check(pod({ name: 'a', labels: { app: 'web server' } })),
      'metadata.labels.app',
      'not a valid label value',
    );
    assertError(
      check(pod({ name: 'a', labels: { app: 'v'.repeat(64) } })),
      'metadata.labels.app',
      'no more than 63',
    );
    assertError(
      check(pod({ name: 'a', labels: { 'app.kubernetes.io/name': '-x' } })),
      'metadata.labels["app.kubernetes.io/name"]',
      'not a valid label value',
    );
  });

  it('rejects non-string values (unquoted numbers and booleans)', () => {
    assertError(
      check(pod({ name: 'a', labels: { version: 2 } })),
      'metadata.labels.version',
      'must be a string',
    );
  });
});
