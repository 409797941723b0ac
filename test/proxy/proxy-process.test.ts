// The proxy process on real redirected traffic: feed, revisions and acks, judging per request, agent away, restart, bad feed input.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ProxyFeedClient } from '../../src/agent/proxy-feed.js';
import { cnp } from '../../src/policy/test-fixtures.js';
import type { WireL7Event } from '../../src/proxy/feed-protocol.js';
import { kernelSkipReason } from '../datapath/harness.js';
import { L7Node, lineServerScript } from './l7-node.js';
import { LineClient } from './line-client.js';

const skip = kernelSkipReason();
const PROXY_PORT = 14080;
const PORT = 9000;
const CLIENT = { name: 'client', ip: '10.244.9.10', labels: { app: 'client' } };
const SERVER = { name: 'server', ip: '10.244.9.20', labels: { app: 'server' } };

const policy = (rules: Array<{ method?: string; path?: string }>) =>
  cnp('default', 'l7', {
    endpointSelector: { matchLabels: { app: 'server' } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { app: 'client' } }],
        toPorts: [{ ports: [{ port: String(PORT), protocol: 'TCP' }], rules: { http: rules } }],
      },
    ],
  });

describe('proxy process: feed, judging, agent away, restart', { skip }, () => {
  const node = new L7Node('p', [CLIENT, SERVER], [{ type: 'http', port: PROXY_PORT }]);
  const events: WireL7Event[] = [];
  let dropped = 0;
  const feed = () =>
    new ProxyFeedClient({
      socketPath: `${node.runDir}/proxy.sock`,
      onEvents: (e, d) => {
        events.push(...e);
        dropped += d;
      },
      log: () => {},
    });
  let agent = feed();
  const clients: LineClient[] = [];
  const client = () => {
    const c = new LineClient(node.topo.pod('client').netns, SERVER.ip, PORT);
    clients.push(c);
    return c;
  };

  before(async () => {
    node.create();
    node.apply(
      policy([
        { method: 'GET', path: '/public.*' },
        { method: 'POST', path: '/v1/.*' },
      ]),
    );
    const server = node.topo.spawnIn(node.topo.pod('server').netns, lineServerScript(SERVER.ip, [PORT]));
    await new Promise((r) => server.stdout!.once('data', r));
    await node.startProxy(['--event-buffer', '8']);
  });

  after(() => {
    agent.close();
    for (const c of clients) c.close();
    node.destroy();
  });

  it('hello, snapshot, ack: the listener opens and the proxy reports it', async () => {
    agent.start();
    agent.publish(node.snapshot(1));
    assert.equal(await agent.waitForAck(1, 5000), true);
    assert.deepEqual(agent.listeners, [{ type: 'http', port: PROXY_PORT, open: true, handler: true }]);
    const st = await agent.status();
    assert.equal(st?.revision, 1);
    assert.equal(st?.agentConnected, true);
    assert.equal(st?.listeners[0]?.open, true);
  });

  it('each request on a keep-alive connection is judged on its own; a denied one gets 403, the next passes', async () => {
    const c = client();
    assert.equal(
      await c.request('GET /public/a'),
      `ok:GET /public/a:${CLIENT.ip}`,
      'the server sees the client',
    );
    assert.equal(await c.request('PUT /private'), '403 Access denied');
    assert.equal(await c.request('POST /v1/x'), `ok:POST /v1/x:${CLIENT.ip}`);
    const st = await agent.status();
    assert.equal(st?.counters.requests, 3);
    assert.equal(st?.counters.denied, 1);
    assert.equal(st?.connections.open, 1);
  });

  it('L7 events reach the agent with the verdict and the rule that decided', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const req = (path: string) => events.find((e) => !e.reply && e.l7.http?.url === path);
    const allowed = req('/public/a');
    assert.equal(allowed?.verdict, 'FORWARDED');
    assert.deepEqual(allowed?.rules, [
      {
        direction: 'ingress',
        policy: 'CiliumNetworkPolicy default/l7',
        rule: 'spec.ingress[0].toPorts[0].rules.http[0]',
      },
    ]);
    assert.deepEqual(allowed?.directions, ['ingress']);
    assert.deepEqual(allowed?.source.address, CLIENT.ip);
    assert.deepEqual(allowed?.destination, { address: SERVER.ip, port: PORT });
    assert.equal(allowed?.srcIdentity, node.engine.endpoint('default/client')!.identity.id);
    const denied = req('/private');
    assert.equal(denied?.verdict, 'DROPPED');
    assert.deepEqual(denied?.rules, [{ direction: 'ingress', policy: 'CiliumNetworkPolicy default/l7' }]);
    assert.equal(req('/v1/x')?.rules[0]?.rule, 'spec.ingress[0].toPorts[0].rules.http[1]');
    assert.ok(events.some((e) => e.reply && e.l7.http?.code === 403));
  });

  it('a new revision applies to the next request of an open connection', async () => {
    const c = client();
    assert.equal(await c.request('POST /v1/y'), `ok:POST /v1/y:${CLIENT.ip}`);
    node.apply(policy([{ method: 'GET', path: '/public.*' }]));
    agent.publish(node.snapshot(2));
    assert.equal(await agent.waitForAck(2, 5000), true);
    assert.equal(await c.request('POST /v1/y'), '403 Access denied');
    assert.equal(await c.request('GET /public/b'), `ok:GET /public/b:${CLIENT.ip}`);
  });

  it('malformed feed messages are refused, naming the field, and change nothing', async () => {
    const raw = connect(`${node.runDir}/proxy.sock`);
    const answers: string[] = [];
    raw.setEncoding('utf8');
    raw.on('data', (d: string) => answers.push(...d.split('\n').filter(Boolean)));
    await new Promise((r) => raw.once('connect', r));
    const bad = node.snapshot(9) as unknown as { listeners: Array<{ port: number }> };
    bad.listeners[0]!.port = 0;
    raw.write('not json\n');
    raw.write(`${JSON.stringify({ type: 'snapshot', snapshot: bad })}\n`);
    raw.write(`${JSON.stringify({ type: 'reboot' })}\n`);
    await new Promise((r) => setTimeout(r, 300));
    const msgs = answers.map((a) => JSON.parse(a) as { type: string; error?: string; revision?: number });
    assert.equal(msgs[0]?.type, 'hello');
    assert.match(msgs[1]?.error ?? '', /not JSON/);
    assert.equal(msgs[2]?.type, 'nack');
    assert.equal(msgs[2]?.revision, 9);
    assert.match(msgs[2]?.error ?? '', /snapshot\.listeners\[0\]\.port/);
    assert.match(msgs[3]?.error ?? '', /unknown message type "reboot"/);
    raw.destroy();
    const c = client();
    assert.equal(await c.request('POST /v1/z'), '403 Access denied', 'still revision 2');
  });

  it('with the agent away the proxy keeps its policy and open connections, buffers events and counts drops', async () => {
    const c = client();
    assert.equal(await c.request('GET /public/c'), `ok:GET /public/c:${CLIENT.ip}`);
    agent.close();
    await new Promise((r) => setTimeout(r, 100));
    events.length = 0;
    dropped = 0;
    assert.equal(
      await c.request('GET /public/d'),
      `ok:GET /public/d:${CLIENT.ip}`,
      'the open connection goes on',
    );
    const fresh = client();
    assert.equal(await fresh.request('PUT /x'), '403 Access denied', 'new connections judged by revision 2');
    for (const p of ['/1', '/2', '/3', '/4'])
      assert.equal(await fresh.request(`PUT ${p}`), '403 Access denied');
    agent = feed();
    agent.start();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(agent.helloRevision, 2, 'hello says which revision it enforces');
    assert.equal(events.length, 8, 'the buffer held 8 events');
    assert.equal(dropped, 4, '12 events were made while away; the oldest 4 were dropped and counted');
    assert.equal(events[0]?.l7.http?.url, '/1', 'the newest are kept');
    assert.equal((await agent.status())?.events.dropped, 4);
  });

  it('a restarted proxy enforces its last policy on its listeners before any agent connects', async () => {
    agent.close();
    await node.killProxy();
    assert.equal(await client().request('GET /public/e', 1000), 'timeout', 'no proxy: the kernel refuses');
    await node.startProxy();
    assert.equal(await client().request('GET /public/f'), `ok:GET /public/f:${CLIENT.ip}`);
    assert.equal(await client().request('POST /v1/q'), '403 Access denied');
  });
});
