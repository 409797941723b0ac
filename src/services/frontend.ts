// The load balancer's domain types: frontends (address, port, protocol) and the backends behind them.

export type LbProtocol = 'TCP' | 'UDP' | 'SCTP';
/** How a frontend is reached: the service's virtual IP, a node port, an external IP or a load-balancer IP. */
export type FrontendType = 'ClusterIP' | 'NodePort' | 'ExternalIP' | 'LoadBalancer';
export type LbAlgorithm = 'random' | 'maglev';
/** `active` backends take new connections; `terminating` ones only keep their established ones. */
export type BackendState = 'active' | 'terminating';

export interface ServiceName {
  readonly namespace: string;
  readonly name: string;
}

export interface Backend {
  readonly address: string;
  readonly port: number;
  readonly protocol: LbProtocol;
  readonly state: BackendState;
  /** The node the endpoint runs on (EndpointSlice `nodeName`), for traffic policy Local. */
  readonly nodeName?: string;
  /** `namespace/name` of the pod behind it, when the slice says. */
  readonly pod?: string;
}

/**
 * One (address, port, protocol) the load balancer answers, as kube-proxy would program it.
 * `backends` are the ones new connections may choose; `draining` are terminating endpoints that keep
 * their established connections and take no new ones. With externalTrafficPolicy Local, traffic from
 * outside the node uses `backends` (node-local only) and traffic from inside the cluster uses
 * `internalBackends` (all of them), which is Cilium's two-scope frontend.
 */
export interface Frontend {
  readonly service: ServiceName;
  /** The service port's name ('' when unnamed). */
  readonly portName: string;
  readonly type: FrontendType;
  readonly address: string;
  readonly port: number;
  readonly protocol: LbProtocol;
  readonly backends: readonly Backend[];
  readonly draining: readonly Backend[];
  /** Set only when traffic from inside the cluster uses other backends than traffic from outside. */
  readonly internalBackends?: readonly Backend[];
  /**
   * The backend set was narrowed to node-local endpoints (traffic policy Local) and none is here while
   * others exist elsewhere: packets are dropped (kube-proxy's "has no local endpoints"), not rejected.
   */
  readonly localOnlyEmpty: boolean;
  /** ClientIP session affinity timeout in seconds; 0 = no affinity. */
  readonly affinityTimeout: number;
  readonly algorithm: LbAlgorithm;
}

/** A frontend's identity in the maps. */
export function frontendKey(f: { address: string; port: number; protocol: LbProtocol }): string {
  return `${f.address}:${f.port}/${f.protocol}`;
}

export function backendKey(b: { address: string; port: number; protocol: LbProtocol }): string {
  return `${b.address}:${b.port}/${b.protocol}`;
}

export function serviceKey(s: ServiceName): string {
  return `${s.namespace}/${s.name}`;
}
