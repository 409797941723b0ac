// A token bucket: `rate` tokens per second, holding at most `burst`; time comes from an injectable clock.

export interface Clock {
  /** Milliseconds (any epoch; only differences matter). */
  nowMs(): number;
}

export const systemClock: Clock = Object.freeze({ nowMs: () => performance.now() });

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError('token bucket needs rate > 0 and burst >= 1');
    this.tokens = burst;
    this.last = clock.nowMs();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.clock.nowMs();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
