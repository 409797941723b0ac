// What an update keeps from the stored object, and which fields decide whether anything changed.
import type { Resource } from '../../resources/index.js';
import { canonicalJson } from './canonical-json.js';

/** Metadata the store sets; never part of the comparison. */
const SERVER_META = ['uid', 'resourceVersion', 'creationTimestamp', 'generateName'] as const;

/** Canonical JSON of everything a user sets: not `status`, not server-set metadata. */
export function comparableContent(r: Resource): string {
  const { status: _status, ...rest } = r as Resource & { status?: unknown };
  const metadata: Record<string, unknown> = { ...r.metadata };
  for (const key of SERVER_META) delete metadata[key];
  return canonicalJson({ ...rest, metadata });
}

/**
 * Fills `next` (a fresh copy of the input) with what an update keeps from `current`, as the
 * apiserver's update strategies do: identity and creation time, the status (written only through
 * the status call), and the allocated cluster IP and node ports the new manifest leaves out.
 */
export function carryOver(current: Resource, next: Resource): void {
  next.metadata.uid = current.metadata.uid;
  next.metadata.creationTimestamp = current.metadata.creationTimestamp;
  if (current.metadata.generateName && !next.metadata.generateName) {
    next.metadata.generateName = current.metadata.generateName;
  }
  const target = next as Resource & { status?: unknown };
  const status = (current as Resource & { status?: unknown }).status;
  if (status === undefined) delete target.status;
  else target.status = status;

  if (current.kind === 'Service' && next.kind === 'Service' && next.spec.type !== 'ExternalName') {
    if (!next.spec.clusterIP && !next.spec.clusterIPs?.length && current.spec.clusterIP) {
      next.spec.clusterIP = current.spec.clusterIP;
      if (current.spec.clusterIPs) next.spec.clusterIPs = [...current.spec.clusterIPs];
    }
    // Allocated node ports stay when the new manifest leaves them out (same port and protocol).
    for (const p of next.spec.ports ?? []) {
      if (p.nodePort) continue;
      const had = current.spec.ports?.find(
        (q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
      );
      if (had?.nodePort && (next.spec.type === 'NodePort' || next.spec.type === 'LoadBalancer'))
        p.nodePort = had.nodePort;
    }
  }
}
