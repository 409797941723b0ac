// Keys to reconcile, one at a time: duplicates collapse, failures retry with exponential backoff.

export interface WorkQueueOptions {
  retryBaseMs?: number;
  retryMaxMs?: number;
  onError?: (key: string, error: unknown) => void;
}

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly attempts = new Map<string, number>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions = {},
  ) {}

  /** Queues `key` (again, if it is being handled now: the handler may have read old state). */
  add(key: string): void {
    if (this.stopped) return;
    const retry = this.retries.get(key);
    if (retry) {
      clearTimeout(retry);
      this.retries.delete(key);
    }
    this.pending.add(key);
    this.kick();
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Like `idle`, but first lets already-scheduled work (watch deliveries, timers due now) queue keys. */
  async settle(): Promise<void> {
    do {
      await new Promise((resolve) => setImmediate(resolve));
      await this.idle();
    } while (this.busy);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await this.running;
    this.notifyIdle();
  }

  get busy(): boolean {
    return !this.isIdle();
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && this.retries.size === 0 && this.running === undefined;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    const key = this.pending.values().next().value;
    if (key === undefined) {
      this.notifyIdle();
      return;
    }
    this.pending.delete(key);
    this.running = this.handle(key).finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async handle(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.attempts.delete(key);
    } catch (error) {
      if (this.stopped) return;
      this.options.onError?.(key, error);
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      const base = this.options.retryBaseMs ?? 100;
      const delay = Math.min(base * 2 ** (attempt - 1), this.options.retryMaxMs ?? 10_000);
      const timer = setTimeout(() => {
        this.retries.delete(key);
        this.add(key);
      }, delay);
      this.retries.set(key, timer);
    }
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
