// Codecs and constants of the load-balancer maps (bpf/lib/lb.h): frontends, backends, reverse NAT, affinity.
import { type Codec, type CodecValue, field, scalar, struct } from '../codec.js';

export const LB_SERVICES_MAP = 'porin_lb4_services';
export const LB_BACKENDS_MAP = 'porin_lb4_backends';
export const LB_REVERSE_NAT_MAP = 'porin_lb4_reverse_nat';
export const LB_MAGLEV_MAP = 'porin_lb4_maglev';
export const LB_AFFINITY_MAP = 'porin_lb4_affinity';
export const LB_AFFINITY_MATCH_MAP = 'porin_lb_affinity_match';
export const LB_REVERSE_SK_MAP = 'porin_lb4_reverse_sk';
export const LB_NETNS_MAP = 'porin_lb_netns';
export const LB_CT_MAP = 'porin_lb4_ct';

export const LB_SCOPE_EXT = 0;
export const LB_SCOPE_INT = 1;

export const LB_F_NODEPORT = 0x1;
export const LB_F_EXTERNAL_IP = 0x2;
export const LB_F_LOADBALANCER = 0x4;
export const LB_F_AFFINITY = 0x8;
export const LB_F_TWO_SCOPES = 0x10;
export const LB_F_LOCAL_NONE = 0x20;

export const LB_ALG_RANDOM = 1;
export const LB_ALG_MAGLEV = 2;

export const LB_BACKEND_ACTIVE = 0;
export const LB_BACKEND_TERMINATING = 1;

export const LB_NETNS_HOST = 1;

/** Default Maglev table size (LB_MAGLEV_LUT_SIZE) and the largest the datapath accepts. */
export const LB_MAGLEV_LUT_SIZE = 16381;
export const LB_MAGLEV_LUT_MAX = 131071;

/** IP protocol numbers as the maps store them. */
export const IPPROTO = { TCP: 6, UDP: 17, SCTP: 132 } as const;

export const Lb4KeyCodec = struct('lb4_key', 12, {
  address: field.ipv4(0),
  dport: field.be16(4),
  slot: field.u16(6),
  protocol: field.u8(8),
  scope: field.u8(9),
});
export type Lb4Key = CodecValue<typeof Lb4KeyCodec>;

export const Lb4ServiceCodec = struct('lb4_service', 16, {
  backendId: field.u32(0),
  affinityTimeout: field.u32(4),
  count: field.u16(8),
  revNatIndex: field.u16(10),
  flags: field.u16(12),
  algorithm: field.u8(14),
});
export type Lb4Service = CodecValue<typeof Lb4ServiceCodec>;

export const Lb4BackendCodec = struct('lb4_backend', 8, {
  address: field.ipv4(0),
  port: field.be16(4),
  protocol: field.u8(6),
  state: field.u8(7),
});
export type Lb4Backend = CodecValue<typeof Lb4BackendCodec>;

export const RevNatKeyCodec: Codec<number> = scalar('u16', '__u16');

export const Lb4ReverseNatCodec = struct('lb4_reverse_nat', 8, {
  address: field.ipv4(0),
  port: field.be16(4),
  protocol: field.u8(6),
});
export type Lb4ReverseNat = CodecValue<typeof Lb4ReverseNatCodec>;

export const Lb4AffinityKeyCodec = struct('lb4_affinity_key', 16, {
  client: field.u64(0),
  revNatIndex: field.u16(8),
  netns: field.u8(10),
});
export type Lb4AffinityKey = CodecValue<typeof Lb4AffinityKeyCodec>;

export const Lb4AffinityCodec = struct('lb4_affinity', 16, {
  lastUsedNs: field.u64(0),
  backendId: field.u32(8),
});
export type Lb4Affinity = CodecValue<typeof Lb4AffinityCodec>;

export const LbAffinityMatchCodec = struct('lb_affinity_match', 8, {
  backendId: field.u32(0),
  revNatIndex: field.u16(4),
});
export type LbAffinityMatch = CodecValue<typeof LbAffinityMatchCodec>;

export const U8Codec: Codec<number> = scalar('u8', '__u8');

export const Lb4SkKeyCodec = struct('lb4_sk_key', 16, {
  cookie: field.u64(0),
  address: field.ipv4(8),
  port: field.be16(12),
});
export type Lb4SkKey = CodecValue<typeof Lb4SkKeyCodec>;

export const Lb4SkValueCodec = struct('lb4_sk_value', 8, {
  address: field.ipv4(0),
  port: field.be16(4),
  revNatIndex: field.u16(6),
});
export type Lb4SkValue = CodecValue<typeof Lb4SkValueCodec>;

export const LbNetnsCodec = struct('lb_netns', 4, { flags: field.u32(0) });
export type LbNetns = CodecValue<typeof LbNetnsCodec>;

export const LB_CONFIG_VARIABLE = 'porin_lb_cfg';

export const LbConfigCodec = struct('lb_config', 40, {
  ctTimeoutSynNs: field.u64(0),
  ctTimeoutTcpNs: field.u64(8),
  ctTimeoutCloseNs: field.u64(16),
  ctTimeoutAnyNs: field.u64(24),
  maglevTableSize: field.u32(32),
  maglevSeed: field.u32(36),
});
export type LbDatapathConfig = CodecValue<typeof LbConfigCodec>;

/** porin_lb4_ct directions (LB_CT_* in lb_ct.h). */
export const LB_CT_ORIGINAL = 0;
export const LB_CT_REPLY = 1;
export const LB_CT_F_CLOSING = 1;

export const Lb4CtKeyCodec = struct('lb4_ct_key', 16, {
  saddr: field.ipv4(0),
  daddr: field.ipv4(4),
  sport: field.be16(8),
  dport: field.be16(10),
  protocol: field.u8(12),
  dir: field.u8(13),
});
export type Lb4CtKey = CodecValue<typeof Lb4CtKeyCodec>;

export const Lb4CtEntryCodec = struct('lb4_ct_entry', 24, {
  expiresNs: field.u64(0),
  natAddr: field.ipv4(8),
  natPort: field.be16(12),
  revNatIndex: field.u16(14),
  backendId: field.u32(16),
  flags: field.u8(20),
  tcpFlags: field.u8(21),
});
export type Lb4CtEntry = CodecValue<typeof Lb4CtEntryCodec>;
