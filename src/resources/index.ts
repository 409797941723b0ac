// Manifests: reading, validation, typed objects.

export { IssueCollector } from './issue-collector.js';
export * from './k8s-names.js';
export * from './load-manifests.js';
export * from './manifest-error.js';
export * from './manifest-read-error.js';
export * from './manifest-reader.js';
export * from './types/index.js';
export { validateCiliumPolicy } from './validate-cilium-policy.js';
export { validateDeployment } from './validate-deployment.js';
export { validateEndpointSlice } from './validate-endpoint-slice.js';
export { validateExternalHost } from './validate-external-host.js';
export { validateLabels, validateObjectMeta } from './validate-meta.js';
export { validateNamespace } from './validate-namespace.js';
export { validateNetworkPolicy } from './validate-network-policy.js';
export { validateNode } from './validate-node.js';
export { validatePod } from './validate-pod.js';
export { type ResourceContext, SUPPORTED_KINDS, validateResource } from './validate-resource.js';
export { validateLabelSelector } from './validate-selector.js';
export { validateService } from './validate-service.js';
export {
  DEFAULT_AFFINITY_TIMEOUT,
  DEFAULT_SERVICE_CIDR,
  externallyAccessible,
  LB_ALGORITHM_ANNOTATION,
  LB_ALGORITHMS,
  MAX_AFFINITY_TIMEOUT,
  NODE_PORT_MAX,
  NODE_PORT_MIN,
  serviceClashes,
} from './validate-service-traffic.js';
export type { ValidateContext, ValidationResult, Validator } from './validator.js';
