// Codec of `struct porin_config` (bpf/lib/config.h): the load-time tunables in .rodata.
import { type CodecValue, field, struct } from '../codec.js';

/** The global variable that holds the config, in the object's .rodata section. */
export const CONFIG_VARIABLE = 'porin_cfg';
export const CONFIG_SECTION = '.rodata';

export const PorinConfigCodec = struct('porin_config', 48, {
  ctTimeoutSynNs: field.u64(0),
  ctTimeoutTcpNs: field.u64(8),
  ctTimeoutCloseNs: field.u64(16),
  ctTimeoutAnyNs: field.u64(24),
  ctReportIntervalS: field.u32(32),
  worldIdentity: field.u32(36),
  proxyIfindex: field.u32(40),
});
export type PorinConfig = CodecValue<typeof PorinConfigCodec>;
