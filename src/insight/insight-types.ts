// The JSON the insight routes answer (service graph, impact preview, generated policy, policy check): shared with the web UI.
import type { Workload } from '../flow/flow.js';

/** How pods become map nodes: by owning workload (Deployment), by one label's value, or one node per pod. */
export type Grouping = { by: 'workload' } | { by: 'label'; key: string } | { by: 'pod' };

export type NodeKind =
  | 'workload'
  | 'label'
  | 'pod'
  | 'kube-dns'
  | 'world'
  | 'external'
  | 'host'
  | 'remote-node'
  | 'reserved'
  | 'unknown';

/** The FlowFilter fields (without `source_`/`destination_`) that select a node's flows on one side. */
export interface NodeMatch {
  pod?: string[];
  label?: string[];
  workload?: Workload[];
  identity?: number[];
  ip?: string[];
}

export interface GraphNode {
  id: string;
  kind: NodeKind;
  name: string;
  namespace?: string;
  /** Distinct pods (or addresses, for world and external hosts) seen in this node's flows. */
  members: number;
  /** Up to 20 of them. */
  memberNames: string[];
  /** Labels every member has (k8s source, volatile keys left out). */
  labels: string[];
  match: NodeMatch;
}

export type LinkVerdict = 'forwarded' | 'dropped' | 'audit' | 'redirected' | 'error';

export interface PolicyName {
  kind: string;
  namespace?: string;
  name: string;
  /** allowed: an allow rule; denied: a deny rule; default-deny: it put the endpoint into default deny. */
  how: 'allowed' | 'denied' | 'default-deny';
}

/** One port/protocol/verdict between two nodes. */
export interface GraphLink {
  port: number;
  protocol: string;
  verdict: LinkVerdict;
  count: number;
  policies: PolicyName[];
  dropReason?: string;
}

/** L7 requests between two nodes, grouped: `GET /v1/ships/:id`, `DNS *.cluster.local`, `Kafka topic`. */
export interface L7Summary {
  protocol: 'http' | 'dns' | 'kafka';
  label: string;
  verdict: LinkVerdict;
  count: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  links: GraphLink[];
  l7: L7Summary[];
  counts: Record<'forwarded' | 'dropped' | 'audit', number>;
  /** RFC 3339. */
  lastSeen: string;
}

export interface TimeWindow {
  since?: string;
  until?: string;
}

export interface GraphResponse {
  grouping: Grouping;
  window: TimeWindow;
  nodes: GraphNode[];
  edges: GraphEdge[];
  namespaces: string[];
  /** Flows counted (policy verdicts, drops and L7 requests; replies left out). */
  flows: number;
  elapsedMs: number;
}

export type ConnectionVerdict = 'allowed' | 'denied' | 'redirected';

/** One recorded connection tuple whose verdict the edited policy changes. */
export interface ImpactChange {
  source: string;
  target: string;
  /** `default/xwing`, or an address. */
  from: string;
  to: string;
  port: number;
  protocol: string;
  count: number;
  before: ConnectionVerdict;
  after: ConnectionVerdict;
  /** Why, after the change (trace summaries of the deciding side). */
  reason: string;
}

export interface ImpactEdge {
  source: string;
  target: string;
  newDrops: number;
  newAllows: number;
}

export interface ImpactResponse {
  window: TimeWindow;
  policy: string;
  /** Flows read, distinct tuples, and connections evaluated (each once, before and after). */
  flows: number;
  tuples: number;
  evaluated: number;
  newDrops: number;
  newAllows: number;
  /** Flows whose endpoints no longer exist in the cluster (not evaluated). */
  unknown: number;
  changes: ImpactChange[];
  /** True when `changes` was cut at its limit. */
  truncated: boolean;
  edges: ImpactEdge[];
  nodes: GraphNode[];
  elapsedMs: number;
}

export interface GenerateResponse {
  policy: Record<string, unknown>;
  yaml: string;
  /** What it was built from, and what it could not express. */
  notes: string[];
  flows: number;
}

export interface Advice {
  severity: 'warning' | 'info';
  code: string;
  /** Field path (`spec.ingress[0].from[1]`) the advice is about. */
  path: string;
  message: string;
}

export interface CheckIssue {
  severity: 'error' | 'warning';
  path: string;
  message: string;
}

export interface SelectedEndpoint {
  namespace?: string;
  name: string;
  labels: string[];
}

export interface CheckResponse {
  /** Validation by src/resources (the same code as `porin policy validate` and the agent's apply). */
  issues: CheckIssue[];
  /** Well-known mistakes (needs the agent for its cluster-aware checks). */
  advice: Advice[];
  /** The pods the policy selects, when the agent answered. */
  selected?: SelectedEndpoint[];
  /** The policy after defaulting, when valid. */
  object?: Record<string, unknown>;
  agent: boolean;
}
