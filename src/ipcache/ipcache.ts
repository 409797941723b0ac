// IP/CIDR → identity with longest-prefix match, as the datapath's ipcache map holds it.
import { type Family, familyWidth, formatPrefix, mask, type Prefix } from '../net/cidr.js';

export interface IPCacheEntry {
  readonly prefix: Prefix;
  readonly identity: number;
  /** Who put it there: `pod:ns/name`, `node:name`, `cidr`... */
  readonly source: string;
}

/**
 * Several sources may claim one prefix (a pod's /32 and a CIDR rule naming it): each keeps its claim and
 * the strongest answers — endpoints and nodes before CIDR rules, as Cilium's ipcache source precedence.
 */
function precedence(source: string): number {
  if (source.startsWith('pod:') || source.startsWith('node')) return 2;
  if (source === 'cidr') return 0;
  return 1;
}

type Claims = Map<string, IPCacheEntry>;

export class IPCache {
  private readonly tables: Record<Family, Map<number, Map<bigint, Claims>>> = { 4: new Map(), 6: new Map() };
  private lengths: Record<Family, number[]> = { 4: [], 6: [] };

  upsert(prefix: Prefix, identity: number, source: string): void {
    let t = this.tables[prefix.family].get(prefix.bits);
    if (!t) {
      t = new Map();
      this.tables[prefix.family].set(prefix.bits, t);
      this.lengths[prefix.family] = [...this.tables[prefix.family].keys()].sort((a, b) => b - a);
    }
    let claims = t.get(prefix.addr);
    if (!claims) {
      claims = new Map();
      t.set(prefix.addr, claims);
    }
    claims.set(source, { prefix, identity, source });
  }

  /** Removes `source`'s claim (every claim when no source is given). */
  delete(prefix: Prefix, source?: string): void {
    const t = this.tables[prefix.family].get(prefix.bits);
    const claims = t?.get(prefix.addr);
    if (!t || !claims) return;
    if (source === undefined) claims.clear();
    else claims.delete(source);
    if (claims.size > 0) return;
    t.delete(prefix.addr);
    if (t.size === 0) {
      this.tables[prefix.family].delete(prefix.bits);
      this.lengths[prefix.family] = [...this.tables[prefix.family].keys()].sort((a, b) => b - a);
    }
  }

  lookup(family: Family, addr: bigint): IPCacheEntry | undefined {
    for (const bits of this.lengths[family]) {
      const claims = this.tables[family].get(bits)?.get(addr & mask(family, bits));
      if (claims) return strongest(claims);
    }
    return undefined;
  }

  exact(prefix: Prefix): IPCacheEntry | undefined {
    const claims = this.tables[prefix.family].get(prefix.bits)?.get(prefix.addr);
    return claims ? strongest(claims) : undefined;
  }

  /** The effective entry of every prefix. */
  *entries(): IterableIterator<IPCacheEntry> {
    for (const f of [4, 6] as const)
      for (const t of this.tables[f].values()) for (const c of t.values()) yield strongest(c)!;
  }

  static hostPrefix(family: Family, addr: bigint): Prefix {
    return { family, addr, bits: familyWidth(family) };
  }

  static describe(e: IPCacheEntry): string {
    return `${formatPrefix(e.prefix)} → ${e.identity}`;
  }
}

function strongest(claims: Claims): IPCacheEntry | undefined {
  let best: IPCacheEntry | undefined;
  for (const e of claims.values()) if (!best || precedence(e.source) > precedence(best.source)) best = e;
  return best;
}
