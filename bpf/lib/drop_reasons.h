/*
 * Drop reasons: the one table. Names and codes are Cilium's (bpf/lib/drop_reasons.h,
 * pkg/monitor/api/drop.go), so flows and metrics read the same as Hubble's; the descriptions are ours.
 * Codes Porin's datapath does not produce yet are listed so a flow can still name them. Helpers return
 * -DROP_*; events carry the positive code. src/datapath/drop-reasons.ts mirrors this list and test/datapath/kernel-abi.test.ts fails
 * when the two disagree on a name, code or description.
 */
#pragma once

#define DROP_REASONS(X)                                                                    \
	X(INVALID_SMAC, 130, "Invalid source mac")                                             \
	X(INVALID_DMAC, 131, "Invalid destination mac")                                        \
	X(INVALID_SIP, 132, "Invalid source ip")                                               \
	X(POLICY, 133, "Policy denied")                                                        \
	X(INVALID, 134, "Invalid packet")                                                      \
	X(CT_INVALID_HDR, 135, "CT: Invalid header")                                           \
	X(FRAG_NEEDED, 136, "Fragmentation needed")                                            \
	X(CT_UNKNOWN_PROTO, 137, "CT: Unknown L4 protocol")                                    \
	X(UNKNOWN_L3, 139, "Unknown L3 protocol")                                        \
	X(MISSED_TAIL_CALL, 140, "Missed tail call")                                           \
	X(WRITE_ERROR, 141, "Error writing to packet")                                         \
	X(UNKNOWN_L4, 142, "Unknown L4 protocol")                                              \
	X(UNKNOWN_ICMP4_CODE, 143, "Unknown ICMPv4 code")                                      \
	X(UNKNOWN_ICMP4_TYPE, 144, "Unknown ICMPv4 type")                                      \
	X(UNKNOWN_ICMP6_CODE, 145, "Unknown ICMPv6 code")                                      \
	X(UNKNOWN_ICMP6_TYPE, 146, "Unknown ICMPv6 type")                                      \
	X(NO_TUNNEL_KEY, 147, "Error retrieving tunnel key")                                   \
	X(UNKNOWN_TARGET, 150, "Unknown target")                            \
	X(UNROUTABLE, 151, "Local host is unreachable")                                        \
	X(CSUM_L3, 153, "Error while correcting L3 checksum")                                  \
	X(CSUM_L4, 154, "Error while correcting L4 checksum")                                  \
	X(CT_CREATE_FAILED, 155, "CT: Map insertion failed")                                   \
	X(INVALID_EXTHDR, 156, "Invalid IPv6 extension header")                                \
	X(FRAG_NOSUPPORT, 157, "Fragmented packet not supported")                              \
	X(NO_SERVICE, 158, "Service backend not found")                                        \
	X(UNSUPP_SERVICE_PROTO, 159, "Unsupported L4 protocol for service")                    \
	X(NO_TUNNEL_ENDPOINT, 160, "No tunnel/encapsulation endpoint")                         \
	X(NAT_46X64_DISABLED, 161, "NAT 46/64 not enabled")                                    \
	X(EDT_HORIZON, 162, "Packet beyond the EDT horizon")                                   \
	X(UNKNOWN_CT, 163, "Unknown connection tracking state")                                \
	X(HOST_UNREACHABLE, 164, "Local host is unreachable")                                  \
	X(NO_CONFIG, 165, "No configuration available to perform policy decision")             \
	X(UNSUPPORTED_L2, 166, "Unsupported L2 protocol")                                      \
	X(NAT_NO_MAPPING, 167, "No mapping for NAT masquerade")                                \
	X(NAT_UNSUPP_PROTO, 168, "Unsupported L4 protocol for NAT masquerade")                 \
	X(NO_FIB, 169, "FIB lookup failed")                                                    \
	X(ENCAP_PROHIBITED, 170, "Encapsulation traffic is prohibited")                        \
	X(INVALID_IDENTITY, 171, "Invalid identity")                                           \
	X(UNKNOWN_SENDER, 172, "Unknown sender")                                               \
	X(NAT_NOT_NEEDED, 173, "NAT not needed")                                               \
	X(IS_CLUSTER_IP, 174, "Is a ClusterIP")                                                \
	X(FRAG_NOT_FOUND, 175, "First logical datagram fragment not found")                    \
	X(FORBIDDEN_ICMP6, 176, "Forbidden ICMPv6 message")                                    \
	X(NOT_IN_SRC_RANGE, 177, "Denied by LB src range check")                               \
	X(PROXY_LOOKUP_FAILED, 178, "Socket lookup failed")                                    \
	X(PROXY_SET_FAILED, 179, "Socket assign failed")                                       \
	X(PROXY_UNKNOWN_PROTO, 180, "Proxy redirection not supported for protocol")            \
	X(POLICY_DENY, 181, "Policy denied by denylist")                                       \
	X(VLAN_FILTERED, 182, "VLAN traffic disallowed by VLAN filter")                        \
	X(INVALID_VNI, 183, "Incorrect VNI from VTEP")                                         \
	X(INVALID_TC_BUFFER, 184, "Failed to update or lookup TC buffer")                      \
	X(NO_SID, 185, "No SID was found for the IP address")                                  \
	X(MISSING_SRV6_STATE, 186, "SRv6 state was removed during tail call")                  \
	X(NAT46, 187, "L3 translation from IPv4 to IPv6 failed (NAT46)")                       \
	X(NAT64, 188, "L3 translation from IPv6 to IPv4 failed (NAT64)")                       \
	X(POLICY_AUTH_REQUIRED, 189, "Authentication required")                                \
	X(CT_NO_MAP_FOUND, 190, "No conntrack map found")                                      \
	X(SNAT_NO_MAP_FOUND, 191, "No nat map found")                                          \
	X(INVALID_CLUSTER_ID, 192, "Invalid ClusterID")                                        \
	X(DSR_ENCAP_UNSUPP_PROTO, 193, "Unsupported packet protocol for DSR encapsulation")    \
	X(NO_EGRESS_GATEWAY, 194, "No egress gateway found")                                   \
	X(UNENCRYPTED_TRAFFIC, 195, "Traffic is unencrypted")                                  \
	X(TTL_EXCEEDED, 196, "TTL exceeded")                                                   \
	X(NO_NODE_ID, 197, "No node ID found")                                                 \
	X(RATE_LIMITED, 198, "Rate limited")                                                   \
	X(IGMP_HANDLED, 199, "IGMP handled")                                                   \
	X(IGMP_SUBSCRIBED, 200, "IGMP subscribed")                                             \
	X(MULTICAST_HANDLED, 201, "Multicast handled")                                         \
	X(HOST_NOT_READY, 202, "Host datapath not ready")                                      \
	X(EP_NOT_READY, 203, "Endpoint policy program not available")                          \
	X(NO_EGRESS_IP, 204, "No Egress IP configured")                                        \
	X(PUNT_PROXY, 205, "Punt to proxy")

#define __DROP_ENUM(name, code, desc) DROP_##name = code,
enum drop_reason { DROP_REASONS(__DROP_ENUM) };
#undef __DROP_ENUM
