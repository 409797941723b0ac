// Drop reasons by code, mirroring bpf/lib/drop_reasons.h (Cilium's codes); kernel-abi.test.ts checks the two agree.

export interface DropReason {
  readonly name: string;
  readonly description: string;
}

export const DROP_REASONS: Readonly<Record<number, DropReason>> = Object.freeze({
  130: { name: 'INVALID_SMAC', description: 'Invalid source mac' },
  131: { name: 'INVALID_DMAC', description: 'Invalid destination mac' },
  132: { name: 'INVALID_SIP', description: 'Invalid source ip' },
  133: { name: 'POLICY', description: 'Policy denied' },
  134: { name: 'INVALID', description: 'Invalid packet' },
  135: { name: 'CT_INVALID_HDR', description: 'CT: Invalid header' },
  136: { name: 'FRAG_NEEDED', description: 'Fragmentation needed' },
  137: { name: 'CT_UNKNOWN_PROTO', description: 'CT: Unknown L4 protocol' },
  139: { name: 'UNKNOWN_L3', description: 'Unknown L3 protocol' },
  140: { name: 'MISSED_TAIL_CALL', description: 'Missed tail call' },
  141: { name: 'WRITE_ERROR', description: 'Error writing to packet' },
  142: { name: 'UNKNOWN_L4', description: 'Unknown L4 protocol' },
  143: { name: 'UNKNOWN_ICMP4_CODE', description: 'Unknown ICMPv4 code' },
  144: { name: 'UNKNOWN_ICMP4_TYPE', description: 'Unknown ICMPv4 type' },
  145: { name: 'UNKNOWN_ICMP6_CODE', description: 'Unknown ICMPv6 code' },
  146: { name: 'UNKNOWN_ICMP6_TYPE', description: 'Unknown ICMPv6 type' },
  147: { name: 'NO_TUNNEL_KEY', description: 'Error retrieving tunnel key' },
  150: { name: 'UNKNOWN_TARGET', description: 'Unknown target' },
  151: { name: 'UNROUTABLE', description: 'Local host is unreachable' },
  153: { name: 'CSUM_L3', description: 'Error while correcting L3 checksum' },
  154: { name: 'CSUM_L4', description: 'Error while correcting L4 checksum' },
  155: { name: 'CT_CREATE_FAILED', description: 'CT: Map insertion failed' },
  156: { name: 'INVALID_EXTHDR', description: 'Invalid IPv6 extension header' },
  157: { name: 'FRAG_NOSUPPORT', description: 'Fragmented packet not supported' },
  158: { name: 'NO_SERVICE', description: 'Service backend not found' },
  159: { name: 'UNSUPP_SERVICE_PROTO', description: 'Unsupported L4 protocol for service' },
  160: { name: 'NO_TUNNEL_ENDPOINT', description: 'No tunnel/encapsulation endpoint' },
  161: { name: 'NAT_46X64_DISABLED', description: 'NAT 46/64 not enabled' },
  162: { name: 'EDT_HORIZON', description: 'Packet beyond the EDT horizon' },
  163: { name: 'UNKNOWN_CT', description: 'Unknown connection tracking state' },
  164: { name: 'HOST_UNREACHABLE', description: 'Local host is unreachable' },
  165: { name: 'NO_CONFIG', description: 'No configuration available to perform policy decision' },
  166: { name: 'UNSUPPORTED_L2', description: 'Unsupported L2 protocol' },
  167: { name: 'NAT_NO_MAPPING', description: 'No mapping for NAT masquerade' },
  168: { name: 'NAT_UNSUPP_PROTO', description: 'Unsupported L4 protocol for NAT masquerade' },
  169: { name: 'NO_FIB', description: 'FIB lookup failed' },
  170: { name: 'ENCAP_PROHIBITED', description: 'Encapsulation traffic is prohibited' },
  171: { name: 'INVALID_IDENTITY', description: 'Invalid identity' },
  172: { name: 'UNKNOWN_SENDER', description: 'Unknown sender' },
  173: { name: 'NAT_NOT_NEEDED', description: 'NAT not needed' },
  174: { name: 'IS_CLUSTER_IP', description: 'Is a ClusterIP' },
  175: { name: 'FRAG_NOT_FOUND', description: 'First logical datagram fragment not found' },
  176: { name: 'FORBIDDEN_ICMP6', description: 'Forbidden ICMPv6 message' },
  177: { name: 'NOT_IN_SRC_RANGE', description: 'Denied by LB src range check' },
  178: { name: 'PROXY_LOOKUP_FAILED', description: 'Socket lookup failed' },
  179: { name: 'PROXY_SET_FAILED', description: 'Socket assign failed' },
  180: { name: 'PROXY_UNKNOWN_PROTO', description: 'Proxy redirection not supported for protocol' },
  181: { name: 'POLICY_DENY', description: 'Policy denied by denylist' },
  182: { name: 'VLAN_FILTERED', description: 'VLAN traffic disallowed by VLAN filter' },
  183: { name: 'INVALID_VNI', description: 'Incorrect VNI from VTEP' },
  184: { name: 'INVALID_TC_BUFFER', description: 'Failed to update or lookup TC buffer' },
  185: { name: 'NO_SID', description: 'No SID was found for the IP address' },
  186: { name: 'MISSING_SRV6_STATE', description: 'SRv6 state was removed during tail call' },
  187: { name: 'NAT46', description: 'L3 translation from IPv4 to IPv6 failed (NAT46)' },
  188: { name: 'NAT64', description: 'L3 translation from IPv6 to IPv4 failed (NAT64)' },
  189: { name: 'POLICY_AUTH_REQUIRED', description: 'Authentication required' },
  190: { name: 'CT_NO_MAP_FOUND', description: 'No conntrack map found' },
  191: { name: 'SNAT_NO_MAP_FOUND', description: 'No nat map found' },
  192: { name: 'INVALID_CLUSTER_ID', description: 'Invalid ClusterID' },
  193: { name: 'DSR_ENCAP_UNSUPP_PROTO', description: 'Unsupported packet protocol for DSR encapsulation' },
  194: { name: 'NO_EGRESS_GATEWAY', description: 'No egress gateway found' },
  195: { name: 'UNENCRYPTED_TRAFFIC', description: 'Traffic is unencrypted' },
  196: { name: 'TTL_EXCEEDED', description: 'TTL exceeded' },
  197: { name: 'NO_NODE_ID', description: 'No node ID found' },
  198: { name: 'RATE_LIMITED', description: 'Rate limited' },
  199: { name: 'IGMP_HANDLED', description: 'IGMP handled' },
  200: { name: 'IGMP_SUBSCRIBED', description: 'IGMP subscribed' },
  201: { name: 'MULTICAST_HANDLED', description: 'Multicast handled' },
  202: { name: 'HOST_NOT_READY', description: 'Host datapath not ready' },
  203: { name: 'EP_NOT_READY', description: 'Endpoint policy program not available' },
  204: { name: 'NO_EGRESS_IP', description: 'No Egress IP configured' },
  205: { name: 'PUNT_PROXY', description: 'Punt to proxy' },
});

export const DROP_POLICY = 133;
export const DROP_POLICY_DENY = 181;
export const DROP_INVALID_SIP = 132;
export const DROP_NO_CONFIG = 165;
export const DROP_EP_NOT_READY = 203;
export const DROP_PROXY_LOOKUP_FAILED = 178;
export const DROP_POLICY_AUTH_REQUIRED = 189;

/** `POLICY_DENY`, or `UNKNOWN_<code>` for a code this build does not know. */
export function dropReasonName(code: number): string {
  return DROP_REASONS[code]?.name ?? `UNKNOWN_${code}`;
}
