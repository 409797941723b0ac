// Server-sent events to the page: items batched (≤ 100 ms or 500 items per event), comment heartbeats, backpressure by dropping with a count.
import type { ServerResponse } from 'node:http';

export interface SseOptions {
  batchMs?: number;
  batchMax?: number;
  heartbeatMs?: number;
  /** Items held while the socket is not draining; beyond this they are dropped and reported. */
  maxBuffered?: number;
}

export class SseStream<T> {
  private batch: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private dropped = 0;
  private closed = false;
  private readonly onCloseFns: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    /** The SSE event name for batches (`data:` is a JSON array of items). */
    private readonly event: string,
    private readonly opts: SseOptions = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.heartbeat = setInterval(() => this.raw(': heartbeat\n\n'), opts.heartbeatMs ?? 15_000);
    res.once('close', () => this.close());
  }

  /** Called once when the page goes away (or close() is called). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.onCloseFns.push(fn);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.res.writableLength > (this.opts.maxBuffered ?? 4 * 1024 * 1024)) {
      this.dropped++;
      return;
    }
    this.batch.push(item);
    if (this.batch.length >= (this.opts.batchMax ?? 500)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.batchMs ?? 100);
  }

  /** A single named event right away (status, errors). */
  send(event: string, data: unknown): void {
    this.flush();
    this.raw(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dropped > 0) {
      const n = this.dropped;
      this.dropped = 0;
      this.raw(`event: dropped\ndata: ${n}\n\n`);
    }
    if (this.batch.length === 0) return;
    const items = this.batch;
    this.batch = [];
    this.raw(`event: ${this.event}\ndata: ${JSON.stringify(items)}\n\n`);
  }

  private raw(s: string): void {
    if (this.closed || this.res.writableEnded || this.res.destroyed) return;
    this.res.write(s);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.onCloseFns.splice(0)) fn();
  }
}
