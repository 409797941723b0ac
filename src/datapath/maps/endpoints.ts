// Codecs of porin_endpoints (bpf/lib/endpoints.h): host-side veth ifindex → the endpoint it serves.
import { type CodecValue, field, struct, u32 } from '../codec.js';

export const ENDPOINTS_MAP = 'porin_endpoints';

/** Key: the ifindex of the pod's host-side veth. */
export const EndpointKeyCodec = u32;

export const EndpointInfoCodec = struct('endpoint_info', 12, {
  identity: field.u32(0),
  ipv4: field.ipv4(4),
  endpointId: field.u16(8),
  flags: field.u16(10),
});
export type EndpointInfo = CodecValue<typeof EndpointInfoCodec>;

export const ENDPOINTS_BY_ADDR_MAP = 'porin_ep_addr';

/** Key of porin_ep_addr: a local pod's address (the value is the same EndpointInfo). */
export const EndpointAddrKeyCodec = struct('endpoint_addr_key', 4, { addr: field.ipv4(0) });
export type EndpointAddrKey = CodecValue<typeof EndpointAddrKeyCodec>;
