// Malformed DNS from pods: a corpus and a fuzz. Each bad message is dropped without an answer and counted; nothing crashes.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import {
  createDnsProxy,
  type DnsMalformedReason,
  frameDnsMessage,
  parseDnsQuery,
} from '../../src/proxy/dns/index.js';
import {
  a,
  dig,
  type RedirectHarness,
  startRedirectHarness,
  startTestDnsServer,
  type TestDnsServer,
} from './dns-harness.js';

const query = (name = 'api.github.com', extra: Partial<dnsPacket.Packet> = {}) =>
  dnsPacket.encode({
    type: 'query',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A', class: 'IN' }],
    ...extra,
  });
const header = (flags: number, qd: number, an = 0, ns = 0, ar = 0) => {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(0x1234, 0);
  b.writeUInt16BE(flags, 2);
  b.writeUInt16BE(qd, 4);
  b.writeUInt16BE(an, 6);
  b.writeUInt16BE(ns, 8);
  b.writeUInt16BE(ar, 10);
  return b;
};
const q1 = query();
const withClass = (cls: number) => {
  const b = Buffer.from(q1);
  b.writeUInt16BE(cls, b.length - 2);
  return b;
};

/** message → the reason it must be dropped for. */
const CORPUS: [string, Buffer, DnsMalformedReason][] = [
  ['empty', Buffer.alloc(0), 'too-short'],
  ['one byte', Buffer.from([0]), 'too-short'],
  ['header only', header(0x0100, 1), 'too-short'],
  ['truncated question', q1.subarray(0, 20), 'bad-name'],
  ['question without type and class', q1.subarray(0, q1.length - 4), 'bad-name'],
  [
    'compression pointer in the question',
    Buffer.concat([header(0x0100, 1), Buffer.from([0xc0, 12, 0, 1, 0, 1])]),
    'bad-name',
  ],
  [
    'label length past the end',
    Buffer.concat([header(0x0100, 1), Buffer.from([63, 97, 98, 0, 0, 1, 0, 1])]),
    'bad-name',
  ],
  [
    'reserved label type 0x40',
    Buffer.concat([header(0x0100, 1), Buffer.from([0x41, 97, 0, 0, 1, 0, 1])]),
    'bad-name',
  ],
  [
    'name longer than 255',
    Buffer.concat([
      header(0x0100, 1),
      Buffer.from(
        Array(5)
          .fill([63, ...Array(63).fill(97)])
          .flat(),
      ),
      Buffer.from([0, 0, 1, 0, 1]),
    ]),
    'bad-name',
  ],
  [
    'two questions',
    query('a.com', {
      questions: [
        { name: 'a.com', type: 'A' },
        { name: 'b.com', type: 'A' },
      ],
    }),
    'question-count',
  ],
  ['no question', header(0x0100, 0, 0, 0, 0).fill(0, 12), 'too-short'],
  ['no question, padded', Buffer.concat([header(0x0100, 0), Buffer.alloc(8)]), 'question-count'],
  ['class CH', withClass(3), 'class'],
  ['class ANY', withClass(255), 'class'],
  ['class 0', withClass(0), 'class'],
  ['a response', Buffer.from(q1).fill(0x81, 2, 3), 'not-a-query'],
  [
    'opcode UPDATE',
    (() => {
      const b = Buffer.from(q1);
      b.writeUInt16BE(5 << 11, 2);
      return b;
    })(),
    'opcode',
  ],
  ['oversized', Buffer.concat([q1, Buffer.alloc(5000)]), 'oversized'],
  [
    'answer count with no answers',
    (() => {
      const b = Buffer.from(q1);
      b.writeUInt16BE(3, 6);
      return b;
    })(),
    'undecodable',
  ],
  [
    'compression loop in an additional record',
    (() => {
      const b = Buffer.concat([q1, Buffer.from([0xc0, q1.length, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4])]);
      b.writeUInt16BE(1, 10);
      return b;
    })(),
    'undecodable',
  ],
  ['garbage (HTTP on port 53)', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'opcode'],
];

describe('malformed DNS', () => {
  let upstream: TestDnsServer;
  let harness: RedirectHarness;
  const proxy = createDnsProxy({ judge: () => ({ verdict: 'FORWARDED', rules: [] }) });

  before(async () => {
    upstream = await startTestDnsServer('127.0.0.63', {
      'api.github.com': [a('api.github.com', '203.0.113.10')],
    });
    harness = await startRedirectHarness(proxy, '127.0.0.62', upstream.address);
  });
  after(async () => {
    await harness.close();
    await upstream.close();
  });

  it('the corpus parses to the expected reasons (and a valid query still parses)', () => {
    assert.equal(parseDnsQuery(q1).ok, true);
    for (const [what, msg, reason] of CORPUS) {
      const p = parseDnsQuery(msg);
      assert.deepEqual(p, { ok: false, reason }, what);
    }
  });

  it('over UDP: no answer for any of them, each counted, and the proxy still answers dig', async () => {
    const sock = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    sock.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const before = proxy.stats().counters.malformed;
    for (const [, msg] of CORPUS) sock.send(msg, harness.address.port, harness.address.address);
    await new Promise((r) => setTimeout(r, 300));
    sock.close();
    assert.deepEqual(replies, []);
    assert.equal(proxy.stats().counters.malformed - before, CORPUS.length);
    assert.equal(proxy.stats().malformed.class, 3);
    assert.equal(upstream.queries.length, 0, 'nothing malformed was forwarded');
    assert.deepEqual(
      (await dig(harness.address, 'api.github.com')).answers.map((x) => x.data),
      ['203.0.113.10'],
    );
  });

  it('over TCP: a malformed message closes that connection only', async () => {
    const s = net.connect(harness.address.port, harness.address.address);
    await new Promise((r) => s.once('connect', r));
    const closed = new Promise((r) => s.once('close', r));
    s.write(frameDnsMessage(withClass(3)));
    await closed;
    assert.deepEqual(
      (await dig(harness.address, 'api.github.com', 'A', ['+tcp'])).answers.map((x) => x.data),
      ['203.0.113.10'],
    );
  });

  it('fuzz: random bytes and mutated queries never throw, and are answered or counted', async () => {
    const sent: Buffer[] = [];
    const local = createDnsProxy({
      judge: () => ({ verdict: 'FORWARDED', rules: [] }),
      forwardUdp: async (raw) => {
        sent.push(raw);
        const r = Buffer.from(raw);
        r.writeUInt16BE(r.readUInt16BE(2) | 0x8000, 2);
        return r;
      },
    });
    const mutated = fc
      .tuple(
        fc.constantFrom(
          q1,
          query('x.example', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] }),
        ),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
      )
      .map(([base, flips, cut]) => {
        const b = Buffer.from(base);
        for (const [i, v] of flips) b[i % b.length] = v;
        return b.subarray(0, Math.max(1, b.length - (cut % 4 === 0 ? cut % 20 : 0)));
      });
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u)),
      mutated,
    );
    await fc.assert(
      fc.asyncProperty(input, async (msg) => {
        const before = local.stats();
        let replies = 0;
        await local.handleUdp(
          msg,
          { address: '10.244.0.5', port: 5353 },
          { address: '10.96.0.10', port: 53 },
          () => replies++,
        );
        const after = local.stats();
        const handled =
          replies +
          (after.counters.malformed - before.counters.malformed) +
          (after.counters['upstream-malformed'] - before.counters['upstream-malformed']);
        assert.ok(handled >= 1, `neither answered nor counted: ${msg.toString('hex')}`);
        assert.doesNotThrow(() => parseDnsQuery(msg));
      }),
      { numRuns: 500 },
    );
    assert.ok(sent.length > 0, 'some mutated queries were valid and forwarded');
  });
});
