// Policy-entry and datapath fixtures shared by the packet, reconciler and traffic tests.
import type { DirectionInput } from '../../src/datapath/index.js';
import { parsePrefix } from '../../src/net/cidr.js';
import type { Direction, PolicyEntry, RuleOrigin } from '../../src/policy/index.js';

export const TC_ACT_OK = 0;
export const TC_ACT_SHOT = 2;

let ruleCounter = 0;

/** A distinct rule origin per call (named after the test's intent). */
export function origin(name: string, section: RuleOrigin['section'] = 'ingress'): RuleOrigin {
  return { kind: 'CiliumNetworkPolicy', namespace: 'test', name, section, rule: ruleCounter++ };
}

type Peer = number | string;

function peerOf(p: Peer): PolicyEntry['peer'] {
  if (typeof p === 'number') return { kind: 'identity', id: p };
  const r = parsePrefix(p);
  if (!r.ok) throw new Error(r.error);
  return { kind: 'prefix', prefix: r.value };
}

export interface EntryOptions {
  protocol?: number;
  ports?: [number, number] | number;
  name?: string;
  l7?: boolean;
}

function entry(direction: Direction, peer: Peer, deny: boolean, o: EntryOptions): PolicyEntry {
  const [lo, hi] =
    o.ports === undefined ? [0, 65535] : typeof o.ports === 'number' ? [o.ports, o.ports] : o.ports;
  return {
    direction,
    peer: peerOf(peer),
    protocol: o.protocol ?? (o.ports === undefined ? 0 : 6),
    portLo: lo,
    portHi: hi,
    deny,
    ...(o.l7 ? { l7: [{ type: 'http' as const, http: [] }] } : {}),
    origins: [
      origin(
        o.name ?? `${deny ? 'deny' : 'allow'}-${String(peer)}`,
        `${direction}${deny ? 'Deny' : ''}` as RuleOrigin['section'],
      ),
    ],
  };
}

/** allow('egress', 2000, { ports: 80 }) — identity 2000 (0 = any) or a CIDR string; TCP unless told. */
export function allow(direction: Direction, peer: Peer, o: EntryOptions = {}): PolicyEntry {
  return entry(direction, peer, false, o);
}

export function deny(direction: Direction, peer: Peer, o: EntryOptions = {}): PolicyEntry {
  return entry(direction, peer, true, o);
}

export function dirPolicy(
  entries: PolicyEntry[],
  defaultDeny = true,
  allowLocalhost = false,
): DirectionInput {
  return { entries, defaultDeny, allowLocalhost };
}

export const OPEN: DirectionInput = { entries: [], defaultDeny: false };
