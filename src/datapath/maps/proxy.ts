// The L7 proxy's numbers shared with bpf/lib/proxy.h (marks, routing table, rule preference) and the UDP original-destination map codecs.
import { type CodecValue, field, struct } from '../codec.js';

/** skb->mark bits the redirect and the proxy's SO_MARK use (PROXY_MARK_* in proxy.h). */
export const PROXY_MARK_MASK = 0x0f00;
/** Set by the datapath on packets for the proxy; the host's fwmark rule delivers them locally. */
export const PROXY_MARK_TO_PROXY = 0x0200;
/** SO_MARK of every proxy socket: its packets are neither redirected nor enforced again. */
export const PROXY_MARK_FROM_PROXY = 0x0b00;
/** The routing table whose only route is `local 0.0.0.0/0 dev lo`. */
export const PROXY_ROUTE_TABLE = 2005;
/** Preference of `ip rule fwmark 0x200/0xf00 lookup 2005` (below the pod table's 2004). */
export const PROXY_RULE_PREF = 2003;

/** What the host side needs to build the rule and table (src/host/proxy-routing.ts). */
export const PROXY_ROUTING = Object.freeze({
  mark: PROXY_MARK_TO_PROXY,
  mask: PROXY_MARK_MASK,
  table: PROXY_ROUTE_TABLE,
  rulePref: PROXY_RULE_PREF,
});

export const UDP_ORIG_MAP = 'porin_udp_orig';

export const ProxyOrigKeyCodec = struct('proxy_orig_key', 8, {
  addr: field.ipv4(0),
  port: field.be16(4),
  protocol: field.u8(6),
});
export type ProxyOrigKey = CodecValue<typeof ProxyOrigKeyCodec>;

export const ProxyOrigValueCodec = struct('proxy_orig_value', 8, {
  addr: field.ipv4(0),
  port: field.be16(4),
  proxyPort: field.u16(6),
});
export type ProxyOrigValue = CodecValue<typeof ProxyOrigValueCodec>;
