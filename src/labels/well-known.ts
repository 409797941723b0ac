// Label keys Cilium derives for pods, and the reserved label keys.
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
export const SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
/** Set by the apiserver on every namespace. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
