// The proxy's view of one policy snapshot: endpoints by address, their L7-port policy as DirectionPolicy, the ipcache.
import { IDENTITY_WORLD } from '../identity/index.js';
import { IPCache } from '../ipcache/index.js';
import { parseIP, parsePrefix } from '../net/cidr.js';
import {
  type Direction,
  DirectionPolicy,
  type EntryPeer,
  identityPeer,
  type PolicyEntry,
  type Remote,
} from '../policy/index.js';
import type { PolicySnapshot, WireDirection, WireEndpoint, WireEndpointPolicy } from './feed-protocol.js';

/** One direction of one endpoint: the policy, and the (protocol, port) ranges where it redirects. */
export interface SidePolicy {
  readonly policy: DirectionPolicy;
  readonly l7Ranges: ReadonlyArray<{ protocol: number; lo: number; hi: number }>;
}

export interface EndpointView {
  readonly endpoint: WireEndpoint;
  readonly enforced: Record<Direction, SidePolicy>;
  readonly audit?: Record<Direction, SidePolicy>;
}

function peerOf(p: WireDirection['entries'][number]['peer']): EntryPeer {
  if ('identity' in p) return identityPeer(p.identity);
  const r = parsePrefix(p.prefix);
  if (!r.ok) throw new Error(`bad prefix ${p.prefix}`);
  return { kind: 'prefix', prefix: r.value };
}

function side(direction: Direction, w: WireDirection): SidePolicy {
  const entries: PolicyEntry[] = w.entries.map((e) => ({
    direction,
    peer: peerOf(e.peer),
    protocol: e.protocol,
    portLo: e.portLo,
    portHi: e.portHi,
    deny: e.deny,
    ...(e.l7 ? { l7: [...e.l7] } : {}),
    origins: [...e.origins],
  }));
  const l7Ranges = entries
    .filter((e) => e.l7 && !e.deny)
    .map((e) => ({
      protocol: e.protocol,
      lo: e.protocol === 0 ? 0 : e.portLo,
      hi: e.protocol === 0 ? 65535 : e.portHi,
    }));
  return {
    policy: new DirectionPolicy(
      direction,
      entries,
      true,
      w.defaultDeny,
      w.defaultDenyBy,
      w.enforcement,
      direction === 'ingress' && w.allowLocalhost,
    ),
    l7Ranges,
  };
}

function sides(p: WireEndpointPolicy): Record<Direction, SidePolicy> {
  return { ingress: side('ingress', p.ingress), egress: side('egress', p.egress) };
}

/** Does this side redirect (protocol, port)? Outside its L7 ranges the kernel judged it, not the proxy. */
export function redirects(s: SidePolicy, protocol: number, port: number): boolean {
  return s.l7Ranges.some(
    (r) => (r.protocol === 0 || r.protocol === protocol) && port >= r.lo && port <= r.hi,
  );
}

/** Immutable: a new snapshot builds a new ProxyPolicy, swapped in at once. */
export class ProxyPolicy {
  readonly revision: number;
  private readonly byIp = new Map<string, EndpointView>();
  private readonly ipcache = new IPCache();

  constructor(snapshot: PolicySnapshot) {
    this.revision = snapshot.revision;
    for (const e of snapshot.endpoints) {
      this.byIp.set(e.ip, {
        endpoint: e,
        enforced: sides(e.policy),
        ...(e.audit ? { audit: sides(e.audit) } : {}),
      });
    }
    for (const [p, identity] of snapshot.ipcache) {
      const r = parsePrefix(p);
      if (r.ok) this.ipcache.upsert(r.value, identity, 'feed');
    }
  }

  static empty(): ProxyPolicy {
    return new ProxyPolicy({ revision: 0, listeners: [], endpoints: [], ipcache: [] });
  }

  endpoint(ip: string): EndpointView | undefined {
    return this.byIp.get(ip);
  }

  /** The remote as policy sees it: identity from the ipcache (world when unknown), and its address. */
  remote(ip: string): Remote {
    const parsed = parseIP(ip);
    if (!parsed.ok) return { identity: IDENTITY_WORLD };
    const hit = this.ipcache.lookup(parsed.value.family, parsed.value.addr);
    return {
      identity: hit?.identity ?? IDENTITY_WORLD,
      family: parsed.value.family,
      addr: parsed.value.addr,
    };
  }
}
