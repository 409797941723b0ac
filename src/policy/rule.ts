// The normalized policy rule: what KNP, CNP and CCNP all translate into, each rule remembering its origin.
import type { Selector } from '../labels/index.js';
import type { Prefix } from '../net/cidr.js';
import type { PortRuleDNS, PortRuleHTTP, PortRuleKafka } from '../resources/index.js';

export type Direction = 'ingress' | 'egress';
export type PolicyKind = 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
export type RuleSection = 'ingress' | 'egress' | 'ingressDeny' | 'egressDeny';

/** A policy object, and for CNP/CCNP `specs` the index of the spec. */
export interface PolicyRef {
  kind: PolicyKind;
  namespace?: string;
  name: string;
  spec?: number;
}

/** One rule of a policy: `spec.ingress[2]` of CiliumNetworkPolicy default/foo. */
export interface RuleOrigin extends PolicyRef {
  section: RuleSection;
  rule: number;
}

export type L4Protocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMP' | 'ICMPv6';

/** A port (range) on a protocol; `protocol` ANY only with the whole port range (an L3-only rule). */
export interface PortSpec {
  protocol: L4Protocol | 'ANY';
  /** 0..65535; for ICMP the type. A named port is resolved later against pods. */
  port: number;
  endPort: number;
  name?: string;
}

/** Where a set of L7 rules came from, so the proxy can name the rule that decided a request. */
export interface L7Provenance {
  /** The policy rule (`spec.ingress[0]` of a policy). */
  origin?: RuleOrigin;
  /** The index in the rule's `toPorts`. */
  toPorts?: number;
}

export type L7Rules =
  | ({ type: 'http'; http: PortRuleHTTP[] } & L7Provenance)
  | ({ type: 'dns'; dns: PortRuleDNS[] } & L7Provenance)
  | ({ type: 'kafka'; kafka: PortRuleKafka[] } & L7Provenance);

export interface PortRuleSpec {
  port: PortSpec;
  l7?: L7Rules;
}

/** Who the rule talks to. */
export type Peer =
  | { kind: 'all' }
  | { kind: 'selector'; selector: Selector; via?: string }
  | { kind: 'cidr'; prefix: Prefix; except: Prefix[]; matchesPods: boolean }
  | { kind: 'fqdn'; matchName?: string; matchPattern?: string }
  | { kind: 'service'; namespace: string; name?: string; selector?: Selector };

/** Which endpoints a rule applies to: pods (endpointSelector/podSelector) or nodes (nodeSelector). */
export interface Subject {
  kind: 'endpoints' | 'nodes';
  selector: Selector;
}

export interface PolicyRule {
  origin: RuleOrigin;
  subject: Subject;
  direction: Direction;
  deny: boolean;
  peers: Peer[];
  /** null: every protocol and port (ICMP included); otherwise an OR of port rules. */
  ports: PortRuleSpec[] | null;
  /** fromRequires/toRequires: every allowed peer must also match these. */
  requires?: Selector[];
  auth?: 'disabled' | 'required' | 'test-always-fail';
}

/** A policy's contribution to default deny of a direction for the endpoints its subject selects. */
export interface DefaultDenyRule {
  policy: PolicyRef;
  subject: Subject;
  direction: Direction;
  enabled: boolean;
}

/** Everything one policy object contributes. */
export interface PolicyRuleSet {
  policy: PolicyRef;
  rules: PolicyRule[];
  defaults: DefaultDenyRule[];
  /** Named ports on egress rules must be re-resolved when pods change. */
  usesEgressNamedPorts: boolean;
}

export function formatPolicyRef(p: PolicyRef): string {
  const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
  return p.spec === undefined ? `${p.kind} ${name}` : `${p.kind} ${name} specs[${p.spec}]`;
}

/** `spec.ingress[0].toPorts[1].rules.http[2]` (`specs[n].` for a policy with `specs`). */
export function formatL7RulePath(l7: L7Rules, index: number): string | undefined {
  const o = l7.origin;
  if (!o || l7.toPorts === undefined) return undefined;
  const spec = o.spec === undefined ? 'spec' : `specs[${o.spec}]`;
  return `${spec}.${o.section}[${o.rule}].toPorts[${l7.toPorts}].rules.${l7.type}[${index}]`;
}

export function formatRuleOrigin(o: RuleOrigin): string {
  return `${formatPolicyRef(o)} ${o.section}[${o.rule}]`;
}

export const PROTOCOL_NUMBER: Record<L4Protocol | 'ANY', number> = {
  ANY: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ICMPv6: 58,
  SCTP: 132,
};

const PROTOCOL_NAME: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(PROTOCOL_NUMBER).map(([name, n]) => [n, name])),
);

/** `TCP` for 6, `ANY` for 0; the number itself when unknown. */
export function protocolName(n: number): string {
  return PROTOCOL_NAME[n] ?? String(n);
}
