// The built-in `kafka` workload: a single-node broker keeping records in memory — a test fixture and example workload.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  apiSpec,
  ByteReader,
  decodeMessage,
  KafkaErrorCode as E,
  encodeResponseFrame,
  FrameSplitter,
  type KafkaStruct,
  readRequestHeader,
  skipRequestHeaderTags,
} from '../../../kafka/index.js';
import { plainAddress, type RunningWorkload } from '../running-workload.js';
import {
  type Advertised,
  createTopics,
  fetchNow,
  listOffsets,
  metadata,
  produce,
  TopicStore,
} from './broker-data-apis.js';
import {
  findCoordinator,
  heartbeat,
  joinGroup,
  leaveGroup,
  offsetCommit,
  offsetFetch,
  syncGroup,
} from './broker-group-apis.js';
import type { KafkaBrokerOptions } from './broker-options.js';
import { GroupCoordinator } from './group-coordinator.js';

/** API key → [min, max] version the broker serves (record batches v2 only: Produce ≥ 3, Fetch ≥ 4; topic names). */
export const BROKER_API_VERSIONS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [0, [3, 12]],
  [1, [4, 12]],
  [2, [1, 10]],
  [3, [0, 12]],
  [8, [0, 9]],
  [9, [1, 9]],
  [10, [0, 6]],
  [11, [0, 9]],
  [12, [0, 4]],
  [13, [0, 5]],
  [14, [0, 5]],
  [18, [0, 4]],
  [19, [0, 7]],
]);

export interface KafkaBroker extends RunningWorkload {
  readonly port: number;
  /** Topic name → records held (for tests and the pod log). */
  topicSizes(): Map<string, { endOffset: bigint; bytes: number }>;
}

interface Ctx {
  readonly apiKey: number;
  readonly version: number;
  readonly clientId: string;
  readonly me: Advertised;
}

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const log = options.log ?? (() => undefined);
  const store = new TopicStore(options.autoCreateTopics ?? true, log);
  for (const t of options.topics ?? []) store.create(t);
  const groups = new GroupCoordinator({ initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 300 });
  const clusterId = options.clusterId ?? randomBytes(16).toString('base64url').slice(0, 22);
  const nodeId = options.nodeId ?? 1;
  const sockets = new Set<net.Socket>();

  async function handle(req: KafkaStruct, c: Ctx): Promise<KafkaStruct | null> {
    switch (c.apiKey) {
      case 0:
        return produce(store, req);
      case 1:
        return fetchWaiting(req);
      case 2:
        return listOffsets(store, req);
      case 3:
        return metadata(store, c.version, req, c.me, clusterId);
      case 8:
        return offsetCommit(groups, store, req);
      case 9:
        return offsetFetch(groups, c.version, req);
      case 10:
        return findCoordinator(c.version, req, c.me);
      case 11:
        return joinGroup(groups, req, c.clientId);
      case 12:
        return heartbeat(groups, req);
      case 13:
        return leaveGroup(groups, c.version, req);
      case 14:
        return syncGroup(groups, req);
      case 18:
        return apiVersions(0);
      case 19:
        return createTopics(store, req);
      default:
        throw new Error(`API key ${c.apiKey} is not served`);
    }
  }

  /** Fetch long-polls: it answers once minBytes are there or maxWaitMs has passed. */
  async function fetchWaiting(req: KafkaStruct): Promise<KafkaStruct> {
    const deadline = Date.now() + Math.min(Math.max(Number(req.maxWaitMs ?? 0), 0), 30_000);
    for (;;) {
      const now = fetchNow(store, req);
      const left = deadline - Date.now();
      if (now.bytes >= Number(req.minBytes ?? 0) || left <= 0 || now.logs.length === 0) return now.response;
      await new Promise<void>((resolve) => {
        const cancels: Array<() => void> = [];
        const done = () => {
          clearTimeout(timer);
          for (const c of cancels) c();
          resolve();
        };
        const timer = setTimeout(done, left);
        for (const l of now.logs) cancels.push(l.onAppend(done));
      });
    }
  }

  function serve(socket: net.Socket): void {
    sockets.add(socket);
    socket.setNoDelay(true);
    const splitter = new FrameSplitter({
      maxFrameBytes: options.maxRequestBytes ?? 100 * 1024 * 1024,
      minFrameBytes: 8,
    });
    // One request at a time per connection, answered in order, as a Kafka broker does.
    let chain = Promise.resolve();
    const drop = (reason: string) => {
      log('kafka-connection-dropped', { peer: plainAddress(socket.remoteAddress), reason });
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: ReturnType<FrameSplitter['push']>;
      try {
        frames = splitter.push(chunk);
      } catch (err) {
        drop((err as Error).message);
        return;
      }
      for (const f of frames) {
        const body = f.chunks.length === 1 ? f.chunks[0]! : Buffer.concat(f.chunks);
        chain = chain.then(() => answer(socket, body.subarray(4))).catch((err: Error) => drop(err.message));
      }
      const bad = splitter.error;
      if (bad) chain = chain.then(() => drop(bad.message));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  }

  async function answer(socket: net.Socket, body: Buffer): Promise<void> {
    if (socket.destroyed) return;
    const r = new ByteReader(body);
    const h = readRequestHeader(r);
    const spec = apiSpec(h.apiKey);
    const range = BROKER_API_VERSIONS.get(h.apiKey);
    if (h.apiKey === 18 && range && h.apiVersion > range[1]) {
      // An ApiVersions request newer than ours: answer v0 with our versions (KIP-511), the client retries.
      socket.write(encodeResponseFrame(18, 0, h.correlationId, apiVersions(E.UNSUPPORTED_VERSION)));
      return;
    }
    if (!spec || !range || h.apiVersion < range[0] || h.apiVersion > range[1]) {
      throw new Error(`unsupported request: API key ${h.apiKey} version ${h.apiVersion}`);
    }
    skipRequestHeaderTags(r, h.apiVersion >= spec.request.flexible);
    const req = decodeMessage(spec.request, h.apiVersion, r, { keepBytes: true });
    const me: Advertised = {
      nodeId,
      host: options.advertisedHost ?? plainAddress(socket.localAddress),
      port: options.advertisedPort ?? socket.localPort ?? port,
    };
    const res = await handle(req, {
      apiKey: h.apiKey,
      version: h.apiVersion,
      clientId: h.clientId ?? '',
      me,
    });
    if (res && !socket.destroyed)
      socket.write(encodeResponseFrame(h.apiKey, h.apiVersion, h.correlationId, res));
  }

  const server = net.createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9092, options.bind ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const port = address.port;
  return {
    kind: 'kafka',
    port,
    listeners: [{ proto: 'tcp', address: address.address, port }],
    topicSizes: () =>
      new Map(
        [...store.topics.values()].map((t) => [
          t.name,
          { endOffset: t.log.endOffset, bytes: t.log.sizeBytes },
        ]),
      ),
    close: async () => {
      groups.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function apiVersions(errorCode: number): KafkaStruct {
  return {
    errorCode,
    apiKeys: [...BROKER_API_VERSIONS].map(([apiKey, [minVersion, maxVersion]]) => ({
      apiKey,
      minVersion,
      maxVersion,
    })),
    throttleTimeMs: 0,
  };
}
