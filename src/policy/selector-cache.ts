// Selector → the set of identities it selects, computed on first use and kept current as identities come and go.
import type { Identity, IdentityAllocator } from '../identity/index.js';
import { IDENTITY_WORLD } from '../identity/index.js';
import type { Selector } from '../labels/index.js';
import { formatPrefix, type Prefix, prefixContains } from '../net/cidr.js';

/** Anything that decides, identity by identity, whether it is selected. */
export interface IdentityMatcher {
  readonly key: string;
  matches(identity: Identity): boolean;
  /**
   * Requirements every selected identity meets, usable to narrow the search: `values` — carries `key` with
   * one of them; no `values` — carries `key`. The cache searches from the smallest one.
   */
  readonly anchors?: readonly { key: string; values?: readonly string[] }[];
}

const matchers = new WeakMap<Selector, IdentityMatcher>();

/** The matcher of a label selector (one per Selector object: resolution asks for it a lot). */
export function labelMatcher(selector: Selector): IdentityMatcher {
  let m = matchers.get(selector);
  if (!m) {
    m = makeLabelMatcher(selector);
    matchers.set(selector, m);
  }
  return m;
}

function makeLabelMatcher(selector: Selector): IdentityMatcher {
  const anchors = selector.requirements
    .filter((r) => r.operator === 'In' || r.operator === 'Exists')
    .map((r) => (r.operator === 'In' ? { key: r.key, values: r.values } : { key: r.key }));
  return {
    key: `sel:${selector.key}`,
    matches: (id) => selector.matches(id.labels),
    ...(anchors.length ? { anchors } : {}),
  };
}

/** Cilium CIDR semantics: CIDR identities inside `prefix` and outside every `except`; `/0` also selects world. */
export function cidrMatcher(prefix: Prefix, except: readonly Prefix[]): IdentityMatcher {
  return {
    key: `cidr:${formatPrefix(prefix)}${except.map((e) => `!${formatPrefix(e)}`).join('')}`,
    matches: (id) => {
      if (id.id === IDENTITY_WORLD) return prefix.bits === 0;
      // An address learned from DNS carries a `cidr:` label for every policy prefix that contains it.
      if (id.kind === 'fqdn') {
        const inside = (p: Prefix) => id.labels.has(formatPrefix(p), 'cidr');
        return (prefix.bits === 0 || inside(prefix)) && !except.some(inside);
      }
      if (id.kind !== 'cidr' || !id.prefix) return false;
      return prefixContains(prefix, id.prefix) && !except.some((e) => prefixContains(e, id.prefix!));
    },
  };
}

interface Entry {
  matcher: IdentityMatcher;
  selected: Set<number>;
}

export class SelectorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byLabel = new Map<string, Set<number>>();
  private readonly byKey = new Map<string, Set<number>>();

  constructor(private readonly identities: IdentityAllocator) {
    for (const id of identities.all()) this.index(id, true);
  }

  /** The identities `matcher` selects (do not mutate). */
  selections(matcher: IdentityMatcher): ReadonlySet<number> {
    let e = this.entries.get(matcher.key);
    if (!e) {
      e = { matcher, selected: new Set() };
      const candidates = this.candidates(matcher);
      if (candidates) {
        for (const n of candidates) {
          const id = this.identities.get(n);
          if (id && matcher.matches(id)) e.selected.add(n);
        }
      } else {
        for (const id of this.identities.all()) if (matcher.matches(id)) e.selected.add(id.id);
      }
      this.entries.set(matcher.key, e);
    }
    return e.selected;
  }

  /** The smallest candidate set the matcher's anchors allow, or undefined (search everything). */
  private candidates(matcher: IdentityMatcher): Iterable<number> | undefined {
    let best: ReadonlySet<number>[] | undefined;
    let bestSize = Number.POSITIVE_INFINITY;
    for (const a of matcher.anchors ?? []) {
      const sets = a.values
        ? a.values.map((v) => this.byLabel.get(`${a.key}=${v}`) ?? EMPTY)
        : [this.byKey.get(a.key) ?? EMPTY];
      const size = sets.reduce((n, x) => n + x.size, 0);
      if (size < bestSize) {
        best = sets;
        bestSize = size;
      }
    }
    if (!best) return undefined;
    return best.length === 1 ? best[0] : new Set(best.flatMap((x) => [...x]));
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Updates cached selections; returns the keys of the matchers whose selection changed. */
  identityAdded(identity: Identity): string[] {
    this.index(identity, true);
    const changed: string[] = [];
    for (const [key, e] of this.entries) {
      if (e.matcher.matches(identity)) {
        e.selected.add(identity.id);
        changed.push(key);
      }
    }
    return changed;
  }

  identityRemoved(identity: Identity): string[] {
    this.index(identity, false);
    const changed: string[] = [];
    for (const [key, e] of this.entries) if (e.selected.delete(identity.id)) changed.push(key);
    return changed;
  }

  private index(identity: Identity, add: boolean): void {
    for (const l of identity.labels.labels) {
      indexInto(this.byLabel, `${l.key}=${l.value}`, identity.id, add);
      indexInto(this.byKey, l.key, identity.id, add);
    }
  }
}

const EMPTY: ReadonlySet<number> = new Set();

function indexInto(index: Map<string, Set<number>>, k: string, id: number, add: boolean): void {
  let s = index.get(k);
  if (add) {
    if (!s) {
      s = new Set();
      index.set(k, s);
    }
    s.add(id);
  } else if (s) {
    s.delete(id);
    if (s.size === 0) index.delete(k);
  }
}
