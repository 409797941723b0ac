// v1 Namespace: a DNS-1123 label name and labels.

import { readObject } from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Label } from './k8s-names.js';
import type { Namespace } from './types/index.js';
import { validateObjectMeta } from './validate-meta.js';
import type { ValidateContext, ValidationResult } from './validator.js';

export function validateNamespace(value: unknown, ctx: ValidateContext): ValidationResult<Namespace> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Label,
    namespaced: false,
    defaultNamespace: ctx.namespace,
    kind: 'Namespace',
  });
  return c.result({ apiVersion: 'v1', kind: 'Namespace', metadata });
}
