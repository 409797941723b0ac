// Small typed-object builders shared by the policy unit tests.
import type { CiliumNetworkPolicy, CiliumRule, Namespace, NetworkPolicy, Pod } from '../resources/index.js';

export function ns(name: string, labels: Record<string, string> = {}): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  };
}

export function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ip?: string,
  ports: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[] = [],
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'c', ports }] },
    ...(ip ? { status: { podIP: ip } } : {}),
  };
}

export function cnp(namespace: string, name: string, spec: CiliumRule): CiliumNetworkPolicy {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec };
}

export function ccnp(name: string, spec: CiliumRule): CiliumNetworkPolicy {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}

export function knp(namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
