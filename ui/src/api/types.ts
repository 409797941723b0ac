// The shapes the server answers: the agent's own types (flows, objects, insight), imported for their types only.
export type {
  Endpoint as FlowEndpoint,
  Flow,
  FlowsResponse,
  Policy as FlowPolicy,
  Verdict,
} from '../../../src/flow/flow.js';
export type {
  Advice,
  CheckIssue,
  CheckResponse,
  GenerateResponse,
  GraphEdge,
  GraphLink,
  GraphNode,
  GraphResponse,
  ImpactChange,
  ImpactEdge,
  ImpactResponse,
  L7Summary,
  NodeMatch,
  PolicyName,
  SelectedEndpoint,
} from '../../../src/insight/insight-types.js';
export type { TraceResult } from '../../../src/policy/trace.js';

/** A stored object as the agent lists it (only what the UI reads). */
export interface KubeObject {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  specs?: unknown[];
  status?: { podIP?: string; phase?: string };
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export interface StatusResponse {
  agent: boolean;
  socket: string;
  error?: { code: string; message: string };
  status?: { node: string; components: { name: string; ok: boolean; message: string }[]; errors: string[] };
  flows?: {
    num_flows: number;
    seen_flows: number;
    flows_rate: number;
    store?: { rows: number; oldest?: string; newest?: string };
  };
}
