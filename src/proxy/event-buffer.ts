// L7 events on their way to the agent: a bounded queue that keeps the newest while the agent is away, counting drops.
import type { WireL7Event } from './feed-protocol.js';

export class EventBuffer {
  private queue: WireL7Event[] = [];
  /** Events that did not fit (oldest dropped first) since start. */
  dropped = 0;
  /** Drops not yet reported to an agent. */
  private unreported = 0;
  sent = 0;

  constructor(readonly capacity = 10_000) {}

  get size(): number {
    return this.queue.length;
  }

  push(ev: WireL7Event): void {
    if (this.queue.length >= this.capacity) {
      this.queue.shift();
      this.dropped++;
      this.unreported++;
    }
    this.queue.push(ev);
  }

  /** Takes up to `max` events (oldest first) and the count of drops to report with them. */
  take(max: number): { events: WireL7Event[]; dropped: number } {
    const events = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
    const dropped = this.unreported;
    this.unreported = 0;
    this.sent += events.length;
    return { events, dropped };
  }
}
