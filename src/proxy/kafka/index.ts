// The proxy's Kafka protocol handler: `handleKafka` for redirected connections on ports with Kafka rules.
import type { L7Handler } from '../l7-handler.js';
import { type KafkaProxyOptions, proxyKafkaConnection } from './kafka-connection.js';

export const DEFAULT_KAFKA_PROXY_OPTIONS: KafkaProxyOptions = Object.freeze({
  maxRequestBytes: 100 * 1024 * 1024,
  maxResponseBytes: 1024 * 1024 * 1024,
  captureBytes: 64 * 1024,
});

/** A Kafka handler with other limits (tests, benchmarks). */
export function createKafkaHandler(options: Partial<KafkaProxyOptions> = {}): L7Handler {
  const o = { ...DEFAULT_KAFKA_PROXY_OPTIONS, ...options };
  return (conn) => {
    try {
      proxyKafkaConnection(conn, o);
    } catch {
      conn.count('malformed');
      conn.client.destroy();
    }
  };
}

export const handleKafka: L7Handler = createKafkaHandler();

export { PROXY_MAX_VERSIONS } from './clamp-api-versions.js';
export type { KafkaProxyOptions } from './kafka-connection.js';
