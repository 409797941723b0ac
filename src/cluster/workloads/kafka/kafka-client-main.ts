// The Kafka example's client (what cilium/kafkaclient's kafka-produce.sh/kafka-consume.sh do), on kafkajs:
// `node kafka-client-main.js produce|consume --topic T [--brokers H:P,…] [--from-beginning] [--max-messages N]`.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const USAGE = `usage: kafka-client-main.js produce --topic TOPIC [--brokers HOST:PORT,…] [--client-id ID]   (one message per stdin line)
       kafka-client-main.js consume --topic TOPIC [--brokers HOST:PORT,…] [--group ID] [--from-beginning]
                                    [--max-messages N] [--timeout-ms MS] [--client-id ID]
  --brokers defaults to $KAFKA_BROKERS, else kafka-service:9092 (the example's Service)`;

interface KafkaJsError extends Error {
  type?: string;
  cause?: KafkaJsError;
}

/** One line a script can grep: the protocol error's type (TOPIC_AUTHORIZATION_FAILED) and kafkajs's message. */
function describe(err: KafkaJsError): string {
  const type = err.type ?? err.cause?.type;
  return type ? `${type}: ${err.message}` : `${err.name}: ${err.message}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      topic: { type: 'string' },
      brokers: { type: 'string' },
      'client-id': { type: 'string' },
      group: { type: 'string' },
      'from-beginning': { type: 'boolean' },
      'max-messages': { type: 'string' },
      'timeout-ms': { type: 'string' },
    },
  });
  const mode = positionals[0];
  if ((mode !== 'produce' && mode !== 'consume') || !values.topic) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const topic = values.topic;
  const kafka = new Kafka({
    clientId: values['client-id'] ?? process.env.HOSTNAME ?? 'porin-kafka-client',
    brokers: (values.brokers ?? process.env.KAFKA_BROKERS ?? 'kafka-service:9092').split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  if (mode === 'produce') {
    const producer = kafka.producer();
    await producer.connect();
    try {
      const lines = createInterface({ input: process.stdin });
      for await (const line of lines) await producer.send({ topic, messages: [{ value: line }] });
    } finally {
      await producer.disconnect();
    }
    return 0;
  }
  const max = values['max-messages'] ? Number(values['max-messages']) : Number.POSITIVE_INFINITY;
  const consumer = kafka.consumer({ groupId: values.group ?? `${process.env.HOSTNAME ?? 'porin'}-${topic}` });
  await consumer.connect();
  let seen = 0;
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: values['from-beginning'] ?? false });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      if (values['timeout-ms']) setTimeout(resolve, Number(values['timeout-ms'])).unref();
      void consumer.run({
        eachMessage: async ({ message }) => {
          process.stdout.write(`${message.value?.toString() ?? ''}\n`);
          if (++seen >= max) resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: KafkaJsError) => {
    process.stderr.write(`error: ${describe(err)}\n`);
    process.exit(1);
  },
);
