// The proxy's FQDN relay against a real agent API: answers reach the FQDN layer; while the agent is away they
// queue, and the queue lands once it is back (what keeps toFQDNs current across an agent restart).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FqdnSync } from '../../src/agent/fqdn-sync.js';
import { ApiServer } from '../../src/api/index.js';
import { MemoryObjectStore } from '../../src/cluster/store/index.js';
import { clusterConfig } from '../../src/config/cluster-config.js';
import { PolicyEngine } from '../../src/policy/index.js';
import { ns, pod } from '../../src/policy/test-fixtures.js';
import { agentFqdnSender, FqdnRelay } from '../../src/proxy/dns/index.js';

describe('FqdnRelay → agent API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'porin-relay-'));
  const socketPath = join(dir, 'agent.sock');
  const config = clusterConfig({ PORIN_STATE_DIR: join(dir, 'state'), PORIN_RUN_DIR: dir });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function agent() {
    const engine = new PolicyEngine({ deploymentsAsPods: false });
    engine.upsert(ns('default'));
    engine.upsert(pod('default', 'mediabot', { app: 'm' }, '10.244.0.5'));
    const sync = new FqdnSync({
      config,
      store: new MemoryObjectStore(),
      engine,
      endpoints: undefined,
      conntrack: undefined,
      log: () => {},
    });
    sync.start();
    const api = new ApiServer({ store: new MemoryObjectStore(), socketPath });
    sync.routes(api);
    await api.listen();
    return {
      sync,
      stop: async () => {
        sync.stop();
        await api.close();
      },
    };
  }
  const obs = (name: string, ip: string) => ({
    source: { address: '10.244.0.5', port: 5353 },
    name,
    ips: [ip],
    ttl: 300,
    time: Date.now(),
  });

  it('delivers while the agent answers, queues while it is away, replays when it is back', async () => {
    const relay = new FqdnRelay({ send: agentFqdnSender(socketPath, 500), retryMs: 50 });
    let a = await agent();
    await relay.ensure(obs('a.example', '203.0.113.1'));
    assert.deepEqual(
      a.sync.manager.list().map((r) => r.fqdn),
      ['a.example'],
    );
    await a.stop(); // the agent restarts: its cache is saved
    await assert.rejects(relay.ensure(obs('b.example', '203.0.113.2')));
    await assert.rejects(relay.ensure(obs('c.example', '203.0.113.3')));
    assert.equal(relay.queued, 2);
    a = await agent(); // restored from the state directory, then the queue lands
    for (let i = 0; i < 100 && relay.queued > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(relay.queued, 0);
    assert.deepEqual(
      a.sync.manager
        .list()
        .map((r) => r.fqdn)
        .sort(),
      ['a.example', 'b.example', 'c.example'],
    );
    assert.equal(a.sync.manager.list().find((r) => r.fqdn === 'b.example')?.endpoint, 'default/mediabot');
    relay.close();
    await a.stop();
  });
});
