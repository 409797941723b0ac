// The built-in Kafka broker's settings, and how the usual broker images' environment variables set them.

export interface KafkaBrokerOptions {
  /** Default 9092. */
  readonly port?: number;
  /** Default `0.0.0.0`. */
  readonly bind?: string;
  /** Broker id in Metadata and FindCoordinator (default 1). */
  readonly nodeId?: number;
  /**
   * The host clients are told to connect to. Default: the address each client reached (its socket's local address),
   * which is the pod's address whether the client came through a Service, the socket load balancer or the L7 proxy.
   */
  readonly advertisedHost?: string;
  /** Default: the port each client reached. */
  readonly advertisedPort?: number;
  /** Topics to create at start (one partition each). */
  readonly topics?: readonly string[];
  /** Metadata and Produce create unknown topics (default true, like auto.create.topics.enable). */
  readonly autoCreateTopics?: boolean;
  readonly clusterId?: string;
  /** group.initial.rebalance.delay.ms (default 300). */
  readonly initialRebalanceDelayMs?: number;
  /** Largest request accepted (default 100 MiB, socket.request.max.bytes). */
  readonly maxRequestBytes?: number;
  /** Notable events (topic created, group rebalanced, a connection dropped) for the pod log. */
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

export interface BrokerEnvResult {
  readonly options: KafkaBrokerOptions;
  readonly warnings: string[];
}

/**
 * Reads the variables Kafka images document (wurstmeister/kafka's, which Cilium's Kafka example sets):
 * KAFKA_ADVERTISED_HOST_NAME, KAFKA_ADVERTISED_PORT, KAFKA_BROKER_ID, KAFKA_CREATE_TOPICS ("name:partitions:replicas,…"),
 * KAFKA_AUTO_CREATE_TOPICS_ENABLE. ZooKeeper settings have no meaning here and are ignored.
 */
export function brokerOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): BrokerEnvResult {
  const warnings: string[] = [];
  const options: { -readonly [K in keyof KafkaBrokerOptions]: KafkaBrokerOptions[K] } = {};
  if (env.KAFKA_ADVERTISED_HOST_NAME) options.advertisedHost = env.KAFKA_ADVERTISED_HOST_NAME;
  const port = Number(env.KAFKA_ADVERTISED_PORT);
  if (env.KAFKA_ADVERTISED_PORT && Number.isInteger(port) && port > 0 && port < 65536)
    options.advertisedPort = port;
  else if (env.KAFKA_ADVERTISED_PORT)
    warnings.push(`KAFKA_ADVERTISED_PORT "${env.KAFKA_ADVERTISED_PORT}" is not a port`);
  const id = Number(env.KAFKA_BROKER_ID);
  if (env.KAFKA_BROKER_ID && Number.isInteger(id) && id >= 0) options.nodeId = id;
  if (env.KAFKA_AUTO_CREATE_TOPICS_ENABLE === 'false') options.autoCreateTopics = false;
  const topics: string[] = [];
  for (const spec of (env.KAFKA_CREATE_TOPICS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, partitions] = spec.split(':');
    if (!name) continue;
    if (partitions && partitions !== '1') {
      warnings.push(
        `KAFKA_CREATE_TOPICS: topic "${name}" gets 1 partition, not ${partitions} (the built-in broker has one per topic)`,
      );
    }
    topics.push(name);
  }
  if (topics.length > 0) options.topics = topics;
  return { options, warnings };
}
