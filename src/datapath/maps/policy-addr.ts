// Codecs of porin_policy_addr (bpf/lib/policy.h): (endpoint, direction, remote address prefix) → address class.
import { type CodecValue, field, struct } from '../codec.js';

export const POLICY_ADDR_MAP = 'porin_policy_addr';

/** endpoint_id (16) + direction (8) + pad (8). */
export const POLICY_ADDR_KEY_STATIC_BITS = 32;
export const POLICY_ADDR_KEY_FULL_BITS = 64;

export const PolicyAddrKeyCodec = struct('policy_addr_key', 12, {
  prefixlen: field.u32(0),
  endpointId: field.u16(4),
  direction: field.u8(6),
  addr: field.ipv4(8),
});
export type PolicyAddrKey = CodecValue<typeof PolicyAddrKeyCodec>;

export const PolicyAddrValueCodec = struct('policy_addr_entry', 4, {
  addrClass: field.u32(0),
});
export type PolicyAddrValue = CodecValue<typeof PolicyAddrValueCodec>;
