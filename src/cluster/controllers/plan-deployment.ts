// The Deployment decision, pure: which pods to create and delete, and the status to report.
import type { Deployment, Pod } from '../../resources/index.js';
import { jsonClone } from '../store/index.js';
import { controllerReference, isControlledBy } from './owner-references.js';
import { isPodReady } from './pod-readiness.js';
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from './pod-template-hash.js';

export interface DeploymentStatus {
  /** Pods the Deployment will have once this plan is carried out. */
  replicas: number;
  /** Of those, pods of the current template. */
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

export interface DeploymentPlan {
  hash: string;
  /** New pods, named by the store from `generateName` (`<deployment>-<hash>-<5 random>`). */
  create: Pod[];
  delete: Pod[];
  status: DeploymentStatus;
}

/**
 * Keeps `spec.replicas` pods of the current template. A template change is a recreate: every pod
 * of an older template goes, as many new ones come (created before the old are deleted). Scaling
 * down deletes the newest pods first. Only pods this Deployment controls (owner uid) count.
 */
export function planDeployment(deployment: Deployment, podsInNamespace: readonly Pod[]): DeploymentPlan {
  const hash = podTemplateHash(deployment.spec.template);
  const owned = podsInNamespace.filter((p) => isControlledBy(p, deployment));
  const current = owned.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
  const old = owned.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] !== hash);
  const desired = Math.max(0, deployment.spec.replicas ?? 1);

  const excess = [...current].sort(newestFirst).slice(0, Math.max(0, current.length - desired));
  const create = Array.from({ length: Math.max(0, desired - current.length) }, () =>
    podFor(deployment, hash),
  );
  const kept = current.filter((p) => !excess.includes(p));
  const ready = kept.filter(isPodReady).length;
  return {
    hash,
    create,
    delete: [...old, ...excess],
    status: {
      replicas: kept.length + create.length,
      updatedReplicas: kept.length + create.length,
      readyReplicas: ready,
      availableReplicas: ready,
    },
  };
}

/** A pod from the template: template labels plus the hash, controlled by the Deployment. */
export function podFor(deployment: Deployment, hash: string): Pod {
  const template = deployment.spec.template;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: '',
      generateName: `${deployment.metadata.name}-${hash}-`,
      namespace: deployment.metadata.namespace ?? 'default',
      labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash },
      ownerReferences: [controllerReference(deployment)],
    },
    spec: jsonClone(template.spec),
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  return pod;
}

function newestFirst(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return tb - ta;
  return a.metadata.name < b.metadata.name ? 1 : a.metadata.name > b.metadata.name ? -1 : 0;
}
