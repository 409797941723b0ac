// The EndpointSlice decision, pure: the slices a selector Service should have, from its pods.
import { isIPv4 } from 'node:net';
import type {
  EndpointSlice,
  EndpointSliceEndpoint,
  Pod,
  Protocol,
  Service,
  ServicePort,
} from '../../resources/index.js';
import { canonicalJson } from '../store/index.js';
import { controllerReference, isControlledBy } from './owner-references.js';
import { isPodReady, isPodTerminal } from './pod-readiness.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'porin.io/service-controller';

type SlicePort = NonNullable<EndpointSlice['ports']>[number];

export interface SlicePlan {
  /** New slices (with `generateName`) and changed ones (with name and resourceVersion). */
  apply: EndpointSlice[];
  delete: EndpointSlice[];
}

/** Services without a selector (or with an empty one) and ExternalName Services get no managed slices. */
export function managesEndpoints(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName' && Object.keys(svc.spec.selector ?? {}).length > 0;
}

export function selectorMatches(
  selector: Record<string, string>,
  labels: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * One slice per distinct set of resolved ports: normally one per Service, more only when a named
 * targetPort resolves to different numbers on different pods (a slice has one port list), as
 * Kubernetes does. Endpoints are the selected pods that have an IPv4 `status.podIP`, ready or not
 * (`conditions.ready` says which). With no endpoints the Service keeps one empty slice.
 * `existing` may hold any slices of the namespace; only this controller's slices for `svc` count.
 */
export function planEndpointSlices(
  svc: Service,
  pods: readonly Pod[],
  existing: readonly EndpointSlice[],
): SlicePlan {
  const ours = existing.filter((s) => isManagedSliceOf(s, svc));
  if (!managesEndpoints(svc)) return { apply: [], delete: [...ours] };
  const current = ours.filter((s) => isControlledBy(s, svc));
  const stale = ours.filter((s) => !isControlledBy(s, svc));

  const groups = new Map<string, { ports: SlicePort[]; endpoints: EndpointSliceEndpoint[] }>();
  const selector = svc.spec.selector ?? {};
  const selected = pods
    .filter(
      (p) => p.metadata.namespace === svc.metadata.namespace && selectorMatches(selector, p.metadata.labels),
    )
    .filter((p) => !isPodTerminal(p) && isIPv4(p.status?.podIP ?? ''))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const pod of selected) {
    const ports = resolvePorts(svc.spec.ports ?? [], pod);
    const signature = canonicalJson(ports);
    const group = groups.get(signature) ?? { ports, endpoints: [] };
    groups.set(signature, group);
    group.endpoints.push(endpointFor(pod));
  }
  if (groups.size === 0) groups.set('[]', { ports: [], endpoints: [] });

  // Reuse a slice with the same ports first, then any other of ours; the rest are created or deleted.
  const unused = [...current];
  const plan: SlicePlan = { apply: [], delete: [...stale] };
  const pending: { signature: string; ports: SlicePort[]; endpoints: EndpointSliceEndpoint[] }[] = [];
  for (const [signature, g] of groups) {
    const i = unused.findIndex((s) => canonicalJson(s.ports ?? []) === signature);
    if (i < 0) {
      pending.push({ signature, ...g });
      continue;
    }
    const [slice] = unused.splice(i, 1);
    updateIfChanged(plan, slice!, sliceFor(svc, g.ports, g.endpoints));
  }
  for (const g of pending) {
    const slice = unused.shift();
    const desired = sliceFor(svc, g.ports, g.endpoints);
    if (slice) updateIfChanged(plan, slice, desired);
    else plan.apply.push(desired);
  }
  plan.delete.push(...unused);
  return plan;
}

/** Ports of `svc` as they reach this pod: numeric targetPorts as given, named ones looked up in its containers. */
export function resolvePorts(ports: readonly ServicePort[], pod: Pod): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of ports) {
    const protocol: Protocol = sp.protocol ?? 'TCP';
    const target = sp.targetPort ?? sp.port;
    const port = typeof target === 'number' ? target : namedPort(pod, target, protocol);
    if (port === undefined) continue; // this pod does not offer it
    const p: SlicePort = { port, protocol };
    if (sp.name) p.name = sp.name;
    out.push(p);
  }
  return out;
}

function namedPort(pod: Pod, name: string, protocol: Protocol): number | undefined {
  for (const c of pod.spec.containers) {
    const cp = c.ports?.find((p) => p.name === name && (p.protocol ?? 'TCP') === protocol);
    if (cp) return cp.containerPort;
  }
  return undefined;
}

function endpointFor(pod: Pod): EndpointSliceEndpoint {
  const ready = isPodReady(pod);
  const ep: EndpointSliceEndpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready, serving: ready, terminating: false },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name },
  };
  if (pod.metadata.uid) ep.targetRef!.uid = pod.metadata.uid;
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  return ep;
}

function sliceFor(svc: Service, ports: SlicePort[], endpoints: EndpointSliceEndpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: '',
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace ?? 'default',
      labels: { [SERVICE_NAME_LABEL]: svc.metadata.name, [MANAGED_BY_LABEL]: MANAGED_BY },
      ownerReferences: [controllerReference(svc)],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

function isManagedSliceOf(slice: EndpointSlice, svc: Service): boolean {
  const labels = slice.metadata.labels ?? {};
  return (
    slice.metadata.namespace === svc.metadata.namespace &&
    labels[SERVICE_NAME_LABEL] === svc.metadata.name &&
    labels[MANAGED_BY_LABEL] === MANAGED_BY
  );
}

function updateIfChanged(plan: SlicePlan, existing: EndpointSlice, desired: EndpointSlice): void {
  const content = (s: EndpointSlice) =>
    canonicalJson([s.addressType, s.endpoints, s.ports ?? [], s.metadata.labels, s.metadata.ownerReferences]);
  if (content(existing) === content(desired)) return;
  const { generateName: _g, ...metadata } = desired.metadata;
  const update: EndpointSlice = {
    ...desired,
    metadata: { ...metadata, name: existing.metadata.name },
  };
  if (existing.metadata.resourceVersion) update.metadata.resourceVersion = existing.metadata.resourceVersion;
  plan.apply.push(update);
}
