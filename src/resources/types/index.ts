// Typed Kubernetes and Cilium objects.
export type * from './cilium-policy.js';
export type * from './core.js';
export type * from './external-host.js';
export type * from './network-policy.js';
export * from './resource.js';
