// What enrichment needs from the agent: endpoints, identities, the ipcache, rule cookies and default-deny policies.
import type { Direction, PolicyRef, RuleOrigin } from '../policy/rule.js';
import type { Service, Workload } from './flow.js';

/** A local endpoint, or a pod the agent knows by IP. */
export interface EndpointInfo {
  /** The local endpoint id; 0 (or absent) for a remote pod. */
  id?: number;
  identity: number;
  namespace?: string;
  podName?: string;
  /** `source:key=value`, as Hubble prints them (`k8s:app=web`, `reserved:host`). */
  labels: readonly string[];
  workloads?: readonly Workload[];
  clusterName?: string;
}

/**
 * The agent's side of enrichment. Lookups run for every event: answer from memory, and return the
 * same objects for unchanged state (the builder caches what it derives from them by identity).
 */
export interface FlowContext {
  /** A local endpoint by its endpoint id. */
  endpointById(id: number): EndpointInfo | undefined;
  /** Any endpoint (local or remote pod) by IP, from the endpoint table and the ipcache. */
  endpointByIP(ip: string): EndpointInfo | undefined;
  /** The labels of a security identity (reserved ones included: `reserved:world`). */
  identityLabels(identity: number): readonly string[] | undefined;
  /** The rules behind a datapath rule cookie (PolicyReconciler.cookies.origins). */
  ruleOrigins(cookie: number): readonly RuleOrigin[];
  /** The policies that put a local endpoint into default deny for a direction (empty: not in default deny). */
  defaultDenyPolicies(endpointId: number, direction: Direction): readonly PolicyRef[];
  /** The revision a policy was last changed at, when the agent tracks one. */
  policyRevision?(policy: PolicyRef): number | undefined;
  /** The service a frontend address:port belongs to. */
  serviceByAddr?(ip: string, port: number): Service | undefined;
  /** DNS names the endpoint has seen `ip` under (FQDN cache). */
  namesOf?(endpointId: number, ip: string): readonly string[] | undefined;
}
