// Kafka throughput with kafkajs: produce and consume, through the Kafka handler against direct to the broker, in one run.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaBroker } from '../src/cluster/workloads/index.js';
import { HQ, startProxyHarness } from '../test/kafka/kafka-proxy-harness.js';
import type { BenchOptions, Measurement } from './measurement.js';

interface Rates {
  produceMsgs: number;
  produceMB: number;
  consumeMsgs: number;
  consumeMB: number;
}

async function run(
  kafka: Kafka,
  topic: string,
  messages: number,
  size: number,
  batch: number,
): Promise<Rates> {
  const value = Buffer.alloc(size, 120);
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'warm-up' }] });
  let t = performance.now();
  for (let sent = 0; sent < messages; sent += batch) {
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(batch, messages - sent) }, () => ({ value })),
    });
  }
  const produceS = (performance.now() - t) / 1000;
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxBytes: 8 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  // Timed from the group join: joining (and its rebalance delay) is not throughput.
  consumer.on(consumer.events.GROUP_JOIN, () => {
    t = performance.now();
  });
  await new Promise<void>((resolve) => {
    let got = 0;
    void consumer.run({
      eachBatch: async ({ batch: b }) => {
        got += b.messages.length;
        if (got >= messages + 1) resolve();
      },
    });
  });
  const consumeS = (performance.now() - t) / 1000;
  await consumer.disconnect();
  const mb = (messages * size) / 1e6;
  return {
    produceMsgs: messages / produceS,
    produceMB: mb / produceS,
    consumeMsgs: messages / consumeS,
    consumeMB: mb / consumeS,
  };
}

export async function kafkaThroughput({ quick, log }: BenchOptions): Promise<Measurement[]> {
  const messages = quick ? 2_000 : 50_000;
  const size = quick ? 100 : 1024;
  const batch = 100;
  const rounds = quick ? 1 : 3;
  log(`${messages} messages of ${size} bytes, ${batch} per send, ${rounds} interleaved round(s)`);
  // Topic rules as an example would write them: produce and consume on each round's topic.
  const topics = ['warm-up', ...Array.from({ length: rounds }, (_, i) => `bench-${i}`)];
  const rules = topics.flatMap((topic) => [
    { role: 'produce' as const, topic },
    { role: 'consume' as const, topic },
  ]);
  const proxied = await startProxyHarness({ [HQ]: rules });
  const broker = await startKafkaBroker({ port: 0, bind: '127.0.0.1', initialRebalanceDelayMs: 50 });
  // The same client and broker settings on both sides (the harness's clients disable Nagle too).
  const direct = new Kafka({
    clientId: 'bench',
    brokers: [`127.0.0.1:${broker.port}`],
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, port, onConnect }) => net.connect({ host, port }, onConnect).setNoDelay(true),
  });
  const best = { direct: [] as Rates[], proxy: [] as Rates[] };
  try {
    await run(direct, 'warm-up', Math.min(messages, 1000), size, batch);
    await run(proxied.kafka(HQ, 'bench'), 'warm-up', Math.min(messages, 1000), size, batch);
    for (let i = 0; i < rounds; i++) {
      // A fresh topic per round on each broker; the order alternates so that neither side always goes first.
      const sides = [
        async () => best.direct.push(await run(direct, `bench-${i}`, messages, size, batch)),
        async () =>
          best.proxy.push(await run(proxied.kafka(HQ, 'bench'), `bench-${i}`, messages, size, batch)),
      ];
      for (const side of i % 2 === 0 ? sides : sides.reverse()) await side();
    }
  } finally {
    await proxied.close();
    await broker.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out: Measurement[] = [];
  for (const [key, label, unit] of [
    ['produceMsgs', 'produce', '/s'],
    ['produceMB', 'produce', 'MB/s'],
    ['consumeMsgs', 'consume', '/s'],
    ['consumeMB', 'consume', 'MB/s'],
  ] as const) {
    const d = median(best.direct.map((r) => r[key]));
    const p = median(best.proxy.map((r) => r[key]));
    out.push({
      name: `kafka ${label} through the proxy (${unit === '/s' ? 'messages' : 'MB'})`,
      value: p,
      unit,
      target: { kind: 'min', value: 0.8 * d },
      baseline: { name: 'direct', value: d },
    });
  }
  return out;
}
