// An agent API without a kernel: real ApiServer (Unix socket), object store, flow store and routes, insight routes, and a synthetic datapath.
//
// For the UI server's tests, the browser tests and the UI benchmark: everything above the datapath is
// the agent's own code; connections are decided by a policy engine kept in sync with the store (as
// PolicySync does) and reported as the BPF program would (see synthetic-cluster.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dnsEndpoint } from '../../src/agent/policy-sync.js';
import { registerInsight } from '../../src/agent/ui-wiring.js';
import { ApiServer } from '../../src/api/api-server.js';
import { MemoryObjectStore } from '../../src/cluster/store/index.js';
import { clusterConfig } from '../../src/config/cluster-config.js';
import { registerFlowRoutes } from '../../src/flow/flow-routes.js';
import { FlowService } from '../../src/flow/flow-service.js';
import { FlowStore } from '../../src/flow/flow-store.js';
import { PolicyEngine } from '../../src/policy/index.js';
import type { Resource } from '../../src/resources/index.js';
import { EngineFlowContext, SyntheticDatapath } from './synthetic-cluster.js';

export interface HeadlessAgent {
  dir: string;
  socketPath: string;
  api: ApiServer;
  objects: MemoryObjectStore;
  flowStore: FlowStore;
  flows: FlowService;
  engine: PolicyEngine;
  datapath: SyntheticDatapath;
  /** Resolves once the engine has seen every store change so far. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHeadlessAgent(
  objects: Resource[],
  opts: { flowDb?: string; nowNs?: () => bigint } = {},
): Promise<HeadlessAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'porin-ui-agent-'));
  const config = clusterConfig({ PORIN_STATE_DIR: dir, PORIN_RUN_DIR: dir });
  const store = new MemoryObjectStore();
  const engine = new PolicyEngine({ deploymentsAsPods: false });
  engine.upsert(dnsEndpoint(config));
  const nonDns = objects.filter((o) => !(o.kind === 'Pod' && o.metadata.name === 'porin-dns'));
  if (nonDns.length) await store.apply(nonDns);
  let pending = Promise.resolve();
  for (const o of (await store.list('Namespace')).items) engine.upsert(o);
  for (const kind of ['Pod', 'NetworkPolicy', 'CiliumNetworkPolicy'] as const)
    for (const o of (await store.list(kind)).items) engine.upsert(o);
  const unwatch = store.watch({}, (await store.list('Pod')).resourceVersion, (ev) => {
    pending = pending.then(() => {
      if (ev.object.kind === 'Deployment') return;
      if (ev.type === 'DELETED') engine.remove(ev.object);
      else engine.upsert(ev.object);
    });
  });
  const flowStore = FlowStore.open({ path: opts.flowDb ?? join(dir, 'flows.db') });
  const context = new EngineFlowContext(engine);
  const now = opts.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
  const flows = new FlowService({
    context,
    nodeName: 'porin-node',
    store: flowStore,
    nowNs: now,
    flushIntervalMs: 50,
  });
  flows.start();
  const socketPath = join(dir, 'agent.sock');
  const api = new ApiServer({ store, socketPath, closeGraceMs: 100, heartbeatSeconds: 1 });
  api.route('GET', '/v1/status', () => ({
    pid: process.pid,
    startedAt: new Date().toISOString(),
    node: 'porin-node',
    components: [
      { name: 'datapath', ok: true, message: 'synthetic (tests): verdicts from the policy engine' },
    ],
    errors: [],
  }));
  registerFlowRoutes(api, flows, { heartbeatMs: 1000 });
  registerInsight(api, store, () => flowStore, config);
  await api.listen();
  let t = now();
  const datapath = new SyntheticDatapath(engine, context, flows, () => {
    const n = now();
    t = n > t ? n : t + 1000n;
    return t;
  });
  return {
    dir,
    socketPath,
    api,
    objects: store,
    flowStore,
    flows,
    engine,
    datapath,
    settle: async () => {
      await new Promise((r) => setTimeout(r, 10));
      await pending;
    },
    close: async () => {
      unwatch();
      await api.close();
      flows.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
