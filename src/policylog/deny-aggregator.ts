// Deny aggregation as GKE does it: repeated denies of one connection (source port ignored) within a window → one record with a count.
import { aggregationKey, type PolicyLogEntry } from './policy-log-entry.js';

export interface DenyAggregatorOptions {
  /** How long after its first deny a connection's record is emitted (default 5 s). */
  windowMs?: number;
  /** Distinct connections held at once; a new one beyond this is dropped (default 3000). */
  maxKeys?: number;
}

interface Pending {
  entry: PolicyLogEntry;
  dueMs: number;
}

export class DenyAggregator {
  private readonly pending = new Map<string, Pending>();
  readonly windowMs: number;
  readonly maxKeys: number;

  constructor(opts: DenyAggregatorOptions = {}) {
    this.windowMs = opts.windowMs ?? 5000;
    this.maxKeys = opts.maxKeys ?? 3000;
  }

  /** `held`: a new record; `merged`: counted into one already held; `full`: dropped (map full). */
  add(entry: PolicyLogEntry, nowMs: number): 'held' | 'merged' | 'full' {
    const key = aggregationKey(entry);
    const p = this.pending.get(key);
    if (p) {
      p.entry.count += entry.count;
      return 'merged';
    }
    if (this.pending.size >= this.maxKeys) return 'full';
    // The record keeps the first deny's source port and time.
    this.pending.set(key, {
      entry: { ...entry, connection: { ...entry.connection } },
      dueMs: nowMs + this.windowMs,
    });
    return 'held';
  }

  /** Records whose window has ended, in the order they were first seen. */
  due(nowMs: number): PolicyLogEntry[] {
    const out: PolicyLogEntry[] = [];
    for (const [key, p] of this.pending) {
      if (p.dueMs > nowMs) continue;
      out.push(p.entry);
      this.pending.delete(key);
    }
    return out;
  }

  /** Every held record (on shutdown). */
  drain(): PolicyLogEntry[] {
    const out = [...this.pending.values()].map((p) => p.entry);
    this.pending.clear();
    return out;
  }

  get size(): number {
    return this.pending.size;
  }
}
