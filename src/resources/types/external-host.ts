// porin.io/v1alpha1 ExternalHost: a host of the embedded cluster's outside world (names, documentation addresses, ports).
import type { ObjectMeta } from './core.js';

export interface ExternalHostPort {
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface ExternalHostSpec {
  /** DNS names the world's DNS server answers with `addresses` (lower case, no trailing dot). */
  hostnames: string[];
  /** Only inside 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32. */
  addresses: string[];
  /** Each port serves the built-in echo (HTTP on TCP, echo on UDP). */
  ports: ExternalHostPort[];
  /** TTL of the DNS answers, seconds; default 60. */
  ttl?: number;
}

export interface ExternalHost {
  apiVersion: 'porin.io/v1alpha1';
  kind: 'ExternalHost';
  metadata: ObjectMeta;
  spec: ExternalHostSpec;
}
