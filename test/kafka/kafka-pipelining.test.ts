// Per-request decisions on one connection: pipelined requests, some refused, answered in order by correlation id.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  API_SPECS,
  ByteReader,
  decodeMessage,
  encodeRecordBatch,
  encodeRequestFrame,
  FrameSplitter,
  type KafkaStruct,
  structs,
} from '../../src/kafka/index.js';
import { HQ, type ProxyHarness, startProxyHarness } from './kafka-proxy-harness.js';

const PRODUCE_V = 7;

function produce(correlationId: number, topic: string, acks = -1): Buffer {
  return encodeRequestFrame(
    { apiKey: 0, apiVersion: PRODUCE_V, correlationId, clientId: 'hq' },
    {
      transactionalId: null,
      acks,
      timeoutMs: 1000,
      topicData: [
        {
          name: topic,
          partitionData: [{ index: 0, records: encodeRecordBatch([{ value: Buffer.from(topic) }]) }],
        },
      ],
    },
  );
}

/** Sends all frames at once and reads `n` responses (Produce v7 layout for 0, Metadata v5 for 3). */
function exchange(
  port: number,
  frames: Buffer[],
  n: number,
): Promise<{ responses: Buffer[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const responses: Buffer[] = [];
    const split = new FrameSplitter({ maxFrameBytes: 1 << 20 });
    const s = net.connect({ host: '127.0.0.1', port, localAddress: HQ }, () =>
      s.write(Buffer.concat(frames)),
    );
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ responses, closed });
    };
    s.on('data', (d) => {
      for (const f of split.push(d)) responses.push(Buffer.concat(f.chunks).subarray(4));
      if (responses.length === n) done(false);
    });
    s.on('close', () => done(true));
    s.on('error', () => undefined);
    const timer = setTimeout(() => reject(new Error(`${responses.length}/${n} responses`)), 3000);
  });
}

function decode(apiKey: number, version: number, body: Buffer): { correlationId: number; msg: KafkaStruct } {
  const r = new ByteReader(body);
  const correlationId = r.int32();
  return { correlationId, msg: decodeMessage(API_SPECS.get(apiKey)!.response, version, r) };
}
const partitionError = (m: KafkaStruct) =>
  structs(structs(m, 'responses')![0]!, 'partitionResponses')![0]!.errorCode;

describe('Kafka handler: one connection, many decisions', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness({ [HQ]: [{ role: 'produce', topic: 'allowed' }] });
  });
  after(() => h.close());

  it('pipelined allowed, refused, allowed: three answers in request order, the refusal from the proxy', async () => {
    const meta = encodeRequestFrame(
      { apiKey: 3, apiVersion: 5, correlationId: 1, clientId: 'hq' },
      { topics: [{ name: 'allowed' }] },
    );
    const { responses, closed } = await exchange(
      h.proxyPort,
      [meta, produce(2, 'allowed'), produce(3, 'secret'), produce(4, 'allowed')],
      4,
    );
    assert.equal(closed, false);
    assert.deepEqual(
      responses.map((b) => b.readInt32BE(0)),
      [1, 2, 3, 4],
    );
    assert.equal(partitionError(decode(0, PRODUCE_V, responses[1]!).msg), 0);
    assert.equal(partitionError(decode(0, PRODUCE_V, responses[2]!).msg), 29);
    assert.equal(partitionError(decode(0, PRODUCE_V, responses[3]!).msg), 0);
    assert.equal(h.broker.topicSizes().get('allowed')?.endOffset, 2n);
    assert.equal(h.broker.topicSizes().get('secret'), undefined);
  });

  it('a refused Produce with acks=0 closes the connection after the answers owed before it', async () => {
    const { responses, closed } = await exchange(
      h.proxyPort,
      [produce(10, 'allowed'), produce(11, 'secret', 0)],
      2,
    );
    assert.equal(closed, true);
    assert.deepEqual(
      responses.map((b) => b.readInt32BE(0)),
      [10],
    );
  });
});
