// Garbage collection of the packet path's NAT conntrack: expired entries go (the datapath ignores them).
import type { KeyValueMap, Lb4CtEntry, Lb4CtKey } from '../datapath/index.js';

/** `nowNs` is CLOCK_MONOTONIC in ns, what bpf_ktime_get_ns() reads and process.hrtime.bigint() returns. */
export function sweepLbConntrack(
  map: KeyValueMap<Lb4CtKey, Lb4CtEntry>,
  nowNs: bigint = process.hrtime.bigint(),
): { scanned: number; deleted: number } {
  let scanned = 0;
  let deleted = 0;
  for (const [key, entry] of map.entries()) {
    scanned++;
    if (entry.expiresNs < nowNs && map.delete(key)) deleted++;
  }
  return { scanned, deleted };
}
