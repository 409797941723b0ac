// Tunables of the FQDN layer, with Cilium's defaults (pkg/defaults, pkg/option: the tofqdns-* agent options).

export interface FqdnConfig {
  /** tofqdns-min-ttl: the shortest TTL an address is kept for, seconds (0: honour the answer's TTL). */
  readonly minTtlSeconds: number;
  /** tofqdns-endpoint-max-ip-per-hostname: addresses one endpoint keeps per name; the soonest to expire go first. */
  readonly maxIpsPerHostname: number;
  /** tofqdns-max-deferred-connection-deletes: expired addresses kept per endpoint while connections may use them. */
  readonly maxDeferredConnectionDeletes: number;
  /** tofqdns-idle-connection-grace-period: an expired address stays this long after its connections were last seen. */
  readonly idleConnectionGracePeriodMs: number;
  /** How often expired addresses are collected (Cilium's DNS GC job runs every minute). */
  readonly gcIntervalMs: number;
  /** tofqdns-proxy-response-max-delay: the longest an allowed answer is held while its addresses are enforced. */
  readonly responseMaxDelayMs: number;
}

export const FQDN_DEFAULTS: FqdnConfig = Object.freeze({
  minTtlSeconds: 0,
  maxIpsPerHostname: 1000,
  maxDeferredConnectionDeletes: 10_000,
  idleConnectionGracePeriodMs: 0,
  gcIntervalMs: 60_000,
  responseMaxDelayMs: 100,
});

export function fqdnConfig(overrides: Partial<FqdnConfig> = {}): FqdnConfig {
  return Object.freeze({ ...FQDN_DEFAULTS, ...overrides });
}
