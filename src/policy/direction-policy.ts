// The resolved policy of one endpoint in one direction, indexed for constant-time verdict lookups.
import { IDENTITY_HOST } from '../identity/index.js';
import { type Family, prefixContainsAddr } from '../net/cidr.js';
import { dnsSelectorMatches } from './l7-match.js';
import { entryMatchesL4, type PolicyEntry } from './policy-entry.js';
import type { Direction, L7Rules, PolicyRef } from './rule.js';

export interface Remote {
  identity: number;
  family?: Family;
  addr?: bigint;
  /** A DNS name the remote is known by (for toFQDNs). */
  name?: string;
}

export type DecisionReason =
  | 'policy-deny'
  | 'policy-allow'
  | 'l7-redirect'
  | 'default-deny'
  | 'no-policy'
  | 'not-default-deny'
  | 'enforcement-never'
  | 'allow-localhost';

export interface Decision {
  verdict: 'allowed' | 'denied' | 'redirected';
  reason: DecisionReason;
  /** The entries that decided (denies for a deny, plain allows for an allow, L7 entries for a redirect). */
  entries: PolicyEntry[];
  /** For a redirect: every L7 rule set that applies, to be evaluated on the request. */
  l7?: L7Rules[];
  /** The policies that put the endpoint in default deny for this direction. */
  defaultDenyBy: PolicyRef[];
}

export class DirectionPolicy {
  private readonly byIdentity = new Map<number, PolicyEntry[]>();
  private readonly prefixEntries: PolicyEntry[] = [];
  private readonly fqdnEntries: PolicyEntry[] = [];

  constructor(
    readonly direction: Direction,
    readonly entries: readonly PolicyEntry[],
    /** Any policy selects the endpoint in this direction (allow or deny rules). */
    readonly selected: boolean,
    readonly defaultDeny: boolean,
    readonly defaultDenyBy: readonly PolicyRef[],
    readonly enforcement: 'default' | 'always' | 'never' = 'default',
    /** Ingress of a pod: the local host may always connect unless a deny says otherwise (Cilium's default). */
    readonly allowLocalhost = false,
  ) {
    for (const e of entries) {
      if (e.peer.kind === 'identity') {
        const list = this.byIdentity.get(e.peer.id);
        if (list) list.push(e);
        else this.byIdentity.set(e.peer.id, [e]);
      } else if (e.peer.kind === 'prefix') this.prefixEntries.push(e);
      else this.fqdnEntries.push(e);
    }
  }

  /** Every entry that matches the remote and L4 tuple. */
  matching(remote: Remote, protocol: number, port: number): PolicyEntry[] {
    const out: PolicyEntry[] = [];
    const scan = (list: readonly PolicyEntry[] | undefined) => {
      if (list) for (const e of list) if (entryMatchesL4(e, protocol, port)) out.push(e);
    };
    scan(this.byIdentity.get(remote.identity));
    if (remote.identity !== 0) scan(this.byIdentity.get(0));
    if (remote.addr !== undefined && remote.family !== undefined && this.prefixEntries.length > 0) {
      for (const e of this.prefixEntries) {
        if (
          e.peer.kind === 'prefix' &&
          prefixContainsAddr(e.peer.prefix, remote.family, remote.addr) &&
          entryMatchesL4(e, protocol, port)
        ) {
          out.push(e);
        }
      }
    }
    if (remote.name !== undefined) {
      for (const e of this.fqdnEntries) {
        if (
          e.peer.kind === 'fqdn' &&
          dnsSelectorMatches(e.peer, remote.name) &&
          entryMatchesL4(e, protocol, port)
        )
          out.push(e);
      }
    }
    return out;
  }

  /** The verdict for one packet/connection: deny beats allow; a plain allow beats L7; then default deny. */
  decide(remote: Remote, protocol: number, port: number): Decision {
    const defaultDenyBy = [...this.defaultDenyBy];
    if (this.enforcement === 'never')
      return { verdict: 'allowed', reason: 'enforcement-never', entries: [], defaultDenyBy };
    const matched = this.matching(remote, protocol, port);
    const denies = matched.filter((e) => e.deny);
    if (denies.length > 0)
      return { verdict: 'denied', reason: 'policy-deny', entries: denies, defaultDenyBy };
    if (this.allowLocalhost && remote.identity === IDENTITY_HOST) {
      return { verdict: 'allowed', reason: 'allow-localhost', entries: [], defaultDenyBy };
    }
    const allows = matched.filter((e) => !e.deny);
    const plain = allows.filter((e) => !e.l7);
    if (plain.length > 0)
      return { verdict: 'allowed', reason: 'policy-allow', entries: plain, defaultDenyBy };
    if (allows.length > 0) {
      const l7 = allows.flatMap((e) => e.l7 ?? []);
      return { verdict: 'redirected', reason: 'l7-redirect', entries: allows, l7, defaultDenyBy };
    }
    if (this.defaultDeny) return { verdict: 'denied', reason: 'default-deny', entries: [], defaultDenyBy };
    return {
      verdict: 'allowed',
      reason: this.selected ? 'not-default-deny' : 'no-policy',
      entries: [],
      defaultDenyBy,
    };
  }
}
