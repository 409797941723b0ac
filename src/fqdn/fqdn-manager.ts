// The FQDN layer's front: DNS answers in (per endpoint), identities and ipcache entries out, TTL/zombie GC, persistence.
import type { IPCache } from '../ipcache/index.js';
import type { Prefix } from '../net/cidr.js';
import { type DnsNameSelector, normalizeDnsName } from '../policy/index.js';
import { EndpointDnsCache } from './endpoint-dns-cache.js';
import { readFqdnCache, writeFqdnCache } from './fqdn-cache-file.js';
import { FQDN_DEFAULTS, type FqdnConfig } from './fqdn-config.js';
import { type FqdnIdentityPort, FqdnNameManager } from './fqdn-name-manager.js';

/** One allowed DNS answer as the DNS proxy reports it. */
export interface FqdnObservation {
  /** Who looked it up: the endpoint key (`namespace/pod`), or `ip:<address>` for a source that is not one. */
  readonly endpoint: string;
  /** The question name. */
  readonly name: string;
  /** A and AAAA addresses reached from the name through the answer's CNAME chain. */
  readonly ips: readonly string[];
  /** The lowest TTL along the chain, seconds. */
  readonly ttl: number;
  /** When the answer arrived (ms since the epoch); default now. */
  readonly time?: number;
}

/** One row of `porin fqdn cache list` (Cilium's columns). */
export interface FqdnCacheRow {
  endpoint: string;
  /** `lookup`: a live DNS answer; `connection`: expired, kept while connections may use it. */
  source: 'lookup' | 'connection';
  fqdn: string;
  ttl: number;
  /** ISO time the entry expires (lookups) or expired (connections). */
  expiresAt: string;
  ips: string[];
  /** The FQDN identity of each address (0: no selector matches the name). */
  identities: number[];
}

export interface FqdnStats {
  endpoints: number;
  names: number;
  addresses: number;
  /** Addresses with an FQDN identity. */
  selected: number;
  observations: number;
  /** Answer → addresses enforced (identities, ipcache and policy maps written), milliseconds. */
  enforceLatencyMs: { last: number; p50: number; p99: number; max: number; samples: number };
}

export interface FqdnManagerOptions {
  readonly config?: FqdnConfig;
  readonly identities: FqdnIdentityPort;
  readonly ipcache: Pick<IPCache, 'upsert' | 'delete'>;
  /** Regenerates what changed (engine → policy maps, ipcache map); synchronous: maps hold it on return. */
  readonly apply: () => void;
  /** Where the cache survives restarts; none: memory only. */
  readonly file?: string;
  readonly now?: () => number;
  readonly onError?: (message: string) => void;
}

const LATENCY_SAMPLES = 1024;
const SAVE_DELAY_MS = 1000;

export class FqdnManager {
  readonly config: FqdnConfig;
  private readonly caches = new Map<string, EndpointDnsCache>();
  private readonly names: FqdnNameManager;
  private readonly now: () => number;
  private observations = 0;
  private readonly latencies: number[] = [];
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: FqdnManagerOptions) {
    this.config = opts.config ?? FQDN_DEFAULTS;
    this.now = opts.now ?? Date.now;
    this.names = new FqdnNameManager(
      opts.identities,
      opts.ipcache,
      (ip) => this.namesOf(ip),
      () => this.allIps(),
    );
  }

  /** Reads the saved cache (before the first policy sync, so restored addresses keep their allow). */
  restore(): number {
    if (!this.opts.file) return 0;
    const snap = readFqdnCache(this.opts.file, (m) => this.opts.onError?.(m));
    for (const [key, j] of Object.entries(snap.endpoints)) this.caches.set(key, EndpointDnsCache.fromJSON(j));
    return this.caches.size;
  }

  /** The policies' toFQDNs selectors and CIDR prefixes changed (or may have): relabel every address. */
  syncPolicy(selectors: readonly DnsNameSelector[], cidrPrefixes: readonly Prefix[]): void {
    if (this.names.syncPolicy(selectors, cidrPrefixes)) this.opts.apply();
  }

  /**
   * Records an allowed answer and returns once its addresses are enforced: identities allocated, ipcache and
   * the selecting endpoints' policy written (the caller releases the answer to the pod after this).
   */
  observe(obs: FqdnObservation): { changed: boolean; ms: number } {
    const t0 = performance.now();
    this.observations++;
    const name = normalizeDnsName(obs.name);
    let cache = this.caches.get(obs.endpoint);
    if (!cache) {
      cache = new EndpointDnsCache();
      this.caches.set(obs.endpoint, cache);
    }
    const ttl = Math.max(obs.ttl, this.config.minTtlSeconds);
    const touched = cache.record(name, obs.ips, ttl, obs.time ?? this.now(), this.config.maxIpsPerHostname);
    // Only addresses new to this name (or pushed out by the limit) can change labels: an address this endpoint
    // already held under this name is known by the same names as before.
    const changed = touched.length > 0 && this.names.refresh(touched);
    if (changed) this.opts.apply();
    this.scheduleSave();
    const ms = performance.now() - t0;
    this.latencies.push(ms);
    if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift();
    return { changed, ms };
  }

  /** `observe` as a promise, the shape a remote proxy's "ensure" takes. */
  async ensure(obs: FqdnObservation): Promise<{ changed: boolean; ms: number }> {
    return this.observe(obs);
  }

  /**
   * Expires entries past their TTL into zombies, then drops the zombies no connection uses:
   * `live(endpoint)` is the set of remote addresses the endpoint has open connections to (conntrack).
   */
  gc(live: (endpoint: string) => ReadonlySet<string>): { expired: number; collected: number } {
    const now = this.now();
    const touched = new Set<string>();
    let expired = 0;
    let collected = 0;
    for (const [key, cache] of this.caches) {
      const e = cache.expire(now);
      expired += e.length;
      const c = cache.collectZombies(
        now,
        live(key),
        this.config.idleConnectionGracePeriodMs,
        this.config.maxDeferredConnectionDeletes,
      );
      collected += c.length;
      for (const ip of [...e, ...c]) touched.add(ip);
      if (cache.empty) this.caches.delete(key);
    }
    if (this.names.refresh(touched)) this.opts.apply();
    if (touched.size > 0) this.scheduleSave();
    return { expired, collected };
  }

  /** An endpoint is gone: its lookups no longer label addresses. */
  removeEndpoint(key: string): void {
    const cache = this.caches.get(key);
    if (!cache) return;
    this.caches.delete(key);
    if (this.names.refresh(cache.ips())) this.opts.apply();
    this.scheduleSave();
  }

  /** Every address an endpoint holds (lookups and zombies), for `live` sets and listings. */
  addressesOf(endpoint: string): string[] {
    return this.caches.get(endpoint)?.ips() ?? [];
  }

  endpointKeys(): string[] {
    return [...this.caches.keys()];
  }

  list(filter: { endpoint?: string; name?: string } = {}): FqdnCacheRow[] {
    const rows: FqdnCacheRow[] = [];
    const idOf = (ip: string) => this.names.identityOf(ip) ?? 0;
    for (const [endpoint, cache] of [...this.caches].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (filter.endpoint && endpoint !== filter.endpoint) continue;
      for (const { name, entries } of cache.lookups()) {
        if (filter.name && name !== normalizeDnsName(filter.name)) continue;
        const ips = entries.map((e) => e.ip).sort();
        const last = entries.reduce((a, b) => (a.expiresAt >= b.expiresAt ? a : b));
        rows.push({
          endpoint,
          source: 'lookup',
          fqdn: name,
          ttl: last.ttl,
          expiresAt: new Date(last.expiresAt).toISOString(),
          ips,
          identities: ips.map(idOf),
        });
      }
      const byName = new Map<string, { ips: string[]; deathAt: number }>();
      for (const z of cache.zombieList()) {
        for (const n of z.names) {
          const row = byName.get(n) ?? { ips: [], deathAt: 0 };
          row.ips.push(z.ip);
          row.deathAt = Math.max(row.deathAt, z.deathAt);
          byName.set(n, row);
        }
      }
      for (const [name, z] of byName) {
        if (filter.name && name !== normalizeDnsName(filter.name)) continue;
        const ips = z.ips.sort();
        rows.push({
          endpoint,
          source: 'connection',
          fqdn: name,
          ttl: 0,
          expiresAt: new Date(z.deathAt).toISOString(),
          ips,
          identities: ips.map(idOf),
        });
      }
    }
    return rows;
  }

  /** Names an address is known by, over every endpoint (flows show them as destination names). */
  namesOf(ip: string): string[] {
    const out = new Set<string>();
    for (const c of this.caches.values()) for (const n of c.namesOf(ip)) out.add(n);
    return [...out];
  }

  identityOf(ip: string): number | undefined {
    return this.names.identityOf(ip);
  }

  stats(): FqdnStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    let names = 0;
    for (const c of this.caches.values()) names += c.lookups().length;
    return {
      endpoints: this.caches.size,
      names,
      addresses: new Set(this.allIps()).size,
      selected: this.names.size,
      observations: this.observations,
      enforceLatencyMs: {
        last: this.latencies[this.latencies.length - 1] ?? 0,
        p50: pick(0.5),
        p99: pick(0.99),
        max: sorted[sorted.length - 1] ?? 0,
        samples: sorted.length,
      },
    };
  }

  /** Writes the cache now (also done a second after each change). */
  save(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.opts.file) return;
    const endpoints: Record<string, ReturnType<EndpointDnsCache['toJSON']>> = {};
    for (const [k, c] of this.caches) endpoints[k] = c.toJSON();
    try {
      writeFqdnCache(this.opts.file, { version: 1, savedAt: this.now(), endpoints });
    } catch (e) {
      this.opts.onError?.(`cannot save the FQDN cache: ${(e as Error).message}`);
    }
  }

  /** Saves and stops timers; identities stay allocated (the engine goes away with the agent). */
  close(): void {
    this.save();
  }

  private scheduleSave(): void {
    if (!this.opts.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  private *allIps(): Iterable<string> {
    for (const c of this.caches.values()) yield* c.ips();
  }
}
