// Dispatches a decoded document to its kind's validator and names the object in every issue.

import { describeValue, isPlainObject } from './field-reader.js';
import { type FieldIssue, ManifestIssue } from './manifest-error.js';
import type { Resource, ResourceKind, SourceLocation } from './types/index.js';
import { NAMESPACED_KINDS } from './types/index.js';
import { validateCiliumPolicy } from './validate-cilium-policy.js';
import { validateDeployment } from './validate-deployment.js';
import { validateEndpointSlice } from './validate-endpoint-slice.js';
import { validateExternalHost } from './validate-external-host.js';
import { describeObject } from './validate-meta.js';
import { validateNamespace } from './validate-namespace.js';
import { validateNetworkPolicy } from './validate-network-policy.js';
import { validateNode } from './validate-node.js';
import { validatePod } from './validate-pod.js';
import { validateService } from './validate-service.js';
import type { Validator } from './validator.js';

interface KindInfo {
  apiVersion: string;
  validate: Validator<Resource>;
}

/** Every kind Porin reads, with the one apiVersion it accepts. */
export const SUPPORTED_KINDS: Readonly<Record<ResourceKind, KindInfo>> = {
  Namespace: { apiVersion: 'v1', validate: validateNamespace },
  Pod: { apiVersion: 'v1', validate: validatePod },
  Service: { apiVersion: 'v1', validate: validateService },
  Node: { apiVersion: 'v1', validate: validateNode },
  Deployment: { apiVersion: 'apps/v1', validate: validateDeployment },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', validate: validateEndpointSlice },
  NetworkPolicy: { apiVersion: 'networking.k8s.io/v1', validate: validateNetworkPolicy },
  CiliumNetworkPolicy: { apiVersion: 'cilium.io/v2', validate: validateCiliumPolicy },
  CiliumClusterwideNetworkPolicy: { apiVersion: 'cilium.io/v2', validate: validateCiliumPolicy },
  ExternalHost: { apiVersion: 'porin.io/v1alpha1', validate: validateExternalHost },
};

export interface ResourceContext {
  source: SourceLocation;
  /** Namespace for namespaced objects that do not name one. */
  namespace: string;
  /** Prefix for every field path, e.g. `items[2]` for an item of a `kind: List`. */
  pathPrefix?: string;
}

export function validateResource(
  value: unknown,
  ctx: ResourceContext,
): { object?: Resource; issues: ManifestIssue[] } {
  const prefix = ctx.pathPrefix ?? '';
  const join = (path: string): string => {
    if (!prefix || !path) return prefix || path;
    return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
  };
  const issue = (
    severity: 'error' | 'warning',
    path: string,
    message: string,
    object?: string,
  ): ManifestIssue => new ManifestIssue(severity, ctx.source, join(path), message, object);

  if (!isPlainObject(value)) {
    return {
      issues: [
        issue(
          'error',
          '',
          `a manifest document must be a Kubernetes object (a mapping with apiVersion and kind), got ${describeValue(value)}`,
        ),
      ],
    };
  }
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  if (typeof kind !== 'string' || kind === '') {
    return { issues: [issue('error', 'kind', 'kind is required (e.g. "kind: Pod")')] };
  }
  if (!Object.hasOwn(SUPPORTED_KINDS, kind)) {
    return {
      issues: [
        issue(
          'warning',
          '',
          `ignored: Porin does not use kind ${kind}`,
          describeObject(kind, value, true, ctx.namespace),
        ),
      ],
    };
  }
  const info = SUPPORTED_KINDS[kind as ResourceKind];
  const namespaced = NAMESPACED_KINDS.has(kind as ResourceKind);
  const name = describeObject(kind, value, namespaced, ctx.namespace);
  if (apiVersion !== info.apiVersion) {
    const got =
      typeof apiVersion === 'string' && apiVersion
        ? `"${apiVersion}" is not supported for ${kind}`
        : 'apiVersion is required';
    return { issues: [issue('error', 'apiVersion', `${got}: use "${info.apiVersion}"`, name)] };
  }
  const r = info.validate(value, { namespace: ctx.namespace });
  const toIssues = (severity: 'error' | 'warning', list: FieldIssue[]): ManifestIssue[] =>
    list.map((f) => issue(severity, f.path, f.message, name));
  const issues = [...toIssues('error', r.errors), ...toIssues('warning', r.warnings)];
  return r.object ? { object: r.object, issues } : { issues };
}
