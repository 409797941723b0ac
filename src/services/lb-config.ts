// The load balancer's node-level settings: frozen once, passed in (no globals, no environment reads).
import { type Prefix, parsePrefixOrIP } from '../net/cidr.js';
import type { LbAlgorithm } from './frontend.js';

/** Where test "world" hosts live (documentation ranges): backends there are allowed with the cluster's own. */
export const EXTERNAL_HOST_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'] as const;

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
  /**
   * Backends must be inside one of these prefixes (host safety: a service never sends traffic out of the
   * machine); endpoints elsewhere are refused. Empty = no restriction.
   */
  readonly backendRanges: readonly Prefix[];
}

export function lbConfig(
  c: Partial<Omit<LbConfig, 'backendRanges'>> & { nodeName: string; backendRanges?: readonly string[] },
): LbConfig {
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
    backendRanges: Object.freeze(
      (c.backendRanges ?? []).map((r) => {
        const p = parsePrefixOrIP(r);
        if (!p.ok) throw new RangeError(`backend range ${r}: ${p.error}`);
        return p.value;
      }),
    ),
  });
}
