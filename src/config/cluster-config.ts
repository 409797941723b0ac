// The embedded cluster's configuration: read once from the environment, then frozen and passed in.
import { join } from 'node:path';
import { ConfigError } from './config-error.js';

/**
 * Where a cluster lives on the machine. A cluster either uses the machine's own network namespace as its
 * host (`hostNetns` undefined: the `npm start` cluster), or a private network namespace that plays the
 * host (`porin up --host-netns NAME`): then every object it makes — routes, rules, links, iptables, the
 * agent's sockets — is inside that namespace, and everything else it makes on the machine (pod namespaces,
 * BPF pins, cgroups, state and run directories) carries the cluster's own prefix. Two clusters never share
 * anything, so tests run their own clusters next to a user's, and several nodes can share one machine.
 */
export interface ClusterPlacement {
  /** The private network namespace playing the host (`porin-NAME`), or undefined for the machine's own. */
  readonly hostNetns: string | undefined;
  /** Prefix of every machine-wide object name of this cluster: `porin` or `porin-NAME`. */
  readonly prefix: string;
  /** Pod network namespaces are `<podNetnsPrefix><hash>`. */
  readonly podNetnsPrefix: string;
  /** bpffs directory holding this cluster's pinned maps. */
  readonly pinDir: string;
  /** cgroup v2 directory whose processes this cluster's socket programs see (the root for the machine's cluster). */
  readonly cgroupDir: string;
  /**
   * The node's address inside a private host namespace (on its loopback: the node's InternalIP, which the
   * ipcache maps to the host identity). The machine's own cluster uses the machine's first global address.
   */
  readonly nodeAddress: string | undefined;
}

export interface ClusterConfig extends ClusterPlacement {
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
  /**
   * Where the cluster DNS server listens: the node's router address (the first of its pod CIDR, which IPAM
   * never hands out, like Cilium's cilium_host address). It is the kube-dns Service's backend; pods and the
   * host reach it through the ClusterIP, translated by the load balancer like any other service.
   */
  readonly dnsBackendIP: string;
  readonly dnsZone: string;
  /** Routing table (and rule preference) for pod-sourced traffic; ends in a blackhole. */
  readonly routeTable: number;
  readonly gateway: string;
  /** Host device (a veth pair kept on the host) holding the cluster DNS address. */
  readonly hostDevice: string;
  /** DNS servers for names outside the cluster zone; default: the world's DNS server when the world is on. */
  readonly upstreamDns: readonly string[];
  /** PORIN_DATAPATH=off runs the cluster without eBPF programs (no policy enforcement). */
  readonly datapath: boolean;
  /** Size of the shared policy map (0 = the program's default); tests use a tiny one for capacity errors. */
  readonly policyMapMax: number;
  /** Prometheus metrics port on 127.0.0.1 (0 = none). */
  readonly metricsPort: number;
  /** Host devices carrying traffic from outside: the packet load balancer (NodePort, LoadBalancer IPs) attaches there. */
  readonly lbDevices: readonly string[];
  /** LoadBalancer addresses come from this prefix (LB-IPAM); a documentation range by default. */
  readonly lbPool: string;
  /** Backend selection of services without a `service.cilium.io/lb-algorithm` annotation. */
  readonly lbAlgorithm: 'random' | 'maglev';
  /** Maglev lookup-table size M (a prime, Cilium's list; default 16381). */
  readonly maglevTableSize: number;
  /** The web UI's port on 127.0.0.1, served by the agent of the machine's own cluster (0 = none). */
  readonly uiPort: number;
  /** The outside world (ExternalHost objects in a namespace of the cluster's own): PORIN_WORLD=on|off. */
  readonly world: boolean;
}

export const CGROUP_ROOT = '/sys/fs/cgroup/unified';
export const BPFFS_ROOT = '/sys/fs/bpf';
/** The node address of a cluster in a private host namespace, unless PORIN_NODE_IP says otherwise. */
export const DEFAULT_NODE_ADDRESS = '172.20.0.1';
/** A private host namespace's name: short enough for the derived names, no path characters. */
export const HOST_NETNS_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;

/** Where a cluster with this host namespace name (undefined = the machine's own) puts its objects. */
export function placement(
  hostNetnsName: string | undefined,
  nodeAddress = DEFAULT_NODE_ADDRESS,
): ClusterPlacement {
  if (hostNetnsName === undefined || hostNetnsName === '') {
    return Object.freeze({
      hostNetns: undefined,
      prefix: 'porin',
      podNetnsPrefix: 'porin-pod-',
      pinDir: join(BPFFS_ROOT, 'porin'),
      cgroupDir: CGROUP_ROOT,
      nodeAddress: undefined,
    });
  }
  if (!HOST_NETNS_NAME.test(hostNetnsName))
    throw new ConfigError(
      `--host-netns "${hostNetnsName}": use 1-31 lower-case letters, digits and dashes (the namespace becomes porin-${hostNetnsName})`,
    );
  const prefix = `porin-${hostNetnsName}`;
  return Object.freeze({
    hostNetns: prefix,
    prefix,
    podNetnsPrefix: `${prefix}-pod-`,
    pinDir: join(BPFFS_ROOT, prefix),
    cgroupDir: join(CGROUP_ROOT, prefix),
    nodeAddress,
  });
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`${name}="${raw}": expected a non-negative integer`);
  return n;
}

function algorithmEnv(env: NodeJS.ProcessEnv): 'random' | 'maglev' {
  const v = env.PORIN_LB_ALGORITHM ?? 'random';
  if (v !== 'random' && v !== 'maglev')
    throw new ConfigError(`PORIN_LB_ALGORITHM="${v}": expected random or maglev`);
  return v;
}

/** The only reader of Porin's environment variables. */
export function clusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const nodeIP = env.PORIN_NODE_IP;
  if (nodeIP !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(nodeIP))
    throw new ConfigError(`PORIN_NODE_IP="${nodeIP}": expected an IPv4 address`);
  const place = placement(env.PORIN_HOST_NETNS, nodeIP);
  const own = place.hostNetns !== undefined;
  const stateDir = env.PORIN_STATE_DIR ?? (own ? `/var/lib/${place.prefix}` : '/var/lib/porin');
  return Object.freeze({
    ...place,
    stateDir,
    runDir: env.PORIN_RUN_DIR ?? (own ? `/run/${place.prefix}` : '/run/porin'),
    clusterName: env.PORIN_CLUSTER_NAME ?? 'default',
    nodeName: env.PORIN_NODE_NAME ?? 'porin-node',
    clusterCIDR: '10.244.0.0/16',
    podCIDR: '10.244.0.0/24',
    serviceCIDR: '10.96.0.0/16',
    dnsServiceIP: '10.96.0.10',
    dnsBackendIP: '10.244.0.1',
    dnsZone: 'cluster.local',
    routeTable: 2004,
    gateway: '169.254.1.1',
    hostDevice: 'porin0',
    upstreamDns: Object.freeze((env.PORIN_UPSTREAM_DNS ?? '').split(',').filter(Boolean)),
    datapath: env.PORIN_DATAPATH !== 'off',
    policyMapMax: intEnv(env, 'PORIN_POLICY_MAP_MAX', 0),
    metricsPort: intEnv(env, 'PORIN_METRICS_PORT', 9965),
    lbDevices: Object.freeze((env.PORIN_LB_DEVICES ?? '').split(',').filter(Boolean)),
    lbPool: env.PORIN_LB_POOL ?? '192.0.2.128/25',
    lbAlgorithm: algorithmEnv(env),
    maglevTableSize: intEnv(env, 'PORIN_MAGLEV_TABLE_SIZE', 16381),
    uiPort: intEnv(env, 'PORIN_UI_PORT', 12000),
    // On for clusters in a private host namespace; the machine's own cluster gets it only with PORIN_WORLD=on
    // (its routes would go into the machine's routing tables).
    world: env.PORIN_WORLD === 'on' || (env.PORIN_WORLD !== 'off' && own),
  });
}

/** The environment that makes a child `porin` process (the agent) see the same cluster. */
export function clusterEnv(c: ClusterConfig): Record<string, string> {
  return {
    PORIN_STATE_DIR: c.stateDir,
    PORIN_RUN_DIR: c.runDir,
    ...(c.hostNetns ? { PORIN_HOST_NETNS: c.hostNetns.slice('porin-'.length) } : {}),
    ...(c.hostNetns && c.nodeAddress ? { PORIN_NODE_IP: c.nodeAddress } : {}),
  };
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
    sandboxes: join(c.stateDir, 'sandboxes'),
  });
