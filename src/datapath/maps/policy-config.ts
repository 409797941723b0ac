// Codecs of porin_policy_cfg (bpf/lib/policy.h): endpoint id → default-deny and allow-localhost flags.
import { type CodecValue, field, struct, u32 } from '../codec.js';

export const POLICY_CONFIG_MAP = 'porin_policy_cfg';

export const POLICY_CFG_F_INGRESS_DEFAULT_DENY = 1;
export const POLICY_CFG_F_EGRESS_DEFAULT_DENY = 2;
export const POLICY_CFG_F_ALLOW_LOCALHOST = 4;

/** Key: the endpoint id as a __u32. */
export const PolicyConfigKeyCodec = u32;

export const PolicyConfigCodec = struct('policy_config', 4, {
  flags: field.u32(0),
});
export type PolicyConfigValue = CodecValue<typeof PolicyConfigCodec>;
