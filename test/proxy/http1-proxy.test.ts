// The HTTP handler on HTTP/1.1 with real clients (curl, raw sockets, Node's http) and a real upstream on loopback.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { PortRuleHTTP } from '../../src/resources/index.js';
import { TEST_POLICY } from './fake-proxied-connection.js';
import { curl, eventLines, type ProxyFixture, startProxy } from './proxy-fixture.js';
import { rawExchange, statuses } from './raw-client.js';
import type { EchoReply } from './upstreams.js';

const RULES: PortRuleHTTP[] = [
  { method: 'GET', path: '/ok(/.*)?' },
  { method: 'POST', path: '/post' },
  { path: '/(trailers|gate|stream/.*|bytes/.*|status/.*)' },
  { method: 'PUT', path: '/upload' },
];

describe('HTTP/1.1 through the proxy', () => {
  let f: ProxyFixture;
  before(async () => {
    f = await startProxy(RULES);
  });
  after(() => f.close());

  it('keep-alive: allowed, denied and allowed requests share one client and one upstream connection', async () => {
    const before = f.up.connections;
    const r = await curl([
      ...['-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null'],
      '-w',
      '%{http_code} %{num_connects}\\n',
      f.url('/ok/1'),
      f.url('/admin'),
      f.url('/ok/2'),
    ]);
    assert.equal(r.stdout, '200 1\n403 0\n200 0\n');
    assert.equal(f.up.connections - before, 1, 'one upstream connection served both allowed requests');
    assert.deepEqual(
      f.up.seen.slice(-2).map((s) => s.url),
      ['/ok/1', '/ok/2'],
      'the denied request never reached the server',
    );
  });

  it("a denied request gets Cilium's 403 (text/plain, 'Access denied\\r\\n')", async () => {
    const r = await rawExchange(f.port, 'GET /admin HTTP/1.1\r\nHost: svc\r\n\r\n', { until: /denied\r\n$/ });
    assert.match(r.data, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(r.data, /\r\ncontent-type: text\/plain\r\n/i);
    assert.match(r.data, /\r\ncontent-length: 15\r\n/i);
    assert.ok(r.data.endsWith('\r\n\r\nAccess denied\r\n'));
  });

  it('pipelining: requests sent at once are judged one by one and answered in order', async () => {
    const events = f.proxy.events.length;
    const body = 'hello';
    const r = await rawExchange(
      f.port,
      'GET /ok/a HTTP/1.1\r\nHost: svc\r\n\r\n' +
        'GET /admin HTTP/1.1\r\nHost: svc\r\n\r\n' +
        `POST /post HTTP/1.1\r\nHost: svc\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        'DELETE /ok/b HTTP/1.1\r\nHost: svc\r\n\r\n' +
        'GET /ok/c HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n',
      { waitMs: 5000 },
    );
    assert.ok(r.closed, 'Connection: close on the last request ends it');
    assert.deepEqual(statuses(r.data), [200, 403, 200, 403, 200]);
    const urls = [...r.data.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(urls, ['/ok/a', '/post', '/ok/c'], 'bodies come back in request order');
    const reqs = f.proxy.events.slice(events).filter((e) => e.l7.type === 'REQUEST');
    assert.deepEqual(
      reqs.map((e) => `${e.l7.http?.method} ${e.verdict}`),
      ['GET FORWARDED', 'GET DROPPED', 'POST FORWARDED', 'DELETE DROPPED', 'GET FORWARDED'],
    );
  });

  it("a denied request's body is drained: Content-Length and chunked, the connection serves the next one", async () => {
    const r = await rawExchange(
      f.port,
      'POST /admin HTTP/1.1\r\nHost: svc\r\nContent-Length: 11\r\n\r\nhello world' +
        'POST /admin HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
        'GET /ok/after HTTP/1.1\r\nHost: svc\r\n\r\n',
      { until: /"url":"\/ok\/after"/ },
    );
    assert.deepEqual(statuses(r.data), [403, 403, 200]);
    assert.ok(!r.closed);
  });

  it('a denied request with a body larger than the drain limit gets its 403 and Connection: close', async () => {
    const g = await startProxy(RULES, { options: { maxDrainBytes: 1024 } });
    try {
      const r = await rawExchange(
        g.port,
        'POST /admin HTTP/1.1\r\nHost: svc\r\nContent-Length: 100000\r\n\r\nabc',
        {
          waitMs: 3000,
        },
      );
      assert.deepEqual(statuses(r.data), [403]);
      assert.match(r.data, /\r\nconnection: close\r\n/i);
      assert.ok(r.closed);
    } finally {
      await g.close();
    }
  });

  it('streams a response: the first bytes reach the client while the server has not finished', async () => {
    const got = await new Promise<string>((resolve, reject) => {
      const req = http.get(f.url('/gate'), (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.once('data', (d: string) => {
          text += d;
          assert.equal(text, 'first;', 'the first chunk arrived on its own');
          f.up.openGate(); // only now may the server finish
          res.on('data', (d2: string) => {
            text += d2;
          });
          res.on('end', () => resolve(text));
        });
      });
      req.on('error', reject);
    });
    assert.equal(got, 'first;last');
  });

  it('streams a request body: the server sees bytes before the client has sent them all', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const res = await new Promise<EchoReply>((resolve, reject) => {
      const req = http.request(
        f.url('/upload'),
        { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } },
        (r) => {
          let text = '';
          r.on('data', (d) => {
            text += d;
          });
          r.on('end', () => resolve(JSON.parse(text) as EchoReply));
        },
      );
      req.on('error', reject);
      req.write(chunk);
      // The rest is sent only once the upstream has received the first part through the proxy.
      f.up.events.once('body', () => {
        for (let i = 0; i < 63; i++) req.write(chunk);
        req.end();
      });
    });
    assert.equal(res.bodyBytes, 64 * chunk.length);
    const h = createHash('sha256');
    for (let i = 0; i < 64; i++) h.update(chunk);
    assert.equal(res.bodySha256, h.digest('hex'));
    assert.ok(res.headers.some(([k, v]) => k === 'transfer-encoding' && v === 'chunked'));
  });

  it('a large Content-Length download arrives whole', async () => {
    const r = await curl(['-o', '/dev/null', '-w', '%{http_code} %{size_download}', f.url('/bytes/5000000')]);
    assert.equal(r.stdout, '200 5000000');
  });

  it('trailers pass both ways (chunked)', async () => {
    const r = await rawExchange(
      f.port,
      'PUT /upload HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n' +
        'GET /trailers HTTP/1.1\r\nHost: svc\r\n\r\n',
      { until: /x-checksum: abc123\r\n\r\n$/ },
    );
    assert.match(r.data, /"trailers":\[\["x-sum","42"\]\]/);
    assert.match(r.data, /\r\n0\r\nx-checksum: abc123\r\n\r\n$/);
  });

  it('Expect: 100-continue — allowed gets 100 then the answer; denied gets 403 without 100 and a close', async () => {
    const ok = await curl(['-i', '-H', 'Expect: 100-continue', '-d', 'x'.repeat(2000), f.url('/post')]);
    assert.match(ok.stdout, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    const seen = f.up.seen.at(-1);
    assert.equal(seen?.bodyBytes, 2000);
    assert.ok(!seen?.headers.some(([k]) => k === 'expect'), 'the proxy answered the expectation itself');
    const denied = await rawExchange(
      f.port,
      'POST /admin HTTP/1.1\r\nHost: svc\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n',
    );
    assert.doesNotMatch(denied.data, /100 Continue/);
    assert.deepEqual(statuses(denied.data), [403]);
    assert.ok(denied.closed);
  });

  it('HTTP/1.0 without Host, and an absolute-form target (its authority becomes the Host)', async () => {
    const r10 = await rawExchange(f.port, 'GET /ok/10 HTTP/1.0\r\n\r\n', { waitMs: 3000 });
    assert.deepEqual(statuses(r10.data), [200]);
    assert.ok(r10.closed, 'HTTP/1.0 without keep-alive closes after the response');
    const abs = await rawExchange(
      f.port,
      'GET http://api.example:8080/ok/abs?q=1 HTTP/1.1\r\nHost: other\r\n\r\n',
      {
        until: /"peerPort"/,
      },
    );
    assert.deepEqual(statuses(abs.data), [200]);
    assert.match(abs.data, /"url":"\/ok\/abs\?q=1"/);
    assert.match(abs.data, /\["host","api.example:8080"\]/);
  });

  it('hop-by-hop headers stop at the proxy; end-to-end ones pass', async () => {
    const r = await rawExchange(
      f.port,
      'GET /ok/h HTTP/1.1\r\nHost: svc\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=9\r\nProxy-Connection: x\r\nX-End: 2\r\n\r\n',
      { until: /"peerPort"/ },
    );
    const seen = f.up.seen.at(-1)!;
    const names = seen.headers.map(([k]) => k);
    assert.ok(names.includes('x-end'));
    for (const h of ['x-hop', 'keep-alive', 'proxy-connection'])
      assert.ok(!names.includes(h), `${h} removed`);
    assert.deepEqual(statuses(r.data), [200]);
  });

  it('paths are normalized before judging and forwarding; escaped slashes are redirected', async () => {
    const r = await rawExchange(f.port, 'GET /admin/../ok/%61b HTTP/1.1\r\nHost: svc\r\n\r\n', {
      until: /"peerPort"/,
    });
    assert.deepEqual(statuses(r.data), [200]);
    assert.equal(f.up.seen.at(-1)?.url, '/ok/ab');
    const sneaky = await rawExchange(f.port, 'GET /ok/../admin HTTP/1.1\r\nHost: svc\r\n\r\n', {
      until: /denied/,
    });
    assert.deepEqual(statuses(sneaky.data), [403], '/ok/../admin is /admin');
    const esc = await rawExchange(f.port, 'GET /ok%2Fx HTTP/1.1\r\nHost: svc\r\n\r\n', { until: /\r\n\r\n/ });
    assert.deepEqual(statuses(esc.data), [307]);
    assert.match(esc.data, /\r\nlocation: \/ok\/x\r\n/i);
  });

  it('the server answering Connection: close is followed by a new upstream connection for the next request', async () => {
    const before = f.up.connections;
    const r = await rawExchange(f.port, 'GET /ok/x HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n', {
      waitMs: 3000,
    });
    assert.deepEqual(statuses(r.data), [200]);
    const r2 = await curl([
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      f.url('/ok/y'),
      f.url('/ok/z'),
    ]);
    assert.equal(r2.stdout, '200200');
    assert.ok(f.up.connections - before >= 2);
  });

  it('emits Hubble-model REQUEST and RESPONSE events naming the rule that decided', async () => {
    const n = f.proxy.events.length;
    await curl([
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      '-H',
      'X-Trace: 1',
      f.url('/ok/ev?x=1'),
      f.url('/admin'),
    ]);
    const evs = f.proxy.events.slice(n);
    assert.deepEqual(eventLines(evs), [
      `REQUEST FORWARDED - GET http://127.0.0.1:${f.port}/ok/ev?x=1`,
      `RESPONSE FORWARDED 200 GET http://127.0.0.1:${f.port}/ok/ev?x=1`,
      `REQUEST DROPPED - GET http://127.0.0.1:${f.port}/admin`,
      `RESPONSE FORWARDED 403 GET http://127.0.0.1:${f.port}/admin`,
    ]);
    const [req, res, denied] = evs;
    assert.equal(req!.l7.http?.protocol, 'HTTP/1.1');
    assert.ok(req!.l7.http?.headers?.some((h) => h.key === 'x-trace' && h.value === '1'));
    assert.equal(req!.reply, false);
    assert.equal(res!.reply, true);
    assert.ok(BigInt(res!.l7.latency_ns ?? '0') > 0n, 'responses carry latency_ns');
    assert.equal(req!.l7.latency_ns, undefined);
    assert.deepEqual(req!.rules, [
      { direction: 'ingress', policy: TEST_POLICY, rule: 'spec.ingress[0].toPorts[0].rules.http[0]' },
    ]);
    assert.deepEqual(denied!.rules, [{ direction: 'ingress', policy: TEST_POLICY }]);
    assert.ok(f.proxy.count('requests') > 0 && f.proxy.count('denied') > 0);
  });
});

describe('HTTP/1.1: header actions, audit, L4-only, upstream failure', () => {
  it('headerMatches actions edit the forwarded request; secret values never reach flows', async () => {
    const f = await startProxy([
      {
        path: '/ok',
        headerMatches: [
          { name: 'X-Replace', value: 'new', mismatch: 'REPLACE' },
          { name: 'X-Add', value: 'added', mismatch: 'ADD' },
          { name: 'X-Del', value: 'keep', mismatch: 'DELETE' },
          { name: 'X-Log', value: 'v', mismatch: 'LOG' },
          { name: 'Authorization', value: 'Bearer s3cret', secret: { name: 'tok' }, mismatch: 'REPLACE' },
        ],
      },
    ]);
    try {
      await curl([
        '-o',
        '/dev/null',
        '-H',
        'X-Replace: old',
        '-H',
        'X-Add: mine',
        '-H',
        'X-Del: bad',
        f.url('/ok'),
      ]);
      const h = f.up.seen.at(-1)!.headers;
      const all = (n: string) => h.filter(([k]) => k === n).map(([, v]) => v);
      assert.deepEqual(all('x-replace'), ['new']);
      assert.deepEqual(all('x-add'), ['mine', 'added']);
      assert.deepEqual(all('x-del'), []);
      assert.deepEqual(all('x-log'), []);
      assert.deepEqual(all('authorization'), ['Bearer s3cret']);
      const req = f.proxy.events.find((e) => e.l7.type === 'REQUEST')!;
      const auth = req.l7.http?.headers?.find((x) => x.key === 'authorization');
      assert.equal(auth?.value, '[redacted]');
    } finally {
      await f.close();
    }
  });

  it('an audit-mode denial is forwarded and reported as AUDIT', async () => {
    const f = await startProxy([{ path: '/only' }], { audit: true });
    try {
      const r = await curl(['-o', '/dev/null', '-w', '%{http_code}', f.url('/other')]);
      assert.equal(r.stdout, '200');
      assert.equal(f.proxy.events[0]?.verdict, 'AUDIT');
      assert.equal(f.proxy.count('denied'), 0);
    } finally {
      await f.close();
    }
  });

  it('an L4-only allow on a redirected port passes every request', async () => {
    const f = await startProxy(undefined);
    try {
      const r = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-X', 'DELETE', f.url('/anything')]);
      assert.equal(r.stdout, '200');
    } finally {
      await f.close();
    }
  });

  it("an unreachable upstream gets Envoy's 503, counted; the client connection stays usable", async () => {
    const dead = await startProxy(RULES, { deadUpstream: 1 });
    try {
      const r = await curl([
        '-w',
        '\\n%{http_code} %{num_connects}\\n',
        dead.url('/ok/1'),
        dead.url('/admin'),
      ]);
      assert.match(
        r.stdout,
        /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure\n503 1\n/,
      );
      assert.match(r.stdout, /Access denied\r\n\n403 0\n$/);
      assert.equal(dead.proxy.count('upstream-error'), 1);
      assert.ok(dead.proxy.events.some((e) => e.l7.type === 'RESPONSE' && e.l7.http?.code === 503));
    } finally {
      await dead.close();
    }
  });

  it('an upstream that resets mid-response closes the client connection (no half response passed as whole)', async () => {
    const f = await startProxy(undefined);
    try {
      const cut = await new Promise<boolean>((resolve) => {
        const req = http.get(f.url('/stream/400'), (res) => {
          res.once('data', () => {
            for (const s of f.proxy.upstreamDials) s.destroy();
          });
          res.on('error', () => resolve(true));
          res.on('aborted', () => resolve(true));
          res.on('end', () => resolve(false));
        });
        req.on('error', () => resolve(true));
      });
      assert.ok(cut, 'the client saw the response cut, not a clean end');
    } finally {
      await f.close();
    }
  });
});
