// cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy: the rule language as users write it.
import type { LabelSelector, ObjectMeta } from './core.js';

/** Cilium's EndpointSelector is a LabelSelector whose keys may carry a source prefix (`k8s:`, `any:`, ...). */
export type EndpointSelector = LabelSelector;

export type CiliumProtocol =
  | 'TCP'
  | 'UDP'
  | 'SCTP'
  | 'ANY'
  | 'VRRP'
  | 'IGMP'
  | 'GRE'
  | 'IPIP'
  | 'IPV6'
  | 'ESP'
  | 'AH';

export interface PortProtocol {
  port?: string;
  endPort?: number;
  protocol?: CiliumProtocol;
}

export interface HeaderMatch {
  name: string;
  value?: string;
  secret?: { name: string; namespace?: string };
  mismatch?: 'LOG' | 'ADD' | 'DELETE' | 'REPLACE';
}

export interface PortRuleHTTP {
  method?: string;
  path?: string;
  host?: string;
  headers?: string[];
  headerMatches?: HeaderMatch[];
}

export interface PortRuleDNS {
  matchName?: string;
  matchPattern?: string;
}

export interface PortRuleKafka {
  role?: 'produce' | 'consume';
  apiKey?: string;
  apiVersion?: string;
  clientID?: string;
  topic?: string;
}

export interface L7Rules {
  http?: PortRuleHTTP[];
  dns?: PortRuleDNS[];
  kafka?: PortRuleKafka[];
  l7proto?: string;
  l7?: Record<string, string>[];
}

export interface PortRule {
  ports?: PortProtocol[];
  rules?: L7Rules;
  serverNames?: string[];
  terminatingTLS?: unknown;
  originatingTLS?: unknown;
  listener?: unknown;
}

export interface CIDRRule {
  cidr?: string;
  cidrGroupRef?: string;
  cidrGroupSelector?: LabelSelector;
  except?: string[];
}

export interface FQDNSelector {
  matchName?: string;
  matchPattern?: string;
}

export interface ServiceSelector {
  k8sService?: { serviceName?: string; namespace?: string };
  k8sServiceSelector?: { selector: LabelSelector; namespace?: string };
}

export interface ICMPField {
  family?: 'IPv4' | 'IPv6';
  type: number | string;
}

export interface ICMPRule {
  fields?: ICMPField[];
}

export type Entity =
  | 'all'
  | 'world'
  | 'world-ipv4'
  | 'world-ipv6'
  | 'cluster'
  | 'cluster-mesh'
  | 'host'
  | 'init'
  | 'ingress'
  | 'unmanaged'
  | 'remote-node'
  | 'health'
  | 'none'
  | 'kube-apiserver';

/** Fields shared by ingress and ingressDeny rules (and their egress mirrors below). */
export interface IngressCommon {
  fromEndpoints?: EndpointSelector[];
  fromRequires?: EndpointSelector[];
  fromCIDR?: string[];
  fromCIDRSet?: CIDRRule[];
  fromEntities?: Entity[];
  fromNodes?: EndpointSelector[];
  fromGroups?: unknown[];
  toPorts?: PortRule[];
  icmps?: ICMPRule[];
}

export interface IngressRule extends IngressCommon {
  authentication?: { mode: 'disabled' | 'required' | 'test-always-fail' };
}

export interface EgressCommon {
  toEndpoints?: EndpointSelector[];
  toRequires?: EndpointSelector[];
  toCIDR?: string[];
  toCIDRSet?: CIDRRule[];
  toEntities?: Entity[];
  toServices?: ServiceSelector[];
  toNodes?: EndpointSelector[];
  toGroups?: unknown[];
  toPorts?: PortRule[];
  icmps?: ICMPRule[];
}

export interface EgressRule extends EgressCommon {
  toFQDNs?: FQDNSelector[];
  authentication?: { mode: 'disabled' | 'required' | 'test-always-fail' };
}

export interface CiliumRule {
  endpointSelector?: EndpointSelector;
  nodeSelector?: EndpointSelector;
  ingress?: IngressRule[];
  ingressDeny?: IngressCommon[];
  egress?: EgressRule[];
  egressDeny?: EgressCommon[];
  enableDefaultDeny?: { ingress?: boolean; egress?: boolean };
  labels?: { key: string; value?: string; source?: string }[];
  description?: string;
  log?: { value?: string };
}

export interface CiliumNetworkPolicy {
  apiVersion: 'cilium.io/v2';
  kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  metadata: ObjectMeta;
  spec?: CiliumRule;
  specs?: CiliumRule[];
}
