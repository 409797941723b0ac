// The security labels Cilium derives for a pod: its own labels plus namespace, namespace labels, service account, cluster.
import type { Label } from './label.js';
import { LabelFilter } from './label-filter.js';
import { LabelSet } from './label-set.js';
import {
  CLUSTER_LABEL,
  NAMESPACE_LABELS_PREFIX,
  POD_NAMESPACE_LABEL,
  SERVICE_ACCOUNT_LABEL,
} from './well-known.js';

export interface PodLabelInput {
  namespace: string;
  labels?: Record<string, string>;
  namespaceLabels?: Record<string, string>;
  serviceAccount?: string;
  cluster: string;
}

const defaultFilter = new LabelFilter();

export function podSecurityLabels(input: PodLabelInput, filter: LabelFilter = defaultFilter): LabelSet {
  const out: Label[] = [];
  for (const [key, value] of Object.entries(input.labels ?? {})) out.push({ source: 'k8s', key, value });
  for (const [key, value] of Object.entries(input.namespaceLabels ?? {})) {
    out.push({ source: 'k8s', key: NAMESPACE_LABELS_PREFIX + key, value });
  }
  out.push({ source: 'k8s', key: POD_NAMESPACE_LABEL, value: input.namespace });
  out.push({ source: 'k8s', key: SERVICE_ACCOUNT_LABEL, value: input.serviceAccount || 'default' });
  out.push({ source: 'k8s', key: CLUSTER_LABEL, value: input.cluster });
  return new LabelSet(filter.filter(out));
}
