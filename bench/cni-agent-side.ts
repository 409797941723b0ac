// The CNI bench's agent side: what the agent does around a CNI call, with the agent's own classes.
// A CNI server (the thin plugin's peer) plus, after each ADD, the runtime's `sandboxReady` step through
// PolicySync → EndpointManager: the policy engine learns the pod, its policy is written to the BPF maps and
// the tc programs are attached to its host veth. The datapath is loaded unpinned (gone with the process).
import { PolicySync } from '../src/agent/policy-sync.js';
import { MemoryObjectStore } from '../src/cluster/store/index.js';
import { CniServer } from '../src/cni/index.js';
import { clusterConfig } from '../src/config/cluster-config.js';
import { LxcDatapath } from '../src/datapath/index.js';
import { EndpointManager } from '../src/endpoints/index.js';
import { PolicyEngine } from '../src/policy/index.js';
import type { Pod, Resource } from '../src/resources/index.js';

const NAMESPACE = 'porin-bench';
/** The bench host namespace's own address (cni.bench.ts puts it on lo). */
export const HOST_ADDRESS = '10.244.255.254';

/**
 * Every bench pod selects this policy, so each gets entries: ingress from the other bench pods on 80/TCP, and
 * from the bench host's address (the readiness probe's source) on every port.
 */
const POLICY: Resource = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'bench', namespace: NAMESPACE },
  spec: {
    endpointSelector: { matchLabels: { app: 'bench' } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { app: 'bench' } }],
        toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
      },
      { fromCIDR: [`${HOST_ADDRESS}/32`] },
    ],
  },
} as Resource;

export interface AgentSide {
  readonly server: CniServer;
  /** Server-side duration of each call, by command (from the server's log lines). */
  readonly serverMs: Map<string, number[]>;
  /** Why the datapath step is missing, when it is. */
  readonly datapathError: string | undefined;
  /** After ADD: the runtime's sandboxReady (policy write + tc attach); false without a datapath. */
  ready(uid: string, name: string, ip: string): Promise<boolean>;
  /** Before DEL: the runtime's sandboxGone (endpoint removed from the maps, programs detached). */
  gone(uid: string, name: string): void;
  close(): Promise<void>;
}

export async function startAgentSide(socket: string, stateDir: string): Promise<AgentSide> {
  const serverMs = new Map<string, number[]>();
  const server = await CniServer.listen({
    socket,
    log: (line) => {
      const m = /^(\w+) .*\(([\d.]+) ms\)/.exec(line);
      if (m) serverMs.set(m[1]!, [...(serverMs.get(m[1]!) ?? []), Number(m[2])]);
    },
  });
  const config = clusterConfig({ PORIN_STATE_DIR: stateDir });
  let datapath: LxcDatapath | undefined;
  let policy: PolicySync | undefined;
  let datapathError: string | undefined;
  try {
    datapath = LxcDatapath.load();
    const engine = new PolicyEngine({
      cluster: config.clusterName,
      deploymentsAsPods: false,
      localNode: config.nodeName,
    });
    const endpoints = new EndpointManager(datapath, engine, `${stateDir}/endpoint-ids.json`, () => {});
    const store = new MemoryObjectStore();
    await store.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } } as Resource,
      POLICY,
    ]);
    policy = new PolicySync(store, engine, endpoints, config, () => {});
    await policy.start();
  } catch (e) {
    datapathError = (e as Error).message;
    datapath?.close();
    datapath = undefined;
  }
  const pod = (uid: string, name: string, ip?: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, uid, labels: { app: 'bench' } },
    spec: { nodeName: config.nodeName, containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
    status: { phase: 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}) },
  });
  const record = (uid: string, name: string, ip?: string) => ({
    uid,
    namespace: NAMESPACE,
    name,
    netns: name,
    ...(ip ? { ip } : {}),
  });
  return {
    server,
    serverMs,
    datapathError,
    async ready(uid, name, ip) {
      if (!policy) return false;
      policy.sandboxReady(pod(uid, name, ip), record(uid, name, ip));
      return true;
    },
    gone(uid, name) {
      policy?.sandboxGone(record(uid, name));
    },
    async close() {
      policy?.stop();
      datapath?.close();
      await server.close();
    },
  };
}
