// The only writer of the load-balancer maps: desired frontends in, ordered minimal writes out, status.
import {
  isMapFull,
  LB_BACKEND_ACTIVE,
  LB_BACKEND_TERMINATING,
  LB_SCOPE_EXT,
  LB_SCOPE_INT,
  type Lb4Backend,
  type Lb4Key,
  type Lb4ReverseNat,
  type Lb4Service,
} from '../datapath/index.js';
import { type Backend, type BackendState, backendKey, type Frontend, frontendKey } from './frontend.js';
import { IdPool } from './id-pool.js';
import { entryKey, type FrontendEntries, frontendEntries, type MaglevSettings } from './lb-entries.js';
import type { LbMapSet } from './lb-map-set.js';
import { allBackends } from './service-frontends.js';

const PROTO_NAME: Record<number, Frontend['protocol']> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

/** What the maps hold for one frontend, as last written (or read back after a restart). */
interface Written {
  id: number;
  services: Map<string, readonly [Lb4Key, Lb4Service]>;
  revNat: Lb4ReverseNat | undefined;
  maglev: Uint32Array | undefined;
  matches: Set<number>;
  backends: Set<string>;
}

export interface LbStatus {
  services: number;
  frontends: number;
  backends: number;
  /** Frontends another service already holds (the older claim wins), as `service: frontend`. */
  conflicts: string[];
  /** The last errors (map full, refused updates), newest last: history. */
  errors: string[];
  /** Frontends not in their desired state right now, with the reason: health. */
  failing: string[];
  writes: number;
  lastApplyMs: number;
}

function same(a: object | undefined, b: object | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

function sameTable(a: Uint32Array | undefined, b: Uint32Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Owns porin_lb4_services, porin_lb4_backends, porin_lb4_reverse_nat, porin_lb_affinity_match and the
 * Maglev tables. Services are set one at a time (their frontends from the pure model); each change
 * writes only the entries that differ, in an order no lookup can trip over:
 *   backends → reverse NAT → affinity matches → Maglev table → backend slots → service entries (the
 *   internal scope before the external one that points at it) → then the removals in reverse:
 *   service entries → surplus slots → tables → matches → reverse NAT → unused backends.
 * A datapath lookup therefore never finds a count beyond the written slots, a slot naming a missing
 * backend, or a two-scope flag without the internal entry. Established connections are untouched:
 * sockets are already connected to their backend, and the packet path's conntrack pins its backend.
 *
 * Two services claiming one frontend (the same external IP and port): the first claim keeps it, the
 * other is reported in status().conflicts until the first lets go.
 */
export class LbReconciler {
  private readonly claims = new Map<string, Array<{ service: string; frontend: Frontend }>>();
  private readonly byService = new Map<string, Frontend[]>();
  private readonly written = new Map<string, Written>();
  private readonly frontendIds = new IdPool(1, 0xffff);
  private readonly backendPool = new IdPool(1, 0x7fffffff);
  private readonly backendIds = new Map<string, number>();
  private readonly backendValues = new Map<number, Lb4Backend>();
  /** Backend key → the frontends using it and the state each gives it. */
  private readonly backendUsers = new Map<string, Map<string, BackendState>>();
  private readonly errors: string[] = [];
  /** Frontend key → why its desired state is not in the maps right now. */
  private readonly failing = new Map<string, string>();
  private writes = 0;
  private lastApplyMs = 0;
  /** Entries this reconciler holds in porin_lb4_services (capacity checks without a map walk). */
  private serviceEntries = 0;

  constructor(
    private readonly maps: LbMapSet,
    private readonly maglev: MaglevSettings,
  ) {}

  /**
   * Reads what the maps hold (pinned maps survive an agent restart), so frontends and backends keep
   * their ids and the first sync writes only differences. Call before the first setService; after every
   * service was set once, finishResync() removes what no service claims any more.
   */
  adopt(): void {
    for (const [id, rn] of this.maps.reverseNat.entries()) {
      const fkey = frontendKey({
        address: rn.address,
        port: rn.port,
        protocol: PROTO_NAME[rn.protocol] ?? 'TCP',
      });
      this.frontendIds.reserve(id);
      this.written.set(fkey, this.emptyWritten(id, rn));
    }
    const byId = new Map([...this.written.values()].map((w) => [w.id, w]));
    for (const [k, v] of this.maps.services.entries()) {
      const fkey = frontendKey({
        address: k.address,
        port: k.dport,
        protocol: PROTO_NAME[k.protocol] ?? 'TCP',
      });
      let w = this.written.get(fkey);
      if (!w) {
        w = this.emptyWritten(v.revNatIndex, undefined);
        this.frontendIds.reserve(v.revNatIndex);
        this.written.set(fkey, w);
        byId.set(w.id, w);
      }
      w.services.set(entryKey(k.scope, k.slot), [k, v]);
      this.serviceEntries++;
    }
    for (const id of this.maps.maglev.ids()) {
      const w = byId.get(id);
      if (w) w.maglev = this.maps.maglev.get(id);
      else this.maps.maglev.delete(id);
    }
    for (const [m] of this.maps.affinityMatch.entries()) byId.get(m.revNatIndex)?.matches.add(m.backendId);
    for (const [id, b] of this.maps.backends.entries()) {
      const bkey = backendKey({
        address: b.address,
        port: b.port,
        protocol: PROTO_NAME[b.protocol] ?? 'TCP',
      });
      this.backendIds.set(bkey, id);
      this.backendValues.set(id, b);
      this.backendPool.reserve(id);
    }
  }

  /** After a restart's first full sync: removes frontends no service claims and backends no one uses. */
  finishResync(): void {
    const t0 = performance.now();
    for (const fkey of [...this.written.keys()]) if (!this.claims.has(fkey)) this.apply(fkey);
    this.collectBackends([...this.backendIds.keys()]);
    this.lastApplyMs = performance.now() - t0;
  }

  /** Makes `service`'s frontends exactly `frontends` (an empty list removes the service). */
  setService(service: string, frontends: readonly Frontend[]): void {
    const t0 = performance.now();
    const before = this.byService.get(service) ?? [];
    const keys = new Set(frontends.map(frontendKey));
    const touched = new Set<string>();
    for (const f of frontends) {
      const list = this.claims.get(frontendKey(f)) ?? [];
      const i = list.findIndex((c) => c.service === service);
      if (i >= 0) list[i] = { service, frontend: f };
      else list.push({ service, frontend: f });
      this.claims.set(frontendKey(f), list);
      touched.add(frontendKey(f));
    }
    for (const f of before) {
      const fkey = frontendKey(f);
      if (keys.has(fkey)) continue;
      const list = (this.claims.get(fkey) ?? []).filter((c) => c.service !== service);
      if (list.length > 0) this.claims.set(fkey, list);
      else this.claims.delete(fkey);
      touched.add(fkey);
    }
    if (frontends.length > 0) this.byService.set(service, [...frontends]);
    else this.byService.delete(service);
    const freed: string[] = [];
    for (const fkey of touched) freed.push(...this.apply(fkey));
    this.collectBackends(freed);
    this.lastApplyMs = performance.now() - t0;
  }

  deleteService(service: string): void {
    this.setService(service, []);
  }

  status(): LbStatus {
    const conflicts: string[] = [];
    for (const [fkey, list] of this.claims)
      for (const c of list.slice(1)) conflicts.push(`${c.service}: ${fkey}`);
    return {
      services: this.byService.size,
      frontends: this.written.size,
      backends: this.backendValues.size,
      conflicts,
      errors: [...this.errors],
      failing: [...this.failing].map(([f, m]) => `${f}: ${m}`),
      writes: this.writes,
      lastApplyMs: this.lastApplyMs,
    };
  }

  /** The frontend id the maps use for a frontend key (for listings and flow enrichment). */
  frontendId(fkey: string): number | undefined {
    return this.written.get(fkey)?.id;
  }

  private emptyWritten(id: number, revNat: Lb4ReverseNat | undefined): Written {
    return { id, services: new Map(), revNat, maglev: undefined, matches: new Set(), backends: new Set() };
  }

  /** A frontend whose desired state is not in the maps (until its next successful apply). */
  private fail(fkey: string, message: string): void {
    this.failing.set(fkey, message);
    this.error(`${fkey} ${message}`);
  }

  private error(message: string): void {
    this.errors.push(`${new Date().toISOString()} ${message}`);
    if (this.errors.length > 20) this.errors.shift();
  }

  /** Brings one frontend to its desired state; returns backend keys it stopped using. */
  private apply(fkey: string): string[] {
    const desired = this.claims.get(fkey)?.[0]?.frontend;
    const cur = this.written.get(fkey);
    this.failing.delete(fkey);
    if (!desired) {
      if (!cur) return [];
      this.write(cur, undefined);
      this.written.delete(fkey);
      this.frontendIds.release(cur.id);
      return this.unuse(fkey, cur.backends, new Set());
    }
    const backends = allBackends(desired);
    const bkeys = new Set(backends.map(backendKey));
    const newBackends = backends.filter((b) => !this.backendIds.has(backendKey(b))).length;
    let id = cur?.id;
    try {
      id ??= this.frontendIds.take();
    } catch (e) {
      this.fail(fkey, (e as Error).message);
      return [];
    }
    const w = cur ?? this.emptyWritten(id, undefined);
    // Whole refusal when it cannot fit: the frontend keeps what it had (or stays absent).
    const ids = (b: Backend) => this.backendIds.get(backendKey(b)) ?? 0;
    const probe = frontendEntries(desired, id, ids, this.maglev);
    const newEntries = [...probe.services.keys()].filter((k) => !w.services.has(k)).length;
    const servicesFree = this.maps.services.maxEntries - this.serviceEntries;
    const backendsFree = this.maps.backends.maxEntries - this.backendValues.size;
    if (newEntries > servicesFree || newBackends > backendsFree) {
      this.fail(
        fkey,
        `refused: needs ${newEntries} service entries (${servicesFree} free) and ${newBackends} backends (${backendsFree} free)`,
      );
      if (!cur) this.frontendIds.release(id);
      return [];
    }
    this.written.set(fkey, w);
    const freed = this.unuse(fkey, w.backends, bkeys);
    try {
      for (const b of backends) this.holdBackend(fkey, b);
      w.backends = bkeys;
      this.write(
        w,
        frontendEntries(desired, id, (b) => this.backendIds.get(backendKey(b))!, this.maglev),
      );
    } catch (e) {
      this.fail(fkey, `${isMapFull(e) ? 'map full: ' : ''}${(e as Error).message}`);
    }
    return freed;
  }

  private holdBackend(fkey: string, b: Backend): void {
    const bkey = backendKey(b);
    const users = this.backendUsers.get(bkey) ?? new Map<string, BackendState>();
    users.set(fkey, b.state);
    this.backendUsers.set(bkey, users);
    let id = this.backendIds.get(bkey);
    if (id === undefined) {
      id = this.backendPool.take();
      this.backendIds.set(bkey, id);
    }
    this.writeBackend(id, b, users);
  }

  private writeBackend(
    id: number,
    b: { address: string; port: number; protocol: Frontend['protocol'] },
    users: Map<string, BackendState>,
  ): void {
    const active = [...users.values()].includes('active');
    const value: Lb4Backend = {
      address: b.address,
      port: b.port,
      protocol: { TCP: 6, UDP: 17, SCTP: 132 }[b.protocol],
      state: active ? LB_BACKEND_ACTIVE : LB_BACKEND_TERMINATING,
    };
    if (same(this.backendValues.get(id), value)) return;
    this.maps.backends.set(id, value);
    this.writes++;
    this.backendValues.set(id, value);
  }

  /** Drops fkey from the users of backends it no longer has; returns those left with no user at all. */
  private unuse(fkey: string, had: ReadonlySet<string>, keep: ReadonlySet<string>): string[] {
    const freed: string[] = [];
    for (const bkey of had) {
      if (keep.has(bkey)) continue;
      const users = this.backendUsers.get(bkey);
      users?.delete(fkey);
      if (!users || users.size === 0) freed.push(bkey);
      else {
        const id = this.backendIds.get(bkey)!;
        const v = this.backendValues.get(id);
        if (v)
          this.writeBackend(
            id,
            { address: v.address, port: v.port, protocol: PROTO_NAME[v.protocol] ?? 'TCP' },
            users,
          );
      }
    }
    return freed;
  }

  /** Deletes backends nobody uses any more (last: after every slot and table naming them is gone). */
  private collectBackends(candidates: readonly string[]): void {
    for (const bkey of candidates) {
      if ((this.backendUsers.get(bkey)?.size ?? 0) > 0) continue;
      this.backendUsers.delete(bkey);
      const id = this.backendIds.get(bkey);
      if (id === undefined) continue;
      try {
        this.maps.backends.delete(id);
        this.writes++;
      } catch (e) {
        this.error(`backend ${bkey}: ${(e as Error).message}`);
        continue;
      }
      this.backendIds.delete(bkey);
      this.backendValues.delete(id);
      this.backendPool.release(id);
    }
  }

  /** Diffs `w` (what is written) against `next` and writes the difference in the safe order. */
  private write(w: Written, next: FrontendEntries | undefined): void {
    const m = this.maps;
    const count = () => this.writes++;
    if (next && !same(w.revNat, next.revNat)) {
      m.reverseNat.set(w.id, next.revNat);
      w.revNat = next.revNat;
      count();
    }
    for (const b of next?.matches ?? []) {
      if (w.matches.has(b)) continue;
      m.affinityMatch.set({ backendId: b, revNatIndex: w.id }, 1);
      w.matches.add(b);
      count();
    }
    if (next?.maglev && !sameTable(w.maglev, next.maglev)) {
      m.maglev.set(w.id, next.maglev);
      w.maglev = next.maglev;
      count();
    }
    const put = (k: string) => {
      const e = next?.services.get(k);
      const had = w.services.get(k);
      if (!e || same(had?.[1], e[1])) return;
      m.services.set(e[0], e[1]);
      if (!had) this.serviceEntries++;
      w.services.set(k, e);
      count();
    };
    for (const k of next?.services.keys() ?? []) if (!k.endsWith('/0')) put(k);
    put(entryKey(LB_SCOPE_INT, 0));
    put(entryKey(LB_SCOPE_EXT, 0));
    const drop = (k: string) => {
      const e = w.services.get(k);
      if (!e || next?.services.has(k)) return;
      m.services.delete(e[0]);
      w.services.delete(k);
      this.serviceEntries--;
      count();
    };
    drop(entryKey(LB_SCOPE_EXT, 0));
    drop(entryKey(LB_SCOPE_INT, 0));
    for (const k of [...w.services.keys()]) drop(k);
    if (w.maglev && !next?.maglev) {
      m.maglev.delete(w.id);
      w.maglev = undefined;
      count();
    }
    for (const b of [...w.matches]) {
      if (next?.matches.has(b)) continue;
      m.affinityMatch.delete({ backendId: b, revNatIndex: w.id });
      w.matches.delete(b);
      count();
    }
    if (!next && w.revNat) {
      m.reverseNat.delete(w.id);
      w.revNat = undefined;
      count();
    }
  }
}
