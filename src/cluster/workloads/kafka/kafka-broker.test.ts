import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { brokerOptionsFromEnv } from './broker-options.js';
import { type KafkaBroker, startKafkaBroker } from './kafka-broker.js';

describe('built-in Kafka broker with kafkajs', () => {
  let broker: KafkaBroker;
  let kafka: Kafka;
  before(async () => {
    broker = await startKafkaBroker({
      port: 0,
      bind: '127.0.0.1',
      topics: ['preset'],
      initialRebalanceDelayMs: 50,
    });
    kafka = new Kafka({
      clientId: 'test',
      brokers: [`127.0.0.1:${broker.port}`],
      logLevel: logLevel.NOTHING,
    });
  });
  after(() => broker.close());

  it('produces to several topics and consumes them with a consumer group', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'alpha', messages: [{ key: 'k1', value: 'a1' }, { value: 'a2' }] });
    await producer.sendBatch({
      topicMessages: [
        { topic: 'beta', messages: [{ value: 'b1', headers: { h: 'v' } }] },
        { topic: 'alpha', messages: [{ value: 'a3' }] },
      ],
    });
    await producer.disconnect();
    assert.equal(broker.topicSizes().get('alpha')?.endOffset, 3n);

    const consumer = kafka.consumer({ groupId: 'g1', heartbeatInterval: 200, sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['alpha', 'beta'], fromBeginning: true });
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          seen.push(`${topic}:${message.value?.toString()}:${message.offset}`);
          if (topic === 'beta') assert.equal(message.headers?.h?.toString(), 'v');
          if (seen.length === 4) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();
    assert.deepEqual(seen.sort(), ['alpha:a1:0', 'alpha:a2:1', 'alpha:a3:2', 'beta:b1:0']);

    // The group committed its offsets: a new member of the group starts after them.
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'g1', topics: ['alpha', 'beta'] });
    assert.deepEqual(offsets.map((t) => [t.topic, t.partitions[0]?.offset]).sort(), [
      ['alpha', '3'],
      ['beta', '1'],
    ]);
    await admin.disconnect();
  });

  it('creates topics, lists offsets, and refuses what it cannot serve', async () => {
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'made' }] }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'made' }] }), false, 'already exists');
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'wide', numPartitions: 3 }] }),
      (e: { errors?: Array<{ type?: string }> }) => e.errors?.[0]?.type === 'INVALID_PARTITIONS',
    );
    const topics = await admin.listTopics();
    assert.ok(topics.includes('made') && topics.includes('preset'));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'made', messages: [{ value: 'x' }, { value: 'y' }] });
    await producer.disconnect();
    const off = await admin.fetchTopicOffsets('made');
    assert.deepEqual(
      off.map((p) => [p.partition, p.low, p.high]),
      [[0, '0', '2']],
    );
    await admin.disconnect();
  });

  it('reads the Kafka image variables of Cilium’s example', () => {
    const { options, warnings } = brokerOptionsFromEnv({
      KAFKA_ADVERTISED_HOST_NAME: 'kafka-service',
      KAFKA_BROKER_ID: '1',
      KAFKA_CREATE_TOPICS: 'empire-announce:1:1,deathstar-plans:1:1,wide:4:1',
      KAFKA_ZOOKEEPER_CONNECT: 'zook:2181',
    });
    assert.equal(options.advertisedHost, 'kafka-service');
    assert.equal(options.nodeId, 1);
    assert.deepEqual(options.topics, ['empire-announce', 'deathstar-plans', 'wide']);
    assert.match(warnings.join('\n'), /"wide" gets 1 partition/);
  });
});
