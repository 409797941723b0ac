// The load balancer's node-level settings: frozen once, passed in (no globals, no environment reads).
import type { LbAlgorithm } from './frontend.js';

/** Cilium's allowed Maglev table sizes (primes); 16381 is the default. */
export const MAGLEV_TABLE_SIZES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071] as const;
export const DEFAULT_MAGLEV_TABLE_SIZE = 16381;

export interface LbConfig {
  /** This node: endpoints whose `nodeName` equals it are local (traffic policy Local). */
  readonly nodeName: string;
  /** Addresses NodePort services answer on (the node's external-facing addresses). */
  readonly nodeAddresses: readonly string[];
  /** Selection when a service has no `service.cilium.io/lb-algorithm` annotation. */
  readonly algorithm: LbAlgorithm;
  /** Maglev lookup-table size M, a prime from MAGLEV_TABLE_SIZES. */
  readonly maglevTableSize: number;
  /** Seed of the Maglev permutation hash; equal on every node so all build the same tables. */
  readonly maglevSeed: number;
}

export function lbConfig(c: Partial<LbConfig> & { nodeName: string }): LbConfig {
  const m = c.maglevTableSize ?? DEFAULT_MAGLEV_TABLE_SIZE;
  if (!(MAGLEV_TABLE_SIZES as readonly number[]).includes(m)) {
    throw new RangeError(`maglev table size ${m} is not one of ${MAGLEV_TABLE_SIZES.join(', ')}`);
  }
  return Object.freeze({
    nodeName: c.nodeName,
    nodeAddresses: Object.freeze([...(c.nodeAddresses ?? [])]),
    algorithm: c.algorithm ?? 'random',
    maglevTableSize: m,
    maglevSeed: c.maglevSeed ?? 0x24b7ef82,
  });
}
