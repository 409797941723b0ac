// Engine output → the proxy's policy snapshot: each local endpoint's policy on its L7 ports, the audit view, the ipcache.
import { formatPrefix } from '../net/cidr.js';
import type { DirectionPolicy, PolicyEngine, PolicyEntry, PolicyRef } from '../policy/index.js';
import type {
  ListenerSpec,
  PolicySnapshot,
  WireDirection,
  WireEndpoint,
  WireEndpointPolicy,
  WireEntry,
} from '../proxy/feed-protocol.js';

export interface LocalEndpointRef {
  key: string;
  ip: string;
  id: number;
  identity: number;
}

interface Range {
  protocol: number;
  lo: number;
  hi: number;
}

const rangeOf = (e: PolicyEntry): Range =>
  e.protocol === 0 ? { protocol: 0, lo: 0, hi: 65535 } : { protocol: e.protocol, lo: e.portLo, hi: e.portHi };

function overlaps(e: PolicyEntry, ranges: readonly Range[]): boolean {
  const r = rangeOf(e);
  return ranges.some(
    (x) =>
      (x.protocol === 0 || r.protocol === 0 || x.protocol === r.protocol) && r.lo <= x.hi && x.lo <= r.hi,
  );
}

function wireEntry(e: PolicyEntry): WireEntry | undefined {
  let peer: WireEntry['peer'];
  if (e.peer.kind === 'identity') peer = { identity: e.peer.id };
  else if (e.peer.kind === 'prefix' && e.peer.prefix.family === 4)
    peer = { prefix: formatPrefix(e.peer.prefix) };
  else return undefined; // DNS-name and IPv6 peers: the datapath does not redirect for them either
  return {
    peer,
    protocol: e.protocol,
    portLo: e.portLo,
    portHi: e.portHi,
    deny: e.deny,
    ...(e.l7 ? { l7: e.l7 } : {}),
    origins: e.origins,
  };
}

const policyRef = (p: PolicyRef): PolicyRef => ({
  kind: p.kind,
  name: p.name,
  ...(p.namespace ? { namespace: p.namespace } : {}),
  ...(p.spec !== undefined ? { spec: p.spec } : {}),
});

/** One direction, cut down to the ports its L7 entries cover (complete there; nothing elsewhere). */
export function wireDirection(d: DirectionPolicy): WireDirection {
  const ranges = d.entries.filter((e) => e.l7 && !e.deny).map(rangeOf);
  const entries: WireEntry[] = [];
  if (ranges.length > 0) {
    for (const e of d.entries) {
      if (!overlaps(e, ranges)) continue;
      const w = wireEntry(e);
      if (w) entries.push(w);
    }
  }
  return {
    defaultDeny: d.defaultDeny,
    defaultDenyBy: d.defaultDenyBy.map(policyRef),
    allowLocalhost: d.allowLocalhost,
    enforcement: d.enforcement,
    entries,
  };
}

const hasL7 = (d: DirectionPolicy, pick: (e: PolicyEntry) => boolean = () => true) =>
  d.entries.some((e) => e.l7 !== undefined && !e.deny && pick(e));

export interface SnapshotInput {
  revision: number;
  listeners: readonly ListenerSpec[];
  engine: PolicyEngine;
  /** Every policy, audit-mode ones included, and which policies are in audit mode. */
  audit?: { engine: PolicyEngine; isAudit: (p: PolicyRef) => boolean };
  endpoints: readonly LocalEndpointRef[];
}

/** The whole snapshot; endpoints without any L7 rule are listed with empty directions (cheap, and explicit). */
export function buildProxySnapshot(input: SnapshotInput): PolicySnapshot {
  const endpoints: WireEndpoint[] = [];
  for (const ep of input.endpoints) {
    if (!input.engine.endpoint(ep.key)) continue;
    const p = input.engine.policyOf(ep.key);
    const policy: WireEndpointPolicy = { ingress: wireDirection(p.ingress), egress: wireDirection(p.egress) };
    let audit: WireEndpointPolicy | undefined;
    const a = input.audit;
    if (a?.engine.endpoint(ep.key)) {
      const ap = a.engine.policyOf(ep.key);
      const auditL7 = (e: PolicyEntry) => e.origins.some(a.isAudit);
      if (hasL7(ap.ingress, auditL7) || hasL7(ap.egress, auditL7))
        audit = { ingress: wireDirection(ap.ingress), egress: wireDirection(ap.egress) };
    }
    endpoints.push({
      name: ep.key,
      ip: ep.ip,
      identity: ep.identity,
      endpointId: ep.id,
      policy,
      ...(audit ? { audit } : {}),
    });
  }
  const ipcache: Array<[string, number]> = [];
  for (const e of input.engine.ipcache.entries())
    if (e.prefix.family === 4) ipcache.push([formatPrefix(e.prefix), e.identity]);
  return { revision: input.revision, listeners: [...input.listeners], endpoints, ipcache };
}
