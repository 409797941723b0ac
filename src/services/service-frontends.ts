// Service + EndpointSlices → the frontends kube-proxy would program for them, with their backends.
import {
  DEFAULT_AFFINITY_TIMEOUT,
  type EndpointSlice,
  LB_ALGORITHM_ANNOTATION,
  type Service,
} from '../resources/index.js';
import type { Backend, Frontend, FrontendType, LbAlgorithm, LbProtocol } from './frontend.js';
import type { LbConfig } from './lb-config.js';
import { backendAllowed, selectEndpoints, slicesOf } from './select-endpoints.js';

/** The algorithm a service asks for (annotation), else the node's default. */
export function serviceAlgorithm(svc: Service, cfg: LbConfig): LbAlgorithm {
  const a = svc.metadata.annotations?.[LB_ALGORITHM_ANNOTATION];
  return a === 'random' || a === 'maglev' ? a : cfg.algorithm;
}

/** Load-balancer addresses the service has been given (`status.loadBalancer.ingress[].ip`). */
export function loadBalancerIPs(svc: Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
}

/**
 * Every frontend of `svc`. `slices` may hold any slices; only the service's own are read. Headless and
 * ExternalName services have none (DNS only). A service whose cluster IP is not allocated yet still gets
 * its node-port, external-IP and load-balancer frontends.
 */
export function serviceFrontends(svc: Service, slices: readonly EndpointSlice[], cfg: LbConfig): Frontend[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const service = { namespace, name: svc.metadata.name };
  const mine = slicesOf(namespace, svc.metadata.name, slices);
  const affinityTimeout =
    spec.sessionAffinity === 'ClientIP'
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT)
      : 0;
  const algorithm = serviceAlgorithm(svc, cfg);
  const clusterIP = spec.clusterIP && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;
  const headless = spec.clusterIP === 'None';
  const out: Frontend[] = [];
  for (const p of spec.ports ?? []) {
    const protocol: LbProtocol = p.protocol ?? 'TCP';
    const eps = selectEndpoints(mine, p.name ?? '', protocol, cfg.nodeName, cfg.backendRanges);
    const base = {
      service,
      portName: p.name ?? '',
      protocol,
      draining: eps.draining,
      affinityTimeout,
      algorithm,
    };
    const scoped = (local: boolean) => ({
      backends: local ? eps.local : eps.all,
      localOnlyEmpty: local && eps.local.length === 0 && eps.all.length > 0,
    });
    if (clusterIP && !headless) {
      const itpLocal = spec.internalTrafficPolicy === 'Local';
      out.push({ ...base, type: 'ClusterIP', address: clusterIP, port: p.port, ...scoped(itpLocal) });
    }
    // NodePort, external IPs and load-balancer IPs follow externalTrafficPolicy. With Local, traffic from
    // outside uses node-local endpoints only, while traffic from pods and the node itself uses all of them
    // (kube-proxy's short-circuit for in-cluster sources).
    const etpLocal = spec.externalTrafficPolicy === 'Local';
    const external = (type: FrontendType, address: string, port: number): Frontend => ({
      ...base,
      type,
      address,
      port,
      ...scoped(etpLocal),
      ...(etpLocal ? { internalBackends: eps.all } : {}),
    });
    if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort) {
      for (const a of cfg.nodeAddresses) out.push(external('NodePort', a, p.nodePort));
    }
    for (const a of spec.externalIPs ?? []) out.push(external('ExternalIP', a, p.port));
    if (spec.type === 'LoadBalancer') {
      for (const a of loadBalancerIPs(svc)) out.push(external('LoadBalancer', a, p.port));
    }
  }
  return out;
}

/** Backends a frontend has in either scope, each once. */
export function allBackends(f: Frontend): Backend[] {
  const seen = new Map<string, Backend>();
  for (const b of [...f.backends, ...(f.internalBackends ?? []), ...f.draining])
    seen.set(`${b.address}:${b.port}`, b);
  return [...seen.values()];
}

/** Endpoint addresses of `svc` refused as backends (outside the allowed ranges), for status and logs. */
export function refusedBackends(svc: Service, slices: readonly EndpointSlice[], cfg: LbConfig): string[] {
  if (cfg.backendRanges.length === 0) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const out = new Set<string>();
  for (const s of slicesOf(namespace, svc.metadata.name, slices))
    for (const e of s.endpoints)
      for (const a of e.addresses) if (!backendAllowed(a, cfg.backendRanges)) out.add(a);
  return [...out].sort();
}
