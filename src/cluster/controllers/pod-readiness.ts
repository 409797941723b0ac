// Whether a pod is Ready: its `Ready` condition is "True", as the kubelet reports it.
import type { Pod } from '../../resources/index.js';

interface PodCondition {
  type?: string;
  status?: string;
}

export function isPodReady(pod: Pod): boolean {
  const conditions = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => c?.type === 'Ready' && c.status === 'True');
}

/** Succeeded or Failed: the pod will not run again and serves nothing. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
