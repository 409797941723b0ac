// A bounded ring of the newest flows, addressed by sequence number, for live streams and queries without a store.
import type { Flow } from './flow.js';

/**
 * Sequence numbers grow from 0; the ring keeps the last `capacity` of them. A reader holds a sequence
 * number and reads forward; when the writer has overwritten what it would read next, `read` skips to
 * the oldest flow kept and reports how many it missed (Hubble's HUBBLE_RING_BUFFER lost events).
 * Overwriting flows nobody is reading is not a loss: that is what a ring is for.
 */
export class FlowRing {
  private readonly flows: (Flow | undefined)[];
  /** Wall time of each slot in milliseconds (float), for since/until scans without parsing. */
  private readonly times: Float64Array;
  private nextSeq = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('ring capacity must be a positive integer');
    this.flows = new Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** Appends a flow; returns its sequence number. */
  push(flow: Flow, timeMs: number): number {
    const seq = this.nextSeq++;
    const slot = seq % this.capacity;
    this.flows[slot] = flow;
    this.times[slot] = timeMs;
    return seq;
  }

  /** The sequence number the next flow will get (= flows ever pushed). */
  get head(): number {
    return this.nextSeq;
  }

  /** The oldest sequence number still kept. */
  get tail(): number {
    return Math.max(0, this.nextSeq - this.capacity);
  }

  get size(): number {
    return this.nextSeq - this.tail;
  }

  at(seq: number): Flow | undefined {
    if (seq < this.tail || seq >= this.nextSeq) return undefined;
    return this.flows[seq % this.capacity];
  }

  timeAt(seq: number): number {
    return this.times[seq % this.capacity]!;
  }

  /**
   * Reads up to `max` flows from `from` on. `lost` counts flows overwritten before they could be read;
   * `next` is where to continue.
   */
  read(from: number, max: number): { flows: Flow[]; lost: number; next: number } {
    let start = from;
    let lost = 0;
    if (start < this.tail) {
      lost = this.tail - start;
      start = this.tail;
    }
    const end = Math.min(this.nextSeq, start + max);
    const flows: Flow[] = [];
    for (let s = start; s < end; s++) flows.push(this.flows[s % this.capacity]!);
    return { flows, lost, next: end };
  }

  /** Sequence numbers kept, oldest first, whose time is within [sinceMs, untilMs]. */
  *seqs(sinceMs = Number.NEGATIVE_INFINITY, untilMs = Number.POSITIVE_INFINITY): Generator<number> {
    for (let s = this.tail; s < this.nextSeq; s++) {
      const t = this.times[s % this.capacity]!;
      if (t >= sinceMs && t <= untilMs) yield s;
    }
  }

  /** The same, newest first. */
  *seqsNewestFirst(
    sinceMs = Number.NEGATIVE_INFINITY,
    untilMs = Number.POSITIVE_INFINITY,
  ): Generator<number> {
    for (let s = this.nextSeq - 1; s >= this.tail; s--) {
      const t = this.times[s % this.capacity]!;
      if (t >= sinceMs && t <= untilMs) yield s;
    }
  }
}
