// The agent's end of the proxy feed: (re)connects, sends the latest snapshot, tracks acks, asks for status, takes events.
import { connect, type Socket } from 'node:net';
import {
  FEED_MAX_LINE,
  type ListenerStatus,
  type PolicySnapshot,
  type ProxyMessage,
  type ProxyStatus,
  type WireL7Event,
} from '../proxy/feed-protocol.js';
import { readLines, writeLine } from '../proxy/ndjson.js';

export interface ProxyFeedOptions {
  socketPath: string;
  onEvents: (events: readonly WireL7Event[], dropped: number) => void;
  log: (m: string) => void;
  /** Reconnect delay (default 250 ms). */
  retryMs?: number;
}

interface Waiter {
  revision: number;
  resolve: (ok: boolean) => void;
}

export class ProxyFeedClient {
  private socket: Socket | undefined;
  private latest: PolicySnapshot | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private waiters: Waiter[] = [];
  private statusWaiters = new Map<number, (s: ProxyStatus | undefined) => void>();
  private nextStatusId = 1;
  /** The last revision the proxy acknowledged to this agent (is enforcing). */
  ackedRevision = -1;
  listeners: readonly ListenerStatus[] = [];
  lastNack: { revision: number; error: string } | undefined;
  proxyPid: number | undefined;
  /** The revision the proxy said it enforces when it greeted this agent (from before, maybe). */
  helloRevision: number | undefined;
  connected = false;

  constructor(private readonly opts: ProxyFeedOptions) {}

  start(): void {
    this.dial();
  }

  private dial(): void {
    if (this.closed) return;
    const s = connect(this.opts.socketPath);
    s.on('error', () => {});
    s.on('connect', () => {
      this.socket = s;
      readLines(
        s,
        FEED_MAX_LINE,
        (line) => this.onLine(line),
        () => this.opts.log('proxy feed: oversized line from the proxy'),
      );
    });
    s.on('close', () => {
      const was = this.socket === s;
      if (was) {
        this.socket = undefined;
        this.connected = false;
        for (const [, w] of this.statusWaiters) w(undefined);
        this.statusWaiters.clear();
      }
      if (!this.closed) this.retry = setTimeout(() => this.dial(), this.opts.retryMs ?? 250);
    });
  }

  private onLine(line: string): void {
    let m: ProxyMessage;
    try {
      m = JSON.parse(line) as ProxyMessage;
    } catch {
      return;
    }
    switch (m.type) {
      case 'hello':
        this.connected = true;
        this.proxyPid = m.pid;
        this.helloRevision = m.revision;
        if (this.latest) this.send(this.latest);
        break;
      case 'ack':
        this.ackedRevision = m.revision;
        this.listeners = m.listeners;
        this.lastNack = undefined;
        this.settle();
        break;
      case 'nack':
        this.lastNack = { revision: m.revision, error: m.error };
        this.opts.log(`proxy refused revision ${m.revision}: ${m.error}`);
        break;
      case 'status': {
        const w = this.statusWaiters.get(m.id);
        this.statusWaiters.delete(m.id);
        w?.(m.status);
        break;
      }
      case 'events':
        this.opts.onEvents(m.events, m.dropped);
        break;
      case 'error':
        this.opts.log(`proxy feed error: ${m.error}`);
        break;
    }
  }

  private send(snapshot: PolicySnapshot): void {
    if (this.socket && this.connected) writeLine(this.socket, { type: 'snapshot', snapshot });
  }

  /** Makes `snapshot` the one to enforce: sent now when connected, else on (re)connect. */
  publish(snapshot: PolicySnapshot): void {
    this.latest = snapshot;
    this.send(snapshot);
  }

  private settle(): void {
    const done = this.waiters.filter((w) => w.revision <= this.ackedRevision);
    this.waiters = this.waiters.filter((w) => w.revision > this.ackedRevision);
    for (const w of done) w.resolve(true);
  }

  /** Resolves true once the proxy acknowledged `revision` (or a later one), false after timeoutMs. */
  waitForAck(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.ackedRevision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Waiter = { revision, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  /** The proxy's own report; undefined when it is not connected or does not answer in time. */
  status(timeoutMs = 1000): Promise<ProxyStatus | undefined> {
    if (!this.socket || !this.connected) return Promise.resolve(undefined);
    const id = this.nextStatusId++;
    return new Promise((resolve) => {
      this.statusWaiters.set(id, resolve);
      writeLine(this.socket!, { type: 'status', id });
      setTimeout(() => {
        if (this.statusWaiters.delete(id)) resolve(undefined);
      }, timeoutMs).unref();
    });
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.destroy();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
  }
}
