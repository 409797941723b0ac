// The only writer of the policy maps: desired per-endpoint policy in, minimal ordered writes out, status kept.
import type { Direction, PolicyEntry } from '../policy/index.js';
import type { KeyValueMap } from './bpf-map.js';
import { formatIPv4, parseIPv4 } from './codec.js';
import { CookieTable } from './cookie-table.js';
import {
  DIR_INGRESS,
  POLICY_F_DENY,
  POLICY_F_REDIRECT,
  POLICY_REMOTE_ADDR_CLASS,
  type PolicyMapKey,
  type PolicyMapValue,
} from './maps/policy.js';
import type { PolicyAddrKey, PolicyAddrValue } from './maps/policy-addr.js';
import { POLICY_ADDR_KEY_STATIC_BITS } from './maps/policy-addr.js';
import type { PolicyConfigValue } from './maps/policy-config.js';
import {
  addrKeyId,
  computeEndpointState,
  type DesiredEndpointPolicy,
  type EndpointMapState,
  type Keyed,
  policyKeyId,
} from './policy-keys.js';

export interface PolicyMaps {
  policy: KeyValueMap<PolicyMapKey, PolicyMapValue>;
  addr: KeyValueMap<PolicyAddrKey, PolicyAddrValue>;
  config: KeyValueMap<number, PolicyConfigValue>;
}

export type PolicyReconcileErrorCode = 'PORIN_DP_POLICY_CAPACITY' | 'PORIN_DP_POLICY_WRITE';

export class PolicyReconcileError extends Error {
  constructor(
    readonly code: PolicyReconcileErrorCode,
    readonly endpointId: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`endpoint ${endpointId}: ${message}`, options);
    this.name = 'PolicyReconcileError';
  }
}

export interface ReconcileResult {
  endpointId: number;
  ok: boolean;
  /** Writes done: new keys, in-place value updates, deletions (all 0 when the update was refused). */
  added: number;
  updated: number;
  deleted: number;
  /** What the endpoint holds in the kernel after this call. */
  policyEntries: number;
  addrEntries: number;
  warnings: string[];
  error?: PolicyReconcileError;
}

export interface PolicyReconcilerOptions {
  /** The proxy port for an L7 (redirect) entry; without one the datapath refuses redirected traffic. */
  proxyPort?: (entry: PolicyEntry, direction: Direction) => number;
}

interface EndpointRecord {
  state: EndpointMapState;
  /** `${direction}|${prefix}` → address class. */
  classes: Map<string, number>;
  /** The cookies this reconciler retained for the state (none for a state adopted by resync). */
  cookies: number[];
}

type Write =
  | { map: 'policy'; kind: 'set'; key: PolicyMapKey; value: PolicyMapValue; prev?: PolicyMapValue }
  | { map: 'policy'; kind: 'delete'; key: PolicyMapKey; prev: PolicyMapValue }
  | { map: 'addr'; kind: 'set'; key: PolicyAddrKey; value: PolicyAddrValue; prev?: PolicyAddrValue }
  | { map: 'addr'; kind: 'delete'; key: PolicyAddrKey; prev: PolicyAddrValue }
  | { map: 'config'; kind: 'set'; key: number; value: PolicyConfigValue; prev?: PolicyConfigValue }
  | { map: 'config'; kind: 'delete'; key: number; prev: PolicyConfigValue };

const EMPTY: EndpointMapState = { configFlags: 0, policy: new Map(), addr: new Map() };

/** deny 3 > allow 2 > redirect 1: the precedence the flattened entries encode. */
function rank(v: PolicyMapValue): number {
  return v.flags & POLICY_F_DENY ? 3 : v.flags & POLICY_F_REDIRECT ? 1 : 2;
}

function sameValue(a: PolicyMapValue, b: PolicyMapValue): boolean {
  return (
    a.flags === b.flags &&
    a.l4PrefixLen === b.l4PrefixLen &&
    a.proxyPort === b.proxyPort &&
    a.cookie === b.cookie
  );
}

/**
/**
 * Write order, add/update before delete, so that no packet ever meets a half-written or empty policy:
 *   1. policy entries added/updated for identities and for address classes not yet published,
 *   2. address-map entries added, longest prefix first (each publishes a complete class and takes its
 *      flows away from the enclosing classes),
 *   3. policy entries added/updated for classes already published,
 *   4. the endpoint's config (default-deny flags; for a new endpoint this is what lets traffic through),
 *   5. policy entries deleted of remotes that stay reachable (identities, classes still published),
 *   6. address-map entries deleted, shortest prefix first (uncovering only classes in their final state),
 *   7. the entries of classes no longer published.
 * Within 1 and 3 the strongest verdict (deny, allow, redirect) and the longest key go first; within 5
 * and 7 the weakest and shortest. Flattening makes verdicts grow (weakly) with key length along any LPM
 * chain, so each single lookup (identity, any-identity, address, config) answers, at every step, what
 * the old or the new policy answers (test/datapath/policy-reconciler.test.ts checks this after every
 * write). Like Cilium's, a packet's lookups are not one atomic read: between two writes they may
 * combine old and new answers. A capacity shortfall (counting the peak, before deletions) refuses the
 * endpoint's whole update; a failed write rolls back what was written.
 */
export class PolicyReconciler {
  readonly cookies = new CookieTable();
  private readonly endpoints = new Map<number, EndpointRecord>();
  private readonly results = new Map<number, ReconcileResult>();
  private used = { policy: 0, addr: 0, config: 0 };

  constructor(
    private readonly maps: PolicyMaps,
    private readonly opts: PolicyReconcilerOptions = {},
  ) {}

  /**
   * Adopts what the maps already hold (after an agent restart, with pinned maps): the next reconcile of
   * an endpoint then writes only the differences. Cookies from the previous run are unknown, so entries
   * are rewritten in place once with new ones.
   */
  resync(): void {
    const records = new Map<
      number,
      {
        flags: number;
        policy: Map<string, Keyed<PolicyMapKey, PolicyMapValue>>;
        addr: Map<string, Keyed<PolicyAddrKey, PolicyAddrValue>>;
        classes: Map<string, number>;
      }
    >();
    const rec = (ep: number) => {
      let r = records.get(ep);
      if (!r) {
        r = { flags: 0, policy: new Map(), addr: new Map(), classes: new Map() };
        records.set(ep, r);
      }
      return r;
    };
    const config = this.maps.config.entries();
    const policy = this.maps.policy.entries();
    const addr = this.maps.addr.entries();
    for (const [ep, v] of config) rec(ep).flags = v.flags;
    for (const [key, value] of policy) rec(key.endpointId).policy.set(policyKeyId(key), { key, value });
    for (const [key, value] of addr) {
      const r = rec(key.endpointId);
      r.addr.set(addrKeyId(key), { key, value });
      const bits = key.prefixlen - POLICY_ADDR_KEY_STATIC_BITS;
      const net = bits === 0 ? 0 : (parseIPv4(key.addr) & (~0 << (32 - bits))) >>> 0;
      const dir = key.direction === DIR_INGRESS ? 'ingress' : 'egress';
      r.classes.set(`${dir}|${formatIPv4(net)}/${bits}`, value.addrClass);
    }
    this.endpoints.clear();
    for (const [ep, r] of records) {
      this.endpoints.set(ep, {
        state: { configFlags: r.flags, policy: r.policy, addr: r.addr },
        classes: r.classes,
        cookies: [],
      });
    }
    this.used = { policy: policy.length, addr: addr.length, config: config.length };
    this.cookies.skipTo(Math.max(0, ...policy.map(([, v]) => v.cookie)));
  }

  /** Brings one endpoint's maps to the desired policy. Never throws for map errors: see the result. */
  reconcile(desired: DesiredEndpointPolicy): ReconcileResult {
    const ep = desired.endpointId;
    const current = this.endpoints.get(ep);
    const old = current?.state ?? EMPTY;
    const oldClasses = current?.classes ?? new Map<string, number>();
    const newClasses = new Map<string, number>();
    const { state, warnings } = computeEndpointState(desired, {
      cookie: (origins) => this.cookies.intern(origins),
      proxyPort: (e, d) => this.opts.proxyPort?.(e, d) ?? 0,
      addrClass: (direction, prefix) => {
        const k = `${direction}|${prefix}`;
        const cls =
          oldClasses.get(k) ?? newClasses.get(k) ?? this.freeClass(direction, oldClasses, newClasses);
        newClasses.set(k, cls);
        return cls;
      },
    });

    const policySets: Array<Write & { map: 'policy'; kind: 'set' }> = [];
    const addrSets: Array<Write & { map: 'addr'; kind: 'set' }> = [];
    const configSets: Write[] = [];
    let added = 0;
    let updated = 0;
    for (const [id, { key, value }] of state.policy) {
      const prev = old.policy.get(id)?.value;
      if (!prev) added++;
      else if (sameValue(prev, value)) continue;
      else updated++;
      policySets.push(
        prev ? { map: 'policy', kind: 'set', key, value, prev } : { map: 'policy', kind: 'set', key, value },
      );
    }
    const policyAdds = added;
    for (const [id, { key, value }] of state.addr) {
      const prev = old.addr.get(id)?.value;
      if (prev && prev.addrClass === value.addrClass) continue;
      if (prev) updated++;
      else added++;
      addrSets.push(
        prev ? { map: 'addr', kind: 'set', key, value, prev } : { map: 'addr', kind: 'set', key, value },
      );
    }
    const addrAdds = added - policyAdds;
    if (!current || old.configFlags !== state.configFlags) {
      const value = { flags: state.configFlags };
      configSets.push(
        current
          ? { map: 'config', kind: 'set', key: ep, value, prev: { flags: old.configFlags } }
          : { map: 'config', kind: 'set', key: ep, value },
      );
      if (current) updated++;
    }
    const addrDeletes = [...old.addr].filter(([id]) => !state.addr.has(id)).map(([, e]) => e);
    const policyDeletes = [...old.policy].filter(([id]) => !state.policy.has(id)).map(([, e]) => e);
    policySets.sort((a, b) => rank(b.value) - rank(a.value) || b.key.prefixlen - a.key.prefixlen);
    addrSets.sort((a, b) => b.key.prefixlen - a.key.prefixlen);
    addrDeletes.sort((a, b) => a.key.prefixlen - b.key.prefixlen);
    policyDeletes.sort((a, b) => rank(a.value) - rank(b.value) || a.key.prefixlen - b.key.prefixlen);
    // Entries of remotes still reachable afterwards go before the address entries, so that removing an
    // address prefix only ever uncovers classes that are already in their final state.
    const liveClasses = new Set(
      [...state.addr.values()].map(({ key, value }) => `${key.direction}|${value.addrClass}`),
    );
    const live = (k: PolicyMapKey) =>
      k.remote < POLICY_REMOTE_ADDR_CLASS ||
      liveClasses.has(`${k.direction}|${k.remote - POLICY_REMOTE_ADDR_CLASS}`);
    const deletePolicy = ({ key, value }: Keyed<PolicyMapKey, PolicyMapValue>): Write => ({
      map: 'policy',
      kind: 'delete',
      key,
      prev: value,
    });
    const deletes: Write[] = [
      ...policyDeletes.filter((e) => live(e.key)).map(deletePolicy),
      ...addrDeletes.map(({ key, value }): Write => ({ map: 'addr', kind: 'delete', key, prev: value })),
      ...policyDeletes.filter((e) => !live(e.key)).map(deletePolicy),
    ];
    // Entries of classes already published change only after the new prefixes took their flows away.
    const published = new Set(
      [...old.addr.values()].map(({ key, value }) => `${key.direction}|${value.addrClass}`),
    );
    const isPublished = (k: PolicyMapKey) =>
      k.remote >= POLICY_REMOTE_ADDR_CLASS &&
      published.has(`${k.direction}|${k.remote - POLICY_REMOTE_ADDR_CLASS}`);
    const writes: Write[] = [
      ...policySets.filter((w) => !isPublished(w.key)),
      ...addrSets,
      ...policySets.filter((w) => isPublished(w.key)),
      ...configSets,
    ];

    const refused = this.capacityProblem(ep, policyAdds, addrAdds, current === undefined);
    if (refused) {
      this.cookies.sweep();
      return this.record({
        endpointId: ep,
        ok: false,
        added: 0,
        updated: 0,
        deleted: 0,
        policyEntries: old.policy.size,
        addrEntries: old.addr.size,
        warnings,
        error: refused,
      });
    }
    const failure = this.apply(ep, [...writes, ...deletes]);
    if (failure) {
      this.cookies.sweep();
      return this.record({
        endpointId: ep,
        ok: false,
        added: 0,
        updated: 0,
        deleted: 0,
        policyEntries: old.policy.size,
        addrEntries: old.addr.size,
        warnings,
        error: failure,
      });
    }

    const cookies = [...state.policy.values()].map(({ value }) => value.cookie);
    for (const c of cookies) this.cookies.retain(c);
    for (const c of current?.cookies ?? []) this.cookies.release(c);
    this.cookies.sweep();
    this.used.policy += state.policy.size - old.policy.size;
    this.used.addr += state.addr.size - old.addr.size;
    if (!current) this.used.config++;
    this.endpoints.set(ep, { state, classes: newClasses, cookies });
    return this.record({
      endpointId: ep,
      ok: true,
      added,
      updated,
      deleted: deletes.length,
      policyEntries: state.policy.size,
      addrEntries: state.addr.size,
      warnings,
    });
  }

  /** Removes an endpoint's policy: its config first (its traffic is refused from then on), then its entries. */
  remove(endpointId: number): ReconcileResult {
    const current = this.endpoints.get(endpointId);
    if (!current) {
      this.results.delete(endpointId);
      return {
        endpointId,
        ok: true,
        added: 0,
        updated: 0,
        deleted: 0,
        policyEntries: 0,
        addrEntries: 0,
        warnings: [],
      };
    }
    const { state } = current;
    const writes: Write[] = [
      { map: 'config', kind: 'delete', key: endpointId, prev: { flags: state.configFlags } },
    ];
    for (const { key, value } of state.addr.values())
      writes.push({ map: 'addr', kind: 'delete', key, prev: value });
    for (const { key, value } of state.policy.values())
      writes.push({ map: 'policy', kind: 'delete', key, prev: value });
    const failure = this.apply(endpointId, writes);
    if (failure) {
      return this.record({
        endpointId,
        ok: false,
        added: 0,
        updated: 0,
        deleted: 0,
        policyEntries: state.policy.size,
        addrEntries: state.addr.size,
        warnings: [],
        error: failure,
      });
    }
    for (const c of current.cookies) this.cookies.release(c);
    this.cookies.sweep();
    this.used.policy -= state.policy.size;
    this.used.addr -= state.addr.size;
    this.used.config--;
    this.endpoints.delete(endpointId);
    this.results.delete(endpointId);
    return {
      endpointId,
      ok: true,
      added: 0,
      updated: 0,
      deleted: writes.length,
      policyEntries: 0,
      addrEntries: 0,
      warnings: [],
    };
  }

  /** Reconciles every listed endpoint and removes the policy of endpoints not listed. */
  sync(all: readonly DesiredEndpointPolicy[]): ReconcileResult[] {
    const wanted = new Set(all.map((d) => d.endpointId));
    const results: ReconcileResult[] = [];
    for (const ep of [...this.endpoints.keys()]) if (!wanted.has(ep)) results.push(this.remove(ep));
    for (const d of all) results.push(this.reconcile(d));
    return results;
  }

  /** The last result per endpoint (failures stay until a later reconcile succeeds). */
  status(): ReconcileResult[] {
    return [...this.results.values()];
  }

  usage(): { policy: { used: number; max: number }; addr: { used: number; max: number }; endpoints: number } {
    return {
      policy: { used: this.used.policy, max: this.maps.policy.maxEntries },
      addr: { used: this.used.addr, max: this.maps.addr.maxEntries },
      endpoints: this.endpoints.size,
    };
  }

  private record(r: ReconcileResult): ReconcileResult {
    this.results.set(r.endpointId, r);
    return r;
  }

  private freeClass(direction: Direction, old: Map<string, number>, fresh: Map<string, number>): number {
    const taken = new Set<number>();
    for (const m of [old, fresh]) for (const [k, c] of m) if (k.startsWith(`${direction}|`)) taken.add(c);
    let c = 1;
    while (taken.has(c)) c++;
    return c;
  }

  private capacityProblem(
    ep: number,
    policyAdds: number,
    addrAdds: number,
    isNew: boolean,
  ): PolicyReconcileError | undefined {
    const check = (name: string, used: number, adds: number, max: number) =>
      used + adds > max
        ? new PolicyReconcileError(
            'PORIN_DP_POLICY_CAPACITY',
            ep,
            `policy refused: it needs ${adds} new entries in ${name}, which holds ${used} of ${max}; ` +
              'the endpoint keeps its previous policy (raise the map size or simplify the policy)',
          )
        : undefined;
    return (
      check(this.maps.policy.name, this.used.policy, policyAdds, this.maps.policy.maxEntries) ??
      check(this.maps.addr.name, this.used.addr, addrAdds, this.maps.addr.maxEntries) ??
      check(this.maps.config.name, this.used.config, isNew ? 1 : 0, this.maps.config.maxEntries)
    );
  }

  /** Applies writes in order; on the first failure undoes the applied ones in reverse (best effort). */
  private apply(ep: number, writes: readonly Write[]): PolicyReconcileError | undefined {
    const done: Write[] = [];
    for (const w of writes) {
      try {
        this.write(w);
        done.push(w);
      } catch (cause) {
        let rollback = 'rolled back';
        for (const d of done.reverse()) {
          try {
            this.undo(d);
          } catch {
            rollback = 'rollback incomplete: call resync()';
          }
        }
        return new PolicyReconcileError(
          'PORIN_DP_POLICY_WRITE',
          ep,
          `${w.kind} in ${this.maps[w.map].name} failed (${(cause as Error).message}); ${rollback}`,
          { cause },
        );
      }
    }
    return undefined;
  }

  private write(w: Write): void {
    switch (w.map) {
      case 'policy':
        if (w.kind === 'set') this.maps.policy.set(w.key, w.value);
        else this.maps.policy.delete(w.key);
        return;
      case 'addr':
        if (w.kind === 'set') this.maps.addr.set(w.key, w.value);
        else this.maps.addr.delete(w.key);
        return;
      case 'config':
        if (w.kind === 'set') this.maps.config.set(w.key, w.value);
        else this.maps.config.delete(w.key);
        return;
    }
  }

  private undo(w: Write): void {
    switch (w.map) {
      case 'policy':
        if (w.prev) this.maps.policy.set(w.key, w.prev);
        else this.maps.policy.delete(w.key);
        return;
      case 'addr':
        if (w.prev) this.maps.addr.set(w.key, w.prev);
        else this.maps.addr.delete(w.key);
        return;
      case 'config':
        if (w.prev) this.maps.config.set(w.key, w.prev);
        else this.maps.config.delete(w.key);
        return;
    }
  }
}
