// Local endpoints in the datapath: endpoint and ipcache maps, per-endpoint policy, tc attachment — in safe order.
import {
  type DirectionInput,
  type EndpointLinks,
  IPCACHE_F_LOCAL_ENDPOINT,
  ifNameToIndex,
  type LxcDatapath,
  PolicyReconciler,
  type ReconcileResult,
} from '../datapath/index.js';
import { formatPrefix } from '../net/cidr.js';
import type { Direction, PolicyEngine, PolicyEntry } from '../policy/index.js';
import { EndpointIds } from './endpoint-ids.js';

export interface EndpointManagerOptions {
  /** The L7 proxy's port for a redirect entry (0: no proxy, the datapath refuses the traffic). */
  proxyPort?: (entry: PolicyEntry, direction: Direction) => number;
  /**
   * The policy to write for an endpoint, when it is not the engine's as is (the agent adds redirects for
   * audit-mode L7 rules, so that the proxy sees those requests).
   */
  policyFor?: (key: string) => { ingress: DirectionInput; egress: DirectionInput };
}

export interface LocalEndpoint {
  /** `namespace/name` */
  key: string;
  id: number;
  hostVeth: string;
  ifindex: number;
  ip: string;
  identity: number;
  attached: boolean;
  policy?: ReconcileResult;
}

/** A local endpoint whose datapath state is not what it should be, and why. */
export interface EndpointFailure {
  key: string;
  error: string;
}

export class EndpointManager {
  readonly reconciler: PolicyReconciler;
  private readonly ids: EndpointIds;
  private readonly local = new Map<string, LocalEndpoint>();
  private readonly links = new Map<string, EndpointLinks>();
  /** ipcache as written: prefix text → identity. */
  private ipcacheWritten = new Map<string, number>();

  constructor(
    private readonly datapath: LxcDatapath,
    private readonly engine: PolicyEngine,
    idFile: string,
    private readonly log: (m: string) => void,
    private readonly opts: EndpointManagerOptions = {},
  ) {
    this.ids = new EndpointIds(idFile);
    this.reconciler = new PolicyReconciler(
      datapath.policyMaps(),
      opts.proxyPort ? { proxyPort: opts.proxyPort } : {},
    );
    // After a restart: learn what the pinned maps hold, so the first sync writes only differences.
    this.reconciler.resync();
    for (const [k, v] of datapath.maps.ipcache.entries())
      this.ipcacheWritten.set(`${k.addr}/${k.prefixlen}`, v.identity);
  }

  /**
   * A pod's sandbox is wired: ipcache, endpoint entry and policy are written first, then the programs are
   * attached — a pod never runs behind a veth whose program has no policy for it.
   */
  ready(key: string, hostVeth: string, ip: string): LocalEndpoint {
    // if_nametoindex asks the kernel in this process's network namespace (/sys/class/net may show another's).
    const ifindex = ifNameToIndex(hostVeth);
    const ep = this.engine.endpoint(key);
    if (!ep) throw new Error(`no endpoint "${key}" in the policy engine`);
    const id = this.ids.acquire(key);
    const local: LocalEndpoint = {
      key,
      id,
      hostVeth,
      ifindex,
      ip,
      identity: ep.identity.id,
      attached: false,
    };
    this.local.set(key, local);
    this.syncIpcache();
    this.writeEndpoint(local);
    this.reconcileOne(local);
    if (!local.policy?.ok)
      throw new Error(`policy for ${key} not written: ${local.policy?.error?.message ?? 'unknown'}`);
    this.links.get(key)?.[Symbol.dispose]();
    this.links.set(key, this.datapath.attachEndpoint(ifindex));
    local.attached = true;
    return local;
  }

  removed(key: string): void {
    const local = this.local.get(key);
    this.links.get(key)?.[Symbol.dispose]();
    this.links.delete(key);
    if (local) {
      this.datapath.maps.endpoints.delete(local.ifindex);
      this.datapath.maps.endpointsByAddr.delete({ addr: local.ip });
      this.reconciler.remove(local.id);
      this.local.delete(key);
    }
    this.ids.release(key);
    this.syncIpcache();
  }

  /**
   * After engine changes: re-resolve the affected local endpoints; keep identities and ipcache current.
   * Returns the endpoints whose policy the kernel does not hold after this (they keep their previous one).
   */
  apply(changed: readonly string[]): EndpointFailure[] {
    this.syncIpcache();
    const failures: EndpointFailure[] = [];
    for (const key of changed) {
      const local = this.local.get(key);
      const ep = this.engine.endpoint(key);
      if (!local || !ep) continue;
      if (ep.identity.id !== local.identity) {
        local.identity = ep.identity.id;
        this.writeEndpoint(local);
      }
      this.reconcileOne(local);
      if (!local.policy?.ok) failures.push({ key, error: local.policy?.error?.message ?? 'not written' });
    }
    return failures;
  }

  /** Every local endpoint whose policy is not in the kernel (the last reconcile failed). */
  failing(): EndpointFailure[] {
    return [...this.local.values()]
      .filter((l) => l.policy && !l.policy.ok)
      .map((l) => ({ key: l.key, error: l.policy?.error?.message ?? 'not written' }));
  }

  /**
   * Checks the kernel, not our records: each endpoint's programs must still be the ones in its veth's tc
   * slots (someone may have removed the qdisc or replaced a filter). Returns what is wrong, if anything.
   */
  attachmentProblems(): EndpointFailure[] {
    const out: EndpointFailure[] = [];
    for (const l of this.local.values()) {
      const links = this.links.get(l.key);
      if (!links) {
        out.push({ key: l.key, error: `no programs attached to ${l.hostVeth}` });
        continue;
      }
      for (const link of [links.fromContainer, links.toContainer]) {
        let current: number | null;
        try {
          current = link.current();
        } catch (e) {
          current = null;
          out.push({ key: l.key, error: `tc query on ${l.hostVeth}: ${(e as Error).message}` });
          continue;
        }
        if (current !== link.programId)
          out.push({
            key: l.key,
            error: `${l.hostVeth} tc ${link.direction}: ${current === null ? 'no program' : `program ${current}, not Porin's ${link.programId}`}`,
          });
      }
    }
    return out;
  }

  list(): LocalEndpoint[] {
    return [...this.local.values()].sort((a, b) => a.id - b.id);
  }

  private reconcileOne(local: LocalEndpoint): void {
    const p = this.opts.policyFor?.(local.key) ?? this.engine.policyOf(local.key);
    local.policy = this.reconciler.reconcile({ endpointId: local.id, ingress: p.ingress, egress: p.egress });
    if (!local.policy.ok) this.log(`endpoint ${local.key}: ${local.policy.error?.message}`);
  }

  private writeEndpoint(local: LocalEndpoint): void {
    const info = { identity: local.identity, ipv4: local.ip, endpointId: local.id, flags: 0 };
    this.datapath.maps.endpoints.set(local.ifindex, info);
    this.datapath.maps.endpointsByAddr.set({ addr: local.ip }, info);
  }

  /** Re-computes every local endpoint's policy (e.g. after the proxy's ports changed). */
  reconcileAll(): void {
    for (const local of this.local.values()) this.reconcileOne(local);
  }

  /** The ipcache map follows the engine's ipcache (IPv4): adds and updates first, then deletes. */
  syncIpcache(): void {
    const localIPs = new Set([...this.local.values()].map((l) => l.ip));
    const want = new Map<string, { identity: number; addr: string; bits: number }>();
    for (const e of this.engine.ipcache.entries()) {
      if (e.prefix.family !== 4) continue;
      const [addr, bits] = formatPrefix(e.prefix).split('/') as [string, string];
      want.set(`${addr}/${bits}`, { identity: e.identity, addr, bits: Number(bits) });
    }
    const map = this.datapath.maps.ipcache;
    for (const [k, v] of want) {
      if (this.ipcacheWritten.get(k) === v.identity) continue;
      map.set(
        { prefixlen: v.bits, addr: v.addr },
        { identity: v.identity, flags: localIPs.has(v.addr) ? IPCACHE_F_LOCAL_ENDPOINT : 0 },
      );
      this.ipcacheWritten.set(k, v.identity);
    }
    for (const k of [...this.ipcacheWritten.keys()]) {
      if (want.has(k)) continue;
      const [addr, bits] = k.split('/') as [string, string];
      map.delete({ prefixlen: Number(bits), addr });
      this.ipcacheWritten.delete(k);
    }
  }
}
