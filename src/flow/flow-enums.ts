// Hubble's enums and monitor constants: names ↔ numbers, drop-reason descriptions, observation points, match types.
import type { IPVersion, LostEventSource, TraceObservationPoint, TrafficDirection, Verdict } from './flow.js';

export const VERDICTS: readonly Verdict[] = [
  'VERDICT_UNKNOWN',
  'FORWARDED',
  'DROPPED',
  'ERROR',
  'AUDIT',
  'REDIRECTED',
  'TRACED',
  'TRANSLATED',
];

export const TRAFFIC_DIRECTIONS: readonly TrafficDirection[] = [
  'TRAFFIC_DIRECTION_UNKNOWN',
  'INGRESS',
  'EGRESS',
];
export const IP_VERSIONS: readonly IPVersion[] = ['IP_NOT_USED', 'IPv4', 'IPv6'];
export const LOST_EVENT_SOURCES: readonly LostEventSource[] = [
  'UNKNOWN_LOST_EVENT_SOURCE',
  'PERF_EVENT_RING_BUFFER',
  'OBSERVER_EVENTS_QUEUE',
  'HUBBLE_RING_BUFFER',
];

/** Monitor message types (Cilium's pkg/monitor/api): the `event_type.type` of a flow. */
export const MESSAGE_TYPE = Object.freeze({
  drop: 1,
  debug: 2,
  capture: 3,
  trace: 4,
  'policy-verdict': 5,
  recorder: 6,
  'trace-sock': 7,
  l7: 129,
  agent: 130,
} as const);
export type MessageTypeName = keyof typeof MESSAGE_TYPE;

/** Trace observation points by monitor sub-type (TRACE_TO_LXC = 0 …), with their compact names. */
export const TRACE_POINTS: readonly { subType: number; name: string; point: TraceObservationPoint }[] = [
  { subType: 0, name: 'to-endpoint', point: 'TO_ENDPOINT' },
  { subType: 1, name: 'to-proxy', point: 'TO_PROXY' },
  { subType: 2, name: 'to-host', point: 'TO_HOST' },
  { subType: 3, name: 'to-stack', point: 'TO_STACK' },
  { subType: 4, name: 'to-overlay', point: 'TO_OVERLAY' },
  { subType: 5, name: 'from-endpoint', point: 'FROM_ENDPOINT' },
  { subType: 6, name: 'from-proxy', point: 'FROM_PROXY' },
  { subType: 7, name: 'from-host', point: 'FROM_HOST' },
  { subType: 8, name: 'from-stack', point: 'FROM_STACK' },
  { subType: 9, name: 'from-overlay', point: 'FROM_OVERLAY' },
  { subType: 10, name: 'from-network', point: 'FROM_NETWORK' },
  { subType: 11, name: 'to-network', point: 'TO_NETWORK' },
];

/** TraceObservationPoint enum numbers (TO_ENDPOINT is 101 in flow.proto; 0 is UNKNOWN_POINT). */
export const TRACE_POINT_NUMBER: Readonly<Record<TraceObservationPoint, number>> = Object.freeze({
  UNKNOWN_POINT: 0,
  TO_PROXY: 1,
  TO_HOST: 2,
  TO_STACK: 3,
  TO_OVERLAY: 4,
  TO_ENDPOINT: 101,
  FROM_ENDPOINT: 5,
  FROM_PROXY: 6,
  FROM_HOST: 7,
  FROM_STACK: 8,
  FROM_OVERLAY: 9,
  FROM_NETWORK: 10,
  TO_NETWORK: 11,
});

/**
 * Policy match types as the compact printer names them (0..6 are Cilium's); 7 and 8 are Porin's
 * (a CIDR address class, the allow-localhost rule).
 */
export const MATCH_TYPE_NAMES: readonly string[] = [
  'none',
  'L3-Only',
  'L3-L4',
  'L4-Only',
  'all',
  'L3-Proto',
  'Proto-Only',
  'address',
  'localhost',
];

/** flow.proto's DropReason enum: datapath drop code → name (the codes are shared with bpf/lib/drop_reasons.h). */
export const DROP_REASON_DESC: Readonly<Record<number, string>> = Object.freeze({
  130: 'INVALID_SOURCE_MAC',
  131: 'INVALID_DESTINATION_MAC',
  132: 'INVALID_SOURCE_IP',
  133: 'POLICY_DENIED',
  134: 'INVALID_PACKET_DROPPED',
  135: 'CT_TRUNCATED_OR_INVALID_HEADER',
  136: 'CT_MISSING_TCP_ACK_FLAG',
  137: 'CT_UNKNOWN_L4_PROTOCOL',
  138: 'CT_CANNOT_CREATE_ENTRY_FROM_PACKET',
  139: 'UNSUPPORTED_L3_PROTOCOL',
  140: 'MISSED_TAIL_CALL',
  141: 'ERROR_WRITING_TO_PACKET',
  142: 'UNKNOWN_L4_PROTOCOL',
  143: 'UNKNOWN_ICMPV4_CODE',
  144: 'UNKNOWN_ICMPV4_TYPE',
  145: 'UNKNOWN_ICMPV6_CODE',
  146: 'UNKNOWN_ICMPV6_TYPE',
  147: 'ERROR_RETRIEVING_TUNNEL_KEY',
  148: 'ERROR_RETRIEVING_TUNNEL_OPTIONS',
  149: 'INVALID_GENEVE_OPTION',
  150: 'UNKNOWN_L3_TARGET_ADDRESS',
  151: 'STALE_OR_UNROUTABLE_IP',
  152: 'NO_MATCHING_LOCAL_CONTAINER_FOUND',
  153: 'ERROR_WHILE_CORRECTING_L3_CHECKSUM',
  154: 'ERROR_WHILE_CORRECTING_L4_CHECKSUM',
  155: 'CT_MAP_INSERTION_FAILED',
  156: 'INVALID_IPV6_EXTENSION_HEADER',
  157: 'IP_FRAGMENTATION_NOT_SUPPORTED',
  158: 'SERVICE_BACKEND_NOT_FOUND',
  160: 'NO_TUNNEL_OR_ENCAPSULATION_ENDPOINT',
  161: 'FAILED_TO_INSERT_INTO_PROXYMAP',
  162: 'REACHED_EDT_RATE_LIMITING_DROP_HORIZON',
  163: 'UNKNOWN_CONNECTION_TRACKING_STATE',
  164: 'LOCAL_HOST_IS_UNREACHABLE',
  165: 'NO_CONFIGURATION_AVAILABLE_TO_PERFORM_POLICY_DECISION',
  166: 'UNSUPPORTED_L2_PROTOCOL',
  167: 'NO_MAPPING_FOR_NAT_MASQUERADE',
  168: 'UNSUPPORTED_PROTOCOL_FOR_NAT_MASQUERADE',
  169: 'FIB_LOOKUP_FAILED',
  170: 'ENCAPSULATION_TRAFFIC_IS_PROHIBITED',
  171: 'INVALID_IDENTITY',
  172: 'UNKNOWN_SENDER',
  173: 'NAT_NOT_NEEDED',
  174: 'IS_A_CLUSTERIP',
  175: 'FIRST_LOGICAL_DATAGRAM_FRAGMENT_NOT_FOUND',
  176: 'FORBIDDEN_ICMPV6_MESSAGE',
  177: 'DENIED_BY_LB_SRC_RANGE_CHECK',
  178: 'SOCKET_LOOKUP_FAILED',
  179: 'SOCKET_ASSIGN_FAILED',
  180: 'PROXY_REDIRECTION_NOT_SUPPORTED_FOR_PROTOCOL',
  181: 'POLICY_DENY',
  182: 'VLAN_FILTERED',
  183: 'INVALID_VNI',
  184: 'INVALID_TC_BUFFER',
  185: 'NO_SID',
  186: 'MISSING_SRV6_STATE',
  187: 'NAT46',
  188: 'NAT64',
  189: 'AUTH_REQUIRED',
  190: 'CT_NO_MAP_FOUND',
  191: 'SNAT_NO_MAP_FOUND',
  192: 'INVALID_CLUSTER_ID',
  193: 'UNSUPPORTED_PROTOCOL_FOR_DSR_ENCAP',
  194: 'NO_EGRESS_GATEWAY',
  195: 'UNENCRYPTED_TRAFFIC',
  196: 'TTL_EXCEEDED',
  197: 'NO_NODE_ID',
  198: 'DROP_RATE_LIMITED',
  199: 'IGMP_HANDLED',
  200: 'IGMP_SUBSCRIBED',
  201: 'MULTICAST_HANDLED',
  202: 'DROP_HOST_NOT_READY',
  203: 'DROP_EP_NOT_READY',
  204: 'DROP_NO_EGRESS_IP',
  205: 'DROP_PUNT_PROXY',
});

const DROP_REASON_CODE: ReadonlyMap<string, number> = new Map(
  Object.entries(DROP_REASON_DESC).map(([code, name]) => [name, Number(code)]),
);

/** The DropReason name of a datapath drop code (`DROP_REASON_UNKNOWN` for a code flow.proto lacks). */
export function dropReasonDesc(code: number): string {
  return DROP_REASON_DESC[code] ?? 'DROP_REASON_UNKNOWN';
}

/** The code of a DropReason name; 0 for DROP_REASON_UNKNOWN; undefined for a name that is not one. */
export function dropReasonCode(name: string): number | undefined {
  if (name === 'DROP_REASON_UNKNOWN') return 0;
  return DROP_REASON_CODE.get(name);
}

/** TCP flag bits in header order (the row store keeps flags as this bitmask). */
export const TCP_FLAG_BITS = Object.freeze({
  FIN: 1,
  SYN: 2,
  RST: 4,
  PSH: 8,
  ACK: 16,
  URG: 32,
  ECE: 64,
  CWR: 128,
  NS: 256,
} as const);
export type TcpFlagName = keyof typeof TCP_FLAG_BITS;
/** The order Hubble prints flags in (`TCP Flags: SYN, ACK`). */
export const TCP_FLAG_PRINT_ORDER: readonly TcpFlagName[] = [
  'SYN',
  'ACK',
  'RST',
  'FIN',
  'PSH',
  'URG',
  'ECE',
  'CWR',
  'NS',
];
