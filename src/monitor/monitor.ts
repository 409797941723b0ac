// The monitor: datapath events and lost-event counts in, wall-clock-stamped events out to the flow pipeline.
import { type DatapathEvent, decodeEvent } from '../datapath/maps/events.js';
import { type Clock, KtimeConverter, systemClock } from './ktime-clock.js';

/** Where events were lost (flow.proto's LostEventSource). */
export type LostEventSource =
  | 'UNKNOWN_LOST_EVENT_SOURCE'
  /** The datapath could not put events on the ring buffer (the agent read too slowly). */
  | 'PERF_EVENT_RING_BUFFER'
  /** The agent's queue between the monitor and the observer overflowed (or the flow store fell behind). */
  | 'OBSERVER_EVENTS_QUEUE'
  /** A reader of the flow ring was overtaken by the writer. */
  | 'HUBBLE_RING_BUFFER';

export interface MonitorConsumer {
  /** `timeNs`: the event's wall-clock time in Unix nanoseconds. */
  onEvent(event: DatapathEvent, timeNs: bigint): void;
  onLost(source: LostEventSource, count: number, timeNs: bigint): void;
}

export interface MonitorStats {
  events: number;
  /** Records the decoder rejected (unknown type, short record). */
  undecodable: number;
  /** Exceptions thrown by consumers (the monitor keeps going). */
  consumerErrors: number;
  /** Events lost, by source. */
  lost: Record<LostEventSource, number>;
}

export interface MonitorOptions {
  clock?: Clock;
  /** Re-sample the monotonic→wall offset every N events (default 65536). */
  resampleEvery?: number;
}

/**
 * Fans datapath events out to consumers with wall-clock times. The agent feeds it from the ring reader
 * (`lxc.eventReader(e => monitor.push(e))`) and samples the datapath's lost counter periodically
 * (`monitor.sampleDatapathLost(lxc.eventsLost())`): nothing is lost without being counted and reported.
 */
export class Monitor {
  private readonly consumers: MonitorConsumer[] = [];
  private readonly ktime: KtimeConverter;
  private lastDatapathLost: bigint | undefined;
  readonly stats: MonitorStats = {
    events: 0,
    undecodable: 0,
    consumerErrors: 0,
    lost: {
      UNKNOWN_LOST_EVENT_SOURCE: 0,
      PERF_EVENT_RING_BUFFER: 0,
      OBSERVER_EVENTS_QUEUE: 0,
      HUBBLE_RING_BUFFER: 0,
    },
  };

  constructor(private readonly opts: MonitorOptions = {}) {
    this.ktime = new KtimeConverter(opts.clock ?? systemClock, opts.resampleEvery);
  }

  subscribe(consumer: MonitorConsumer): () => void {
    this.consumers.push(consumer);
    return () => {
      const i = this.consumers.indexOf(consumer);
      if (i >= 0) this.consumers.splice(i, 1);
    };
  }

  push(event: DatapathEvent): void {
    this.stats.events++;
    const timeNs = this.ktime.toWallNs(event.timestampNs);
    for (const c of this.consumers) {
      try {
        c.onEvent(event, timeNs);
      } catch {
        this.stats.consumerErrors++;
      }
    }
  }

  /** Decodes one raw ring-buffer record and pushes it; false when the record is not an event. */
  pushRecord(view: DataView): boolean {
    const event = decodeEvent(view);
    if (event === undefined) {
      this.stats.undecodable++;
      return false;
    }
    this.push(event);
    return true;
  }

  /**
   * Takes the datapath's cumulative lost counter (porin_events_lost summed over CPUs) and reports what
   * was lost since the previous sample. The first sample only sets the baseline unless `fromZero`
   * (the counter was created with this agent's datapath, so everything in it is new).
   */
  sampleDatapathLost(total: bigint, fromZero = false): number {
    const prev = this.lastDatapathLost ?? (fromZero ? 0n : total);
    this.lastDatapathLost = total;
    const delta = total > prev ? Number(total - prev) : 0;
    if (delta > 0) this.reportLost('PERF_EVENT_RING_BUFFER', delta);
    return delta;
  }

  reportLost(source: LostEventSource, count: number): void {
    if (count <= 0) return;
    this.stats.lost[source] += count;
    const timeNs = (this.opts.clock ?? systemClock).wallNs();
    for (const c of this.consumers) {
      try {
        c.onLost(source, count, timeNs);
      } catch {
        this.stats.consumerErrors++;
      }
    }
  }
}
