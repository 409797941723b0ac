// Codecs of porin_ipcache (bpf/lib/ipcache.h): IPv4 prefix → identity.
import { type CodecValue, field, struct } from '../codec.js';

export const IPCACHE_MAP = 'porin_ipcache';

export const IPCACHE_F_LOCAL_ENDPOINT = 1;

/** prefixlen is the CIDR length (the key's data is only the address). */
export const IpcacheKeyCodec = struct('ipcache_key', 8, {
  prefixlen: field.u32(0),
  addr: field.ipv4(4),
});
export type IpcacheKey = CodecValue<typeof IpcacheKeyCodec>;

export const IpcacheValueCodec = struct('ipcache_entry', 8, {
  identity: field.u32(0),
  flags: field.u32(4),
});
export type IpcacheValue = CodecValue<typeof IpcacheValueCodec>;
