// A malformed-frame corpus and a fuzz run through the Kafka handler: each bad connection is closed and counted,
// the proxy process survives and goes on serving.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeRequestFrame } from '../../src/kafka/index.js';
import { HQ, type ProxyHarness, startProxyHarness } from './kafka-proxy-harness.js';

const frame = (body: number[]) => {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(body.length, 0);
  Buffer.from(body).copy(b, 4);
  return b;
};
const header = (apiKey: number, version: number) => [0, apiKey, 0, version, 0, 0, 0, 1, 0, 1, 0x63];

/** Each entry: what it is, and the bytes a client sends. */
const CORPUS: Array<[string, Buffer]> = [
  ['size over the limit', Buffer.from([0x00, 0x10, 0x00, 0x01])],
  ['negative size', Buffer.from([0xff, 0xff, 0xff, 0xfe])],
  ['size below a header', frame([0, 3, 0, 1])],
  ['negative API key', frame([0xff, 0xff, 0, 0, 0, 0, 0, 1, 0xff, 0xff])],
  ['client id longer than the frame', frame([0, 3, 0, 1, 0, 0, 0, 1, 0x7f, 0])],
  [
    'Produce v3 cut inside the topic list',
    frame([...header(0, 3), 0xff, 0xff, 0, 1, 0, 0, 0, 100, 0, 0, 0, 5, 0, 1]),
  ],
  ['Metadata v1 with a billion topics', frame([...header(3, 1), 0x40, 0, 0, 0])],
  [
    'Metadata v9 with a varint longer than 5 bytes',
    frame([...header(3, 9), 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  ],
  ['Metadata v1 with trailing bytes', frame([...header(3, 1), 0, 0, 0, 0, 1, 2, 3])],
  [
    'Fetch v4 with a negative string length',
    frame([...header(1, 4), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0xff, 0xfe]),
  ],
];

function sendAndWaitClose(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port, localAddress: HQ }, () => s.write(bytes));
    s.on('data', (d) => got.push(d));
    s.on('error', () => undefined);
    s.on('close', () => resolve(Buffer.concat(got)));
    setTimeout(() => {
      s.destroy();
      reject(new Error('the proxy did not close the connection'));
    }, 3000).unref();
  });
}

describe('Kafka handler: malformed frames', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness({ [HQ]: [{}] }, { maxRequestBytes: 1024 * 1024 });
  });
  after(() => h.close());

  for (const [name, bytes] of CORPUS) {
    it(`closes and counts: ${name}`, async () => {
      const before = h.counts.get('malformed') ?? 0;
      const answer = await sendAndWaitClose(h.proxyPort, bytes);
      assert.equal(answer.length, 0, 'no bytes answered');
      assert.equal(h.counts.get('malformed'), before + 1);
    });
  }

  it('fuzz: random frames never stop the proxy from serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 8, maxLength: 64 }),
        fc.integer({ min: 0, max: 20 }),
        async (body, key) => {
          const b = frame([0, key, ...body]);
          const s = net.connect({ host: '127.0.0.1', port: h.proxyPort, localAddress: HQ });
          s.on('error', () => undefined);
          s.write(b);
          await new Promise((r) => setTimeout(r, 5));
          s.destroy();
        },
      ),
      { numRuns: 60 },
    );
    const producer = h.kafka(HQ).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'still-alive', messages: [{ value: 'ok' }] });
    await producer.disconnect();
    assert.equal(h.broker.topicSizes().get('still-alive')?.endOffset, 1n);
  });

  it('a good request before a bad one on the same connection gets its answer first', async () => {
    const good = encodeRequestFrame({ apiKey: 18, apiVersion: 0, correlationId: 77, clientId: 'x' }, {});
    const answer = await sendAndWaitClose(
      h.proxyPort,
      Buffer.concat([good, Buffer.from([0xff, 0xff, 0xff, 0xff])]),
    );
    assert.ok(answer.length > 8);
    assert.equal(answer.readInt32BE(4), 77);
  });
});
