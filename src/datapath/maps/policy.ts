// Codecs and constants of porin_policy (bpf/lib/policy.h): the shared per-endpoint L3/L4 policy LPM trie.
import { type CodecValue, field, struct } from '../codec.js';

export const POLICY_MAP = 'porin_policy';

/** Key bits that are always matched: remote (32) + endpoint_id (16) + direction (8). */
export const POLICY_KEY_STATIC_BITS = 56;
/** Static bits + protocol (8) + port (16). */
export const POLICY_KEY_FULL_BITS = 80;
/** `remote` values from here up name an address class, not an identity (identities stay below 2^25). */
export const POLICY_REMOTE_ADDR_CLASS = 0x80000000;

export const DIR_INGRESS = 0;
export const DIR_EGRESS = 1;

export const POLICY_F_DENY = 1;
export const POLICY_F_REDIRECT = 2;
/** The allowing rule requires authentication: dropped with AUTH_REQUIRED (no provider yet). */
export const POLICY_F_AUTH_REQUIRED = 4;

export const PolicyKeyCodec = struct('policy_key', 16, {
  prefixlen: field.u32(0),
  remote: field.u32(4),
  endpointId: field.u16(8),
  direction: field.u8(10),
  protocol: field.u8(11),
  dport: field.be16(12),
});
export type PolicyMapKey = CodecValue<typeof PolicyKeyCodec>;

export const PolicyValueCodec = struct('policy_entry', 8, {
  flags: field.u8(0),
  l4PrefixLen: field.u8(1),
  proxyPort: field.u16(2),
  cookie: field.u32(4),
});
export type PolicyMapValue = CodecValue<typeof PolicyValueCodec>;

/** How a verdict was reached (POLICY_MATCH_* in policy.h; 0..6 as in Cilium). */
export const MATCH_TYPES = [
  'none',
  'l3-only',
  'l3-l4',
  'l4-only',
  'all',
  'l3-proto',
  'proto-only',
  'address',
  'localhost',
] as const;
export type MatchType = (typeof MATCH_TYPES)[number];
