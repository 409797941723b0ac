// apps/v1 Deployment: replicas, a selector that matches the pod template's labels, and the template's PodSpec.

import { readInt, readObject, readString } from './field-reader.js';
import { IssueCollector } from './issue-collector.js';
import { dns1123Subdomain } from './k8s-names.js';
import type { Deployment, LabelSelector, PodTemplateSpec } from './types/index.js';
import { validateLabels, validateObjectMeta } from './validate-meta.js';
import { validatePodSpec } from './validate-pod.js';
import { validateLabelSelector } from './validate-selector.js';
import type { ValidateContext, ValidationResult } from './validator.js';

export function validateDeployment(value: unknown, ctx: ValidateContext): ValidationResult<Deployment> {
  const c = new IssueCollector();
  const obj = readObject(value, '', c) ?? {};
  const metadata = validateObjectMeta(obj.metadata, 'metadata', c, {
    nameFormat: dns1123Subdomain,
    namespaced: true,
    defaultNamespace: ctx.namespace,
    kind: 'Deployment',
  });
  const spec = readObject(obj.spec, 'spec', c) ?? {};
  if (obj.spec === undefined || obj.spec === null) c.error('spec', 'spec is required');

  const replicas = readInt(spec.replicas, 'spec.replicas', c, { min: 0 }) ?? 1;
  const selector = validateLabelSelector(spec.selector, 'spec.selector', c, { strict: false });
  if (!selector) {
    if (spec.selector === undefined || spec.selector === null)
      c.error('spec.selector', 'selector is required');
  } else if (Object.keys(selector.matchLabels ?? {}).length === 0 && !selector.matchExpressions?.length) {
    c.error('spec.selector', 'empty selector is invalid for deployment');
  }

  const template: PodTemplateSpec = { spec: { containers: [] } };
  const tpl = readObject(spec.template, 'spec.template', c);
  if (!tpl) {
    if (spec.template === undefined || spec.template === null)
      c.error('spec.template', 'template is required');
  } else {
    const meta = readObject(tpl.metadata, 'spec.template.metadata', c);
    const labels = meta ? validateLabels(meta.labels, 'spec.template.metadata.labels', c) : undefined;
    template.metadata = {};
    if (labels) template.metadata.labels = labels;
    const name = meta ? readString(meta.name, 'spec.template.metadata.name', c) : undefined;
    if (name) template.metadata.name = name;
    template.spec = validatePodSpec(tpl.spec, 'spec.template.spec', c);
    if (template.spec.restartPolicy && template.spec.restartPolicy !== 'Always') {
      c.error(
        'spec.template.spec.restartPolicy',
        `unsupported value "${template.spec.restartPolicy}": supported values: "Always"`,
      );
    }
    if (selector && !selectorMatches(selector, labels ?? {})) {
      c.error('spec.template.metadata.labels', 'selector does not match template labels');
    }
  }

  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: { replicas, selector: selector ?? {}, template },
  };
  return c.result(deployment);
}

function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const inValues = value !== undefined && (e.values ?? []).includes(value);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
