// Loopback harness for the Kafka handler: a proxy listener that plays the connection core (judge by source address).
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaBroker, startKafkaBroker } from '../../src/cluster/workloads/index.js';
import { matchKafka } from '../../src/policy/l7-match-kafka.js';
import { createKafkaHandler, type KafkaProxyOptions } from '../../src/proxy/kafka/index.js';
import type {
  L7Counter,
  L7Event,
  L7Request,
  L7Verdict,
  ProxiedConnection,
} from '../../src/proxy/l7-handler.js';
import type { PortRuleKafka } from '../../src/resources/index.js';

/** Client identities are source addresses: each kafkajs client binds its sockets to one loopback address. */
export const HQ = '127.0.0.2';
export const OUTPOST = '127.0.0.3';
export const STRANGER = '127.0.0.4';

export interface ProxyHarness {
  readonly broker: KafkaBroker;
  readonly proxyPort: number;
  readonly events: L7Event[];
  readonly judged: Array<Extract<L7Request, { type: 'kafka' }> & { source: string }>;
  readonly counts: Map<L7Counter, number>;
  /** kafkajs for one identity, through the proxy. */
  kafka(source: string, clientId?: string): Kafka;
  close(): Promise<void>;
}

/** Rules per source address; an address without an entry has every request refused. */
export async function startProxyHarness(
  rules: Record<string, PortRuleKafka[]>,
  options: Partial<KafkaProxyOptions> = {},
): Promise<ProxyHarness> {
  const events: L7Event[] = [];
  const judged: ProxyHarness['judged'] = [];
  const counts = new Map<L7Counter, number>();
  const sockets = new Set<net.Socket>();
  let brokerPort = 0;
  const handler = createKafkaHandler(options);
  let nextId = 1;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const source = { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 };
    const conn: ProxiedConnection = {
      id: nextId++,
      source,
      destination: { address: '127.0.0.1', port: brokerPort },
      client,
      connectUpstream: () =>
        new Promise((resolve, reject) => {
          const up = net.connect({ host: '127.0.0.1', port: brokerPort }, () => resolve(up));
          sockets.add(up);
          up.on('close', () => sockets.delete(up));
          up.once('error', reject);
        }),
      judge: (req: L7Request): L7Verdict => {
        if (req.type !== 'kafka') throw new Error('not kafka');
        judged.push({ ...req, source: source.address });
        const set = rules[source.address];
        const m = set ? matchKafka(set, req) : { allowed: false, matched: [], deniedTopics: [...req.topics] };
        const policy = 'CiliumNetworkPolicy default/secure-empire-kafka';
        return m.allowed
          ? {
              verdict: 'FORWARDED',
              rules: m.matched.map((i) => ({
                direction: 'ingress',
                policy,
                rule: `ingress.toPorts.rules.kafka[${i}]`,
              })),
            }
          : { verdict: 'DROPPED', rules: [{ direction: 'ingress', policy }], deniedTopics: m.deniedTopics };
      },
      emit: (ev) => events.push(ev),
      count: (what, n = 1) => counts.set(what, (counts.get(what) ?? 0) + n),
    };
    handler(conn);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyPort = (server.address() as net.AddressInfo).port;
  // The broker advertises the address clients reached (127.0.0.1) and the proxy's port: clients come back through
  // the proxy, as they would through a transparent redirect.
  const broker = await startKafkaBroker({
    port: 0,
    bind: '127.0.0.1',
    advertisedPort: proxyPort,
    initialRebalanceDelayMs: 50,
  });
  brokerPort = broker.port;
  return {
    broker,
    proxyPort,
    events,
    judged,
    counts,
    kafka: (source, clientId = 'porin-test') =>
      new Kafka({
        clientId,
        brokers: [`127.0.0.1:${proxyPort}`],
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
        socketFactory: ({ host, port, onConnect }) => {
          const s = net.connect({ host, port, localAddress: source }, onConnect);
          s.setNoDelay(true);
          return s;
        },
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.close();
    },
  };
}
