// IP/CIDR → identity with longest-prefix match, as the datapath's ipcache map holds it.
import { type Family, familyWidth, formatPrefix, mask, type Prefix } from '../net/cidr.js';

export interface IPCacheEntry {
  readonly prefix: Prefix;
  readonly identity: number;
  /** Who put it there: `pod:ns/name`, `node:name`, `cidr`... */
  readonly source: string;
}

export class IPCache {
  private readonly tables: Record<Family, Map<number, Map<bigint, IPCacheEntry>>> = {
    4: new Map(),
    6: new Map(),
  };
  private lengths: Record<Family, number[]> = { 4: [], 6: [] };

  upsert(prefix: Prefix, identity: number, source: string): void {
    let t = this.tables[prefix.family].get(prefix.bits);
    if (!t) {
      t = new Map();
      this.tables[prefix.family].set(prefix.bits, t);
      this.lengths[prefix.family] = [...this.tables[prefix.family].keys()].sort((a, b) => b - a);
    }
    t.set(prefix.addr, { prefix, identity, source });
  }

  delete(prefix: Prefix, source?: string): void {
    const t = this.tables[prefix.family].get(prefix.bits);
    const e = t?.get(prefix.addr);
    if (!t || !e || (source !== undefined && e.source !== source)) return;
    t.delete(prefix.addr);
    if (t.size === 0) {
      this.tables[prefix.family].delete(prefix.bits);
      this.lengths[prefix.family] = [...this.tables[prefix.family].keys()].sort((a, b) => b - a);
    }
  }

  lookup(family: Family, addr: bigint): IPCacheEntry | undefined {
    for (const bits of this.lengths[family]) {
      const e = this.tables[family].get(bits)?.get(addr & mask(family, bits));
      if (e) return e;
    }
    return undefined;
  }

  exact(prefix: Prefix): IPCacheEntry | undefined {
    return this.tables[prefix.family].get(prefix.bits)?.get(prefix.addr);
  }

  *entries(): IterableIterator<IPCacheEntry> {
    for (const f of [4, 6] as const) for (const t of this.tables[f].values()) yield* t.values();
  }

  static hostPrefix(family: Family, addr: bigint): Prefix {
    return { family, addr, bits: familyWidth(family) };
  }

  static describe(e: IPCacheEntry): string {
    return `${formatPrefix(e.prefix)} → ${e.identity}`;
  }
}
