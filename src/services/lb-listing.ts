// The load balancer as its maps hold it: frontends with their backends (service list), raw entries (bpf lb list).
import {
  LB_ALG_MAGLEV,
  LB_BACKEND_ACTIVE,
  LB_F_AFFINITY,
  LB_F_EXTERNAL_IP,
  LB_F_LOADBALANCER,
  LB_F_LOCAL_NONE,
  LB_F_NODEPORT,
  LB_F_TWO_SCOPES,
  LB_SCOPE_INT,
  type Lb4Key,
  type Lb4Service,
} from '../datapath/index.js';
import type { FrontendType, LbProtocol, ServiceName } from './frontend.js';
import type { LbMapSet } from './lb-map-set.js';

const PROTO: Record<number, LbProtocol> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

export interface LbBackendRow {
  id: number;
  address: string;
  state: 'active' | 'terminating' | 'missing';
}

export interface LbFrontendRow {
  id: number;
  frontend: string;
  type: FrontendType;
  service?: ServiceName;
  algorithm: 'random' | 'maglev';
  affinityTimeout: number;
  /** Backends traffic from outside uses (the only set unless `internal` is given). */
  backends: LbBackendRow[];
  /** With externalTrafficPolicy Local: the backends of traffic from inside the cluster. */
  internal?: LbBackendRow[];
  /** Local traffic policy with no backend on this node: traffic is dropped. */
  noLocalBackend: boolean;
  maglevTable: boolean;
}

export function flagNames(flags: number): string[] {
  const names: Array<[number, string]> = [
    [LB_F_NODEPORT, 'nodeport'],
    [LB_F_EXTERNAL_IP, 'external-ip'],
    [LB_F_LOADBALANCER, 'loadbalancer'],
    [LB_F_AFFINITY, 'affinity'],
    [LB_F_TWO_SCOPES, 'two-scopes'],
    [LB_F_LOCAL_NONE, 'no-local-backend'],
  ];
  return names.filter(([f]) => flags & f).map(([, n]) => n);
}

function typeOf(flags: number): FrontendType {
  if (flags & LB_F_NODEPORT) return 'NodePort';
  if (flags & LB_F_LOADBALANCER) return 'LoadBalancer';
  if (flags & LB_F_EXTERNAL_IP) return 'ExternalIP';
  return 'ClusterIP';
}

/**
 * Reads the frontends back from the maps (not from the agent's memory): what `porin service list` and
 * `porin status` show is what the datapath would do. `serviceOf` names the owning Service when known.
 */
export function listFrontends(
  m: Pick<LbMapSet, 'services' | 'backends' | 'maglev'>,
  serviceOf: (frontend: string) => ServiceName | undefined = () => undefined,
): LbFrontendRow[] {
  const all = m.services.entries();
  const key = (k: Lb4Key) => `${k.address}|${k.dport}|${k.protocol}|${k.scope}|${k.slot}`;
  const byKey = new Map<string, Lb4Service>(all.map(([k, v]) => [key(k), v]));
  const maglev = new Set(m.maglev.ids());
  const backend = (id: number): LbBackendRow => {
    const b = m.backends.get(id);
    if (!b) return { id, address: '?', state: 'missing' };
    return {
      id,
      address: `${b.address}:${b.port}/${PROTO[b.protocol] ?? b.protocol}`,
      state: b.state === LB_BACKEND_ACTIVE ? 'active' : 'terminating',
    };
  };
  const slots = (k: Lb4Key, v: Lb4Service) => {
    const out: LbBackendRow[] = [];
    for (let s = 1; s <= v.count; s++) {
      const slot = byKey.get(key({ ...k, slot: s }));
      out.push(slot ? backend(slot.backendId) : { id: 0, address: `slot ${s} missing`, state: 'missing' });
    }
    return out;
  };
  const rows: LbFrontendRow[] = [];
  for (const [k, v] of all) {
    if (k.slot !== 0 || k.scope === LB_SCOPE_INT) continue;
    const frontend = `${k.address}:${k.dport}/${PROTO[k.protocol] ?? k.protocol}`;
    const service = serviceOf(frontend);
    const internal = v.flags & LB_F_TWO_SCOPES ? byKey.get(key({ ...k, scope: LB_SCOPE_INT })) : undefined;
    rows.push({
      id: v.revNatIndex,
      frontend,
      type: typeOf(v.flags),
      ...(service ? { service } : {}),
      algorithm: v.algorithm === LB_ALG_MAGLEV ? 'maglev' : 'random',
      affinityTimeout: v.flags & LB_F_AFFINITY ? v.affinityTimeout : 0,
      backends: slots(k, v),
      ...(internal ? { internal: slots({ ...k, scope: LB_SCOPE_INT }, internal) } : {}),
      noLocalBackend: (v.flags & LB_F_LOCAL_NONE) !== 0,
      maglevTable: maglev.has(v.revNatIndex),
    });
  }
  return rows.sort((a, b) => a.id - b.id);
}

/** Every entry of the service map, as `cilium bpf lb list` shows it, plus the other maps' sizes. */
export function dumpLbMaps(m: LbMapSet) {
  const services = m.services
    .entries()
    .map(([k, v]) => ({
      frontend: `${k.address}:${k.dport}/${PROTO[k.protocol] ?? k.protocol}`,
      scope: k.scope === LB_SCOPE_INT ? 'internal' : 'external',
      slot: k.slot,
      ...(k.slot === 0
        ? {
            count: v.count,
            revNat: v.revNatIndex,
            flags: flagNames(v.flags),
            algorithm: v.algorithm === LB_ALG_MAGLEV ? 'maglev' : 'random',
            affinityTimeout: v.affinityTimeout,
          }
        : { backendId: v.backendId, revNat: v.revNatIndex }),
    }))
    .sort(
      (a, b) =>
        a.frontend.localeCompare(b.frontend, undefined, { numeric: true }) ||
        a.scope.localeCompare(b.scope) ||
        a.slot - b.slot,
    );
  const backends = m.backends
    .entries()
    .map(([id, b]) => ({
      id,
      address: `${b.address}:${b.port}/${PROTO[b.protocol] ?? b.protocol}`,
      state: b.state === LB_BACKEND_ACTIVE ? 'active' : 'terminating',
    }))
    .sort((a, b) => a.id - b.id);
  const reverseNat = m.reverseNat
    .entries()
    .map(([id, v]) => ({ id, frontend: `${v.address}:${v.port}/${PROTO[v.protocol] ?? v.protocol}` }))
    .sort((a, b) => a.id - b.id);
  const maglev = m.maglev
    .ids()
    .sort((a, b) => a - b)
    .map((id) => {
      const t = m.maglev.get(id);
      const owners = new Map<number, number>();
      for (const b of t ?? []) owners.set(b, (owners.get(b) ?? 0) + 1);
      return { revNat: id, size: t?.length ?? 0, slotsPerBackend: Object.fromEntries(owners) };
    });
  return { services, backends, reverseNat, maglev, affinityMatches: m.affinityMatch.entries().length };
}
