// Bounded event history and watchers: replay after a revision, then live events, in order.
import type { Resource } from '../../resources/index.js';
import type { Unsubscribe, WatchEvent, WatchEventType, WatchFilter } from './object-store.js';
import { StoreError } from './store-error.js';

/** An event as the store keeps it: the object is frozen and shared, copied on delivery. */
export interface StoredEvent {
  revision: number;
  type: WatchEventType;
  object: Resource;
}

interface Watcher {
  filter: WatchFilter;
  onEvent: (event: WatchEvent) => void;
  queue: StoredEvent[];
  scheduled: boolean;
  closed: boolean;
}

export function matchesFilter(filter: WatchFilter, object: Resource): boolean {
  if (filter.kind !== undefined && object.kind !== filter.kind) return false;
  if (filter.namespace !== undefined && object.metadata.namespace !== filter.namespace) return false;
  return true;
}

/** Parses a client's resourceVersion: a non-negative decimal integer. */
export function parseRevision(rv: string): number {
  if (!/^(0|[1-9]\d{0,15})$/.test(rv)) {
    throw new StoreError('PORIN_ERR_INVALID', `resourceVersion ${JSON.stringify(rv)} is not a revision`);
  }
  return Number(rv);
}

export class WatchHub {
  private history: StoredEvent[] = [];
  private readonly watchers = new Set<Watcher>();

  /**
   * @param limit events kept (at least; trimmed in steps of a quarter)
   * @param floor the revision the history starts after: every event with a higher revision is kept
   */
  constructor(
    private readonly limit: number,
    private floor: number,
  ) {}

  /** The oldest revision a watch can resume from. */
  get oldestResumable(): number {
    return this.floor;
  }

  /** Records committed events and queues them for every matching watcher. */
  publish(events: readonly StoredEvent[]): void {
    for (const e of events) this.history.push(e);
    if (this.history.length > this.limit + Math.ceil(this.limit / 4)) {
      const drop = this.history.length - this.limit;
      this.floor = this.history[drop - 1]!.revision;
      this.history = this.history.slice(drop);
    }
    for (const w of this.watchers) {
      for (const e of events) if (matchesFilter(w.filter, e.object)) w.queue.push(e);
      this.schedule(w);
    }
  }

  /**
   * Subscribes. `initial` (used when `from` is undefined) gives the current objects, sent as ADDED;
   * `current` is the store's revision, which `from` may not exceed.
   */
  subscribe(
    filter: WatchFilter,
    from: string | undefined,
    current: number,
    initial: () => Resource[],
    onEvent: (event: WatchEvent) => void,
  ): Unsubscribe {
    const watcher: Watcher = { filter, onEvent, queue: [], scheduled: false, closed: false };
    if (from === undefined) {
      for (const object of initial()) {
        if (matchesFilter(filter, object)) watcher.queue.push({ revision: current, type: 'ADDED', object });
      }
    } else {
      const rev = parseRevision(from);
      if (rev < this.floor) {
        throw new StoreError(
          'PORIN_ERR_GONE',
          `resourceVersion ${rev} is too old (history starts after ${this.floor}): list again and watch from its resourceVersion`,
        );
      }
      if (rev > current) {
        throw new StoreError(
          'PORIN_ERR_GONE',
          `resourceVersion ${rev} is newer than the store's (${current}): list again and watch from its resourceVersion`,
        );
      }
      for (let i = this.firstAfter(rev); i < this.history.length; i++) {
        const e = this.history[i]!;
        if (matchesFilter(filter, e.object)) watcher.queue.push(e);
      }
    }
    this.watchers.add(watcher);
    this.schedule(watcher);
    return () => {
      watcher.closed = true;
      watcher.queue = [];
      this.watchers.delete(watcher);
    };
  }

  /** Stops every watcher (the store is closing). */
  closeAll(): void {
    for (const w of this.watchers) {
      w.closed = true;
      w.queue = [];
    }
    this.watchers.clear();
  }

  private firstAfter(rev: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Delivery is asynchronous so a handler may call back into the store without re-entering a
  // mutation; each watcher drains its own queue, so order holds per watcher.
  private schedule(w: Watcher): void {
    if (w.scheduled || w.queue.length === 0) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      const batch = w.queue;
      w.queue = [];
      for (const e of batch) {
        if (w.closed) return;
        w.onEvent({ type: e.type, object: structuredClone(e.object) });
      }
    });
  }
}
