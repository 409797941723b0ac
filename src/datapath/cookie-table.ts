// Rule cookies: u32 names for sets of rule origins, carried in policy-map values and datapath events.
import type { RuleOrigin } from '../policy/index.js';

function originKey(o: RuleOrigin): string {
  return `${o.kind}/${o.namespace ?? ''}/${o.name}/${o.spec ?? ''}/${o.section}[${o.rule}]`;
}

/**
 * A cookie names the rules behind one policy-map entry, so a verdict event can say which policies decided
 * it (as Cilium's policy-log cookie does). Equal origin sets share a cookie; ids grow and are never
 * reused within a process, so an event read late never names the wrong rules — at worst none, once the
 * cookie's entries are gone and sweep() has forgotten it. Cookie 0 means "no entry decided".
 */
export class CookieTable {
  private next = 1;
  private readonly byKey = new Map<string, number>();
  /** The same origins array (one entry's) is interned again and again while flattening. */
  private readonly byArray = new WeakMap<readonly RuleOrigin[], number>();
  private readonly byId = new Map<number, { key: string; origins: readonly RuleOrigin[]; refs: number }>();

  /** The cookie of an origin set (created unreferenced if new). */
  intern(origins: readonly RuleOrigin[]): number {
    const cached = this.byArray.get(origins);
    if (cached !== undefined && this.byId.has(cached)) return cached;
    const keys = [...new Set(origins.map(originKey))].sort();
    const key = keys.join('|');
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.next++;
      const sorted = keys.map((k) => origins.find((o) => originKey(o) === k)!);
      this.byKey.set(key, id);
      this.byId.set(id, { key, origins: sorted, refs: 0 });
    }
    this.byArray.set(origins, id);
    return id;
  }

  /** After a restart: never hand out ids up to `max`, which entries written by the previous run still carry. */
  skipTo(max: number): void {
    if (max >= this.next) this.next = max + 1;
  }

  retain(id: number): void {
    const c = this.byId.get(id);
    if (c) c.refs++;
  }

  release(id: number): void {
    const c = this.byId.get(id);
    if (c && c.refs > 0) c.refs--;
  }

  /** Forgets cookies no map entry holds any more. */
  sweep(): void {
    for (const [id, c] of this.byId) {
      if (c.refs === 0) {
        this.byId.delete(id);
        this.byKey.delete(c.key);
      }
    }
  }

  /** The rules behind a cookie (empty for 0 or a forgotten cookie). */
  origins(id: number): readonly RuleOrigin[] {
    return this.byId.get(id)?.origins ?? [];
  }

  get size(): number {
    return this.byId.size;
  }
}
