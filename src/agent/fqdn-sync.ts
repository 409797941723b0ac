// Wires the FQDN layer into the agent: restore, policy changes, pod deletions, conntrack-driven GC, API routes.
import { join } from 'node:path';
import type { RouteTable } from '../api/index.js';
import { ApiError } from '../api/index.js';
import type { ObjectStore, Unsubscribe } from '../cluster/store/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { CtEntry, CtKey, KeyValueMap } from '../datapath/index.js';
import type { EndpointManager } from '../endpoints/index.js';
import {
  engineFqdnManager,
  type FqdnConfig,
  type FqdnManager,
  fqdnConfig,
  syncFqdnPolicy,
} from '../fqdn/index.js';
import type { PolicyEngine } from '../policy/index.js';
import { endpointKeyOf } from '../proxy/dns/index.js';

const POLICY_KINDS = new Set(['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);

export interface FqdnSyncOptions {
  readonly config: ClusterConfig;
  readonly store: ObjectStore;
  readonly engine: PolicyEngine;
  readonly endpoints: EndpointManager | undefined;
  /** The datapath's conntrack map: which addresses still have open connections. */
  readonly conntrack: KeyValueMap<CtKey, CtEntry> | undefined;
  readonly fqdn?: Partial<FqdnConfig>;
  readonly log: (m: string) => void;
}

export class FqdnSync {
  readonly manager: FqdnManager;
  private readonly unwatch: Unsubscribe[] = [];
  private gcTimer: NodeJS.Timeout | undefined;
  private lastGc: { expired: number; collected: number; at: string } | undefined;

  constructor(private readonly o: FqdnSyncOptions) {
    this.manager = engineFqdnManager(o.engine, {
      config: fqdnConfig(o.fqdn),
      file: join(o.config.stateDir, 'fqdn-cache.json'),
      apply: (changes) => o.endpoints?.apply(changes.endpoints),
      onError: (m) => o.log(`fqdn: ${m}`),
    });
  }

  /**
   * After the engine holds every object and before the first datapath write: restored addresses get their
   * identities, so endpoints are written with them and connections to them survive the restart.
   */
  start(): void {
    const n = this.manager.restore();
    syncFqdnPolicy(this.manager, this.o.engine);
    if (n > 0) this.o.log(`fqdn: restored the DNS caches of ${n} endpoint(s)`);
    let pending = false;
    this.unwatch.push(
      this.o.store.watch({}, undefined, (ev) => {
        if (ev.object.kind === 'Pod' && ev.type === 'DELETED') {
          this.manager.removeEndpoint(
            `${ev.object.metadata.namespace ?? 'default'}/${ev.object.metadata.name}`,
          );
          return;
        }
        if (!POLICY_KINDS.has(ev.object.kind) || pending) return;
        // After PolicySync has given the engine this change (its watch was registered first).
        pending = true;
        setImmediate(() => {
          pending = false;
          syncFqdnPolicy(this.manager, this.o.engine);
        });
      }),
    );
    this.gcTimer = setInterval(() => this.gc(), this.manager.config.gcIntervalMs);
    this.gcTimer.unref();
  }

  /** Expires lookups and drops the expired addresses no open connection uses. */
  gc(): void {
    const live = this.liveConnections();
    const r = this.manager.gc((endpoint) => {
      const ip = this.o.engine.endpoint(endpoint)?.address?.text;
      return (ip && live.get(ip)) || EMPTY;
    });
    this.lastGc = { ...r, at: new Date().toISOString() };
  }

  /** pod address → remote addresses with a conntrack entry that has not expired. */
  private liveConnections(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    if (!this.o.conntrack) return out;
    const now = process.hrtime.bigint();
    for (const [k, v] of this.o.conntrack.entries()) {
      if (v.expiresNs < now) continue;
      for (const [local, remote] of [
        [k.saddr, k.daddr],
        [k.daddr, k.saddr],
      ] as const) {
        let set = out.get(local);
        if (!set) {
          set = new Set();
          out.set(local, set);
        }
        set.add(remote);
      }
    }
    return out;
  }

  /** `porin fqdn cache list` and the proxy's "answer allowed" calls. */
  routes(api: RouteTable): void {
    api.route('GET', '/v1/fqdn/cache', (req) => {
      const endpoint = req.query.get('endpoint') ?? undefined;
      const name = req.query.get('name') ?? undefined;
      return {
        entries: this.manager.list({ ...(endpoint ? { endpoint } : {}), ...(name ? { name } : {}) }),
        stats: this.manager.stats(),
        ...(this.lastGc ? { gc: this.lastGc } : {}),
      };
    });
    api.route('POST', '/v1/fqdn/observe', async (req) => {
      const b = (await req.json()) as {
        source?: { address?: string };
        name?: string;
        ips?: string[];
        ttl?: number;
        time?: number;
      };
      if (
        !b?.source?.address ||
        typeof b.name !== 'string' ||
        !Array.isArray(b.ips) ||
        typeof b.ttl !== 'number'
      )
        throw new ApiError('PORIN_ERR_BAD_REQUEST', 'want {source: {address}, name, ips, ttl}', 400);
      const endpoint = endpointKeyOf(this.o.engine, b.source.address) ?? `ip:${b.source.address}`;
      return this.manager.observe({
        endpoint,
        name: b.name,
        ips: b.ips.map(String),
        ttl: b.ttl,
        ...(typeof b.time === 'number' ? { time: b.time } : {}),
      });
    });
  }

  status(): { ok: boolean; message: string } {
    const s = this.manager.stats();
    return {
      ok: true,
      message: `${s.names} name(s), ${s.addresses} address(es), ${s.selected} with FQDN identities; answer→enforced p99 ${s.enforceLatencyMs.p99.toFixed(2)} ms${this.lastGc ? `; GC ${this.lastGc.expired} expired, ${this.lastGc.collected} collected at ${this.lastGc.at}` : ''}`,
    };
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    if (this.gcTimer) clearInterval(this.gcTimer);
    this.manager.close();
  }
}

const EMPTY: ReadonlySet<string> = new Set();
