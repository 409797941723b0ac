// Codecs and constants of porin_ct4 (bpf/lib/conntrack.h): the IPv4 connection-tracking LRU map.
import { type CodecValue, field, struct } from '../codec.js';

export const CONNTRACK_MAP = 'porin_ct4';

export const CT_SCOPE_EGRESS = 0;
export const CT_SCOPE_INGRESS = 1;

/** tcp_state values (CT_TCP_* in conntrack.h); index = value. */
export const CT_TCP_STATES = ['none', 'syn-sent', 'syn-recv', 'established', 'fin-wait', 'closing'] as const;
export type CtTcpState = (typeof CT_TCP_STATES)[number];

/** ct_status values, also the trace reason (CT_NEW.. in conntrack.h); index = value. */
export const CT_STATUSES = ['new', 'established', 'reply', 'related'] as const;
export type CtStatus = (typeof CT_STATUSES)[number];

export const CT_F_REPLY_SEEN = 1;
/** Opened by the L7 proxy towards the endpoint: its replies are delivered to the proxy. */
export const CT_F_PROXY_UPSTREAM = 2;

export const CtKeyCodec = struct('ct_key4', 16, {
  saddr: field.ipv4(0),
  daddr: field.ipv4(4),
  sport: field.be16(8),
  dport: field.be16(10),
  protocol: field.u8(12),
  scope: field.u8(13),
});
export type CtKey = CodecValue<typeof CtKeyCodec>;

export const CtEntryCodec = struct('ct_entry', 72, {
  expiresNs: field.u64(0),
  createdNs: field.u64(8),
  fwdPackets: field.u64(16),
  fwdBytes: field.u64(24),
  revPackets: field.u64(32),
  revBytes: field.u64(40),
  remoteIdentity: field.u32(48),
  lastFwdReport: field.u32(52),
  lastRevReport: field.u32(56),
  proxyPort: field.u16(60),
  tcpState: field.u8(62),
  fwdFlagsSeen: field.u8(63),
  revFlagsSeen: field.u8(64),
  flags: field.u8(65),
});
export type CtEntry = CodecValue<typeof CtEntryCodec>;
