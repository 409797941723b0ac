// Builds the cluster DNS records (Kubernetes DNS specification) from Services, EndpointSlices and Pods.
import type { EndpointSlice, EndpointSliceEndpoint, Pod, Service } from '../../resources/types/index.js';
import { canonicalIp, dashedIp, podDomain, reverseName, serviceDomain, srvDomain } from './cluster-name.js';
import type { DnsRecord } from './dns-record.js';

export interface ClusterDnsState {
  readonly services: readonly Service[];
  readonly endpointSlices?: readonly EndpointSlice[];
  readonly pods?: readonly Pod[];
}

export interface ClusterRecordOptions {
  /** Cluster domain; default `cluster.local`. */
  readonly zone?: string;
  /** Also emit PTR records for ClusterIPs and headless endpoints (default true). */
  readonly ptr?: boolean;
}

export const DEFAULT_ZONE = 'cluster.local';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * Records for a cluster state:
 * - ClusterIP service → A/AAAA `<svc>.<ns>.svc.<zone>` per cluster IP; SRV `_<port>._<proto>.…` per named port,
 *   targeting the service name with the service port;
 * - headless service (`clusterIP: None`) → the ready endpoint addresses at the service name, each endpoint
 *   also at `<hostname | a-b-c-d>.<svc>.<ns>.svc.<zone>`; SRV per named endpoint-slice port and endpoint;
 * - ExternalName service → CNAME to the external name;
 * - pod with an address (not finished) → A/AAAA `<a-b-c-d>.<ns>.pod.<zone>`.
 */
export function buildClusterRecords(state: ClusterDnsState, options: ClusterRecordOptions = {}): DnsRecord[] {
  const zone = options.zone ?? DEFAULT_ZONE;
  const ptr = options.ptr ?? true;
  const out: DnsRecord[] = [];
  const slicesByService = groupSlices(state.endpointSlices ?? []);
  for (const svc of state.services) {
    const ns = svc.metadata.namespace ?? 'default';
    const name = serviceDomain(svc.metadata.name, ns, zone);
    if (svc.spec.type === 'ExternalName') {
      if (svc.spec.externalName) out.push({ name, type: 'CNAME', target: svc.spec.externalName });
      continue;
    }
    const clusterIPs = svc.spec.clusterIPs?.length
      ? svc.spec.clusterIPs
      : svc.spec.clusterIP
        ? [svc.spec.clusterIP]
        : [];
    if (clusterIPs.includes('None')) {
      headlessRecords(svc, name, slicesByService.get(`${ns}/${svc.metadata.name}`) ?? [], zone, ptr, out);
      continue;
    }
    for (const ip of clusterIPs) {
      const rr = addressRecord(name, ip);
      if (!rr) continue;
      out.push(rr);
      const rev = ptr ? reverseName(ip) : undefined;
      if (rev) out.push({ name: rev, type: 'PTR', target: name });
    }
    if (clusterIPs.length === 0) continue;
    for (const p of svc.spec.ports ?? []) {
      if (!p.name) continue;
      out.push({
        name: srvDomain(p.name, p.protocol ?? 'TCP', svc.metadata.name, ns, zone),
        type: 'SRV',
        priority: 0,
        weight: 100,
        port: p.port,
        target: name,
      });
    }
  }
  for (const pod of state.pods ?? []) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const ns = pod.metadata.namespace ?? 'default';
    for (const ip of podIPs(pod)) {
      const rr = addressRecord(podDomain(ip, ns, zone), ip);
      if (rr) out.push(rr);
    }
  }
  return out;
}

function headlessRecords(
  svc: Service,
  name: string,
  slices: readonly EndpointSlice[],
  zone: string,
  ptr: boolean,
  out: DnsRecord[],
): void {
  const ns = svc.metadata.namespace ?? 'default';
  const srv = new Map<string, { port: number; target: string }[]>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const ep of slice.endpoints) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses) {
        const rr = addressRecord(name, ip);
        if (!rr) continue;
        const epName = `${endpointLabel(ep, ip)}.${name}`;
        out.push(rr, { ...rr, name: epName });
        const rev = ptr ? reverseName(ip) : undefined;
        if (rev) out.push({ name: rev, type: 'PTR', target: epName });
        for (const p of slice.ports ?? []) {
          if (!p.name || p.port === undefined) continue;
          const owner = srvDomain(p.name, p.protocol ?? 'TCP', svc.metadata.name, ns, zone);
          const list = srv.get(owner) ?? [];
          list.push({ port: p.port, target: epName });
          srv.set(owner, list);
        }
      }
    }
  }
  for (const [owner, targets] of srv) {
    const weight = Math.max(1, Math.floor(100 / targets.length));
    for (const t of targets) out.push({ name: owner, type: 'SRV', priority: 0, weight, ...t });
  }
}

/** A headless endpoint's own label: its hostname when set (StatefulSets), otherwise its dashed address. */
function endpointLabel(ep: EndpointSliceEndpoint & { hostname?: string }, ip: string): string {
  return ep.hostname ? ep.hostname.toLowerCase() : dashedIp(ip);
}

function groupSlices(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${s.metadata.namespace ?? 'default'}/${svc}`;
    const list = out.get(key) ?? [];
    list.push(s);
    out.set(key, list);
  }
  return out;
}

function podIPs(pod: Pod): string[] {
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? [];
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

function addressRecord(name: string, ip: string): DnsRecord | undefined {
  const addr = canonicalIp(ip);
  return addr && { name, type: addr.family === 4 ? 'A' : 'AAAA', address: addr.address };
}
