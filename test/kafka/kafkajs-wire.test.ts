// kafkajs's own requests, captured on the wire: each decodes completely and re-encodes to the same bytes.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaBroker, startKafkaBroker } from '../../src/cluster/workloads/index.js';
import {
  apiSpec,
  ByteReader,
  decodeMessage,
  encodeRequestFrame,
  FrameSplitter,
  readRequestHeader,
  skipRequestHeaderTags,
} from '../../src/kafka/index.js';
import { parseRequest } from '../../src/proxy/kafka/parse-request.js';

describe('kafkajs requests on the wire', () => {
  let broker: KafkaBroker;
  let relay: net.Server;
  const frames: Buffer[] = [];
  const sockets = new Set<net.Socket>();

  before(async () => {
    relay = net.createServer((client) => {
      const up = net.connect({ host: '127.0.0.1', port: broker.port });
      const splitter = new FrameSplitter({ maxFrameBytes: 1 << 26, minFrameBytes: 8 });
      for (const s of [client, up]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.on('data', (d: Buffer) => {
        for (const f of splitter.push(d)) frames.push(Buffer.concat(f.chunks));
        up.write(d);
      });
      up.pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as net.AddressInfo).port;
    broker = await startKafkaBroker({
      port: 0,
      bind: '127.0.0.1',
      advertisedPort: port,
      initialRebalanceDelayMs: 20,
    });
    const kafka = new Kafka({ clientId: 'wire', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'w1' }, { topic: 'w2' }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.sendBatch({
      topicMessages: [
        { topic: 'w1', messages: [{ key: 'k', value: 'v', headers: { a: 'b' } }] },
        { topic: 'w2', messages: [{ value: 'v2' }] },
      ],
    });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'wire-group', heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['w1', 'w2'], fromBeginning: true });
    await new Promise<void>((resolve) => {
      let n = 0;
      void consumer.run({
        autoCommitInterval: 1,
        eachMessage: async () => {
          if (++n === 2) resolve();
        },
      });
    });
    // kafkajs heartbeats from its fetch loop once heartbeatInterval has passed; wait for one on the wire
    // (bounded) instead of sleeping a fixed time, which a loaded machine outruns.
    const hasApiKey = (key: number) => frames.some((f) => f.length >= 6 && f.readInt16BE(4) === key);
    for (let waited = 0; waited < 15_000 && !(hasApiKey(12) && hasApiKey(8)); waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await consumer.disconnect();
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
    await broker.close();
  });

  it('every captured request decodes to its end and re-encodes byte for byte', () => {
    const seen = new Set<string>();
    for (const frame of frames) {
      const r = new ByteReader(frame.subarray(4));
      const header = readRequestHeader(r);
      const spec = apiSpec(header.apiKey)!;
      assert.ok(spec, `API key ${header.apiKey} has a layout`);
      skipRequestHeaderTags(r, header.apiVersion >= spec.request.flexible);
      const body = decodeMessage(spec.request, header.apiVersion, r, { keepBytes: true });
      assert.deepEqual(encodeRequestFrame(header, body), frame, `${spec.request.name} v${header.apiVersion}`);
      seen.add(`${spec.request.name} v${header.apiVersion}`);
    }
    for (const name of [
      'ApiVersions',
      'Metadata',
      'CreateTopics',
      'Produce',
      'FindCoordinator',
      'JoinGroup',
      'SyncGroup',
      'OffsetFetch',
      'ListOffsets',
      'Fetch',
      'OffsetCommit',
      'Heartbeat',
      'LeaveGroup',
    ]) {
      assert.ok(
        [...seen].some((s) => s.startsWith(`${name}Request `)),
        `kafkajs sent ${name}: ${[...seen].join(', ')}`,
      );
    }
  });

  it('the proxy reads the topics kafkajs names', () => {
    const topicsOf = (apiKey: number) =>
      frames
        .map((f) => parseRequest([f]))
        .filter((p) => p.header.apiKey === apiKey)
        .map((p) => p.topics.sort().join(','));
    assert.ok(topicsOf(0).includes('w1,w2'), 'one Produce for both topics');
    assert.ok(topicsOf(1).every((t) => t === 'w1,w2' || t === 'w1' || t === 'w2'));
    assert.ok(topicsOf(19).includes('w1,w2'));
    assert.ok(
      topicsOf(8).length > 0 && topicsOf(8).every((t) => t.length > 0),
      'OffsetCommit names its topics',
    );
  });
});
