// The proxy's counters: what handlers report (L7Counter) and what the core sees, for status and metrics.
import type { L7Counter } from './l7-handler.js';

/** Counted by the core itself. */
export type CoreCounter =
  | 'connections'
  | 'datagrams'
  | 'not-redirected'
  | 'no-policy'
  | 'no-handler'
  | 'upstream-connect-failed'
  | 'handler-error'
  | 'feed-refused';

export class ProxyCounters {
  private readonly values = new Map<string, number>();
  openConnections = 0;

  add(what: L7Counter | CoreCounter, n = 1): void {
    this.values.set(what, (this.values.get(what) ?? 0) + n);
  }

  get(what: L7Counter | CoreCounter): number {
    return this.values.get(what) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => a.localeCompare(b)));
  }
}
