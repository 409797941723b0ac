// Addresses learned from DNS → one node-local identity per set of matching toFQDNs selectors, written to the ipcache.
import type { IPCache } from '../ipcache/index.js';
import { type Label, LabelSet } from '../labels/index.js';
import { familyWidth, formatPrefix, type Prefix, parseIP, prefixContainsAddr } from '../net/cidr.js';
import { type DnsNameSelector, dnsSelectorMatches, fqdnSelectorLabel, selectorKey } from '../policy/index.js';

/** How the name manager takes and drops identities (the engine's allocator, so its selector cache follows). */
export interface FqdnIdentityPort {
  acquire(labels: LabelSet): number;
  release(id: number): void;
}

export const FQDN_IPCACHE_SOURCE = 'fqdn';
const WORLD_LABEL: Label = { source: 'reserved', key: 'world', value: '' };

interface IpState {
  identity: number;
  /** Selector keys and CIDR prefixes the labels were built from: equal signatures, equal labels. */
  signature: string;
  prefix: Prefix;
}

/**
 * Cilium ≥ 1.16 (CFP-28427): an address is labelled with the FQDN selectors that match any name it is known by
 * (across every endpoint's cache: DNS data is per endpoint but used globally), plus `reserved:world`; all
 * addresses with the same labels share one identity. An address no selector matches gets no identity at all.
 * Porin adds a `cidr:` label for every policy prefix containing the address, so a toCIDR rule that covered it
 * before the lookup still covers it after (the /32 entry would otherwise hide the prefix's identity).
 */
export class FqdnNameManager {
  private selectors = new Map<string, DnsNameSelector>();
  private prefixes: readonly Prefix[] = [];
  private readonly state = new Map<string, IpState>();
  /** name → keys of the selectors matching it (cleared when selectors change). */
  private readonly matchCache = new Map<string, readonly string[]>();

  constructor(
    private readonly identities: FqdnIdentityPort,
    private readonly ipcache: Pick<IPCache, 'upsert' | 'delete'>,
    /** Every name `ip` is known by, over all endpoints. */
    private readonly namesOf: (ip: string) => Iterable<string>,
    /** Every address any endpoint holds. */
    private readonly allIps: () => Iterable<string>,
  ) {}

  /** The policies' toFQDNs selectors and CIDR prefixes; returns true when any address changed identity. */
  syncPolicy(selectors: readonly DnsNameSelector[], cidrPrefixes: readonly Prefix[]): boolean {
    const next = new Map(selectors.map((s) => [selectorKey(s), s]));
    const sameSelectors =
      next.size === this.selectors.size && [...next.keys()].every((k) => this.selectors.has(k));
    const prefixKey = (ps: readonly Prefix[]) => ps.map(formatPrefix).sort().join(',');
    const samePrefixes = prefixKey(cidrPrefixes) === prefixKey(this.prefixes);
    if (sameSelectors && samePrefixes) return false;
    this.selectors = next;
    this.prefixes = [...cidrPrefixes];
    this.matchCache.clear();
    return this.refresh([...new Set([...this.allIps(), ...this.state.keys()])]);
  }

  /** Recomputes the identity of each address; true when any changed. Add before release: no gap in the ipcache. */
  refresh(ips: Iterable<string>): boolean {
    let changed = false;
    for (const ip of ips) {
      const want = this.labelInputs(ip);
      const cur = this.state.get(ip);
      if (!want) {
        if (!cur) continue;
        this.ipcache.delete(cur.prefix, FQDN_IPCACHE_SOURCE);
        this.identities.release(cur.identity);
        this.state.delete(ip);
        changed = true;
        continue;
      }
      if (cur?.signature === want.signature) continue;
      const prefix = cur?.prefix ?? hostPrefix(ip);
      if (!prefix) continue;
      const identity = this.identities.acquire(this.labels(want));
      this.ipcache.upsert(prefix, identity, FQDN_IPCACHE_SOURCE);
      this.state.set(ip, { identity, signature: want.signature, prefix });
      if (cur) this.identities.release(cur.identity);
      changed = true;
    }
    return changed;
  }

  /** The identity an address has now (undefined: no selector matches its names). */
  identityOf(ip: string): number | undefined {
    return this.state.get(ip)?.identity;
  }

  /** Keys of the selectors matching a name. */
  selectorsFor(name: string): readonly string[] {
    let keys = this.matchCache.get(name);
    if (!keys) {
      keys = [...this.selectors].filter(([, s]) => dnsSelectorMatches(s, name)).map(([k]) => k);
      this.matchCache.set(name, keys);
    }
    return keys;
  }

  get size(): number {
    return this.state.size;
  }

  /** Releases every identity and ipcache entry (the agent stops; pinned maps keep what they hold). */
  clear(): void {
    for (const s of this.state.values()) {
      this.ipcache.delete(s.prefix, FQDN_IPCACHE_SOURCE);
      this.identities.release(s.identity);
    }
    this.state.clear();
  }

  /** The selector keys matching the address's names and the policy prefixes containing it; undefined: none match. */
  private labelInputs(ip: string): { keys: string[]; cidrs: string[]; signature: string } | undefined {
    const keys = new Set<string>();
    for (const name of this.namesOf(ip)) for (const k of this.selectorsFor(name)) keys.add(k);
    if (keys.size === 0) return undefined;
    const cidrs: string[] = [];
    if (this.prefixes.length > 0) {
      const parsed = parseIP(ip);
      if (parsed.ok) {
        for (const p of this.prefixes)
          if (p.bits > 0 && prefixContainsAddr(p, parsed.value.family, parsed.value.addr))
            cidrs.push(formatPrefix(p));
      }
    }
    const sorted = [...keys].sort();
    return { keys: sorted, cidrs, signature: `${sorted.join('|')}#${cidrs.join('|')}` };
  }

  private labels(inputs: { keys: string[]; cidrs: string[] }): LabelSet {
    const labels: Label[] = inputs.keys.map((k) => fqdnSelectorLabel(this.selectors.get(k)!));
    for (const c of inputs.cidrs) labels.push({ source: 'cidr', key: c, value: '' });
    labels.push(WORLD_LABEL);
    return new LabelSet(labels);
  }
}

function hostPrefix(ip: string): Prefix | undefined {
  const r = parseIP(ip);
  return r.ok ? { family: r.value.family, addr: r.value.addr, bits: familyWidth(r.value.family) } : undefined;
}
