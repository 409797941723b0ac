// cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy: object shape, scope and every rule.

import { itemPath, readList, readObject, readString } from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Subdomain } from './k8s-names.js';
import type { CiliumNetworkPolicy, CiliumRule } from './types/index.js';
import { validateCiliumRule } from './validate-cilium-rule.js';
import { validateObjectMeta } from './validate-meta.js';
import type { ValidateContext, ValidationResult } from './validator.js';

export function validateCiliumPolicy(
  value: unknown,
  ctx: ValidateContext,
): ValidationResult<CiliumNetworkPolicy> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const kind =
    readString(obj.kind, 'kind', c) === 'CiliumClusterwideNetworkPolicy'
      ? 'CiliumClusterwideNetworkPolicy'
      : 'CiliumNetworkPolicy';
  const clusterwide = kind === 'CiliumClusterwideNetworkPolicy';
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: !clusterwide,
    defaultNamespace: ctx.namespace,
    kind,
  });
  const out: CiliumNetworkPolicy = { apiVersion: 'cilium.io/v2', kind, metadata };

  const hasSpec = obj.spec !== undefined && obj.spec !== null;
  const hasSpecs = obj.specs !== undefined && obj.specs !== null;
  if (!hasSpec && !hasSpecs) c.error('', 'spec or specs must be provided');

  if (hasSpec) {
    const spec = validateCiliumRule(obj.spec, 'spec', c, { clusterwide });
    if (spec) out.spec = spec;
  }
  const specs = readList(obj.specs, 'specs', c);
  if (specs) {
    out.specs = specs.flatMap((r, i): CiliumRule[] => {
      const rule = validateCiliumRule(r, itemPath('specs', i), c, { clusterwide });
      if (!rule && (r === null || r === undefined))
        c.error(itemPath('specs', i), 'must be a rule object, got null');
      return rule ? [rule] : [];
    });
    if (specs.length === 0 && !hasSpec) c.error('specs', `Invalid ${kind} spec(s): empty policy`);
  }
  return c.result(out);
}
