// Carries allowed answers from the proxy to the agent's FQDN layer; while the agent is away they wait in a bounded queue.
import type { DnsAnswerObservation, DnsFqdnSink } from './dns-proxy.js';

export interface FqdnRelayOptions {
  /** Delivers one observation to the agent; resolves when the agent has enforced it, rejects when it is away. */
  readonly send: (obs: DnsAnswerObservation) => Promise<void>;
  /** Observations kept while the agent is away (oldest dropped beyond it, and counted); default 10000. */
  readonly maxQueued?: number;
  /** Delay between delivery attempts of the queue; default 200 ms. */
  readonly retryMs?: number;
  readonly onDropped?: (n: number) => void;
}

/**
 * The proxy's FQDN sink. `ensure` resolves as soon as the agent confirms; when the agent cannot be reached the
 * observation is queued and `ensure` rejects, so the proxy releases the answer after its max delay (pods keep
 * resolving under the last policy) and the queue is replayed, in order, once the agent is back.
 */
export class FqdnRelay implements DnsFqdnSink {
  private readonly queue: DnsAnswerObservation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  dropped = 0;

  constructor(private readonly o: FqdnRelayOptions) {}

  async ensure(obs: DnsAnswerObservation): Promise<void> {
    if (this.queue.length > 0) {
      // Keep the order: an older queued answer must not land after a newer one for the same name.
      this.enqueue(obs);
      throw new Error('the agent is away: queued');
    }
    try {
      await this.o.send(obs);
    } catch (e) {
      this.enqueue(obs);
      throw e;
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueue(obs: DnsAnswerObservation): void {
    this.queue.push(obs);
    const max = this.o.maxQueued ?? 10_000;
    if (this.queue.length > max) {
      const n = this.queue.length - max;
      this.queue.splice(0, n);
      this.dropped += n;
      this.o.onDropped?.(n);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.draining) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.o.retryMs ?? 200);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        await this.o.send(this.queue[0]!);
        this.queue.shift();
      }
    } catch {
      // Still away: try again later.
    } finally {
      this.draining = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
