// The malformed-HTTP corpus: smuggling variants, oversized heads, garbage, slow and half-closed clients, bad
// HTTP/2 frames. Each case must get its status (or a close), be counted, and leave the proxy serving.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { L7Counter } from '../../src/proxy/l7-handler.js';
import { type ProxyFixture, startProxy } from './proxy-fixture.js';
import { rawExchange, statuses } from './raw-client.js';

interface Case {
  readonly name: string;
  readonly send: string | Buffer | Array<string | Buffer>;
  /** The status the proxy answers with, or 'close' (no answer at all). */
  readonly expect: number | 'close';
  /** The counter that goes up by one (none: nothing counted). */
  readonly counter?: L7Counter;
  readonly pieceDelayMs?: number;
  readonly endAfterWrite?: boolean;
  /** HTTP/2: the error code of the GOAWAY the proxy must send. */
  readonly goaway?: number;
}

/** The error code of the first GOAWAY frame in an HTTP/2 byte stream from the server, if any. */
function goawayCode(data: Buffer): number | undefined {
  for (let off = 0; off + 9 <= data.length; ) {
    const len = data.readUIntBE(off, 3);
    if (data[off + 3] === 0x7 && off + 17 <= data.length) return data.readUInt32BE(off + 13);
    off += 9 + len;
  }
  return undefined;
}

const H = 'Host: svc\r\n';
const big = (n: number) => 'a'.repeat(n);

/** Frames for the HTTP/2 cases: 9-byte header + payload. */
function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer | string = Buffer.alloc(0),
): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const h = Buffer.alloc(9);
  h.writeUIntBE(p.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, p]);
}
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const SETTINGS = frame(0x4, 0, 0);

const CASES: Case[] = [
  // Request smuggling: framing the proxy and a server could read differently.
  {
    name: 'Content-Length with Transfer-Encoding',
    send: `POST /ok HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'Transfer-Encoding then Content-Length',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'duplicate Content-Length (same value)',
    send: `POST /ok HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 1\r\n\r\nx`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'duplicate Content-Length (different values)',
    send: `POST /ok HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nxx`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'Content-Length list',
    send: `POST /ok HTTP/1.1\r\n${H}Content-Length: 1, 1\r\n\r\nx`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'negative Content-Length',
    send: `POST /ok HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'signed Content-Length',
    send: `POST /ok HTTP/1.1\r\n${H}Content-Length: +1\r\n\r\nx`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'Transfer-Encoding: gzip (not chunked)',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`,
    expect: 501,
    counter: 'smuggling',
  },
  {
    name: 'Transfer-Encoding: chunked, gzip',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'Transfer-Encoding: gzip, chunked (coding not implemented)',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
    expect: 501,
    counter: 'smuggling',
  },
  {
    name: 'two Transfer-Encoding headers',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'Transfer-Encoding: xchunked',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`,
    expect: 501,
    counter: 'smuggling',
  },
  {
    name: 'space before the colon of Transfer-Encoding',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
    expect: 400,
    counter: 'malformed',
  },
  {
    name: 'bad chunk size',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'chunk size overflow',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'chunk size ended by a bare LF',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'chunk extension ended by a bare LF',
    send: `POST /ok HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1;a=b\nx\r\n0\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'bare LF line endings',
    send: 'GET /ok HTTP/1.1\nHost: svc\n\n',
    expect: 400,
    counter: 'malformed',
  },
  {
    name: 'bare LF after a header',
    send: `GET /ok HTTP/1.1\r\nHost: svc\nX: y\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'bare CR in a header',
    send: `GET /ok HTTP/1.1\r\nHost: svc\rX: y\r\n\r\n`,
    expect: 400,
    counter: 'smuggling',
  },
  {
    name: 'obs-fold continuation line',
    send: `GET /ok HTTP/1.1\r\n${H}X: y\r\n z\r\n\r\n`,
    expect: 400,
    counter: 'malformed',
  },
  {
    name: 'NUL in a header value',
    send: `GET /ok HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`,
    expect: 400,
    counter: 'malformed',
  },
  {
    name: 'control character in a header value',
    send: `GET /ok HTTP/1.1\r\n${H}X: a\x01b\r\n\r\n`,
    expect: 400,
    counter: 'malformed',
  },
  {
    name: 'space in a header name',
    send: `GET /ok HTTP/1.1\r\n${H}X Y: z\r\n\r\n`,
    expect: 400,
    counter: 'malformed',
  },
  {
    name: 'space in the request target',
    send: `GET /a b HTTP/1.1\r\n${H}\r\n`,
    expect: 400,
    counter: 'malformed',
  },
  // Hosts and versions.
  { name: 'HTTP/1.1 without Host', send: 'GET /ok HTTP/1.1\r\n\r\n', expect: 400, counter: 'malformed' },
  { name: 'two Host headers', send: `GET /ok HTTP/1.1\r\n${H}${H}\r\n`, expect: 400, counter: 'malformed' },
  { name: 'HTTP/0.9 request', send: 'GET /ok\r\n\r\n', expect: 505, counter: 'malformed' },
  {
    name: 'HTTP/2.0 in an HTTP/1 request line',
    send: `GET /ok HTTP/2.0\r\n${H}\r\n`,
    expect: 505,
    counter: 'malformed',
  },
  { name: 'HTTP/1.2', send: `GET /ok HTTP/1.2\r\n${H}\r\n`, expect: 400, counter: 'malformed' },
  {
    name: 'a target that is not origin-form',
    send: `GET ok HTTP/1.1\r\n${H}\r\n`,
    expect: 400,
    counter: 'malformed',
  },
  { name: 'CONNECT', send: `CONNECT svc:443 HTTP/1.1\r\n${H}\r\n`, expect: 405, counter: 'malformed' },
  // Oversized heads.
  {
    name: 'one header line over 8 KiB',
    send: `GET /ok HTTP/1.1\r\n${H}X-Big: ${big(9000)}\r\n\r\n`,
    expect: 431,
    counter: 'header-too-large',
  },
  {
    name: 'request line over 8 KiB',
    send: `GET /ok?${big(9000)} HTTP/1.1\r\n${H}\r\n`,
    expect: 431,
    counter: 'header-too-large',
  },
  {
    name: 'headers over 64 KiB in total',
    send: `GET /ok HTTP/1.1\r\n${H}${Array.from({ length: 10 }, (_, i) => `X-${i}: ${big(7000)}\r\n`).join('')}\r\n`,
    expect: 431,
    counter: 'header-too-large',
  },
  // Garbage.
  {
    name: 'a TLS ClientHello',
    send: Buffer.from('1603010200010001fc0303', 'hex'),
    expect: 400,
    counter: 'malformed',
  },
  {
    name: 'binary noise',
    send: Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]),
    expect: 400,
    counter: 'malformed',
  },
  // Half-closed sockets.
  {
    name: 'a request cut short, then FIN',
    send: `GET /ok HTTP/1.1\r\n${H}X-Part`,
    endAfterWrite: true,
    expect: 'close',
    counter: 'malformed',
  },
  {
    name: 'a body cut short, then FIN',
    send: `POST /ok HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`,
    endAfterWrite: true,
    expect: 'close',
    counter: 'malformed',
  },
  { name: 'FIN before any byte', send: '', endAfterWrite: true, expect: 'close' },
  // Slow clients (headersTimeoutMs is 400 here).
  {
    name: 'slowloris: header bytes trickle in and never end',
    send: [
      'GET /ok HTTP/1.1\r\n',
      'Host: svc\r\n',
      'X-1: a\r\n',
      'X-2: a\r\n',
      'X-3: a\r\n',
      'X-4: a\r\n',
      'X-5: a\r\n',
      'X-6: a\r\n',
    ],
    pieceDelayMs: 150,
    expect: 408,
    counter: 'timeout',
  },
  { name: 'idle: connects and sends nothing', send: [], expect: 'close', counter: 'timeout' },
  // HTTP/2.
  {
    name: 'h2: preface then garbage',
    send: Buffer.concat([PREFACE, Buffer.from('garbage garbage garbage')]),
    expect: 'close',
    counter: 'malformed',
  },
  {
    name: 'h2: a first frame that is not SETTINGS',
    send: Buffer.concat([PREFACE, frame(0x6, 0, 0, Buffer.alloc(8))]),
    expect: 'close',
    counter: 'malformed',
  },
  {
    name: 'h2: SETTINGS on a stream',
    send: Buffer.concat([PREFACE, SETTINGS, frame(0x4, 0, 1)]),
    expect: 'close',
    counter: 'malformed',
  },
  {
    name: 'h2: HEADERS on an even (server) stream id',
    send: Buffer.concat([PREFACE, SETTINGS, frame(0x1, 0x5, 2, Buffer.from([0x82]))]),
    expect: 'close',
    counter: 'malformed',
  },
  // nghttp2 answers these two with GOAWAY on its own and Node reports nothing: the connection is closed by the
  // idle timeout unless the client hangs up first (real clients do on a GOAWAY with an error).
  {
    name: 'h2: HEADERS with an undecodable HPACK block',
    send: Buffer.concat([PREFACE, SETTINGS, frame(0x1, 0x5, 1, Buffer.from([0xff, 0xff, 0xff, 0xff]))]),
    expect: 'close',
    counter: 'timeout',
    goaway: 0x9,
  },
  {
    name: 'h2: a frame larger than SETTINGS_MAX_FRAME_SIZE',
    send: Buffer.concat([PREFACE, SETTINGS, frame(0x0, 0, 1, Buffer.alloc(20000))]),
    expect: 'close',
    counter: 'timeout',
    goaway: 0x6,
  },
  {
    name: 'h2c Upgrade answered with something that is not the preface',
    send: [
      `GET /ok HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n`,
      'GET / HTTP/1.1\r\n\r\n',
    ],
    pieceDelayMs: 100,
    expect: 101,
    counter: 'malformed',
  },
];

describe('malformed HTTP corpus', () => {
  let f: ProxyFixture;
  before(async () => {
    f = await startProxy([{ path: '/ok' }], { options: { headersTimeoutMs: 400, idleTimeoutMs: 400 } });
  });
  after(() => f.close());

  for (const c of CASES) {
    it(`${c.name} → ${c.expect}${c.counter ? `, counted as ${c.counter}` : ''}`, async () => {
      const counts = new Map(f.proxy.counters);
      const r = await rawExchange(f.port, c.send, {
        waitMs: 3000,
        ...(c.pieceDelayMs !== undefined && { pieceDelayMs: c.pieceDelayMs }),
        ...(c.endAfterWrite && { endAfterWrite: true }),
      });
      assert.ok(r.closed, `the proxy closed the connection; got ${JSON.stringify(r.data.slice(0, 200))}`);
      if (c.goaway !== undefined) {
        assert.equal(goawayCode(Buffer.from(r.data, 'latin1')), c.goaway, 'GOAWAY with the protocol error');
      }
      if (c.expect === 'close') assert.doesNotMatch(r.data, /^HTTP\/1/, 'no HTTP/1 answer');
      else assert.equal(statuses(r.data)[0], c.expect, JSON.stringify(r.data.slice(0, 200)));
      for (const [k, v] of f.proxy.counters) {
        const delta = v - (counts.get(k) ?? 0);
        if (k === c.counter) assert.equal(delta, 1, `${k} counted once`);
        else if (k !== 'requests') assert.equal(delta, 0, `${k} not counted`);
      }
      if (c.counter) assert.ok(f.proxy.counters.has(c.counter), `${c.counter} counted`);
      assert.equal(f.up.seen.length, 0, 'nothing reached the server');
    });
  }

  it('a complete request followed by a half-close still gets its answer', async () => {
    const r = await rawExchange(f.port, `GET /ok HTTP/1.1\r\n${H}\r\n`, {
      endAfterWrite: true,
      waitMs: 3000,
    });
    assert.deepEqual(statuses(r.data), [200]);
    assert.ok(r.closed);
  });

  it('a kept-alive connection idle past the idle timeout is closed and counted', async () => {
    const before = f.proxy.count('timeout');
    const r = await rawExchange(f.port, `GET /ok HTTP/1.1\r\n${H}\r\n`, { waitMs: 4000 });
    assert.deepEqual(statuses(r.data), [200]);
    assert.ok(r.closed);
    assert.equal(f.proxy.count('timeout') - before, 1);
  });

  it('h2: a header field over the line limit gets 431 on its stream', async () => {
    const before = f.proxy.count('header-too-large');
    const s = http2.connect(f.url(''));
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = s.request({ ':path': '/ok', 'x-big': 'a'.repeat(9000) });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('error', reject);
        req.resume();
      });
      assert.equal(status, 431);
      assert.equal(f.proxy.count('header-too-large') - before, 1);
    } finally {
      s.close();
    }
  });

  it('after the whole corpus the proxy still serves', async () => {
    const r = await rawExchange(f.port, `GET /ok HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, {
      waitMs: 3000,
    });
    assert.deepEqual(statuses(r.data), [200]);
  });
});
