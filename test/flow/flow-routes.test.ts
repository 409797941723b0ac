// The flow routes on a real ApiServer (Unix socket), read by HttpFlowSource and by `porin observe` itself.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiServer } from '../../src/api/api-server.js';
import { observeCommand } from '../../src/cli/observe.js';
import { MemoryObjectStore } from '../../src/cluster/store/index.js';
import type { DatapathEvent } from '../../src/datapath/maps/events.js';
import { FakeFlowContext } from '../../src/flow/fake-flow-context.js';
import type { FlowsResponse } from '../../src/flow/flow.js';
import { HttpFlowSource } from '../../src/flow/flow-client.js';
import { registerFlowRoutes } from '../../src/flow/flow-routes.js';
import { FlowService } from '../../src/flow/flow-service.js';
import { FlowStore } from '../../src/flow/flow-store.js';

const T0 = 1_732_720_000_000_000_000n;

function context(): FakeFlowContext {
  return new FakeFlowContext()
    .addPod('10.0.0.1', {
      identity: 256,
      namespace: 'default',
      podName: 'tiefighter',
      labels: ['k8s:app=tiefighter'],
    })
    .addPod('10.0.0.7', { identity: 257, namespace: 'default', podName: 'xwing', labels: ['k8s:app=xwing'] })
    .addPod('10.0.0.2', {
      id: 12,
      identity: 258,
      namespace: 'default',
      podName: 'deathstar-1',
      labels: ['k8s:app=deathstar'],
    })
    .setCookie(5, [
      { kind: 'CiliumNetworkPolicy', namespace: 'default', name: 'rule1', section: 'ingress', rule: 0 },
    ])
    .setDefaultDeny(12, 'ingress', [{ kind: 'CiliumNetworkPolicy', namespace: 'default', name: 'rule1' }]);
}

function verdict(from: string, allowed: boolean, sport: number): DatapathEvent {
  return {
    type: 'policy-verdict',
    verdict: allowed ? 'allowed' : 'denied',
    dropReason: allowed ? 0 : 133,
    proxyPort: 0,
    matchType: allowed ? 'l3-l4' : 'none',
    cookie: allowed ? 5 : 0,
    endpointId: 12,
    ifindex: 4,
    timestampNs: 0n,
    srcIdentity: from === '10.0.0.1' ? 256 : 257,
    dstIdentity: 258,
    saddr: from,
    daddr: '10.0.0.2',
    sport,
    dport: 80,
    protocol: 6,
    direction: 'ingress',
    ctStatus: 'new',
    packetLength: 60,
    l4Info: 2,
  };
}

function raw(socketPath: string, method: string, path: string, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function capture() {
  let text = '';
  const write = (s: string) => {
    text += s;
  };
  return { out: { write, color: false }, text: () => text };
}

describe('flow routes', () => {
  let dir: string;
  let api: ApiServer;
  let service: FlowService;
  let now = T0;
  const feed = (from: string, allowed: boolean, sport: number) => {
    now += 1_000_000n;
    service.onEvent(verdict(from, allowed, sport), now);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'porin-flow-routes-'));
    api = new ApiServer({
      store: new MemoryObjectStore(),
      socketPath: join(dir, 'agent.sock'),
      closeGraceMs: 100,
    });
    service = new FlowService({
      context: context(),
      nodeName: 'node-1',
      store: FlowStore.open({ path: join(dir, 'flows.db') }),
      nowNs: () => now,
    });
    registerFlowRoutes(api, service, { heartbeatMs: 50 });
    await api.listen();
    feed('10.0.0.1', true, 40000);
    feed('10.0.0.7', false, 40001);
    feed('10.0.0.1', true, 40002);
  });

  after(async () => {
    await api.close();
    service.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('GET /v1/flows with filters as query parameters; POST with a GetFlowsRequest body', async () => {
    const q = new URLSearchParams({
      whitelist: JSON.stringify([{ source_pod: ['default/xwing'] }]),
      number: '10',
    });
    const get = await raw(api.socketPath, 'GET', `/v1/flows?${q}`);
    assert.equal(get.status, 200);
    const items = (JSON.parse(get.body) as { items: FlowsResponse[] }).items;
    assert.equal(items.length, 1);
    const first = items[0]!;
    assert.ok('flow' in first);
    assert.equal(first.flow.verdict, 'DROPPED');
    assert.deepEqual(
      first.flow.ingress_default_denied_by?.map((p) => p.name),
      ['rule1'],
    );
    assert.equal(first.node_name, 'node-1');
    const post = await raw(
      api.socketPath,
      'POST',
      '/v1/flows',
      JSON.stringify({ number: 2, blacklist: [{ verdict: ['DROPPED'] }] }),
    );
    const ports = (JSON.parse(post.body) as { items: FlowsResponse[] }).items.map((r) =>
      'flow' in r ? r.flow.l4?.TCP?.source_port : 0,
    );
    assert.deepEqual(ports, [40000, 40002]);
  });

  test('a bad request is a 400 naming the flow error code and field', async () => {
    const q = new URLSearchParams({ request: JSON.stringify({ whitelist: [{ source_ip: ['nope'] }] }) });
    const r = await raw(api.socketPath, 'GET', `/v1/flows?${q}`);
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.body).error.details, {
      code: 'PORIN_FLOW_FILTER_INVALID',
      path: 'whitelist[0].source_ip[0]',
    });
    const s = await raw(api.socketPath, 'GET', '/v1/flows/stream?number=abc');
    assert.equal(s.status, 400);
  });

  test('HttpFlowSource: query, and follow = history then live flows, heartbeats skipped', async () => {
    const source = new HttpFlowSource(api.socketPath);
    const hist = await source.query({ whitelist: [{ verdict: ['FORWARDED'] }] }, { last: 1 });
    assert.equal(hist.length, 1);
    const got: FlowsResponse[] = [];
    const stream = await source.follow(
      { whitelist: [{ source_label: ['app=tiefighter'] }] },
      (r) => got.push(r),
      { last: 1 },
    );
    feed('10.0.0.7', false, 40003);
    feed('10.0.0.1', true, 40004);
    for (let i = 0; i < 50 && got.length < 2; i++) await sleep(20);
    await sleep(120);
    stream.close();
    assert.equal(await stream.done, 'closed');
    assert.deepEqual(
      got.map((r) => ('flow' in r ? r.flow.l4?.TCP?.source_port : 'lost')),
      [40002, 40004],
    );
  });

  test('porin observe: compact lines, policy names, JSON, raw filters, flag errors', async () => {
    const source = new HttpFlowSource(api.socketPath);
    const c = capture();
    assert.equal(
      await observeCommand(['--from-pod', 'default/xwing', '--print-policy-names'], c.out, {
        source,
        now: () => now,
      }),
      0,
    );
    assert.match(
      c.text(),
      /^\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: default\/xwing:40001 \(ID:257\) <> default\/deathstar-1:80 \(ID:258\) policy-verdict:none INGRESS DENIED BY default-deny default\/rule1 \(CiliumNetworkPolicy\) \(TCP Flags: SYN\)\n/,
    );
    const j = capture();
    await observeCommand(['-o', 'json', '--last', '1', '--not', '--verdict', 'DROPPED'], j.out, { source });
    const line = JSON.parse(j.text()) as FlowsResponse;
    assert.ok('flow' in line && line.flow.verdict === 'FORWARDED');
    const rf = capture();
    await observeCommand(['--pod', 'xwing', '--print-raw-filters'], rf.out, { source });
    assert.equal(rf.text(), `allowlist:\n- '{"source_pod":["xwing"]}'\n- '{"destination_pod":["xwing"]}'\n`);
    await assert.rejects(
      observeCommand(['--verdict', 'NOPE'], capture().out, { source }),
      /--verdict: invalid verdict/,
    );
    await assert.rejects(
      observeCommand(['--from-ip', '1.2.3.999'], capture().out, { source }),
      /source_ip\[0\]/,
    );
    const t = capture();
    await observeCommand(['-o', 'table', '--since', '1h'], t.out, { source, now: () => now });
    assert.match(t.text(), /^TIMESTAMP {3,}SOURCE {3,}DESTINATION/);
  });

  test('porin observe --follow until aborted', async () => {
    const source = new HttpFlowSource(api.socketPath);
    const c = capture();
    const abort = new AbortController();
    const run = observeCommand(['-f', '--to-port', '80', '-o', 'compact'], c.out, {
      source,
      signal: abort.signal,
    });
    await sleep(50);
    feed('10.0.0.1', true, 40005);
    for (let i = 0; i < 50 && !c.text().includes('40005'); i++) await sleep(20);
    abort.abort();
    assert.equal(await run, 0);
    assert.match(c.text(), /default\/tiefighter:40005 \(ID:256\) -> default\/deathstar-1:80/);
  });

  test('status', async () => {
    const r = await raw(api.socketPath, 'GET', '/v1/flows/status');
    const s = JSON.parse(r.body);
    assert.equal(s.max_flows, 4095);
    assert.ok(s.seen_flows >= 3);
    assert.ok(s.store.rows >= 3);
  });
});
