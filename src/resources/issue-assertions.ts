// Test helpers: validate an object or manifest text and assert on issues by exact path and message fragment.
import assert from 'node:assert/strict';
import { loadManifestText } from './load-manifests.js';
import type { ManifestIssue } from './manifest-error.js';
import type { Resource } from './types/index.js';
import { validateResource } from './validate-resource.js';

export interface Checked {
  object?: Resource;
  errors: ManifestIssue[];
  warnings: ManifestIssue[];
}

/** Validates one decoded document as if it were `test.yaml#1`. */
export function check(value: unknown, namespace = 'default'): Checked {
  const r = validateResource(value, { source: { file: 'test.yaml', document: 1 }, namespace });
  const out: Checked = {
    errors: r.issues.filter((i) => i.severity === 'error'),
    warnings: r.issues.filter((i) => i.severity === 'warning'),
  };
  if (r.object) out.object = r.object;
  return out;
}

export function checkText(text: string, namespace?: string): Checked {
  const r = loadManifestText(text, 'test.yaml', namespace ? { namespace } : {});
  const out: Checked = { errors: r.errors, warnings: r.warnings };
  const first = r.resources[0];
  if (first) out.object = first.object;
  return out;
}

function find(list: ManifestIssue[], path: string, fragment: string): ManifestIssue | undefined {
  return list.find((i) => i.path === path && i.message.includes(fragment));
}

function dump(list: ManifestIssue[]): string {
  return list.length ? list.map((i) => `  ${i.path}: ${i.message}`).join('\n') : '  (none)';
}

/** Asserts an error at exactly `path` whose message contains `fragment`, and that no object came back. */
export function assertError(r: Checked, path: string, fragment: string): void {
  assert.ok(
    find(r.errors, path, fragment),
    `expected error at ${path} containing ${JSON.stringify(fragment)}; got:\n${dump(r.errors)}`,
  );
  assert.equal(r.object, undefined, 'an object with errors must not be returned');
}

export function assertWarning(r: Checked, path: string, fragment: string): void {
  assert.ok(
    find(r.warnings, path, fragment),
    `expected warning at ${path} containing ${JSON.stringify(fragment)}; got:\n${dump(r.warnings)}`,
  );
}

export function assertNoWarning(r: Checked, fragment: string): void {
  const w = r.warnings.find((i) => i.message.includes(fragment));
  assert.equal(w, undefined, `unexpected warning: ${w?.toString()}`);
}

/** Asserts no errors and returns the normalized object. */
export function assertValid(r: Checked): Resource {
  assert.equal(r.errors.length, 0, `expected no errors; got:\n${dump(r.errors)}`);
  assert.ok(r.object, 'expected an object');
  return r.object;
}

/** A CiliumNetworkPolicy `p` in `default` with the given rule as spec. */
export function cnp(spec: unknown, kind = 'CiliumNetworkPolicy'): Record<string, unknown> {
  return { apiVersion: 'cilium.io/v2', kind, metadata: { name: 'p' }, spec };
}

export function knp(spec: unknown): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, spec };
}

/** A CNP rule selecting `app=web` with one ingress rule. */
export function ingressRule(rule: unknown): Record<string, unknown> {
  return cnp({ endpointSelector: { matchLabels: { app: 'web' } }, ingress: [rule] });
}

export function egressRule(rule: unknown): Record<string, unknown> {
  return cnp({ endpointSelector: { matchLabels: { app: 'web' } }, egress: [rule] });
}

/** An ingress rule from any endpoint with one toPorts entry. */
export function portRule(
  portRuleValue: unknown,
  direction: 'ingress' | 'egress' = 'ingress',
): Record<string, unknown> {
  const peer = direction === 'ingress' ? { fromEndpoints: [{}] } : { toEndpoints: [{}] };
  const rule = { ...peer, toPorts: [portRuleValue] };
  return direction === 'ingress' ? ingressRule(rule) : egressRule(rule);
}
