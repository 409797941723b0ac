// The observer: monitor events → flows → ring, store and observers; history queries and live follows with lost-event accounting.
import RE2 from 're2';
import type { DatapathEvent } from '../datapath/maps/events.js';
import type { LostEventSource, MonitorConsumer } from '../monitor/monitor.js';
import type { Flow, FlowFilterSet, FlowsResponse, GetFlowsRequest, LostEvent } from './flow.js';
import { FlowBuilder, type FlowBuilderOptions } from './flow-builder.js';
import type { FlowContext } from './flow-context.js';
import { FlowError } from './flow-error.js';
import { compileFilterSet, type FlowPredicate, type RegexLike, validateFilterSet } from './flow-filter.js';
import { FlowRing } from './flow-ring.js';
import type { FlowStore } from './flow-store.js';
import { formatTimeNs, parseTimeNs } from './flow-time.js';

/** Where flows were lost: Hubble's sources, or FLOW_STORE (kept in the ring, but not written to the store). */
export type LostSource = LostEventSource | 'FLOW_STORE';

/** Something that wants every flow as it is built (metrics, policy logging). */
export interface FlowObserver {
  onFlow(flow: Flow): void;
  onLost?(source: LostSource, count: number): void;
}

export interface FlowServiceOptions extends FlowBuilderOptions {
  context: FlowContext;
  /** Ring capacity (default 4095, Hubble's default; up to 65535 is reasonable). */
  ringCapacity?: number;
  /** The durable store; the service flushes it on a timer and closes it on close(). */
  store?: FlowStore;
  observers?: FlowObserver[];
  /** The regex engine for filters (default RE2). */
  regex?: (pattern: string) => RegexLike;
  /** Most flows one query returns when it asks for all (default 100,000). */
  maxQueryFlows?: number;
  flushIntervalMs?: number;
  retentionIntervalMs?: number;
  /** Unix nanoseconds now (tests). */
  nowNs?: () => bigint;
  version?: string;
}

export interface FlowServiceStatus {
  num_flows: number;
  max_flows: number;
  seen_flows: number;
  /** uint64 as a string, as ServerStatusResponse has it. */
  uptime_ns: string;
  flows_rate: number;
  version: string;
  /** Porin's own: events lost, by source, since start (FLOW_STORE: kept in the ring, not stored). */
  lost_events: Record<LostSource, number>;
  /** Porin's own: the durable store. */
  store?: { rows: number; used_bytes: number; oldest?: string; newest?: string; lost: number };
}

/** A live stream of flows; `onResponse` returning false pauses it until `resume()`. */
export interface FollowHandle {
  close(): void;
  resume(): void;
  readonly closed: boolean;
}

interface LostRecord {
  lost_events: LostEvent;
  time: string;
}

type RingItem = Flow | LostRecord;

function isLost(item: RingItem): item is LostRecord {
  return (item as LostRecord).lost_events !== undefined;
}

interface Follower {
  predicate: FlowPredicate;
  cursor: number;
  paused: boolean;
  closed: boolean;
  onResponse: (r: FlowsResponse) => boolean | undefined;
}

const DRAIN_CHUNK = 2048;

/** Parses and checks a GetFlowsRequest from JSON (path-named errors, PORIN_FLOW_REQUEST_INVALID). */
export function validateFlowsRequest(x: unknown): GetFlowsRequest {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object' || Array.isArray(x))
    throw new FlowError('PORIN_FLOW_REQUEST_INVALID', 'a flow request must be a JSON object');
  const r = x as Record<string, unknown>;
  const known = ['whitelist', 'blacklist', 'number', 'first', 'follow', 'since', 'until'];
  for (const k of Object.keys(r)) {
    if (!known.includes(k))
      throw new FlowError('PORIN_FLOW_REQUEST_INVALID', `unknown field (known: ${known.join(', ')})`, k);
  }
  const out: GetFlowsRequest = validateFilterSet(
    { whitelist: r.whitelist, blacklist: r.blacklist },
    'request',
  );
  if (r.number !== undefined) {
    const n = typeof r.number === 'string' ? Number(r.number) : r.number;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw new FlowError('PORIN_FLOW_REQUEST_INVALID', 'must be a non-negative integer', 'number');
    out.number = n;
  }
  for (const k of ['first', 'follow'] as const) {
    if (r[k] === undefined) continue;
    if (typeof r[k] !== 'boolean')
      throw new FlowError('PORIN_FLOW_REQUEST_INVALID', 'must be true or false', k);
    out[k] = r[k] as boolean;
  }
  for (const k of ['since', 'until'] as const) {
    if (r[k] === undefined) continue;
    if (typeof r[k] !== 'string' || parseTimeNs(r[k] as string) === undefined)
      throw new FlowError('PORIN_FLOW_REQUEST_INVALID', 'must be an RFC 3339 timestamp', k);
    out[k] = r[k] as string;
  }
  if (out.first && out.follow)
    throw new FlowError('PORIN_FLOW_REQUEST_INVALID', '"first" cannot be combined with "follow"', 'first');
  return out;
}

/**
 * Implements the agent side of flows. Wiring: `monitor.subscribe(service)`, `service.start()`,
 * `registerFlowRoutes(api, service)`; the service is the monitor's consumer.
 */
export class FlowService implements MonitorConsumer {
  readonly builder: FlowBuilder;
  readonly ring: FlowRing;
  private readonly store: FlowStore | undefined;
  private readonly observers: FlowObserver[];
  private readonly followers = new Set<Follower>();
  private drainScheduled = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly regex: (pattern: string) => RegexLike;
  private readonly nowNs: () => bigint;
  private readonly startedNs: bigint;
  private flowsSeen = 0;
  private readonly rateSamples: { ms: number; seen: number }[] = [];
  readonly lost: Record<LostSource, number> = {
    UNKNOWN_LOST_EVENT_SOURCE: 0,
    PERF_EVENT_RING_BUFFER: 0,
    OBSERVER_EVENTS_QUEUE: 0,
    HUBBLE_RING_BUFFER: 0,
    FLOW_STORE: 0,
  };
  /** Exceptions from observers and the builder (the pipeline keeps going). */
  errors = 0;

  constructor(private readonly opts: FlowServiceOptions) {
    this.builder = new FlowBuilder(opts.context, opts);
    this.ring = new FlowRing(opts.ringCapacity ?? 4095);
    this.store = opts.store;
    this.observers = [...(opts.observers ?? [])];
    this.regex = opts.regex ?? ((p: string) => new RE2(p, 'u'));
    this.nowNs = opts.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.startedNs = this.nowNs();
    if (this.store) this.store.lostHandler = (count) => this.countLost('FLOW_STORE', count);
  }

  private countLost(source: LostSource, count: number): void {
    this.lost[source] += count;
    for (const o of this.observers) {
      try {
        o.onLost?.(source, count);
      } catch {
        this.errors++;
      }
    }
  }

  get nodeName(): string {
    return this.opts.nodeName;
  }

  addObserver(o: FlowObserver): void {
    this.observers.push(o);
  }

  /** Starts the flush, retention and rate timers (unref'd). */
  start(): void {
    if (this.timers.length > 0) return;
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(() => {
        try {
          fn();
        } catch {
          this.errors++;
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    if (this.store) {
      every(this.opts.flushIntervalMs ?? 200, () => this.store?.flush());
      every(this.opts.retentionIntervalMs ?? 60_000, () => this.store?.enforceRetention());
    }
    every(1000, () => this.sampleRate());
  }

  // MonitorConsumer
  onEvent(event: DatapathEvent, timeNs: bigint): void {
    let flow: Flow;
    try {
      flow = this.builder.build(event, timeNs);
    } catch {
      this.errors++;
      return;
    }
    this.ingestFlow(flow, timeNs);
  }

  /** Adds a built flow (L7 flows from the proxy come in here); `timeNs` defaults to the flow's time. */
  ingestFlow(flow: Flow, timeNs?: bigint): void {
    const ns = timeNs ?? (flow.time ? parseTimeNs(flow.time) : undefined) ?? this.nowNs();
    this.flowsSeen++;
    this.ring.push(flow, Number(ns) / 1e6);
    if (this.store) {
      this.store.add(flow, timeNs === undefined ? undefined : ns);
      if (this.store.shouldFlush) this.store.flush();
    }
    for (const o of this.observers) {
      try {
        o.onFlow(flow);
      } catch {
        this.errors++;
      }
    }
    if (this.followers.size > 0) this.scheduleDrain();
  }

  onLost(source: LostEventSource, count: number, timeNs: bigint): void {
    this.recordLost(source, count, timeNs);
  }

  /** Counts lost events, puts a LostEvent into the ring (followers and ring queries see it) and tells observers. */
  recordLost(source: LostEventSource, count: number, timeNs = this.nowNs()): void {
    if (count <= 0) return;
    const record: LostRecord = {
      lost_events: { source, num_events_lost: String(count) },
      time: formatTimeNs(timeNs),
    };
    this.ring.push(record as unknown as Flow, Number(timeNs) / 1e6);
    this.countLost(source, count);
    if (this.followers.size > 0) this.scheduleDrain();
  }

  private response(item: RingItem): FlowsResponse {
    if (isLost(item))
      return { lost_events: item.lost_events, node_name: this.opts.nodeName, time: item.time };
    const r: FlowsResponse = { flow: item };
    if (item.node_name) r.node_name = item.node_name;
    if (item.time) r.time = item.time;
    return r;
  }

  private compile(set: FlowFilterSet): FlowPredicate {
    return compileFilterSet(set, { regex: this.regex });
  }

  /** History: the newest `number` (or, with `first`, the oldest) matching flows in [since, until], oldest first. */
  query(req: GetFlowsRequest): FlowsResponse[] {
    const predicate = this.compile(req);
    const sinceNs = req.since ? parseTimeNs(req.since) : undefined;
    const untilNs = req.until ? parseTimeNs(req.until) : undefined;
    const max = this.opts.maxQueryFlows ?? 100_000;
    const limit = req.number && req.number > 0 ? Math.min(req.number, max) : max;
    if (this.store) {
      this.store.flush();
      const flows = this.store.query({
        whitelist: req.whitelist,
        blacklist: req.blacklist,
        sinceNs,
        untilNs,
        limit,
        first: req.first,
      });
      return flows.map((f) => this.response(f));
    }
    const sinceMs = sinceNs === undefined ? undefined : Number(sinceNs) / 1e6;
    const untilMs = untilNs === undefined ? undefined : Number(untilNs) / 1e6;
    const picked: RingItem[] = [];
    const seqs = req.first ? this.ring.seqs(sinceMs, untilMs) : this.ring.seqsNewestFirst(sinceMs, untilMs);
    let flows = 0;
    for (const s of seqs) {
      const item = this.ring.at(s) as RingItem;
      if (isLost(item)) picked.push(item);
      else if (predicate(item)) {
        picked.push(item);
        if (++flows >= limit) break;
      }
    }
    if (!req.first) picked.reverse();
    return picked.map((i) => this.response(i));
  }

  /**
   * Streams: first the history the request asks for (`number`/`since`), then every new matching flow
   * and every lost-event notice. A follower the ring overtakes gets a HUBBLE_RING_BUFFER LostEvent.
   */
  follow(req: GetFlowsRequest, onResponse: (r: FlowsResponse) => boolean | undefined): FollowHandle {
    const predicate = this.compile(req);
    const f: Follower = { predicate, cursor: this.ring.head, paused: false, closed: false, onResponse };
    if ((req.number ?? 0) > 0 || req.since) {
      for (const r of this.query({ ...req, follow: false })) {
        if (onResponse(r) === false) f.paused = true;
      }
    }
    this.followers.add(f);
    const handle: FollowHandle = {
      close: () => {
        f.closed = true;
        this.followers.delete(f);
      },
      resume: () => {
        if (f.closed || !f.paused) return;
        f.paused = false;
        this.scheduleDrain();
      },
      get closed() {
        return f.closed;
      },
    };
    return handle;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Delivers what each follower has not seen yet, a chunk at a time, until it pauses. */
  drain(): void {
    let more = false;
    for (const f of this.followers) {
      if (f.paused || f.closed) continue;
      const { flows, lost, next } = this.ring.read(f.cursor, DRAIN_CHUNK);
      f.cursor = next;
      if (lost > 0) {
        this.countLost('HUBBLE_RING_BUFFER', lost);
        const r: FlowsResponse = {
          lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: String(lost) },
          node_name: this.opts.nodeName,
          time: formatTimeNs(this.nowNs()),
        };
        if (f.onResponse(r) === false) f.paused = true;
      }
      for (const item of flows as RingItem[]) {
        if (f.closed) break;
        if (!isLost(item) && !f.predicate(item)) continue;
        if (f.onResponse(this.response(item)) === false) f.paused = true;
      }
      if (!f.paused && f.cursor < this.ring.head) more = true;
    }
    if (more) this.scheduleDrain();
  }

  private sampleRate(): void {
    const ms = Number(this.nowNs() / 1_000_000n);
    this.rateSamples.push({ ms, seen: this.flowsSeen });
    while (this.rateSamples.length > 61) this.rateSamples.shift();
  }

  /** Hubble's ServerStatusResponse, plus lost-event and store figures. */
  status(): FlowServiceStatus {
    const now = this.nowNs();
    const first = this.rateSamples[0];
    const nowMs = Number(now / 1_000_000n);
    const rate = first && nowMs > first.ms ? ((this.flowsSeen - first.seen) * 1000) / (nowMs - first.ms) : 0;
    const s: FlowServiceStatus = {
      num_flows: this.ring.size,
      max_flows: this.ring.capacity,
      seen_flows: this.flowsSeen,
      uptime_ns: String(now - this.startedNs),
      flows_rate: Math.round(rate * 100) / 100,
      version: this.opts.version ?? 'porin',
      lost_events: { ...this.lost },
    };
    if (this.store) {
      const st = this.store.stats();
      s.store = { rows: st.rows, used_bytes: st.usedBytes, lost: st.lost };
      if (st.oldestNs !== undefined) s.store.oldest = formatTimeNs(st.oldestNs);
      if (st.newestNs !== undefined) s.store.newest = formatTimeNs(st.newestNs);
    }
    return s;
  }

  /** Stops timers, ends follows, flushes and closes the store. */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    for (const f of this.followers) f.closed = true;
    this.followers.clear();
    this.store?.close();
  }
}
