// Conntrack garbage collection driven by the agent: expired entries are deleted (the datapath already
// treats them as absent; LRU eviction alone would let them crowd out live ones under pressure).
import type { CtEntry, CtKey, KeyValueMap } from '../datapath/index.js';

export interface ConntrackGcResult {
  scanned: number;
  deleted: number;
}

/**
 * `nowNs` is CLOCK_MONOTONIC in nanoseconds — what `bpf_ktime_get_ns()` reads and `process.hrtime.bigint()`
 * returns (libuv uses the same clock).
 */
export function sweepConntrack(
  map: KeyValueMap<CtKey, CtEntry>,
  nowNs: bigint = process.hrtime.bigint(),
): ConntrackGcResult {
  let scanned = 0;
  let deleted = 0;
  for (const [key, entry] of map.entries()) {
    scanned++;
    if (entry.expiresNs < nowNs && map.delete(key)) deleted++;
  }
  return { scanned, deleted };
}
