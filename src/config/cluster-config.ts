// The embedded cluster's configuration: read once from the environment, then frozen and passed in.
import { join } from 'node:path';

export interface ClusterConfig {
  readonly stateDir: string;
  readonly runDir: string;
  readonly clusterName: string;
  readonly nodeName: string;
  /** All pods of the cluster; pod-sourced traffic is policy-routed by this prefix. */
  readonly clusterCIDR: string;
  /** This node's pod addresses. */
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly dnsServiceIP: string;
  readonly dnsZone: string;
  /** Routing table (and rule preference) for pod-sourced traffic; ends in a blackhole. */
  readonly routeTable: number;
  readonly gateway: string;
  /** Host device (a veth pair kept on the host) holding the cluster DNS address. */
  readonly hostDevice: string;
  /** DNS servers for names outside the cluster zone; default: the world's DNS server when the world is on. */
  readonly upstreamDns: readonly string[];
  /** The outside world (ExternalHost objects in a namespace of the cluster's own); PORIN_WORLD=off disables it. */
  readonly world: boolean;
}

export function clusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const stateDir = env.PORIN_STATE_DIR ?? '/var/lib/porin';
  return Object.freeze({
    stateDir,
    runDir: env.PORIN_RUN_DIR ?? '/run/porin',
    clusterName: env.PORIN_CLUSTER_NAME ?? 'default',
    nodeName: env.PORIN_NODE_NAME ?? 'porin-node',
    clusterCIDR: '10.244.0.0/16',
    podCIDR: '10.244.0.0/24',
    serviceCIDR: '10.96.0.0/16',
    dnsServiceIP: '10.96.0.10',
    dnsZone: 'cluster.local',
    routeTable: 2004,
    gateway: '169.254.1.1',
    hostDevice: 'porin0',
    upstreamDns: Object.freeze((env.PORIN_UPSTREAM_DNS ?? '').split(',').filter(Boolean)),
    world: env.PORIN_WORLD !== 'off',
  });
}

export const paths = (c: ClusterConfig) =>
  Object.freeze({
    socket: join(c.runDir, 'agent.sock'),
    pidFile: join(c.runDir, 'agent.pid'),
    agentLog: join(c.stateDir, 'agent.log'),
    store: join(c.stateDir, 'store'),
    ipam: join(c.stateDir, 'ipam'),
    cniCache: join(c.stateDir, 'cni-cache'),
    identities: join(c.stateDir, 'identities.jsonl'),
    logs: join(c.stateDir, 'logs'),
    pods: join(c.runDir, 'pods'),
  });
