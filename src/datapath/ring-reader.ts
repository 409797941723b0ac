// Reads a BPF ring buffer from the Node event loop and hands decoded records to a callback.
import { type FdWatch, type RingBuffer, ringBufferNew, watchReadable } from './libbpf.js';

export interface RingReaderStats {
  /** Records decoded and delivered. */
  delivered: number;
  /** Records the decoder rejected (unknown type, short record). */
  undecodable: number;
  /** Exceptions thrown by the consumer callback (the reader keeps going). */
  consumerErrors: number;
}

/**
 * Records are decoded inside libbpf's callback (the view points into the ring and is only valid there),
 * then passed to `onRecord`. Delivery is driven by a libuv poll on the ring's epoll fd — no thread, no
 * timer — once `start()` is called; `poll()` drains synchronously (tests, benchmarks).
 */
export class RingReader<T> implements Disposable {
  private readonly rb: RingBuffer;
  private watch: FdWatch | null = null;
  readonly stats: RingReaderStats = { delivered: 0, undecodable: 0, consumerErrors: 0 };

  constructor(
    mapFd: number,
    decode: (view: DataView) => T | undefined,
    private readonly onRecord: (record: T) => void,
  ) {
    this.rb = ringBufferNew(mapFd, (view) => {
      const rec = decode(view);
      if (rec === undefined) {
        this.stats.undecodable++;
        return;
      }
      this.stats.delivered++;
      try {
        this.onRecord(rec);
      } catch {
        this.stats.consumerErrors++;
      }
    });
  }

  /** Drains every waiting record now; returns how many were consumed. */
  poll(): number {
    return this.rb.consume();
  }

  /** Delivers records as they arrive, from the event loop. */
  start(): void {
    if (this.watch) return;
    this.watch = watchReadable(this.rb.epollFd, () => this.rb.consume());
  }

  stop(): void {
    this.watch?.stop();
    this.watch = null;
  }

  close(): void {
    this.stop();
    this.rb.free();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
