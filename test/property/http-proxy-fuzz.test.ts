// Fuzzing the HTTP handler: random bytes, random HTTP/2 frames and mutations of valid (pipelined) requests.
// Whatever arrives, the proxy must not throw, must end or answer the connection, must keep serving, and must
// never let a request the rules deny reach the server (a smuggled request would).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type ProxyFixture, startProxy } from '../proxy/proxy-fixture.js';
import { rawExchange, statuses } from '../proxy/raw-client.js';
import { runs } from './verdict-table.js';

const ALLOWED = /^\/ok(\/.*)?$/;

/** Valid requests, alone and pipelined; the denied ones (/admin) must never reach the server. */
const SEEDS = [
  'GET /ok HTTP/1.1\r\nHost: svc\r\n\r\n',
  'POST /ok/p HTTP/1.1\r\nHost: svc\r\nContent-Length: 5\r\n\r\nhello',
  'POST /ok/c HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET /ok/1 HTTP/1.1\r\nHost: svc\r\n\r\nGET /admin HTTP/1.1\r\nHost: svc\r\n\r\n',
  'POST /ok/s HTTP/1.1\r\nHost: svc\r\nContent-Length: 34\r\n\r\nGET /admin HTTP/1.1\r\nHost: svc\r\n\r\n',
  'POST /ok/t HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: svc\r\n\r\n',
  'GET /admin HTTP/1.1\r\nHost: svc\r\nContent-Length: 0\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00',
];

/** Small edits that break framing in the ways smuggling attacks do. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '\r',
      '\n',
      '\r\n',
      ' ',
      '\t',
      ':',
      ',',
      '\x00',
      'Content-Length: 0\r\n',
      'Transfer-Encoding: chunked\r\n',
      '0\r\n\r\n',
      'HTTP/1.1',
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(s: string, m: Mutation): string {
  const at = s.length === 0 ? 0 : m.at % s.length;
  switch (m.kind) {
    case 'insert':
      return s.slice(0, at) + m.text + s.slice(at);
    case 'delete':
      return s.slice(0, at) + s.slice(at + m.len);
    case 'byte':
      return s.slice(0, at) + String.fromCharCode(m.byte) + s.slice(at + 1);
    case 'dup':
      return s.slice(0, at + m.len) + s.slice(at, at + m.len) + s.slice(at + m.len);
  }
}

/** The input split into pieces at random points (so the parser sees every boundary). */
const split = (bytes: Buffer) =>
  fc.array(fc.nat({ max: Math.max(0, bytes.length) }), { maxLength: 4 }).map((cuts) => {
    const points = [...new Set(cuts)].sort((a, b) => a - b);
    const out: Buffer[] = [];
    let prev = 0;
    for (const p of points) {
      out.push(bytes.subarray(prev, p));
      prev = p;
    }
    out.push(bytes.subarray(prev));
    return out.filter((b) => b.length > 0);
  });

const frame = fc
  .record({
    type: fc.integer({ min: 0, max: 12 }),
    flags: fc.integer({ min: 0, max: 255 }),
    stream: fc.integer({ min: 0, max: 9 }),
    payload: fc.uint8Array({ maxLength: 64 }),
  })
  .map(({ type, flags, stream, payload }) => {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3);
    h[3] = type;
    h[4] = flags;
    h.writeUInt32BE(stream, 5);
    return Buffer.concat([h, Buffer.from(payload)]);
  });

const inputs = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc
    .tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([seed, ms]) => Buffer.from(ms.reduce(mutate, seed), 'latin1')),
  fc
    .array(frame, { maxLength: 6 })
    .map((fs) => Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), ...fs])),
);

describe('HTTP handler fuzz (fast-check)', () => {
  let f: ProxyFixture;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  before(async () => {
    process.on('uncaughtException', onUncaught);
    f = await startProxy([{ path: '/ok(/.*)?' }], { options: { headersTimeoutMs: 500, idleTimeoutMs: 500 } });
  });
  after(async () => {
    process.removeListener('uncaughtException', onUncaught);
    await f.close();
  });

  it('survives anything, ends every connection, and lets no denied request through', async () => {
    await fc.assert(
      fc.asyncProperty(
        inputs.chain((b) => split(b)),
        async (pieces) => {
          const r = await rawExchange(f.port, pieces, { endAfterWrite: true, waitMs: 2000 });
          assert.ok(r.closed, 'the connection was ended by the proxy');
          for (const s of f.up.seen)
            assert.match(s.url, ALLOWED, `a denied request reached the server: ${s.url}`);
          assert.deepEqual(uncaught, []);
        },
      ),
      {
        numRuns: runs(250),
        ...(process.env.PORIN_PROPERTY_SEED ? { seed: Number(process.env.PORIN_PROPERTY_SEED) } : {}),
      },
    );
    const ok = await rawExchange(f.port, 'GET /ok HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(ok.data), [200], 'still serving');
  });
});
