// The union of every kind Porin reads, and where each object came from.
import type { CiliumNetworkPolicy } from './cilium-policy.js';
import type { Deployment, EndpointSlice, Event, Namespace, Node, Pod, Service } from './core.js';
import type { ExternalHost } from './external-host.js';
import type { NetworkPolicy } from './network-policy.js';

export type Resource =
  | Namespace
  | Pod
  | Service
  | Node
  | Deployment
  | EndpointSlice
  | NetworkPolicy
  | CiliumNetworkPolicy
  | Event
  | ExternalHost;

export type ResourceKind = Resource['kind'];

/** Where an object was read: file (or `-` for stdin) and 1-based document number within it. */
export interface SourceLocation {
  file: string;
  document: number;
}

export interface LoadedResource<R extends Resource = Resource> {
  object: R;
  source?: SourceLocation;
}

export const NAMESPACED_KINDS: ReadonlySet<ResourceKind> = new Set<ResourceKind>([
  'Pod',
  'Service',
  'Deployment',
  'EndpointSlice',
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'Event',
]);

/** `kind/namespace/name` (or `kind/name` for cluster-scoped kinds): the identity of an object. */
export function resourceKey(r: Resource): string {
  const ns = NAMESPACED_KINDS.has(r.kind) ? (r.metadata.namespace ?? 'default') : '';
  return ns ? `${r.kind}/${ns}/${r.metadata.name}` : `${r.kind}/${r.metadata.name}`;
}
