// Cilium's reserved numeric identities and the identity number ranges.
import { LabelSet } from '../labels/index.js';

export const IDENTITY_ANY = 0;
export const IDENTITY_HOST = 1;
export const IDENTITY_WORLD = 2;
export const IDENTITY_UNMANAGED = 3;
export const IDENTITY_HEALTH = 4;
export const IDENTITY_INIT = 5;
export const IDENTITY_REMOTE_NODE = 6;
export const IDENTITY_KUBE_APISERVER = 7;
export const IDENTITY_INGRESS = 8;
export const IDENTITY_WORLD_IPV4 = 9;
export const IDENTITY_WORLD_IPV6 = 10;

/** First identity handed out for label sets (cluster 0 allocates 256..65535). */
export const MIN_ALLOCATED_IDENTITY = 256;
export const MAX_ALLOCATED_IDENTITY = 65535;
/** Node-local scope for CIDR/FQDN identities: 1<<24 | n, never sent on the wire. */
export const LOCAL_IDENTITY_SCOPE = 1 << 24;
export const MAX_LOCAL_IDENTITY = (1 << 25) - 1;

export interface ReservedIdentity {
  readonly id: number;
  readonly name: string;
  readonly labels: LabelSet;
}

function reserved(id: number, name: string, ...extra: string[]): ReservedIdentity {
  return {
    id,
    name,
    labels: new LabelSet([name, ...extra].map((key) => ({ source: 'reserved' as const, key, value: '' }))),
  };
}

export const RESERVED_IDENTITIES: readonly ReservedIdentity[] = Object.freeze([
  reserved(IDENTITY_HOST, 'host'),
  reserved(IDENTITY_WORLD, 'world'),
  reserved(IDENTITY_UNMANAGED, 'unmanaged'),
  reserved(IDENTITY_HEALTH, 'health'),
  reserved(IDENTITY_INIT, 'init'),
  reserved(IDENTITY_REMOTE_NODE, 'remote-node'),
  reserved(IDENTITY_KUBE_APISERVER, 'kube-apiserver', 'remote-node'),
  reserved(IDENTITY_INGRESS, 'ingress'),
]);

export function reservedName(id: number): string | undefined {
  if (id === IDENTITY_ANY) return 'any';
  return RESERVED_IDENTITIES.find((r) => r.id === id)?.name;
}

export function isLocalScope(id: number): boolean {
  return id >= LOCAL_IDENTITY_SCOPE && id <= MAX_LOCAL_IDENTITY;
}
