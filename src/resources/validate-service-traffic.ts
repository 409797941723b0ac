// Service fields that steer load balancing: external IPs, traffic policies, affinity, node ports, algorithm.
import { parseIP, parsePrefix, prefixContainsAddr } from '../net/cidr.js';
import { fieldPath, itemPath, readEnum, readInt, readObject, readStringList } from './field-reader.js';
import type { IssueCollector } from './issue-collector.js';
import type { FieldIssue } from './manifest-error.js';
import type { Service } from './types/index.js';

/** The apiserver's defaults (`--service-cluster-ip-range`, `--service-node-port-range`). */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;
/** Kubernetes' default and maximum ClientIP affinity timeouts, seconds. */
export const DEFAULT_AFFINITY_TIMEOUT = 10800;
export const MAX_AFFINITY_TIMEOUT = 86400;
/** Cilium's per-service selection annotation. */
export const LB_ALGORITHM_ANNOTATION = 'service.cilium.io/lb-algorithm';
export const LB_ALGORITHMS = ['random', 'maglev'] as const;

const POLICIES = ['Cluster', 'Local'] as const;

type Spec = Service['spec'];

/** NodePort, LoadBalancer, or ClusterIP with external IPs (apiserver's ExternallyAccessible). */
export function externallyAccessible(spec: Spec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.externalIPs?.length ?? 0) > 0;
}

/** Reads the load-balancing fields of `spec` into `out`, with the apiserver's defaults and checks. */
export function validateServiceTraffic(
  spec: Record<string, unknown>,
  out: Service,
  c: IssueCollector,
  serviceCIDR = DEFAULT_SERVICE_CIDR,
): void {
  const s = out.spec;
  const external = readStringList(spec.externalIPs, 'spec.externalIPs', c);
  if (external?.length) {
    external.forEach((ip, i) => {
      const problem = specialAddress(ip);
      if (problem) c.error(itemPath('spec.externalIPs', i), problem);
    });
    s.externalIPs = external;
  }

  const etpPath = 'spec.externalTrafficPolicy';
  const etp = readEnum(spec.externalTrafficPolicy, POLICIES, etpPath, c);
  if (externallyAccessible(s)) s.externalTrafficPolicy = etp ?? 'Cluster';
  else if (etp) c.error(etpPath, 'may only be set for externally-accessible services');

  const itp = readEnum(spec.internalTrafficPolicy, POLICIES, 'spec.internalTrafficPolicy', c);
  if (s.type !== 'ExternalName') s.internalTrafficPolicy = itp ?? 'Cluster';

  const cfgPath = 'spec.sessionAffinityConfig';
  const cfg = readObject(spec.sessionAffinityConfig, cfgPath, c);
  const clientIP = cfg ? readObject(cfg.clientIP, fieldPath(cfgPath, 'clientIP'), c) : undefined;
  const tPath = fieldPath(fieldPath(cfgPath, 'clientIP'), 'timeoutSeconds');
  const timeout = clientIP
    ? readInt(clientIP.timeoutSeconds, tPath, c, { min: 1, max: MAX_AFFINITY_TIMEOUT })
    : undefined;
  if (s.sessionAffinity === 'ClientIP') {
    s.sessionAffinityConfig = { clientIP: { timeoutSeconds: timeout ?? DEFAULT_AFFINITY_TIMEOUT } };
  } else if (cfg) {
    c.error(cfgPath, "must not be set when `sessionAffinity` is 'None'");
  }

  const lbIP = spec.loadBalancerIP;
  if (typeof lbIP === 'string' && lbIP !== '') {
    if (s.type !== 'LoadBalancer')
      c.error('spec.loadBalancerIP', "may only be set when `type` is 'LoadBalancer'");
    const problem = specialAddress(lbIP);
    if (problem) c.error('spec.loadBalancerIP', problem);
    s.loadBalancerIP = lbIP;
  } else if (lbIP !== undefined && lbIP !== null && lbIP !== '') {
    c.error('spec.loadBalancerIP', 'must be a string');
  }

  checkClusterIPRange(s, serviceCIDR, c);
  checkPortClashes(s, c);
  checkAlgorithm(out, c);
}

/** Kubernetes refuses unspecified, loopback, link-local and multicast addresses for external IPs. */
function specialAddress(ip: string): string | undefined {
  const p = parseIP(ip, true);
  if (!p.ok) return `${JSON.stringify(ip)} is not a valid IP address: ${p.error}`;
  if (p.value.family !== 4) return `${JSON.stringify(ip)}: only IPv4 is supported`;
  const a = Number(p.value.addr);
  const first = a >>> 24;
  if (a === 0) return 'may not be unspecified (0.0.0.0)';
  if (first === 127) return 'may not be in the loopback range (127.0.0.0/8)';
  if (first === 169 && ((a >>> 16) & 0xff) === 254)
    return 'may not be in the link-local range (169.254.0.0/16)';
  if (first >= 224 && first <= 239) return 'may not be a multicast address (224.0.0.0/4)';
  return undefined;
}

function checkClusterIPRange(s: Spec, cidr: string, c: IssueCollector): void {
  const range = parsePrefix(cidr, true);
  if (!range.ok) return;
  const ips = s.clusterIPs ?? (s.clusterIP ? [s.clusterIP] : []);
  ips.forEach((ip, i) => {
    const p = parseIP(ip, true);
    if (ip === 'None' || !p.ok || p.value.family !== 4) return;
    if (!prefixContainsAddr(range.value, 4, p.value.addr)) {
      const path = s.clusterIPs ? itemPath('spec.clusterIPs', i) : 'spec.clusterIP';
      c.error(path, `${ip}: provided IP is not in the valid range. The range of valid IPs is ${cidr}`);
    }
  });
}

function checkPortClashes(s: Spec, c: IssueCollector): void {
  const seen = new Map<string, number>();
  const nodePorts = new Map<string, number>();
  (s.ports ?? []).forEach((p, i) => {
    const proto = p.protocol ?? 'TCP';
    const key = `${p.port}/${proto}`;
    const first = seen.get(key);
    if (first !== undefined) {
      c.error(
        fieldPath(itemPath('spec.ports', i), 'port'),
        `duplicate value ${p.port}/${proto}: already used by spec.ports[${first}]`,
      );
    } else seen.set(key, i);
    if (!p.nodePort) return;
    const npPath = fieldPath(itemPath('spec.ports', i), 'nodePort');
    if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
      c.error(
        npPath,
        `${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`,
      );
    }
    const nk = `${p.nodePort}/${proto}`;
    const firstNp = nodePorts.get(nk);
    if (firstNp !== undefined)
      c.error(npPath, `duplicate value ${p.nodePort}/${proto}: already used by spec.ports[${firstNp}]`);
    else nodePorts.set(nk, i);
  });
}

function checkAlgorithm(svc: Service, c: IssueCollector): void {
  const v = svc.metadata.annotations?.[LB_ALGORITHM_ANNOTATION];
  if (v === undefined || (LB_ALGORITHMS as readonly string[]).includes(v)) return;
  c.error(
    fieldPath('metadata.annotations', LB_ALGORITHM_ANNOTATION),
    `unsupported value ${JSON.stringify(v)}: supported values: "random", "maglev"`,
  );
}

/**
 * Clashes of `svc` with other Services (the apiserver's allocators refuse them): a requested node port
 * another Service holds, or an external IP and port another Service already answers on.
 */
export function serviceClashes(svc: Service, others: readonly Service[]): FieldIssue[] {
  const out: FieldIssue[] = [];
  const me = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
  const nodePorts = new Map<number, string>();
  const external = new Map<string, string>();
  for (const o of others) {
    const name = `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
    if (name === me) continue;
    for (const p of o.spec.ports ?? []) {
      if (p.nodePort && (o.spec.type === 'NodePort' || o.spec.type === 'LoadBalancer'))
        nodePorts.set(p.nodePort, name);
      for (const ip of o.spec.externalIPs ?? []) external.set(`${ip}:${p.port}/${p.protocol ?? 'TCP'}`, name);
    }
  }
  (svc.spec.ports ?? []).forEach((p, i) => {
    const holder = p.nodePort ? nodePorts.get(p.nodePort) : undefined;
    if (holder)
      out.push({
        path: fieldPath(itemPath('spec.ports', i), 'nodePort'),
        message: `${p.nodePort}: provided port is already allocated (Service ${holder})`,
      });
    (svc.spec.externalIPs ?? []).forEach((ip, j) => {
      const h = external.get(`${ip}:${p.port}/${p.protocol ?? 'TCP'}`);
      if (h)
        out.push({
          path: itemPath('spec.externalIPs', j),
          message: `${ip}:${p.port}/${p.protocol ?? 'TCP'} is already used by Service ${h}`,
        });
    });
  });
  return out;
}
