// Selector → the set of identities it selects, computed on first use and kept current as identities come and go.
import type { Identity, IdentityAllocator } from '../identity/index.js';
import { IDENTITY_WORLD } from '../identity/index.js';
import type { Selector } from '../labels/index.js';
import { formatPrefix, type Prefix, prefixContains } from '../net/cidr.js';

/** Anything that decides, identity by identity, whether it is selected. */
export interface IdentityMatcher {
  readonly key: string;
  matches(identity: Identity): boolean;
  /** A label `key=value` every selected identity must carry (narrows the search), if any. */
  readonly anchor?: string;
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
  const eq = selector.requirements.find(
    (r) => r.operator === 'In' && r.values.length === 1 && r.source !== 'reserved',
  );
  const m: IdentityMatcher = {
    key: `sel:${selector.key}`,
    matches: (id) => selector.matches(id.labels),
  };
  return eq ? { ...m, anchor: `${eq.key}=${eq.values[0]}` } : m;
}

/** Cilium CIDR semantics: CIDR identities inside `prefix` and outside every `except`; `/0` also selects world. */
export function cidrMatcher(prefix: Prefix, except: readonly Prefix[]): IdentityMatcher {
  return {
    key: `cidr:${formatPrefix(prefix)}${except.map((e) => `!${formatPrefix(e)}`).join('')}`,
    matches: (id) => {
      if (id.id === IDENTITY_WORLD) return prefix.bits === 0;
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

  constructor(private readonly identities: IdentityAllocator) {
    for (const id of identities.all()) this.index(id, true);
  }

  /** The identities `matcher` selects (do not mutate). */
  selections(matcher: IdentityMatcher): ReadonlySet<number> {
    let e = this.entries.get(matcher.key);
    if (!e) {
      e = { matcher, selected: new Set() };
      const candidates = matcher.anchor ? (this.byLabel.get(matcher.anchor) ?? new Set<number>()) : undefined;
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
      const k = `${l.key}=${l.value}`;
      let s = this.byLabel.get(k);
      if (add) {
        if (!s) {
          s = new Set();
          this.byLabel.set(k, s);
        }
        s.add(identity.id);
      } else if (s) {
        s.delete(identity.id);
        if (s.size === 0) this.byLabel.delete(k);
      }
    }
  }
}
