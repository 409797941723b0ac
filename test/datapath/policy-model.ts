// A TypeScript model of policy_can_access4 (bpf/lib/policy.h) over map contents, with LPM semantics.
import {
  DIR_EGRESS,
  DIR_INGRESS,
  POLICY_ADDR_KEY_STATIC_BITS,
  POLICY_CFG_F_ALLOW_LOCALHOST,
  POLICY_CFG_F_EGRESS_DEFAULT_DENY,
  POLICY_CFG_F_INGRESS_DEFAULT_DENY,
  POLICY_F_DENY,
  POLICY_F_REDIRECT,
  POLICY_KEY_STATIC_BITS,
  POLICY_REMOTE_ADDR_CLASS,
  type PolicyAddrKey,
  type PolicyAddrValue,
  type PolicyConfigValue,
  type PolicyMapKey,
  type PolicyMapValue,
  parseIPv4,
} from '../../src/datapath/index.js';

export interface MapContents {
  policy: Array<[PolicyMapKey, PolicyMapValue]>;
  addr: Array<[PolicyAddrKey, PolicyAddrValue]>;
  config: Array<[number, PolicyConfigValue]>;
}

export interface Query {
  endpointId: number;
  direction: 'ingress' | 'egress';
  remoteIdentity: number;
  remoteAddr: string;
  protocol: number;
  /** Destination port, or the ICMP type. */
  port: number;
}

export type ModelVerdict = 'allowed' | 'denied' | 'redirected' | 'no-config';

function topBits(v: number, width: number, bits: number): number {
  return bits === 0 ? 0 : Math.floor(v / 2 ** (width - bits));
}

function lookupPolicy(
  m: MapContents,
  ep: number,
  dir: number,
  remote: number,
  protocol: number,
  port: number,
) {
  let best: [PolicyMapKey, PolicyMapValue] | undefined;
  for (const e of m.policy) {
    const [k] = e;
    if (k.remote !== remote || k.endpointId !== ep || k.direction !== dir) continue;
    const l4 = k.prefixlen - POLICY_KEY_STATIC_BITS;
    if (l4 >= 8 && k.protocol !== protocol) continue;
    if (l4 > 8 && topBits(k.dport, 16, l4 - 8) !== topBits(port, 16, l4 - 8)) continue;
    if (!best || k.prefixlen > best[0].prefixlen) best = e;
  }
  return best?.[1];
}

function lookupAddr(m: MapContents, ep: number, dir: number, addr: number) {
  let best: [PolicyAddrKey, PolicyAddrValue] | undefined;
  for (const e of m.addr) {
    const [k] = e;
    if (k.endpointId !== ep || k.direction !== dir) continue;
    const bits = k.prefixlen - POLICY_ADDR_KEY_STATIC_BITS;
    if (topBits(parseIPv4(k.addr), 32, bits) !== topBits(addr, 32, bits)) continue;
    if (!best || k.prefixlen > best[0].prefixlen) best = e;
  }
  return best?.[1];
}

function result(v: PolicyMapValue): ModelVerdict {
  if (v.flags & POLICY_F_DENY) return 'denied';
  if (v.flags & POLICY_F_REDIRECT) return v.proxyPort > 0 ? 'redirected' : 'denied';
  return 'allowed';
}

/** What each of the kernel's lookups answers for a flow (verdict class only, cookies ignored). */
export function modelLookups(
  m: MapContents,
  q: Query,
): { l3: string; l4: string; addr: string; config: string } {
  const dir = q.direction === 'ingress' ? DIR_INGRESS : DIR_EGRESS;
  const show = (v: PolicyMapValue | undefined) => (v ? `${result(v)}:${v.proxyPort}` : 'none');
  const ac = lookupAddr(m, q.endpointId, dir, parseIPv4(q.remoteAddr));
  return {
    l3: show(lookupPolicy(m, q.endpointId, dir, q.remoteIdentity, q.protocol, q.port)),
    l4: show(lookupPolicy(m, q.endpointId, dir, 0, q.protocol, q.port)),
    addr: ac
      ? show(lookupPolicy(m, q.endpointId, dir, POLICY_REMOTE_ADDR_CLASS + ac.addrClass, q.protocol, q.port))
      : 'none',
    config: String(m.config.find(([ep]) => ep === q.endpointId)?.[1].flags ?? 'none'),
  };
}

/** The verdict the kernel would reach with these map contents (same steps as policy_can_access4). */
export function modelVerdict(m: MapContents, q: Query): ModelVerdict {
  const cfg = m.config.find(([ep]) => ep === q.endpointId)?.[1];
  if (!cfg) return 'no-config';
  const dir = q.direction === 'ingress' ? DIR_INGRESS : DIR_EGRESS;
  const l3 = lookupPolicy(m, q.endpointId, dir, q.remoteIdentity, q.protocol, q.port);
  if (l3 && l3.flags & POLICY_F_DENY) return 'denied';
  const l4 = lookupPolicy(m, q.endpointId, dir, 0, q.protocol, q.port);
  if (l4 && l4.flags & POLICY_F_DENY) return 'denied';
  const ac = lookupAddr(m, q.endpointId, dir, parseIPv4(q.remoteAddr));
  const addr = ac
    ? lookupPolicy(m, q.endpointId, dir, POLICY_REMOTE_ADDR_CLASS + ac.addrClass, q.protocol, q.port)
    : undefined;
  if (addr && addr.flags & POLICY_F_DENY) return 'denied';
  if (dir === DIR_INGRESS && q.remoteIdentity === 1 && cfg.flags & POLICY_CFG_F_ALLOW_LOCALHOST)
    return 'allowed';
  for (const e of [l3, l4, addr]) if (e && !(e.flags & POLICY_F_REDIRECT)) return result(e);
  for (const e of [l3, l4, addr]) if (e) return result(e);
  const dd = dir === DIR_INGRESS ? POLICY_CFG_F_INGRESS_DEFAULT_DENY : POLICY_CFG_F_EGRESS_DEFAULT_DENY;
  return cfg.flags & dd ? 'denied' : 'allowed';
}
