// Maglev consistent hashing (Eisenbud et al., NSDI 2016): the lookup table, built pure and fast.
import { murmur3 } from './murmur3.js';

/** Marks a slot no backend owns (only in a table with no backends). */
export const MAGLEV_EMPTY = 0xffffffff;

/**
 * Builds the M-entry lookup table for `backends` (names such as `10.244.0.5:8080/TCP`): entry j is the
 * index (into `backends`) of the backend that owns slot j. Each backend's preference list is the
 * permutation `(offset + i·skip) mod M` with offset and skip from two seeded hashes of its name; the
 * backends take turns claiming their next free preferred slot until the table is full, so every backend
 * owns ⌊M/N⌋ or ⌈M/N⌉ slots. Turns go in name order, not input order, so every node builds the same
 * table from the same set. M must be prime (so every skip visits every slot).
 */
export function maglevTable(backends: readonly string[], m: number, seed: number): Uint32Array {
  const table = new Uint32Array(m).fill(MAGLEV_EMPTY);
  const n = backends.length;
  if (n === 0) return table;
  const order = backends.map((_, i) => i).sort((a, b) => (backends[a]! < backends[b]! ? -1 : 1));
  const cur = new Uint32Array(n);
  const skip = new Uint32Array(n);
  for (let t = 0; t < n; t++) {
    const name = backends[order[t]!]!;
    cur[t] = murmur3(name, seed) % m;
    skip[t] = (murmur3(name, seed ^ 0x5bd1e995) % (m - 1)) + 1;
  }
  let filled = 0;
  for (;;) {
    for (let t = 0; t < n; t++) {
      let c = cur[t]!;
      const s = skip[t]!;
      while (table[c] !== MAGLEV_EMPTY) {
        c += s;
        if (c >= m) c -= m;
      }
      table[c] = order[t]!;
      c += s;
      cur[t] = c >= m ? c - m : c;
      if (++filled === m) return table;
    }
  }
}
