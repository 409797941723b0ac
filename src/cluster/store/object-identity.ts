// How objects are named inside the store: kinds, namespace defaulting and keys.
import { NAMESPACED_KINDS, type ResourceKind, SUPPORTED_KINDS } from '../../resources/index.js';
import type { ObjectRef } from './object-store.js';
import { StoreError } from './store-error.js';

export const DEFAULT_NAMESPACE = 'default';

export function isKnownKind(kind: unknown): kind is ResourceKind {
  return typeof kind === 'string' && Object.hasOwn(SUPPORTED_KINDS, kind);
}

export function isNamespacedKind(kind: ResourceKind): boolean {
  return NAMESPACED_KINDS.has(kind);
}

/** A ref with its namespace settled: `default` when a namespaced kind names none, `''` when cluster-scoped. */
export interface ResolvedRef {
  kind: ResourceKind;
  namespace: string;
  name: string;
  key: string;
}

/** The same `Kind/namespace/name` (or `Kind/name`) that `resourceKey` gives. */
export function objectKey(kind: ResourceKind, namespace: string, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

export function resolveRef(ref: ObjectRef): ResolvedRef {
  if (!isKnownKind(ref.kind)) {
    throw new StoreError('PORIN_ERR_INVALID', `unknown kind ${JSON.stringify(ref.kind)}`);
  }
  if (typeof ref.name !== 'string' || ref.name === '' || ref.name.includes('/')) {
    throw new StoreError('PORIN_ERR_INVALID', `${ref.kind}: invalid name ${JSON.stringify(ref.name)}`);
  }
  const namespace = isNamespacedKind(ref.kind) ? ref.namespace || DEFAULT_NAMESPACE : '';
  if (namespace.includes('/')) {
    throw new StoreError('PORIN_ERR_INVALID', `${ref.kind}: invalid namespace ${JSON.stringify(namespace)}`);
  }
  return { kind: ref.kind, namespace, name: ref.name, key: objectKey(ref.kind, namespace, ref.name) };
}

/** `Pod default/web` or `Namespace prod`, for messages. */
export function describeRef(ref: { kind: string; namespace?: string; name: string }): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
