// Reconcilers of the embedded cluster, driven by store watches: Deployments, Services, garbage collection.
export {
  API_SERVICE_IP,
  type ClusterIPDecision,
  type ClusterIPOptions,
  DNS_SERVICE_IP,
  decideClusterIP,
  needsClusterIP,
  SERVICE_CIDR,
} from './cluster-ip-allocator.js';
export type { Controller, ControllerErrorHandler, ControllerOptions } from './controller.js';
export { ControllerError, type ControllerErrorCode } from './controller-error.js';
export { ControllerManager } from './controller-manager.js';
export { DeploymentController } from './deployment-controller.js';
export { GarbageCollector, isOrphaned, type OwnerLookup } from './garbage-collector.js';
export {
  currentLoadBalancerIP,
  DEFAULT_LB_POOL,
  decideLoadBalancerIP,
  type LbIpamOptions,
} from './lb-ipam.js';
export { decideNodePorts, type NodePortOptions, needsNodePorts } from './node-port-allocator.js';
export { controllerReference, isControlledBy } from './owner-references.js';
export { type DeploymentPlan, type DeploymentStatus, planDeployment, podFor } from './plan-deployment.js';
export {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  managesEndpoints,
  planEndpointSlices,
  resolvePorts,
  SERVICE_NAME_LABEL,
  type SlicePlan,
  selectorMatches,
} from './plan-endpoint-slices.js';
export { isPodReady, isPodTerminal } from './pod-readiness.js';
export { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from './pod-template-hash.js';
export {
  CLUSTER_IP_REALLOCATED_ANNOTATION,
  NODE_PORT_REALLOCATED_ANNOTATION,
  ServiceController,
  type ServiceControllerOptions,
} from './service-controller.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
