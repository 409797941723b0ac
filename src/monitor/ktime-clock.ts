// Datapath timestamps (bpf_ktime_get_ns, CLOCK_MONOTONIC) → wall-clock nanoseconds, with an injectable clock.

/** Wall and monotonic clocks in nanoseconds; Node's hrtime is CLOCK_MONOTONIC, as bpf_ktime_get_ns is. */
export interface Clock {
  wallNs(): bigint;
  monotonicNs(): bigint;
}

export const systemClock: Clock = Object.freeze({
  wallNs: () => BigInt(Date.now()) * 1_000_000n,
  monotonicNs: () => process.hrtime.bigint(),
});

/**
 * Converts monotonic event times to wall time with an offset sampled now and re-sampled every
 * `resampleEvery` conversions, so that wall-clock steps (NTP) show up within that many events without
 * reading two clocks per event. Millisecond wall resolution bounds the error of each sample.
 */
export class KtimeConverter {
  private offsetNs = 0n;
  private countdown = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly resampleEvery = 65_536,
  ) {}

  toWallNs(ktimeNs: bigint): bigint {
    if (this.countdown-- <= 0) this.resample();
    return ktimeNs + this.offsetNs;
  }

  resample(): void {
    this.offsetNs = this.clock.wallNs() - this.clock.monotonicNs();
    this.countdown = this.resampleEvery;
  }
}
