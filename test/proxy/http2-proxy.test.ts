// The HTTP handler on HTTP/2 cleartext: prior knowledge (Node's http2 client, curl, nghttp) and HTTP/1.1 Upgrade.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { PortRuleHTTP } from '../../src/resources/index.js';
import { curl, eventLines, type ProxyFixture, startProxy } from './proxy-fixture.js';
import type { EchoReply } from './upstreams.js';

const RULES: PortRuleHTTP[] = [
  { method: 'GET', path: '/ok(/.*)?' },
  { method: 'POST', path: '/upload' },
  { path: '/stream/.*' },
];

interface H2Result {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders | undefined;
}

function h2request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer | Buffer[],
): Promise<H2Result> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let rh: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    req.on('response', (h) => {
      rh = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      resolve({ status: Number(rh[':status']), headers: rh, body: Buffer.concat(chunks), trailers }),
    );
    req.on('error', reject);
    if (body !== undefined) {
      for (const b of Array.isArray(body) ? body : [body]) req.write(b);
      req.end();
    }
  });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile(cmd, args, { encoding: 'latin1', timeout: 10_000 }, (_e, stdout, stderr) =>
      resolve(stdout + stderr),
    ),
  );
}

describe('HTTP/2 (h2c prior knowledge) through the proxy', () => {
  let f: ProxyFixture;
  let session: http2.ClientHttp2Session;
  before(async () => {
    f = await startProxy(RULES, { upstream: 'h2' });
    session = http2.connect(f.url(''));
  });
  after(async () => {
    session.close();
    await f.close();
  });

  it('judges each stream on its own: allowed ones reach the server, denied ones get 403 Access denied', async () => {
    const [ok, denied, ok2] = await Promise.all([
      h2request(session, { ':path': '/ok/1?x=1' }),
      h2request(session, { ':path': '/admin' }),
      h2request(session, { ':path': '/ok/2', 'x-custom': 'v' }),
    ]);
    assert.equal(ok.status, 200);
    assert.equal(ok2.status, 200);
    assert.equal(denied.status, 403);
    assert.equal(denied.headers['content-type'], 'text/plain');
    assert.equal(denied.body.toString(), 'Access denied\r\n');
    const seen = JSON.parse(ok2.body.toString()) as EchoReply;
    assert.equal(seen.url, '/ok/2');
    assert.ok(seen.headers.some(([k, v]) => k === 'x-custom' && v === 'v'));
    assert.ok(seen.headers.some(([k, v]) => k === ':authority' && v === `127.0.0.1:${f.port}`));
    assert.deepEqual(
      f.up.seen.map((s) => s.url).sort(),
      ['/ok/1?x=1', '/ok/2'],
      'the denied stream never reached the server',
    );
    assert.equal(f.up.connections, 1, 'one upstream session carries the connection’s streams');
  });

  it('streams a request body with flow control (5 MiB) and a response with its trailers', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x7a);
    const parts = Array.from({ length: 20 }, () => chunk);
    const up = await h2request(session, { ':method': 'POST', ':path': '/upload' }, parts);
    const seen = JSON.parse(up.body.toString()) as EchoReply;
    assert.equal(seen.bodyBytes, 20 * chunk.length);
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    assert.equal(seen.bodySha256, h.digest('hex'));
    const st = await h2request(session, { ':path': '/stream/40' });
    assert.equal(st.body.length, 40 * 1024);
    assert.deepEqual(st.trailers?.['x-chunks'], '40', 'response trailers pass');
  });

  it('a client reset cancels the upstream stream', async () => {
    const before = f.up.seen.length;
    await new Promise<void>((resolve) => {
      const req = session.request({ ':path': '/stream/2000' });
      req.once('data', () => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        resolve();
      });
      req.on('error', () => {});
    });
    const ok = await h2request(session, { ':path': '/ok/after-reset' });
    assert.equal(ok.status, 200, 'the connection keeps working');
    assert.equal(f.up.seen.length, before + 2);
  });

  it('curl --http2-prior-knowledge and nghttp see the same answers', async () => {
    // One URL per curl: curl 7.88 fails to reuse a prior-knowledge connection to any Node http2 server
    // ("Error in the HTTP2 framing layer" before it sends the second request), proxy or not.
    const codes: string[] = [];
    for (const path of ['/ok/c', '/admin']) {
      const r = await curl([
        '--http2-prior-knowledge',
        '-o',
        '/dev/null',
        '-w',
        '%{http_version} %{http_code}',
        f.url(path),
      ]);
      codes.push(r.stdout);
    }
    assert.deepEqual(codes, ['2 200', '2 403']);
    const n = await run('nghttp', ['-v', f.url('/admin')]);
    assert.match(n, /recv \(stream_id=\d+\) :status: 403/);
    assert.match(n, /Access denied/);
  });

  it('emits REQUEST and RESPONSE events with protocol HTTP/2', async () => {
    const n = f.proxy.events.length;
    await h2request(session, { ':path': '/ok/ev' });
    const evs = f.proxy.events.slice(n);
    assert.deepEqual(eventLines(evs), [
      `REQUEST FORWARDED - GET http://127.0.0.1:${f.port}/ok/ev`,
      `RESPONSE FORWARDED 200 GET http://127.0.0.1:${f.port}/ok/ev`,
    ]);
    assert.equal(evs[0]!.l7.http?.protocol, 'HTTP/2');
  });
});

describe('HTTP/2 via Upgrade: h2c', () => {
  it('curl --http2: 101, the upgraded request is judged and answered on stream 1, the next ones too', async () => {
    const f = await startProxy(RULES, { upstream: 'h2' });
    try {
      const r = await curl(['--http2', '-i', f.url('/ok/upgraded'), f.url('/admin')]);
      assert.match(r.stdout, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
      assert.match(r.stdout, /HTTP\/2 200 \r\n[\s\S]*"url":"\/ok\/upgraded"/);
      assert.match(r.stdout, /HTTP\/2 403 \r\n[\s\S]*Access denied\r\n$/);
      const seen = f.up.seen.find((s) => s.url === '/ok/upgraded')!;
      const names = seen.headers.map(([k]) => k);
      for (const h of ['upgrade', 'http2-settings', 'connection', 'host'])
        assert.ok(!names.includes(h), `${h} dropped`);
      const n = await run('nghttp', ['-nvu', f.url('/admin')]);
      assert.match(n, /HTTP Upgrade success/);
      assert.match(
        n,
        /recv \(stream_id=1\) :status: 403/,
        'stream 1 carries the answer to the upgraded request',
      );
    } finally {
      await f.close();
    }
  });

  it('an Upgrade request with a body stays on HTTP/1.1, without its Upgrade headers', async () => {
    const f = await startProxy(RULES, { upstream: 'h1' });
    try {
      const r = await curl(['--http2', '-i', '-d', 'payload', f.url('/upload')]);
      assert.match(r.stdout, /^HTTP\/1\.1 200 OK\r\n/);
      const seen = f.up.seen.at(-1)!;
      assert.equal(seen.bodyBytes, 7);
      const names = seen.headers.map(([k]) => k);
      assert.ok(!names.includes('upgrade') && !names.includes('http2-settings'));
    } finally {
      await f.close();
    }
  });

  it('an Upgrade to something else (websocket) is passed on as a plain request, its upgrade dropped', async () => {
    const f = await startProxy(RULES, { upstream: 'h1' });
    try {
      const r = await curl(['-i', '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', f.url('/ok/ws')]);
      assert.match(r.stdout, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(!f.up.seen.at(-1)!.headers.some(([k]) => k === 'upgrade'));
    } finally {
      await f.close();
    }
  });
});

describe('HTTP/2: upstream failure and header actions', () => {
  it("an unreachable upstream gets Envoy's 503 on the stream, counted", async () => {
    const f = await startProxy(RULES, { upstream: 'h2', deadUpstream: 1 });
    const s = http2.connect(f.url(''));
    try {
      const r = await h2request(s, { ':path': '/ok' });
      assert.equal(r.status, 503);
      assert.match(r.body.toString(), /^upstream connect error/);
      assert.equal(f.proxy.count('upstream-error'), 1);
      const d = await h2request(s, { ':path': '/admin' });
      assert.equal(d.status, 403, 'the connection stays usable');
    } finally {
      s.close();
      await f.close();
    }
  });

  it('headerMatches actions edit the forwarded headers', async () => {
    const f = await startProxy([{ headerMatches: [{ name: 'x-env', value: 'prod', mismatch: 'REPLACE' }] }], {
      upstream: 'h2',
    });
    const s = http2.connect(f.url(''));
    try {
      const r = await h2request(s, { ':path': '/x', 'x-env': 'dev' });
      const seen = JSON.parse(r.body.toString()) as EchoReply;
      assert.deepEqual(
        seen.headers.filter(([k]) => k === 'x-env'),
        [['x-env', 'prod']],
      );
    } finally {
      s.close();
      await f.close();
    }
  });
});
