// One frontend as map entries (service entries and slots per scope, reverse NAT, Maglev table): pure.
import {
  IPPROTO,
  LB_ALG_MAGLEV,
  LB_ALG_RANDOM,
  LB_F_AFFINITY,
  LB_F_EXTERNAL_IP,
  LB_F_LOADBALANCER,
  LB_F_LOCAL_NONE,
  LB_F_NODEPORT,
  LB_F_TWO_SCOPES,
  LB_SCOPE_EXT,
  LB_SCOPE_INT,
  type Lb4Key,
  type Lb4ReverseNat,
  type Lb4Service,
} from '../datapath/index.js';
import { type Backend, backendKey, type Frontend } from './frontend.js';
import { maglevTable } from './maglev.js';

export interface MaglevSettings {
  readonly tableSize: number;
  readonly seed: number;
}

/** Everything one frontend puts in the maps, keyed so two versions can be diffed. */
export interface FrontendEntries {
  /** `<scope>/<slot>` → entry; slot 0 is the service entry. */
  readonly services: ReadonlyMap<string, readonly [Lb4Key, Lb4Service]>;
  readonly revNat: Lb4ReverseNat;
  /** Backend ids by Maglev slot, for external frontends that ask for Maglev and have backends. */
  readonly maglev: Uint32Array | undefined;
  /** Backend ids that serve this frontend (affinity may only return one of these). */
  readonly matches: ReadonlySet<number>;
}

const TYPE_FLAG: Record<Frontend['type'], number> = {
  ClusterIP: 0,
  NodePort: LB_F_NODEPORT,
  ExternalIP: LB_F_EXTERNAL_IP,
  LoadBalancer: LB_F_LOADBALANCER,
};

export function entryKey(scope: number, slot: number): string {
  return `${scope}/${slot}`;
}

/**
 * The entries of frontend `f` with id `id`; `idOf` gives each backend's id. Maglev tables are built for
 * NodePort, external-IP and load-balancer frontends (the packet path's; sockets always pick at random),
 * over the backends traffic from outside uses.
 */
export function frontendEntries(
  f: Frontend,
  id: number,
  idOf: (b: Backend) => number,
  maglev: MaglevSettings,
): FrontendEntries {
  const protocol = IPPROTO[f.protocol];
  const services = new Map<string, readonly [Lb4Key, Lb4Service]>();
  const matches = new Set<number>();
  const twoScopes = f.internalBackends !== undefined;
  const useMaglev = f.algorithm === 'maglev' && f.type !== 'ClusterIP' && f.backends.length > 0;
  const flags =
    TYPE_FLAG[f.type] |
    (f.affinityTimeout > 0 ? LB_F_AFFINITY : 0) |
    (twoScopes ? LB_F_TWO_SCOPES : 0) |
    (f.localOnlyEmpty ? LB_F_LOCAL_NONE : 0);
  const scope = (s: number, backends: readonly Backend[], scopeFlags: number) => {
    const key = (slot: number): Lb4Key => ({ address: f.address, dport: f.port, slot, protocol, scope: s });
    services.set(entryKey(s, 0), [
      key(0),
      {
        backendId: 0,
        affinityTimeout: f.affinityTimeout,
        count: backends.length,
        revNatIndex: id,
        flags: scopeFlags,
        algorithm: useMaglev && s === LB_SCOPE_EXT ? LB_ALG_MAGLEV : LB_ALG_RANDOM,
      },
    ]);
    backends.forEach((b, i) => {
      const backendId = idOf(b);
      matches.add(backendId);
      services.set(entryKey(s, i + 1), [
        key(i + 1),
        { backendId, affinityTimeout: 0, count: 0, revNatIndex: id, flags: 0, algorithm: 0 },
      ]);
    });
  };
  scope(LB_SCOPE_EXT, f.backends, flags);
  if (twoScopes) scope(LB_SCOPE_INT, f.internalBackends ?? [], flags & ~(LB_F_TWO_SCOPES | LB_F_LOCAL_NONE));
  let table: Uint32Array | undefined;
  if (useMaglev) {
    const names = f.backends.map(backendKey);
    const ids = f.backends.map(idOf);
    table = maglevTable(names, maglev.tableSize, maglev.seed).map((i) => ids[i]!);
  }
  return {
    services,
    revNat: { address: f.address, port: f.port, protocol },
    maglev: table,
    matches,
  };
}
