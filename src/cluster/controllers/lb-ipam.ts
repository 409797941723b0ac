// LoadBalancer addresses from a pool (Cilium's LB-IPAM): which address a LoadBalancer Service gets.
import { parsePrefix } from '../../net/cidr.js';
import type { Service } from '../../resources/index.js';
import { ControllerError } from './controller-error.js';

/**
 * The upper half of a documentation range (TEST-NET-1): nothing outside the machine is ever reached
 * through it, and it stays clear of the world's DNS server (192.0.2.53).
 */
export const DEFAULT_LB_POOL = '192.0.2.128/25';

export interface LbIpamOptions {
  /** IPv4 prefix load-balancer addresses come from. */
  lbPool?: string;
}

/** Addresses in the pool that are someone else's (ExternalHost objects of the world): never handed out. */
export type ReservedAddresses = ReadonlySet<string>;

export interface LbIpDecision {
  /** The address for `status.loadBalancer.ingress`, or undefined (not a LoadBalancer). */
  ip: string | undefined;
  /** Set when `spec.loadBalancerIP` could not be honoured. */
  reason?: string;
}

function olderThan(a: Service, b: Service): boolean {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta < tb;
  return `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}`;
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function toIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function currentLoadBalancerIP(svc: Service): string | undefined {
  return svc.status?.loadBalancer?.ingress?.find((i) => i.ip)?.ip;
}

/**
 * Keeps the address a LoadBalancer Service has; else its `spec.loadBalancerIP` when in the pool and
 * free; else the lowest free one (network and broadcast addresses excluded). Two services can never
 * hold one address: a Service whose address another holds gets a new one.
 */
export function decideLoadBalancerIP(
  svc: Service,
  others: readonly Service[],
  opts: LbIpamOptions = {},
  reserved: ReservedAddresses = new Set(),
): LbIpDecision {
  if (svc.spec.type !== 'LoadBalancer') return { ip: undefined };
  const pool = parsePrefix(opts.lbPool ?? DEFAULT_LB_POOL, true);
  if (!pool.ok || pool.value.family !== 4 || pool.value.bits > 30)
    throw new ControllerError(
      'PORIN_ERR_LB_POOL',
      `load-balancer pool ${opts.lbPool} must be an IPv4 prefix of /30 or larger`,
    );
  const first = Number(pool.value.addr);
  const size = 2 ** (32 - pool.value.bits);
  const inPool = (ip: string) => {
    const n = toNumber(ip);
    return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && n > first && n < first + size - 1;
  };
  const holders = new Map<string, Service>();
  for (const o of others) {
    if (o.metadata.namespace === svc.metadata.namespace && o.metadata.name === svc.metadata.name) continue;
    if (o.spec.type !== 'LoadBalancer') continue;
    const ip = currentLoadBalancerIP(o);
    if (ip) holders.set(ip, o);
  }
  const used = { has: (ip: string) => holders.has(ip) || reserved.has(ip) };
  // Two services with one address (written concurrently): the older keeps it, so they cannot ping-pong.
  const heldByOlder = (ip: string) => {
    const h = holders.get(ip);
    return h !== undefined && olderThan(h, svc);
  };
  const have = currentLoadBalancerIP(svc);
  const wanted = svc.spec.loadBalancerIP;
  let reason: string | undefined;
  if (wanted) {
    if (!inPool(wanted))
      reason = `loadBalancerIP ${wanted} is not in the pool ${opts.lbPool ?? DEFAULT_LB_POOL}`;
    else if (used.has(wanted)) reason = `loadBalancerIP ${wanted} is already in use`;
    else return { ip: wanted };
  }
  if (have && inPool(have) && !reserved.has(have) && !heldByOlder(have))
    return reason ? { ip: have, reason } : { ip: have };
  for (let n = first + 1; n < first + size - 1; n++) {
    const ip = toIP(n);
    if (!used.has(ip)) return reason ? { ip, reason } : { ip };
  }
  throw new ControllerError(
    'PORIN_ERR_LB_IPS_EXHAUSTED',
    `no free load-balancer address left in ${opts.lbPool ?? DEFAULT_LB_POOL}`,
  );
}
