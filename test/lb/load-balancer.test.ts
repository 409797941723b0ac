// The agent's LoadBalancer end to end: store → maps → sockets, endpoint churn under traffic, restart takeover.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadBalancer } from '../../src/agent/load-balancer.js';
import { MemoryObjectStore } from '../../src/cluster/store/index.js';
import type { EndpointSlice, Service } from '../../src/resources/index.js';
import { IS_ROOT, LbLab, sweepLeftovers, tcpClients, tcpIdentityServers } from './lb-lab.js';

const PIN_DIR = `/sys/fs/bpf/porin-test-${process.pid}-lbagent`;
const VIP = '10.96.7.7';
const STABLE = ['10.244.7.1', '10.244.7.2'];
const CHURN = Array.from({ length: 10 }, (_, i) => `10.244.7.${10 + i}`);

const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    type: 'ClusterIP',
    clusterIP: VIP,
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }],
  },
};

function slice(addrs: string[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: addrs.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'n1' })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** Connects in a loop for `ms`; prints {ok, failed, errors, seen}. */
function loopClient(ms: number): string {
  return `
    const net = require('node:net');
    const end = Date.now() + ${ms};
    const r = { ok: 0, failed: 0, errors: {}, seen: {} };
    const one = () => new Promise((resolve) => {
      const s = net.connect({ host: '${VIP}', port: 80 });
      let data = '';
      const t = setTimeout(() => { s.destroy(); r.failed++; r.errors.timeout = (r.errors.timeout || 0) + 1; resolve(); }, 3000);
      s.on('data', (d) => { data += d; });
      s.on('end', () => { clearTimeout(t); r.ok++; r.seen[data] = (r.seen[data] || 0) + 1; resolve(); });
      s.on('error', (e) => { clearTimeout(t); r.failed++; r.errors[e.code] = (r.errors[e.code] || 0) + 1; resolve(); });
    });
    (async () => { while (Date.now() < end) await one(); console.log(JSON.stringify(r)); })();`;
}

describe('LoadBalancer (agent component)', { skip: IS_ROOT ? false : 'needs root' }, () => {
  let lab: LbLab;
  let store: MemoryObjectStore;
  let lb: LoadBalancer | undefined;
  let hostNs: string;
  let podNs: string;
  const opts = () => ({
    store,
    pinDir: PIN_DIR,
    cgroupPath: lab.cgroup,
    hostNetns: lab.nsPath(hostNs),
    nodeName: 'n1',
    nodeAddresses: [],
    externalDevices: [],
    maglevTableSize: 251,
    log: (m: string) => assert.fail(m),
  });

  before(async () => {
    sweepLeftovers();
    lab = new LbLab();
    mkdirSync(PIN_DIR, { recursive: true });
    hostNs = lab.netns('host');
    podNs = lab.netns('pod', [...STABLE, ...CHURN]);
    await lab.serve(podNs, tcpIdentityServers([...STABLE, ...CHURN], 8080));
    store = new MemoryObjectStore();
    await store.apply([service, slice(STABLE)]);
    lb = await LoadBalancer.start(opts());
    lb.registerNetns(lab.nsPath(podNs));
  });

  after(async () => {
    lb?.stop();
    rmSync(PIN_DIR, { recursive: true, force: true }); // unpinning the links detaches them
    await lab?.dispose();
  });

  it('a service in the store is reachable through its cluster IP; status is computed from the maps', async () => {
    const res = JSON.parse(await lab.run(podNs, tcpClients(VIP, 80, 6)));
    for (const r of res) assert.ok(STABLE.map((a) => `${a}:8080`).includes(r.reply), JSON.stringify(r));
    const s = lb!.health();
    assert.equal(s.ok, true, s.message);
    assert.match(s.message, /1 service\(s\), 1 frontend\(s\), 2 backend\(s\) in the maps; 4 cgroup hooks/);
    assert.deepEqual(
      lb!.frontends().map((f) => [f.frontend, f.service?.name, f.backends.map((b) => b.address)]),
      [[`${VIP}:80/TCP`, 'web', STABLE.map((a) => `${a}:8080/TCP`)]],
    );
  });

  it('1,000 endpoint updates during traffic: no connection fails', async () => {
    const client = lab.run(podNs, loopClient(4000), 20_000);
    await sleep(300);
    let updates = 0;
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    while (updates < 1000) {
      const churn = CHURN.filter(() => rand() < 0.5);
      await store.apply([slice([...STABLE, ...churn])]);
      updates++;
      if (updates % 50 === 0) await sleep(1);
    }
    const r = JSON.parse(await client) as {
      ok: number;
      failed: number;
      errors: Record<string, number>;
      seen: Record<string, number>;
    };
    assert.equal(r.failed, 0, `failures: ${JSON.stringify(r.errors)}`);
    assert.ok(r.ok > 20, `only ${r.ok} connections`);
    for (const a of STABLE) assert.ok((r.seen[`${a}:8080`] ?? 0) > 0, `${a} never chosen`);
    assert.ok(Object.keys(r.seen).length > 2, 'churned backends took connections too');
    await sleep(50);
    assert.deepEqual(lb!.reconciler.status().errors, []);
    const want = (store.get('EndpointSlice', 'default', 'web-1') as Promise<EndpointSlice | undefined>).then(
      (s) => new Set(s!.endpoints.map((e) => `${e.addresses[0]}:8080/TCP`)),
    );
    assert.deepEqual(new Set(lb!.frontends()[0]!.backends.map((b) => b.address)), await want);
  });

  it('a restarted agent takes the pinned maps and links over without rewriting or a gap', async () => {
    await store.apply([slice(STABLE)]);
    await sleep(50);
    const before = lb!.frontends();
    lb!.stop();
    lb = undefined;
    // No agent: the pinned links and maps keep serving.
    const during = JSON.parse(await lab.run(podNs, tcpClients(VIP, 80, 3)));
    for (const r of during) assert.equal(r.error, undefined);
    lb = await LoadBalancer.start(opts());
    lb.registerNetns(lab.nsPath(podNs));
    lb.finishNetnsResync();
    assert.equal(lb.reconciler.status().writes, 0, 'nothing rewritten');
    assert.deepEqual(lb.frontends(), before);
    const afterRestart = JSON.parse(await lab.run(podNs, tcpClients(VIP, 80, 3)));
    for (const r of afterRestart) assert.equal(r.error, undefined);
    // A service deleted while the agent was away is gone after the next start.
    lb.stop();
    lb = undefined;
    await store.delete([{ kind: 'Service', namespace: 'default', name: 'web' }]);
    lb = await LoadBalancer.start(opts());
    lb.registerNetns(lab.nsPath(podNs));
    assert.deepEqual(lb.frontends(), []);
    const gone = JSON.parse(await lab.run(podNs, tcpClients(VIP, 80, 1)));
    assert.equal(gone[0].error, 'ENETUNREACH');
  });
});
