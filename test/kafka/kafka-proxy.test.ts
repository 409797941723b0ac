// kafkajs through the Kafka handler to the built-in broker, judged by Cilium's empire rules.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import type { PortRuleKafka } from '../../src/resources/index.js';
import { HQ, OUTPOST, type ProxyHarness, STRANGER, startProxyHarness } from './kafka-proxy-harness.js';

/** kafka-sw-security-policy.yaml's rules for empire-hq and the outposts. */
const RULES: Record<string, PortRuleKafka[]> = {
  [HQ]: [
    { role: 'produce', topic: 'deathstar-plans' },
    { role: 'produce', topic: 'empire-announce' },
  ],
  [OUTPOST]: [{ role: 'consume', topic: 'empire-announce' }],
  [STRANGER]: [{ apiKey: 'apiversions' }],
};

interface KafkaJsError {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: KafkaJsError;
}
/** kafkajs's messages for the codes (src/protocol/error.js): a retrier re-throws the protocol error by its message. */
const KAFKAJS_MESSAGES: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'Not authorized to access topics: [Topic authorization failed]',
  GROUP_AUTHORIZATION_FAILED: 'Not authorized to access group: Group authorization failed',
};
/** The KafkaJSProtocolError of that type, or kafkajs's non-retriable wrapper of it; never a network error. */
export const authError = (type: string) => (e: KafkaJsError) =>
  e.retriable === false &&
  ((e.name === 'KafkaJSProtocolError' && e.type === type) ||
    e.cause?.type === type ||
    (e.name === 'KafkaJSNonRetriableError' && e.message === KAFKAJS_MESSAGES[type]));

async function consumeOne(kafka: Kafka, topic: string, groupId: string): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId,
    heartbeatInterval: 300,
    sessionTimeout: 6000,
    retry: { retries: 0 },
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value?.toString() ?? '');
          resolve();
        },
      });
    });
    return got;
  } finally {
    await consumer.disconnect();
  }
}

describe('Kafka proxy handler with kafkajs (empire rules)', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness(RULES);
    // The topics exist, as KAFKA_CREATE_TOPICS makes them in Cilium's example.
    h.broker.topicSizes();
  });
  after(() => h.close());

  it('empire-hq produces to both of its topics; one connection carries allowed and denied requests', async () => {
    const producer = h
      .kafka(HQ, 'empire-hq')
      .producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
    await producer.connect();
    await producer.send({
      topic: 'empire-announce',
      messages: [{ value: 'Happy 40th Birthday to General Tagge' }],
    });
    await producer.send({ topic: 'deathstar-plans', messages: [{ value: 'deathstar reactor design v3' }] });
    const before = h.judged.length;
    await assert.rejects(
      producer.send({ topic: 'rebel-chatter', messages: [{ value: 'x' }] }),
      authError('TOPIC_AUTHORIZATION_FAILED'),
    );
    assert.ok(h.judged.slice(before).some((r) => r.apiKey === 3 && r.topics.includes('rebel-chatter')));
    // The same producer (and connection) goes on working after the refusal.
    await producer.send({ topic: 'empire-announce', messages: [{ value: 'second' }] });
    await producer.disconnect();
    assert.equal(h.broker.topicSizes().get('empire-announce')?.endOffset, 2n);
    assert.equal(
      h.broker.topicSizes().get('rebel-chatter'),
      undefined,
      'the denied Metadata created nothing',
    );
  });

  it('an outpost consumes empire-announce with a consumer group', async () => {
    const got = await consumeOne(h.kafka(OUTPOST, 'outpost-8888'), 'empire-announce', 'outpost-8888');
    assert.equal(got[0], 'Happy 40th Birthday to General Tagge');
    const keys = new Set(h.judged.filter((r) => r.source === OUTPOST).map((r) => r.apiKey));
    for (const k of [1, 3, 9, 10, 11, 14, 18])
      assert.ok(keys.has(k), `kafkajs sent API key ${k} through the proxy`);
    const fetches = h.judged.filter((r) => r.source === OUTPOST && r.apiKey === 1);
    assert.ok(fetches.every((r) => r.topics.length === 1 && r.topics[0] === 'empire-announce'));
  });

  it('an outpost may not produce: TOPIC_AUTHORIZATION_FAILED, as Cilium’s guide shows', async () => {
    const producer = h.kafka(OUTPOST, 'outpost-9999').producer({ retry: { retries: 0 } });
    await producer.connect();
    await assert.rejects(
      producer.send({
        topic: 'empire-announce',
        messages: [{ value: 'Vader Booed at Empire Karaoke Party' }],
      }),
      authError('TOPIC_AUTHORIZATION_FAILED'),
    );
    await producer.disconnect();
    assert.equal(h.broker.topicSizes().get('empire-announce')?.endOffset, 2n, 'nothing reached the broker');
    const denied = h.events.filter((e) => e.verdict === 'DROPPED' && e.l7.kafka?.api_key === 'produce');
    assert.ok(denied.length > 0);
    assert.equal(denied[0]!.l7.kafka!.error_code, 29);
    assert.equal(denied[0]!.l7.kafka!.topic, 'empire-announce');
  });

  it('an outpost may not consume deathstar-plans', async () => {
    await assert.rejects(
      consumeOne(h.kafka(OUTPOST, 'outpost-9999'), 'deathstar-plans', 'outpost-9999'),
      authError('TOPIC_AUTHORIZATION_FAILED'),
    );
  });

  it('empire-hq may not consume: FindCoordinator gets GROUP_AUTHORIZATION_FAILED, kafkajs gives up at once', async () => {
    // kafkajs logs the per-broker error and reports that no coordinator was found (not retriable): no retry loop.
    await assert.rejects(
      consumeOne(h.kafka(HQ, 'empire-hq'), 'empire-announce', 'hq-readers'),
      (e: KafkaJsError) => e.name === 'KafkaJSGroupCoordinatorNotFound' && e.retriable === false,
    );
    const refused = h.events.filter(
      (e) => e.verdict === 'DROPPED' && e.l7.kafka?.api_key === 'findcoordinator',
    );
    assert.equal(refused[0]?.l7.kafka?.error_code, 30);
  });

  it('a client with no Kafka rule beyond ApiVersions is refused Metadata', async () => {
    const producer = h.kafka(STRANGER, 'rebel').producer({ retry: { retries: 0 } });
    await producer.connect();
    await assert.rejects(
      producer.send({ topic: 'empire-announce', messages: [{ value: 'x' }] }),
      authError('TOPIC_AUTHORIZATION_FAILED'),
    );
    await producer.disconnect();
  });

  it('flows carry Hubble’s l7.kafka fields, verdicts, rules, and response latency', () => {
    const produced = h.events.filter(
      (e) => e.l7.kafka?.api_key === 'produce' && e.l7.kafka.topic === 'deathstar-plans',
    );
    const req = produced.find((e) => e.l7.type === 'REQUEST')!;
    const res = produced.find((e) => e.l7.type === 'RESPONSE')!;
    assert.equal(req.verdict, 'FORWARDED');
    assert.equal(req.reply, false);
    assert.equal(req.rules[0]!.rule, 'ingress.toPorts.rules.kafka[0]');
    assert.equal(res.reply, true);
    assert.equal(res.l7.kafka!.error_code, 0);
    assert.equal(res.l7.kafka!.correlation_id, req.l7.kafka!.correlation_id);
    assert.ok(Number(res.l7.latency_ns) > 0);
    assert.ok(typeof req.l7.kafka!.api_version === 'number');
    assert.ok((h.counts.get('requests') ?? 0) > 10);
    assert.ok((h.counts.get('denied') ?? 0) >= 4);
    assert.equal(h.counts.get('malformed'), undefined);
  });
});
