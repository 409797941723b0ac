// Dispatches a decoded document to its kind's validator and names the object in every issue.

import { describeValue, isPlainObject } from './field-reader.js';
import { type FieldIssue, ManifestIssue } from './manifest-error.js';
import type { Resource, ResourceKind, SourceLocation } from './types/index.js';
import { NAMESPACED_KINDS } from './types/index.js';
import { validateCiliumPolicy } from './validate-cilium-policy.js';
import { validateDeployment } from './validate-deployment.js';
import { validateEndpointSlice } from './validate-endpoint-slice.js';
import { validateEvent } from './validate-event.js';
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
  Event: { apiVersion: 'v1', validate: validateEvent },
};

/**
 * Kinds a Kubernetes API server knows but Porin has no use for: applied manifests often carry them
 * (a ServiceAccount next to a Deployment), so they are skipped with a warning, as long as kind and
 * apiVersion are a real pair. Anything else is an error, as kubectl reports a kind no server knows.
 */
const KNOWN_UNUSED_KINDS: Readonly<Record<string, readonly string[]>> = {
  ConfigMap: ['v1'],
  ServiceAccount: ['v1'],
  PersistentVolumeClaim: ['v1'],
  PersistentVolume: ['v1'],
  LimitRange: ['v1'],
  ResourceQuota: ['v1'],
  ReplicationController: ['v1'],
  DaemonSet: ['apps/v1'],
  StatefulSet: ['apps/v1'],
  ReplicaSet: ['apps/v1'],
  Job: ['batch/v1'],
  CronJob: ['batch/v1'],
  Ingress: ['networking.k8s.io/v1'],
  IngressClass: ['networking.k8s.io/v1'],
  Role: ['rbac.authorization.k8s.io/v1'],
  RoleBinding: ['rbac.authorization.k8s.io/v1'],
  ClusterRole: ['rbac.authorization.k8s.io/v1'],
  ClusterRoleBinding: ['rbac.authorization.k8s.io/v1'],
  HorizontalPodAutoscaler: ['autoscaling/v2', 'autoscaling/v1'],
  PodDisruptionBudget: ['policy/v1'],
  CustomResourceDefinition: ['apiextensions.k8s.io/v1'],
};

/** Levenshtein distance, for "did you mean" on kind names (short strings only). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function unknownKindMessage(kind: string, apiVersion: unknown): string {
  const version = typeof apiVersion === 'string' && apiVersion ? apiVersion : '(no apiVersion)';
  const known = [...Object.keys(SUPPORTED_KINDS), ...Object.keys(KNOWN_UNUSED_KINDS)];
  const near = known
    .map((k) => ({ k, d: distance(k.toLowerCase(), kind.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(kind.length / 5)))
    .sort((a, b) => a.d - b.d)[0];
  const hint = near ? `did you mean "${near.k}"?` : `Porin reads ${Object.keys(SUPPORTED_KINDS).join(', ')}`;
  return `no matches for kind "${kind}" in version "${version}": ${hint}`;
}

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
    const obj = describeObject(kind, value, true, ctx.namespace);
    if (typeof apiVersion === 'string' && KNOWN_UNUSED_KINDS[kind]?.includes(apiVersion))
      return { issues: [issue('warning', '', `ignored: Porin does not use kind ${kind}`, obj)] };
    return { issues: [issue('error', 'kind', unknownKindMessage(kind, apiVersion), obj)] };
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
