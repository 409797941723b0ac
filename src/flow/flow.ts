// The flow schema: Hubble's flow.proto as `hubble observe -o json` prints it (proto field names, enums as strings).
//
// A field that holds its proto default (0, "", false, empty list, UNKNOWN enum) is left out, as protojson
// does; wrapper types (`is_reply`) are present when known, even when false; uint64 fields are strings.
// Porin's own additions are marked below; everything else is Hubble's message, field for field.
import type { LostEventSource } from '../monitor/monitor.js';

export type Verdict =
  | 'VERDICT_UNKNOWN'
  | 'FORWARDED'
  | 'DROPPED'
  | 'ERROR'
  | 'AUDIT'
  | 'REDIRECTED'
  | 'TRACED'
  | 'TRANSLATED';

export type TrafficDirection = 'TRAFFIC_DIRECTION_UNKNOWN' | 'INGRESS' | 'EGRESS';
export type FlowType = 'UNKNOWN_TYPE' | 'L3_L4' | 'L7' | 'SOCK';
export type IPVersion = 'IP_NOT_USED' | 'IPv4' | 'IPv6';

export type TraceObservationPoint =
  | 'UNKNOWN_POINT'
  | 'TO_PROXY'
  | 'TO_HOST'
  | 'TO_STACK'
  | 'TO_OVERLAY'
  | 'TO_ENDPOINT'
  | 'FROM_ENDPOINT'
  | 'FROM_PROXY'
  | 'FROM_HOST'
  | 'FROM_STACK'
  | 'FROM_OVERLAY'
  | 'FROM_NETWORK'
  | 'TO_NETWORK';

export interface Workload {
  name?: string;
  kind?: string;
}

export interface Endpoint {
  /** The local endpoint id (absent for remote peers). */
  ID?: number;
  identity?: number;
  cluster_name?: string;
  namespace?: string;
  /** `source:key=value` (`k8s:app=web`, `reserved:world`). */
  labels?: string[];
  pod_name?: string;
  workloads?: Workload[];
}

export interface IP {
  source?: string;
  destination?: string;
  ipVersion?: IPVersion;
  encrypted?: boolean;
}

export interface TCPFlags {
  FIN?: boolean;
  SYN?: boolean;
  RST?: boolean;
  PSH?: boolean;
  ACK?: boolean;
  URG?: boolean;
  ECE?: boolean;
  CWR?: boolean;
  NS?: boolean;
}

export interface PortPair {
  source_port?: number;
  destination_port?: number;
}

export interface TCP extends PortPair {
  flags?: TCPFlags;
}

export interface ICMP {
  type?: number;
  code?: number;
}

/** A oneof: exactly one member is set. */
export interface Layer4 {
  TCP?: TCP;
  UDP?: PortPair;
  ICMPv4?: ICMP;
  ICMPv6?: ICMP;
  SCTP?: PortPair;
}

export interface HTTPHeader {
  key: string;
  value: string;
}

export interface HTTP {
  code?: number;
  method?: string;
  url?: string;
  protocol?: string;
  headers?: HTTPHeader[];
}

export interface DNS {
  query?: string;
  ips?: string[];
  ttl?: number;
  cnames?: string[];
  observation_source?: string;
  rcode?: number;
  qtypes?: string[];
  rrtypes?: string[];
}

export interface Kafka {
  error_code?: number;
  api_version?: number;
  api_key?: string;
  correlation_id?: number;
  topic?: string;
}

export type L7FlowType = 'UNKNOWN_L7_TYPE' | 'REQUEST' | 'RESPONSE' | 'SAMPLE';

/** `record` is a oneof: one of dns, http, kafka. */
export interface Layer7 {
  type?: L7FlowType;
  /** uint64 as a decimal string. */
  latency_ns?: string;
  dns?: DNS;
  http?: HTTP;
  kafka?: Kafka;
}

export interface CiliumEventType {
  type?: number;
  sub_type?: number;
}

export interface Service {
  name?: string;
  namespace?: string;
}

export interface NetworkInterface {
  index?: number;
  name?: string;
}

/** Hubble's Policy message: a policy object behind a verdict. */
export interface Policy {
  name?: string;
  namespace?: string;
  labels?: string[];
  /** uint64 as a decimal string. */
  revision?: string;
  /** NetworkPolicy, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy. */
  kind?: string;
}

export interface Flow {
  time?: string;
  uuid?: string;
  verdict?: Verdict;
  drop_reason?: number;
  IP?: IP;
  l4?: Layer4;
  source?: Endpoint;
  destination?: Endpoint;
  Type?: FlowType;
  node_name?: string;
  source_names?: string[];
  destination_names?: string[];
  l7?: Layer7;
  event_type?: CiliumEventType;
  source_service?: Service;
  destination_service?: Service;
  traffic_direction?: TrafficDirection;
  policy_match_type?: number;
  trace_observation_point?: TraceObservationPoint;
  drop_reason_desc?: string;
  is_reply?: boolean;
  interface?: NetworkInterface;
  proxy_port?: number;
  Summary?: string;
  egress_allowed_by?: Policy[];
  ingress_allowed_by?: Policy[];
  egress_denied_by?: Policy[];
  ingress_denied_by?: Policy[];
  /**
   * Porin's own: the policies that put the destination endpoint into default deny for ingress, on a
   * flow dropped (or, in audit mode, audited) because no rule allowed it. Hubble leaves such drops unattributed.
   */
  ingress_default_denied_by?: Policy[];
  /** Porin's own: as `ingress_default_denied_by`, for the source endpoint's egress. */
  egress_default_denied_by?: Policy[];
  /**
   * Porin's own, on L7 flows: the rules that decided, exactly — whose policy (`direction`), which policy
   * (`CiliumNetworkPolicy default/rule1`) and which rule (`spec.ingress[0].toPorts[0].rules.http[1]`;
   * absent for an L4-only allow, and for a denial, which names the policies whose rules it failed).
   */
  l7_rules?: Array<{ direction: 'ingress' | 'egress'; policy: string; rule?: string }>;
}

export type { LostEventSource };

export interface LostEvent {
  source: LostEventSource;
  /** uint64 as a decimal string. */
  num_events_lost: string;
  cpu?: number;
}

/** One line of `hubble observe -o json` (observer.GetFlowsResponse): a flow or a lost-events notice. */
export type FlowsResponse =
  | { flow: Flow; node_name?: string; time?: string }
  | { lost_events: LostEvent; node_name?: string; time?: string };

/** flow.EventTypeFilter: `type` is the monitor message type (1 drop, 4 trace, 5 policy-verdict, 129 l7). */
export interface EventTypeFilter {
  type?: number;
  match_sub_type?: boolean;
  sub_type?: number;
}

/**
 * flow.FlowFilter: every list is an OR of its values, the fields of one filter are AND-ed.
 * Semantics (prefixes, selectors, CIDRs, regexes) are in flow-filter.ts, the one implementation.
 */
export interface FlowFilter {
  uuid?: string[];
  /** Exact IP or CIDR. */
  source_ip?: string[];
  /** `[namespace/]pod-name-prefix`; no namespace means `default`; `ns/` matches the whole namespace. */
  source_pod?: string[];
  /** Kubernetes label-selector syntax, with optional Cilium source prefixes (`k8s:app=web`, `reserved:world`). */
  source_label?: string[];
  /** Same syntax as source_pod, against the source service. */
  source_service?: string[];
  source_workload?: Workload[];
  source_identity?: number[];
  destination_ip?: string[];
  destination_pod?: string[];
  destination_label?: string[];
  destination_service?: string[];
  destination_workload?: Workload[];
  destination_identity?: number[];
  traffic_direction?: TrafficDirection[];
  verdict?: Verdict[];
  drop_reason_desc?: string[];
  event_type?: EventTypeFilter[];
  /** `404`, or a prefix `4+` / `40+`. */
  http_status_code?: string[];
  /** tcp, udp, icmp, icmpv4, icmpv6, sctp, http, dns, kafka. */
  protocol?: string[];
  source_port?: string[];
  destination_port?: string[];
  reply?: boolean[];
  /** RE2 regular expressions (unanchored). */
  dns_query?: string[];
  http_method?: string[];
  /** RE2 regular expressions on the URL path. */
  http_path?: string[];
  /** RE2 regular expressions on the whole URL. */
  http_url?: string[];
  http_header?: HTTPHeader[];
  /** A flow matches a TCPFlags value when it has every flag set there. */
  tcp_flags?: TCPFlags[];
  /** Globs (`*` matches any run of characters). */
  node_name?: string[];
  ip_version?: IPVersion[];
}

/** The filters of a flow request: whitelist OR-ed (empty = everything), minus anything a blacklist filter matches. */
export interface FlowFilterSet {
  whitelist?: FlowFilter[];
  blacklist?: FlowFilter[];
}

/** observer.GetFlowsRequest, as JSON: what `porin observe` sends to the agent. */
export interface GetFlowsRequest extends FlowFilterSet {
  /** How many flows: the last N (or, with `first`, the first N). 0 = no limit. */
  number?: number;
  /** Take `number` flows from the oldest end instead of the newest. */
  first?: boolean;
  /** Keep streaming new flows after the history. */
  follow?: boolean;
  /** RFC 3339 timestamps (the CLI resolves relative times like `5m` before sending). */
  since?: string;
  until?: string;
}
