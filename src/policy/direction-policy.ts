// The resolved policy of one endpoint in one direction, indexed for constant-time verdict lookups.
import { IDENTITY_HOST } from '../identity/index.js';
import { type Family, prefixContainsAddr } from '../net/cidr.js';
import { dnsSelectorMatches } from './l7-match-dns.js';
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
  /** Address-block entries grouped by prefix; IPv4 ones pre-split into 32-bit network and mask. */
  private readonly prefixGroups: { v4?: { net: number; mask: number }; entries: PolicyEntry[] }[] = [];
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
    const groups = new Map<string, (typeof this.prefixGroups)[number]>();
    for (const e of entries) {
      if (e.peer.kind === 'identity') {
        const list = this.byIdentity.get(e.peer.id);
        if (list) list.push(e);
        else this.byIdentity.set(e.peer.id, [e]);
      } else if (e.peer.kind === 'prefix') {
        const k = `${e.peer.prefix.family}|${e.peer.prefix.addr}|${e.peer.prefix.bits}`;
        let g = groups.get(k);
        if (!g) {
          const p = e.peer.prefix;
          const mask = p.bits === 0 ? 0 : (0xffffffff << (32 - p.bits)) >>> 0;
          g = { ...(p.family === 4 ? { v4: { net: Number(p.addr) >>> 0, mask } } : {}), entries: [] };
          groups.set(k, g);
          this.prefixGroups.push(g);
        }
        g.entries.push(e);
      } else this.fqdnEntries.push(e);
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
    if (remote.addr !== undefined && remote.family !== undefined && this.prefixGroups.length > 0) {
      const a4 = remote.family === 4 ? Number(remote.addr) >>> 0 : 0;
      for (const g of this.prefixGroups) {
        const inside = g.v4
          ? remote.family === 4 && (a4 & g.v4.mask) >>> 0 === g.v4.net
          : g.entries[0]!.peer.kind === 'prefix' &&
            prefixContainsAddr(g.entries[0]!.peer.prefix, remote.family, remote.addr);
        if (inside) scan(g.entries);
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
