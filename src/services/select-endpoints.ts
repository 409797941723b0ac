// Which EndpointSlice endpoints serve one service port, as kube-proxy categorizes them.
import { type Prefix, parseIP, prefixContainsAddr } from '../net/cidr.js';
import type { EndpointSlice, EndpointSliceEndpoint, Protocol } from '../resources/index.js';
import { type Backend, backendKey } from './frontend.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface PortEndpoints {
  /** Ready endpoints; when there is none, serving terminating ones (kube-proxy's fallback). */
  readonly all: readonly Backend[];
  /** The same choice among endpoints on this node. */
  readonly local: readonly Backend[];
  /** Terminating endpoints that take no new connections (not in `all`). */
  readonly draining: readonly Backend[];
  /** Addresses refused because they are outside the allowed backend ranges. */
  readonly refused: readonly string[];
}

/** Inside one of `ranges` (or no ranges given). */
export function backendAllowed(address: string, ranges: readonly Prefix[]): boolean {
  if (ranges.length === 0) return true;
  const ip = parseIP(address);
  return ip.ok && ranges.some((r) => prefixContainsAddr(r, ip.value.family, ip.value.addr));
}

/** The slices that belong to a service (same namespace, `kubernetes.io/service-name` label). */
export function slicesOf(namespace: string, name: string, slices: readonly EndpointSlice[]): EndpointSlice[] {
  return slices.filter(
    (s) =>
      (s.metadata.namespace ?? 'default') === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === name,
  );
}

/*
 * EndpointSlice conditions (discovery/v1): a nil `ready` means ready, a nil `serving` means the same as
 * `ready`, a nil `terminating` means not terminating. kube-proxy routes to ready endpoints; only when none
 * is ready does it fall back to endpoints that are serving while terminating (KEP-1669), so a rolling
 * update never refuses connections that could still be served.
 */
function conditions(e: EndpointSliceEndpoint): { ready: boolean; serving: boolean; terminating: boolean } {
  const ready = e.conditions?.ready ?? true;
  return { ready, serving: e.conditions?.serving ?? ready, terminating: e.conditions?.terminating ?? false };
}

/**
 * The endpoints of the service port named `portName` (protocol `protocol`) across `slices`. Each slice
 * says which number the port has on its endpoints (a named targetPort can differ per pod, so per slice);
 * a slice that does not list the port offers no endpoint for it. Duplicates (same address and port in
 * two slices) count once. Only IPv4 slices are read.
 */
export function selectEndpoints(
  slices: readonly EndpointSlice[],
  portName: string,
  protocol: Protocol,
  nodeName: string,
  ranges: readonly Prefix[] = [],
): PortEndpoints {
  const seen = new Set<string>();
  const refused = new Set<string>();
  const ready: Backend[] = [];
  const servingTerminating: Backend[] = [];
  const terminating: Backend[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const sp = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol,
    );
    if (sp?.port === undefined) continue;
    for (const e of slice.endpoints) {
      const c = conditions(e);
      for (const address of e.addresses) {
        if (!backendAllowed(address, ranges)) {
          refused.add(address);
          continue;
        }
        const b: Backend = {
          address,
          port: sp.port,
          protocol,
          state: c.terminating ? 'terminating' : 'active',
          ...(e.nodeName ? { nodeName: e.nodeName } : {}),
          ...(e.targetRef?.name
            ? { pod: `${e.targetRef.namespace ?? slice.metadata.namespace}/${e.targetRef.name}` }
            : {}),
        };
        const k = backendKey(b);
        if (seen.has(k)) continue;
        seen.add(k);
        if (c.ready) ready.push(b);
        else if (c.serving && c.terminating) servingTerminating.push(b);
        else if (c.terminating) terminating.push(b);
      }
    }
  }
  const byKey = (a: Backend, b: Backend) => compareAddr(a, b);
  ready.sort(byKey);
  servingTerminating.sort(byKey);
  const isLocal = (b: Backend) => b.nodeName === nodeName;
  const pick = (f: (b: Backend) => boolean) => {
    const r = ready.filter(f);
    return r.length > 0 ? r : servingTerminating.filter(f);
  };
  const all = pick(() => true);
  const chosen = new Set(all.map(backendKey));
  const draining = [...terminating, ...servingTerminating]
    .filter((b) => !chosen.has(backendKey(b)))
    .sort(byKey);
  return { all, local: pick(isLocal), draining, refused: [...refused].sort() };
}

function addrNumber(a: string): number {
  const p = a.split('.');
  return p.length === 4
    ? ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3])
    : 0;
}

/** Address, then port: the order backends take in slots and in listings. */
export function compareAddr(
  a: { address: string; port: number },
  b: { address: string; port: number },
): number {
  return addrNumber(a.address) - addrNumber(b.address) || a.port - b.port;
}
