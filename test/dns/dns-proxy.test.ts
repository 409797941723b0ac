// The DNS proxy on loopback with dig: a real upstream of the test's own, a real policy engine, FQDN enforcement.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { engineFqdnManager, type FqdnManager, syncFqdnPolicy } from '../../src/fqdn/index.js';
import { PolicyEngine, PROTOCOL_NUMBER } from '../../src/policy/index.js';
import { cnp, ns, pod } from '../../src/policy/test-fixtures.js';
import {
  connectTcp,
  createDnsProxy,
  type DnsL7Event,
  type DnsProxy,
  type DnsProxyOptions,
  endpointKeyOf,
  engineDnsJudge,
} from '../../src/proxy/dns/index.js';
import {
  a,
  aaaa,
  cname,
  dig,
  type RedirectHarness,
  startRedirectHarness,
  startTestDnsServer,
  type TestDnsServer,
} from './dns-harness.js';

const POD_IP = '127.0.0.1';
const SERVER_IP = '127.0.0.53';
const BIG = Array.from({ length: 60 }, (_, i) => a('big.example.test', `198.51.100.${i + 1}`, 300));

describe('DNS proxy (loopback, dig)', () => {
  let upstream: TestDnsServer;
  let engine: PolicyEngine;
  let fqdn: FqdnManager;
  const harnesses: RedirectHarness[] = [];

  before(async () => {
    upstream = await startTestDnsServer(SERVER_IP, {
      'api.github.com': [a('api.github.com', '203.0.113.10', 30), aaaa('api.github.com', '2001:db8::10', 20)],
      'support.github.com': [a('support.github.com', '203.0.113.11')],
      'www.example.test': [cname('www.example.test', 'edge.cdn.test', 40)],
      'edge.cdn.test': [cname('edge.cdn.test', 'api.github.com', 50)],
      'big.example.test': BIG,
    });
    engine = new PolicyEngine({ cluster: 'default' });
    engine.upsert(ns('default'));
    engine.upsert(ns('kube-system'));
    engine.upsert(pod('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' }, SERVER_IP));
    engine.upsert(pod('default', 'mediabot', { org: 'empire', class: 'mediabot' }, POD_IP));
    engine.upsert(
      cnp('default', 'fqdn', {
        endpointSelector: { matchLabels: { org: 'empire', class: 'mediabot' } },
        egress: [
          {
            toFQDNs: [
              { matchName: 'api.github.com' },
              { matchName: 'www.example.test' },
              { matchName: 'big.example.test' },
            ],
          },
          {
            toEndpoints: [
              {
                matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' },
              },
            ],
            toPorts: [
              {
                ports: [{ port: String(upstream.address.port), protocol: 'ANY' }],
                rules: {
                  dns: [
                    { matchName: 'api.github.com' },
                    { matchPattern: '*.example.test' },
                    { matchPattern: '*.cdn.test' },
                  ],
                },
              },
            ],
          },
        ],
      }),
    );
    fqdn = engineFqdnManager(engine, { apply: () => {} });
    syncFqdnPolicy(fqdn, engine);
  });

  after(async () => {
    for (const h of harnesses) await h.close();
    await upstream.close();
  });

  const start = async (extra: Partial<DnsProxyOptions> = {}) => {
    const events: DnsL7Event[] = [];
    const proxy: DnsProxy = createDnsProxy({
      judge: engineDnsJudge(engine),
      fqdn: {
        ensure: async (obs) => {
          const endpoint = endpointKeyOf(engine, obs.source.address) ?? `ip:${obs.source.address}`;
          fqdn.observe({ endpoint, name: obs.name, ips: obs.ips, ttl: obs.ttl, time: obs.time });
        },
      },
      emit: (e) => events.push(e),
      ...extra,
    });
    const h = await startRedirectHarness(proxy, '127.0.0.2', upstream.address);
    harnesses.push(h);
    return { proxy, events, at: h.address };
  };

  const allowed = (ip: string, port = 443) =>
    engine.policyOf('default/mediabot').egress.decide(engine.remoteForIP(ip), PROTOCOL_NUMBER.TCP, port)
      .verdict;

  it('an allowed query is forwarded to the server the pod asked, and its addresses are enforced before the answer', async () => {
    const { proxy, events, at } = await start();
    assert.equal(allowed('203.0.113.10'), 'denied');
    const r = await dig(at, 'api.github.com', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(
      r.answers.map((x) => x.data),
      ['203.0.113.10'],
    );
    assert.equal(allowed('203.0.113.10'), 'allowed', 'enforced when dig had its answer');
    assert.deepEqual(upstream.queries.at(-1), { name: 'api.github.com', type: 'A', transport: 'udp' });
    const [req, resp] = events;
    assert.equal(req?.l7.type, 'REQUEST');
    assert.equal(req?.verdict, 'FORWARDED');
    assert.deepEqual(req?.l7.dns, { query: 'api.github.com.', qtypes: ['A'], observation_source: 'proxy' });
    assert.deepEqual(req?.rules, [
      { direction: 'egress', policy: 'CiliumNetworkPolicy default/fqdn', rule: 'spec.egress[1] dns[0]' },
    ]);
    assert.equal(resp?.l7.type, 'RESPONSE');
    assert.deepEqual(
      { ...resp?.l7.dns },
      {
        query: 'api.github.com.',
        ips: ['203.0.113.10'],
        ttl: 30,
        cnames: [],
        observation_source: 'proxy',
        rcode: 0,
        qtypes: ['A'],
        rrtypes: ['A'],
      },
    );
    assert.equal(resp?.source.address, POD_IP);
    assert.deepEqual(resp?.destination, upstream.address);
    assert.equal(proxy.stats().counters.requests, 1);
    const aaaaR = await dig(at, 'API.GitHub.com.', 'AAAA');
    assert.deepEqual(
      aaaaR.answers.map((x) => x.data),
      ['2001:db8::10'],
    );
    assert.ok(fqdn.list().some((row) => row.fqdn === 'api.github.com' && row.ips.includes('2001:db8::10')));
  });

  it('a denied name gets REFUSED from the proxy, never reaches the server, and names the policy', async () => {
    const { proxy, events, at } = await start();
    const before = upstream.queries.length;
    const r = await dig(at, 'support.github.com', 'A');
    assert.equal(r.status, 'REFUSED');
    assert.deepEqual(r.answers, []);
    assert.equal(upstream.queries.length, before, 'not forwarded');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.verdict, 'DROPPED');
    assert.deepEqual(
      events[0]?.rules.map((x) => x.policy),
      ['CiliumNetworkPolicy default/fqdn'],
    );
    assert.equal(proxy.stats().counters.denied, 1);
    assert.equal(allowed('203.0.113.11'), 'denied');
  });

  it('rejectResponseCode nameError answers NXDOMAIN instead', async () => {
    const { at } = await start({ rejectResponseCode: 'nameError' });
    assert.equal((await dig(at, 'support.github.com', 'A')).status, 'NXDOMAIN');
    assert.equal((await dig(at, 'api.github.com', 'A')).status, 'NOERROR');
  });

  it('TCP: each query on the connection is judged alone and forwarded over TCP', async () => {
    const { events, at } = await start();
    const ok = await dig(at, 'api.github.com', 'A', ['+tcp']);
    assert.deepEqual(
      ok.answers.map((x) => x.data),
      ['203.0.113.10'],
    );
    assert.equal(upstream.queries.at(-1)?.transport, 'tcp', 'same transport as the client');
    assert.equal((await dig(at, 'support.github.com', 'A', ['+tcp'])).status, 'REFUSED');
    assert.equal(events.filter((e) => e.verdict === 'DROPPED').length, 1);
  });

  it('CNAME chains: addresses at the end of the chain belong to the name asked, with the lowest TTL', async () => {
    const { events, at } = await start();
    const r = await dig(at, 'www.example.test', 'A');
    assert.deepEqual(
      r.answers.map((x) => x.type),
      ['CNAME', 'CNAME', 'A'],
    );
    const resp = events.find((e) => e.l7.type === 'RESPONSE');
    assert.deepEqual(resp?.l7.dns?.cnames, ['edge.cdn.test.', 'api.github.com.']);
    assert.deepEqual(resp?.l7.dns?.ips, ['203.0.113.10']);
    assert.equal(resp?.l7.dns?.ttl, 30);
    assert.ok(
      fqdn
        .list()
        .some((row) => row.fqdn === 'www.example.test' && row.ips[0] === '203.0.113.10' && row.ttl === 30),
    );
  });

  it('large answers: truncated over UDP, dig retries over TCP through the proxy, all addresses enforced', async () => {
    const { events, at } = await start();
    const r = await dig(at, 'big.example.test', 'A', ['+noedns']);
    assert.ok(r.truncatedRetry, 'dig saw TC and retried over TCP');
    assert.equal(r.answers.length, BIG.length);
    const resps = events.filter((e) => e.l7.type === 'RESPONSE');
    assert.deepEqual(
      resps.map((e) => e.l7.dns?.ips?.length),
      [0, BIG.length],
      'UDP (truncated) then TCP',
    );
    for (const x of BIG) assert.equal(allowed(String((x as { data: string }).data)), 'allowed');
    const big = await dig(at, 'big.example.test', 'A', ['+bufsize=4096']);
    assert.equal(big.truncatedRetry, false, 'with EDNS0 it fits in one datagram');
    assert.equal(big.answers.length, BIG.length);
  });

  it('an upstream that never answers: no answer to the client (it retries), counted', async () => {
    const silent = await startTestDnsServer('127.0.0.54', {}, { silent: true });
    try {
      const events: DnsL7Event[] = [];
      const proxy = createDnsProxy({
        judge: () => ({ verdict: 'FORWARDED', rules: [] }),
        forwardTimeoutMs: 300,
        emit: (e) => events.push(e),
      });
      const h = await startRedirectHarness(proxy, '127.0.0.3', silent.address);
      harnesses.push(h);
      const r = await dig(h.address, 'api.github.com', 'A', ['+time=1']);
      assert.ok(r.timedOut, r.raw);
      assert.equal(proxy.stats().counters.timeout, 1);
      assert.equal(silent.queries.length, 1, 'forwarded once');
    } finally {
      await silent.close();
    }
  });

  it('an answer waits for enforcement, at most the response max delay', async () => {
    let release: () => void = () => {};
    const proxy = createDnsProxy({
      judge: () => ({ verdict: 'FORWARDED', rules: [] }),
      responseMaxDelayMs: 300,
      fqdn: { ensure: () => new Promise<void>((r) => (release = r)) },
    });
    const h = await startRedirectHarness(proxy, '127.0.0.4', upstream.address);
    harnesses.push(h);
    const t0 = performance.now();
    const r = await dig(h.address, 'api.github.com', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.ok(performance.now() - t0 >= 290, 'held until the max delay');
    assert.equal(proxy.stats().counters['fqdn-delayed'], 1);
    release();
    const fast = createDnsProxy({
      judge: () => ({ verdict: 'FORWARDED', rules: [] }),
      responseMaxDelayMs: 5000,
      fqdn: { ensure: async () => {} },
    });
    const h2 = await startRedirectHarness(fast, '127.0.0.5', upstream.address);
    harnesses.push(h2);
    assert.equal((await dig(h2.address, 'api.github.com', 'A')).status, 'NOERROR');
    assert.equal(fast.stats().counters['fqdn-delayed'], 0);
  });

  it("the core's contract: datagrams and connections bring their own judge, emit, counters and upstream", async () => {
    const proxy = createDnsProxy({});
    const seen: string[] = [];
    const counted: string[] = [];
    const bindings = (source: { address: string; port: number }) => ({
      source,
      destination: upstream.address,
      judge: (req: { query: string }) => {
        seen.push(req.query);
        return req.query.startsWith('support')
          ? { verdict: 'DROPPED' as const, rules: [] }
          : { verdict: 'FORWARDED' as const, rules: [{ direction: 'egress' as const, policy: 'core' }] };
      },
      emit: (ev: DnsL7Event) => seen.push(`${ev.l7.type}:${ev.verdict}`),
      count: (what: string) => counted.push(what),
    });
    // Datagrams: a socket of the harness plays the core; upstream sockets are connected to the server.
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.6', r));
    sock.on('message', (data, r) =>
      proxy.handleDatagram({
        ...bindings({ address: r.address, port: r.port }),
        data,
        reply: (out) => sock.send(out, r.port, r.address),
        openUpstream: async () => {
          const u = dgram.createSocket('udp4');
          await new Promise<void>((res) =>
            u.connect(upstream.address.port, upstream.address.address, () => res()),
          );
          return u;
        },
      }),
    );
    const at = { address: '127.0.0.6', port: sock.address().port };
    assert.deepEqual(
      (await dig(at, 'api.github.com')).answers.map((x) => x.data),
      ['203.0.113.10'],
    );
    assert.equal((await dig(at, 'support.github.com')).status, 'REFUSED');
    // Connections: the same for DNS over TCP.
    const tcp = net.createServer((c) =>
      proxy.handleConnection({
        ...bindings({ address: c.remoteAddress!, port: c.remotePort! }),
        client: c,
        connectUpstream: () => connectTcp(upstream.address),
      }),
    );
    await new Promise<void>((r) => tcp.listen(at.port, '127.0.0.6', r));
    assert.deepEqual(
      (await dig(at, 'api.github.com', 'A', ['+tcp'])).answers.map((x) => x.data),
      ['203.0.113.10'],
    );
    sock.close();
    tcp.close();
    assert.deepEqual(
      seen.filter((x) => !x.includes(':')),
      ['api.github.com', 'support.github.com', 'api.github.com'],
    );
    assert.ok(seen.includes('RESPONSE:FORWARDED') && seen.includes('REQUEST:DROPPED'));
    assert.deepEqual(counted.sort(), ['denied', 'requests', 'requests', 'requests']);
  });

  it('a source that is not an endpoint is refused (fail closed)', async () => {
    const judge = engineDnsJudge(engine);
    const v = judge(
      { type: 'dns', query: 'api.github.com', qtype: 'A', transport: 'udp' },
      { address: '127.0.0.9', port: 1 },
      upstream.address,
    );
    assert.equal(v.verdict, 'DROPPED');
  });
});
