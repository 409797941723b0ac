// The policy side of the datapath bench: a policy engine holding the two bench pods, N remote pods (one
// identity each) and M CiliumNetworkPolicies on the server pod, and the writes that put it into a
// datapath's ipcache, endpoint and policy maps (the way src/endpoints/endpoint-manager.ts does).
import type { LxcDatapath, PolicyReconciler, ReconcileResult } from '../src/datapath/index.js';
import { IPCACHE_F_LOCAL_ENDPOINT } from '../src/datapath/index.js';
import { formatPrefix } from '../src/net/cidr.js';
import { PolicyEngine } from '../src/policy/index.js';
import type { CiliumNetworkPolicy, Namespace, Pod } from '../src/resources/types/index.js';
import type { AllowRule } from './datapath-topology.js';

export const NAMESPACE = 'bench';
/** Ports the synthetic rules allow (never the bench's own ports). */
const SYNTHETIC_PORTS = [80, 443, 8080, 8443, 9090, 5432, 6379, 3306, 27017, 9200, 11211, 2379];

export interface BenchPod {
  name: string;
  ip: string;
  app: string;
}

export interface PolicyWorld {
  engine: PolicyEngine;
  client: BenchPod;
  server: BenchPod;
  /** Every (source, port) the policies allow towards the server, in policy order (the client's last). */
  allowed: AllowRule[];
  remotes: number;
  policies: number;
}

/** Remote pod i's address: 10.244.16.1 … 10.244.35.250 for 5,000 (only ever in maps, never on a wire). */
export function remoteIp(i: number): string {
  return `10.244.${16 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

function pod(name: string, ip: string, labels: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels, uid: `uid-${name}` },
    spec: { containers: [{ name: 'main' }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

/** A CNP on the server pod allowing `from` (pod labels) on TCP `ports`. */
export function serverPolicy(
  name: string,
  from: Record<string, string>,
  ports: number[],
): CiliumNetworkPolicy {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      endpointSelector: { matchLabels: { app: 'server' } },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: from }],
          toPorts: [{ ports: ports.map((p) => ({ port: String(p), protocol: 'TCP' as const })) }],
        },
      ],
    },
  };
}

/**
 * `remotes` pods with one label set each (so one identity each), and `policies` CNPs on the server:
 * policies − 1 synthetic ones, each allowing one remote identity on one port, then the one allowing the
 * client on `ports`.
 */
export function buildWorld(opts: {
  client: { name: string; ip: string };
  server: { name: string; ip: string };
  ports: number[];
  remotes: number;
  policies: number;
}): PolicyWorld {
  const engine = new PolicyEngine({ cluster: 'default' });
  const ns: Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NAMESPACE, labels: { 'kubernetes.io/metadata.name': NAMESPACE } },
  };
  engine.upsert(ns);
  const client: BenchPod = { ...opts.client, app: 'client' };
  const server: BenchPod = { ...opts.server, app: 'server' };
  engine.upsert(pod(client.name, client.ip, { app: 'client' }));
  engine.upsert(pod(server.name, server.ip, { app: 'server' }));
  for (let i = 0; i < opts.remotes; i++) engine.upsert(pod(`peer-${i}`, remoteIp(i), { peer: `p-${i}` }));
  const allowed: AllowRule[] = [];
  const synthetic = opts.policies - 1;
  if (synthetic > 0 && opts.remotes === 0) throw new Error('synthetic policies need remote pods');
  for (let k = 0; k < synthetic; k++) {
    // A stride coprime to the remote count spreads the sources over all identities.
    const src = (k * 7919) % opts.remotes;
    const port = SYNTHETIC_PORTS[k % SYNTHETIC_PORTS.length]!;
    engine.upsert(serverPolicy(`allow-${k}`, { peer: `p-${src}` }, [port]));
    allowed.push({ source: remoteIp(src), port });
  }
  engine.upsert(serverPolicy('allow-client', { app: 'client' }, opts.ports));
  for (const port of opts.ports) allowed.push({ source: client.ip, port });
  return { engine, client, server, allowed, remotes: opts.remotes, policies: opts.policies };
}

export function podKey(p: BenchPod): string {
  return `${NAMESPACE}/${p.name}`;
}

export function identityOf(world: PolicyWorld, p: BenchPod): number {
  const ep = world.engine.endpoint(podKey(p));
  if (!ep) throw new Error(`no endpoint ${podKey(p)}`);
  return ep.identity.id;
}

/** The engine's IPv4 ipcache into the datapath's (all adds: the map starts empty); returns the count. */
export function writeIpcache(world: PolicyWorld, dp: LxcDatapath, local: readonly string[]): number {
  let n = 0;
  for (const e of world.engine.ipcache.entries()) {
    if (e.prefix.family !== 4) continue;
    const [addr, bits] = formatPrefix(e.prefix).split('/') as [string, string];
    dp.maps.ipcache.set(
      { prefixlen: Number(bits), addr },
      { identity: e.identity, flags: local.includes(addr) ? IPCACHE_F_LOCAL_ENDPOINT : 0 },
    );
    n++;
  }
  return n;
}

/** Resolves one endpoint's policy in the engine and hands it to the reconciler. */
export function reconcileEndpoint(
  world: PolicyWorld,
  reconciler: PolicyReconciler,
  p: BenchPod,
  endpointId: number,
): ReconcileResult {
  const policy = world.engine.policyOf(podKey(p));
  return reconciler.reconcile({ endpointId, ingress: policy.ingress, egress: policy.egress });
}
