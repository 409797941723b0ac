// Which cluster IP a Service gets: its own if valid and free, else a random free one from the service CIDR.
import { isIPv4 } from 'node:net';
import { parsePrefix } from '../../net/cidr.js';
import type { Service } from '../../resources/index.js';
import { ControllerError } from './controller-error.js';

export const SERVICE_CIDR = '10.96.0.0/16';
/** Reserved for the Kubernetes API service (`default/kubernetes`). */
export const API_SERVICE_IP = '10.96.0.1';
/** Reserved for cluster DNS: only a Service that asks for it explicitly gets it. */
export const DNS_SERVICE_IP = '10.96.0.10';

export interface ClusterIPOptions {
  cidr?: string;
  /** A number in [0, 1): where the search for a free address starts. */
  random?: () => number;
}

export interface ClusterIPDecision {
  /** What `spec.clusterIP` should be (`None` and undefined pass through for headless and ExternalName). */
  clusterIP: string | undefined;
  /** Set when the Service's own address could not be honoured. */
  reason?: string;
}

/** True when the Service has (or should get) a virtual IP. */
export function needsClusterIP(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName' && svc.spec.clusterIP !== 'None';
}

/**
 * Decides `svc`'s cluster IP given every other Service. An address claimed by two Services belongs
 * to the older one (creationTimestamp, then namespace/name); the newer one is moved.
 */
export function decideClusterIP(
  svc: Service,
  others: readonly Service[],
  options: ClusterIPOptions = {},
): ClusterIPDecision {
  if (!needsClusterIP(svc)) return { clusterIP: svc.spec.clusterIP };
  const range = ipv4Range(options.cidr ?? SERVICE_CIDR);
  const mine = svc.spec.clusterIP ?? svc.spec.clusterIPs?.[0];
  const rivals = others.filter((o) => !sameService(o, svc) && needsClusterIP(o));
  const used = new Set(rivals.map((o) => o.spec.clusterIP).filter((ip): ip is string => !!ip));

  let reason: string | undefined;
  if (mine) {
    const problem = requestProblem(mine, svc, range);
    const holder = rivals.find((o) => o.spec.clusterIP === mine && olderThan(o, svc));
    if (!problem && !holder) return { clusterIP: mine };
    reason =
      problem ??
      `${mine} is already allocated to Service ${holder!.metadata.namespace}/${holder!.metadata.name}`;
  }
  const ip = pickFree(range, used, options.random ?? Math.random);
  return reason ? { clusterIP: ip, reason } : { clusterIP: ip };
}

interface Range {
  cidr: string;
  first: number;
  size: number;
}

function ipv4Range(cidr: string): Range {
  const p = parsePrefix(cidr, true);
  if (!p.ok || p.value.family !== 4 || p.value.bits > 28) {
    throw new ControllerError(
      'PORIN_ERR_SERVICE_CIDR',
      `service CIDR ${cidr} must be an IPv4 prefix of /28 or larger`,
    );
  }
  return { cidr, first: Number(p.value.addr), size: 2 ** (32 - p.value.bits) };
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function toIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Network and broadcast addresses, the API service's and (unless asked for) cluster DNS's. */
function reserved(ip: string, range: Range): boolean {
  const n = toNumber(ip);
  return (
    n === range.first || n === range.first + range.size - 1 || ip === API_SERVICE_IP || ip === DNS_SERVICE_IP
  );
}

function requestProblem(ip: string, svc: Service, range: Range): string | undefined {
  const n = isIPv4(ip) ? toNumber(ip) : Number.NaN;
  if (!(n >= range.first && n < range.first + range.size))
    return `${ip} is not in the service CIDR ${range.cidr}`;
  if (n === range.first || n === range.first + range.size - 1)
    return `${ip} is the CIDR's network or broadcast address`;
  const isApiService = svc.metadata.namespace === 'default' && svc.metadata.name === 'kubernetes';
  if (ip === API_SERVICE_IP && !isApiService) return `${ip} is reserved for the Kubernetes API service`;
  return undefined;
}

function pickFree(range: Range, used: Set<string>, random: () => number): string {
  const start = Math.floor(random() * range.size) % range.size;
  for (let i = 0; i < range.size; i++) {
    const ip = toIP(range.first + ((start + i) % range.size));
    if (!used.has(ip) && !reserved(ip, range)) return ip;
  }
  throw new ControllerError('PORIN_ERR_CLUSTER_IPS_EXHAUSTED', `no free cluster IP left in ${range.cidr}`);
}

function sameService(a: Service, b: Service): boolean {
  return a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;
}

function olderThan(a: Service, b: Service): boolean {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta < tb;
  return `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}`;
}
