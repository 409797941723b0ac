// The agent's FQDN wiring through its API: the proxy's "answer allowed" call, policy changes, `porin fqdn cache list`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentClient, ApiServer } from '../api/index.js';
import { main } from '../cli/main.js';
import { MemoryObjectStore } from '../cluster/store/index.js';
import { clusterConfig } from '../config/cluster-config.js';
import { PolicyEngine, PROTOCOL_NUMBER } from '../policy/index.js';
import { cnp, ns, pod } from '../policy/test-fixtures.js';
import { FqdnSync } from './fqdn-sync.js';

describe('FqdnSync (agent API and CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'porin-fqdn-sync-'));
  const env = { PORIN_STATE_DIR: join(dir, 'state'), PORIN_RUN_DIR: join(dir, 'run') };
  const config = clusterConfig(env);
  const store = new MemoryObjectStore();
  const engine = new PolicyEngine({ deploymentsAsPods: false });
  let sync: FqdnSync;
  let api: ApiServer;
  let client: AgentClient;
  const saved = { ...process.env };

  before(async () => {
    Object.assign(process.env, env);
    for (const o of [ns('default'), pod('default', 'mediabot', { app: 'mediabot' }, '10.244.0.5')])
      engine.upsert(o);
    sync = new FqdnSync({ config, store, engine, endpoints: undefined, conntrack: undefined, log: () => {} });
    sync.start();
    api = new ApiServer({ store, socketPath: join(env.PORIN_RUN_DIR, 'agent.sock') });
    sync.routes(api);
    await api.listen();
    client = new AgentClient(join(env.PORIN_RUN_DIR, 'agent.sock'));
  });

  after(async () => {
    sync.stop();
    await api.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a policy applied to the store relabels cached addresses; the CLI lists the cache', async () => {
    const r = await client.request<{ changed: boolean }>('POST', '/v1/fqdn/observe', {
      source: { address: '10.244.0.5', port: 33000 },
      name: 'api.github.com',
      ips: ['203.0.113.10'],
      ttl: 60,
    });
    assert.equal(r.changed, false, 'no toFQDNs selector yet: no identity');
    const policy = cnp('default', 'fqdn', {
      endpointSelector: { matchLabels: { app: 'mediabot' } },
      egress: [{ toFQDNs: [{ matchName: 'api.github.com' }] }],
    });
    engine.upsert(policy); // what PolicySync does on the store event
    await store.apply([policy]);
    const decide = () =>
      engine
        .policyOf('default/mediabot')
        .egress.decide(engine.remoteForIP('203.0.113.10'), PROTOCOL_NUMBER.TCP, 443).verdict;
    for (let i = 0; i < 50 && decide() !== 'allowed'; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(decide(), 'allowed');

    let text = '';
    const code = await main(['fqdn', 'cache', 'list', '-o', 'json'], {
      write: (s) => (text += s),
      color: false,
    });
    assert.equal(code, 0);
    const rows = JSON.parse(text) as {
      endpoint: string;
      fqdn: string;
      ips: string[];
      identities: number[];
    }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.endpoint, 'default/mediabot');
    assert.deepEqual(rows[0]?.ips, ['203.0.113.10']);
    assert.ok((rows[0]?.identities[0] ?? 0) >= 1 << 24);
    let table = '';
    await main(['fqdn', 'cache', 'list'], { write: (s) => (table += s), color: false });
    assert.match(table, /^ENDPOINT\s+SOURCE\s+FQDN\s+TTL\s+EXPIRATIONTIME\s+IPS/);
    assert.match(table, /default\/mediabot\s+lookup\s+api\.github\.com\s+60\s+\S+\s+203\.0\.113\.10/);
  });

  it('refuses a malformed observation', async () => {
    await assert.rejects(client.request('POST', '/v1/fqdn/observe', { name: 'x' }), /want \{source/);
  });
});
