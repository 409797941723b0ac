// One resolved policy entry: (direction, remote, protocol, port range) → allow / deny / redirect-to-L7, with its origins.
import { formatPrefix, type Prefix } from '../net/cidr.js';
import type { Direction, L7Rules, RuleOrigin } from './rule.js';

/** The remote side of an entry: an identity (0 = any), an address prefix (KNP ipBlock), or a DNS name selector. */
export type EntryPeer =
  | { kind: 'identity'; id: number }
  | { kind: 'prefix'; prefix: Prefix }
  | { kind: 'fqdn'; matchName?: string; matchPattern?: string };

export interface PolicyEntry {
  direction: Direction;
  peer: EntryPeer;
  /** IP protocol number; 0 = any protocol (an L3-only rule). */
  protocol: number;
  portLo: number;
  portHi: number;
  /** The port's name when it came from a named port. */
  portName?: string;
  deny: boolean;
  /** L7 rules when traffic is redirected to a proxy; absent for plain allow/deny. */
  l7?: L7Rules[];
  origins: RuleOrigin[];
  /** fromRequires/toRequires narrowed this entry. */
  auth?: string;
}

export function peerKey(p: EntryPeer): string {
  switch (p.kind) {
    case 'identity':
      return `i${p.id}`;
    case 'prefix':
      return `p${formatPrefix(p.prefix)}`;
    case 'fqdn':
      return p.matchName !== undefined ? `n${p.matchName}` : `q${p.matchPattern}`;
  }
}

const identityPeers = new Map<number, EntryPeer>();

/** One shared, immutable peer object per identity (resolution creates millions of entries). */
export function identityPeer(id: number): EntryPeer {
  let p = identityPeers.get(id);
  if (!p) {
    p = Object.freeze({ kind: 'identity', id }) as EntryPeer;
    identityPeers.set(id, p);
  }
  return p;
}

export function entryMatchesL4(e: PolicyEntry, protocol: number, port: number): boolean {
  if (e.protocol === 0) return true;
  return e.protocol === protocol && port >= e.portLo && port <= e.portHi;
}

/** The same slot: equal direction, protocol, ports and deny (the peer is the table's index). */
function sameSlot(a: PolicyEntry, b: PolicyEntry): boolean {
  return (
    a.deny === b.deny &&
    a.protocol === b.protocol &&
    a.portLo === b.portLo &&
    a.portHi === b.portHi &&
    a.direction === b.direction
  );
}

/**
 * The entries of one resolution, indexed by peer (identity numbers on the hot path: hundreds of thousands
 * of entries, no key strings). Entries of one slot merge: origins accumulate; for allows, a plain allow (no
 * L7) wins over L7 rules (an L4-only allow overrides L7 restrictions), and L7 rules otherwise accumulate.
 * `origins` and `l7` arrays may be shared between entries, so they are replaced, never mutated.
 */
export class EntryTable {
  private readonly byId = new Map<number, PolicyEntry[]>();
  private readonly other = new Map<string, PolicyEntry[]>();

  merge(incoming: PolicyEntry): void {
    const p = incoming.peer;
    const index = p.kind === 'identity' ? this.byId : this.other;
    const k = p.kind === 'identity' ? p.id : peerKey(p);
    const list = (index as Map<number | string, PolicyEntry[]>).get(k);
    if (!list) {
      (index as Map<number | string, PolicyEntry[]>).set(k, [incoming]);
      return;
    }
    for (const cur of list) {
      if (!sameSlot(cur, incoming)) continue;
      for (const o of incoming.origins) if (!cur.origins.includes(o)) cur.origins = [...cur.origins, o];
      if (cur.deny) return;
      if (!cur.l7 || !incoming.l7) delete cur.l7;
      else for (const r of incoming.l7) if (!cur.l7.includes(r)) cur.l7 = [...cur.l7, r];
      return;
    }
    list.push(incoming);
  }

  values(): PolicyEntry[] {
    const out: PolicyEntry[] = [];
    for (const list of this.byId.values()) for (const e of list) out.push(e);
    for (const list of this.other.values()) for (const e of list) out.push(e);
    return out;
  }
}
