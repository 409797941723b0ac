// Resolved policy entries of one endpoint → the exact policy-map, address-map and config contents (pure).
import { formatAddr, formatPrefix, type Prefix, prefixContains } from '../net/cidr.js';
import type { Direction, PolicyEntry, RuleOrigin } from '../policy/index.js';
import {
  DIR_EGRESS,
  DIR_INGRESS,
  POLICY_F_AUTH_REQUIRED,
  POLICY_F_DENY,
  POLICY_F_REDIRECT,
  POLICY_KEY_STATIC_BITS,
  POLICY_REMOTE_ADDR_CLASS,
  type PolicyMapKey,
  type PolicyMapValue,
} from './maps/policy.js';
import { POLICY_ADDR_KEY_STATIC_BITS, type PolicyAddrKey, type PolicyAddrValue } from './maps/policy-addr.js';
import {
  POLICY_CFG_F_ALLOW_LOCALHOST,
  POLICY_CFG_F_EGRESS_DEFAULT_DENY,
  POLICY_CFG_F_INGRESS_DEFAULT_DENY,
} from './maps/policy-config.js';

/** What the datapath needs of one direction's resolved policy; src/policy's DirectionPolicy fits as is. */
export interface DirectionInput {
  readonly entries: readonly PolicyEntry[];
  readonly defaultDeny: boolean;
  readonly enforcement?: 'default' | 'always' | 'never';
  /** Ingress only: the local host may connect unless a deny matches. */
  readonly allowLocalhost?: boolean;
}

export interface DesiredEndpointPolicy {
  readonly endpointId: number;
  readonly ingress: DirectionInput;
  readonly egress: DirectionInput;
}

export interface Keyed<K, V> {
  readonly key: K;
  readonly value: V;
}

/** Everything the kernel holds for one endpoint's policy; maps are keyed by the encoded key (hex). */
export interface EndpointMapState {
  readonly configFlags: number;
  readonly policy: ReadonlyMap<string, Keyed<PolicyMapKey, PolicyMapValue>>;
  readonly addr: ReadonlyMap<string, Keyed<PolicyAddrKey, PolicyAddrValue>>;
}

export interface ComputeContext {
  cookie(origins: readonly RuleOrigin[]): number;
  /** The proxy port for an L7 entry; 0 = unknown (the datapath then refuses the traffic). */
  proxyPort(entry: PolicyEntry, direction: Direction): number;
  /** A stable class number for an address prefix of this endpoint and direction. */
  addrClass(direction: Direction, prefix: string): number;
}

/** A canonical text of a key (keys are written with the bits past the prefix cleared). */
export function policyKeyId(k: PolicyMapKey): string {
  return `${k.endpointId}|${k.direction}|${k.remote}|${k.protocol}|${k.dport}/${k.prefixlen}`;
}

export function addrKeyId(k: PolicyAddrKey): string {
  return `${k.endpointId}|${k.direction}|${k.addr}/${k.prefixlen}`;
}

/**
 * The aligned power-of-two blocks that exactly cover [lo, hi]: each block is `port` with its top `bits`
 * bits fixed (bits = 16 is one port, 0 is every port). At most 2·16 − 2 blocks.
 */
export function portRangePrefixes(lo: number, hi: number): Array<{ port: number; bits: number }> {
  const out: Array<{ port: number; bits: number }> = [];
  let p = lo;
  while (p <= hi) {
    let size = 1;
    while (size < 65536 && p % (size * 2) === 0 && p + size * 2 - 1 <= hi) size *= 2;
    out.push({ port: p, bits: 16 - Math.log2(size) });
    p += size;
  }
  return out;
}

/** deny > plain allow > L7 redirect (src/policy/direction-policy.ts), per remote. */
const RANK_REDIRECT = 1;
const RANK_ALLOW = 2;
const RANK_DENY = 3;

interface Item {
  protocol: number;
  lo: number;
  hi: number;
  rank: number;
  /** The rule requires authentication (any mode but `disabled`). */
  auth: boolean;
  proxyPort: number;
  origins: readonly RuleOrigin[];
}

interface Verdict {
  rank: number;
  /** An allowing verdict one of whose deciding rules requires authentication: the strictest wins. */
  auth: boolean;
  proxyPort: number;
  cookie: number;
}

function combine(items: readonly Item[], ctx: ComputeContext): Verdict {
  const rank = Math.max(...items.map((i) => i.rank));
  const top = items.filter((i) => i.rank === rank);
  const ports = top.map((i) => i.proxyPort).filter((p) => p > 0);
  return {
    rank,
    auth: rank !== RANK_DENY && top.some((i) => i.auth),
    proxyPort: rank === RANK_REDIRECT && ports.length > 0 ? Math.min(...ports) : 0,
    // one deciding entry (the common case) passes its own origins array, which the cookie table caches
    cookie: ctx.cookie(top.length === 1 ? top[0]!.origins : top.flatMap((i) => i.origins)),
  };
}

function entryValue(v: Verdict, l4PrefixLen: number): PolicyMapValue {
  const flags =
    (v.rank === RANK_DENY ? POLICY_F_DENY : v.rank === RANK_REDIRECT ? POLICY_F_REDIRECT : 0) |
    (v.auth ? POLICY_F_AUTH_REQUIRED : 0);
  return { flags, l4PrefixLen, proxyPort: v.proxyPort, cookie: v.cookie };
}

/**
 * The LPM entries of one (endpoint, direction, remote). The trie returns only the longest match, so every
 * entry written carries the verdict of ALL entries that cover it: a protocol/port segment's value is the
 * strongest of its own entries and the any-protocol ones. Segments whose strongest entries are all
 * any-protocol ones are left to the any-protocol key.
 */
function flattenRemote(
  endpointId: number,
  dir: number,
  remote: number,
  items: readonly Item[],
  ctx: ComputeContext,
  out: Map<string, Keyed<PolicyMapKey, PolicyMapValue>>,
): void {
  const put = (protocol: number, port: number, l4bits: number, v: Verdict) => {
    const key: PolicyMapKey = {
      prefixlen: POLICY_KEY_STATIC_BITS + l4bits,
      remote,
      endpointId,
      direction: dir,
      protocol,
      dport: port,
    };
    out.set(policyKeyId(key), { key, value: entryValue(v, l4bits) });
  };
  const any = items.filter((i) => i.protocol === 0);
  if (any.length > 0) put(0, 0, 0, combine(any, ctx));
  const protocols = [...new Set(items.filter((i) => i.protocol !== 0).map((i) => i.protocol))].sort(
    (a, b) => a - b,
  );
  for (const protocol of protocols) {
    const own = items.filter((i) => i.protocol === protocol);
    const points = [...new Set(own.flatMap((i) => [i.lo, i.hi + 1]))].sort((a, b) => a - b);
    const segments: Array<{ lo: number; hi: number; v: Verdict }> = [];
    for (let s = 0; s + 1 < points.length; s++) {
      const lo = points[s]!;
      const hi = points[s + 1]! - 1;
      const covering = own.filter((i) => i.lo <= lo && i.hi >= hi);
      if (covering.length === 0) continue;
      const v = combine([...covering, ...any], ctx);
      if (!covering.some((i) => i.rank === v.rank)) continue; // the any-protocol key says the same
      const last = segments[segments.length - 1];
      if (
        last &&
        last.hi + 1 === lo &&
        last.v.rank === v.rank &&
        last.v.auth === v.auth &&
        last.v.proxyPort === v.proxyPort &&
        last.v.cookie === v.cookie
      ) {
        last.hi = hi;
      } else {
        segments.push({ lo, hi, v });
      }
    }
    for (const seg of segments) {
      for (const p of portRangePrefixes(seg.lo, seg.hi)) put(protocol, p.port, 8 + p.bits, seg.v);
    }
  }
}

export interface ComputeResult {
  state: EndpointMapState;
  warnings: string[];
}

function toItem(e: PolicyEntry, direction: Direction, ctx: ComputeContext): Item {
  const redirect = !e.deny && e.l7 !== undefined;
  return {
    protocol: e.protocol,
    lo: e.protocol === 0 ? 0 : e.portLo,
    hi: e.protocol === 0 ? 65535 : e.portHi,
    rank: e.deny ? RANK_DENY : redirect ? RANK_REDIRECT : RANK_ALLOW,
    auth: !e.deny && e.auth !== undefined && e.auth !== 'disabled',
    proxyPort: redirect ? ctx.proxyPort(e, direction) : 0,
    origins: e.origins,
  };
}

/** The complete map contents for one endpoint's desired policy. */
export function computeEndpointState(desired: DesiredEndpointPolicy, ctx: ComputeContext): ComputeResult {
  const warnings: string[] = [];
  const policy = new Map<string, Keyed<PolicyMapKey, PolicyMapValue>>();
  const addr = new Map<string, Keyed<PolicyAddrKey, PolicyAddrValue>>();
  let configFlags = 0;
  const ep = desired.endpointId;
  if (!Number.isInteger(ep) || ep < 0 || ep > 0xffff) throw new RangeError(`endpoint id ${ep} is not a u16`);

  for (const direction of ['ingress', 'egress'] as const) {
    const input = desired[direction];
    const dir = direction === 'ingress' ? DIR_INGRESS : DIR_EGRESS;
    if (input.enforcement === 'never') continue;
    if (input.defaultDeny) {
      configFlags |=
        direction === 'ingress' ? POLICY_CFG_F_INGRESS_DEFAULT_DENY : POLICY_CFG_F_EGRESS_DEFAULT_DENY;
    }
    if (direction === 'ingress' && input.allowLocalhost) configFlags |= POLICY_CFG_F_ALLOW_LOCALHOST;

    const byRemote = new Map<number, Item[]>();
    const prefixes = new Map<string, { prefix: Prefix; items: Item[] }>();
    let skippedV6 = 0;
    let withAuth = 0;
    for (const e of input.entries) {
      if (e.auth !== undefined && e.auth !== 'disabled') withAuth++;
      // A DNS-name entry is for `policy trace`; the kernel enforces the same rule through the FQDN identities
      // of the addresses learned under that name (entries of their own).
      if (e.peer.kind === 'fqdn') continue;
      const item = toItem(e, direction, ctx);
      if (e.peer.kind === 'identity') {
        if (e.peer.id >= POLICY_REMOTE_ADDR_CLASS || e.peer.id < 0) {
          warnings.push(`${direction}: identity ${e.peer.id} is out of range; entry skipped`);
          continue;
        }
        const list = byRemote.get(e.peer.id);
        if (list) list.push(item);
        else byRemote.set(e.peer.id, [item]);
      } else if (e.peer.prefix.family !== 4) {
        skippedV6++;
      } else {
        const k = formatPrefix(e.peer.prefix);
        const p = prefixes.get(k);
        if (p) p.items.push(item);
        else prefixes.set(k, { prefix: e.peer.prefix, items: [item] });
      }
    }
    if (skippedV6 > 0)
      warnings.push(`${direction}: ${skippedV6} IPv6 address entries skipped (the datapath is IPv4-only)`);
    if (withAuth > 0)
      warnings.push(
        `${direction}: ${withAuth} entries require authentication; with no authentication provider their traffic is dropped (AUTH_REQUIRED)`,
      );

    for (const [remote, items] of [...byRemote].sort((a, b) => a[0] - b[0])) {
      flattenRemote(ep, dir, remote, items, ctx, policy);
    }
    // Address blocks: a class per distinct prefix, holding the entries of every prefix that encloses it.
    const all = [...prefixes.values()];
    for (const [text, { prefix }] of prefixes) {
      const items = all.filter((o) => prefixContains(o.prefix, prefix)).flatMap((o) => o.items);
      const cls = ctx.addrClass(direction, text);
      flattenRemote(ep, dir, POLICY_REMOTE_ADDR_CLASS + cls, items, ctx, policy);
      const key: PolicyAddrKey = {
        prefixlen: POLICY_ADDR_KEY_STATIC_BITS + prefix.bits,
        endpointId: ep,
        direction: dir,
        addr: formatAddr(4, prefix.addr),
      };
      addr.set(addrKeyId(key), { key, value: { addrClass: cls } });
    }
  }
  return { state: { configFlags, policy, addr }, warnings };
}
