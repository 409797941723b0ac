// The built-in broker's topic calls: Metadata, Produce, Fetch, ListOffsets, CreateTopics.
import { randomBytes } from 'node:crypto';
import {
  big,
  buf,
  KafkaErrorCode as E,
  KafkaProtocolError,
  type KafkaStruct,
  list,
  nstr,
  num,
  str,
  structs,
} from '../../../kafka/index.js';
import { PartitionLog } from './partition-log.js';

export interface Topic {
  readonly name: string;
  readonly id: string;
  readonly log: PartitionLog;
}

export interface Advertised {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export class TopicStore {
  readonly topics = new Map<string, Topic>();

  constructor(
    readonly autoCreate: boolean,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {}

  /** Creates the topic (one partition) or returns it; undefined for an invalid name. */
  create(name: string): Topic | undefined {
    const existing = this.topics.get(name);
    if (existing) return existing;
    if (!TOPIC_NAME.test(name) || name === '.' || name === '..') return undefined;
    const t: Topic = { name, id: randomBytes(16).toString('hex'), log: new PartitionLog() };
    this.topics.set(name, t);
    this.log('kafka-topic-created', { topic: name });
    return t;
  }
}

const partitionMeta = (nodeId: number) => ({
  errorCode: 0,
  partitionIndex: 0,
  leaderId: nodeId,
  leaderEpoch: 0,
  replicaNodes: [nodeId],
  isrNodes: [nodeId],
  offlineReplicas: [],
});

export function metadata(
  store: TopicStore,
  version: number,
  req: KafkaStruct,
  me: Advertised,
  clusterId: string,
) {
  const requested = structs(req, 'topics');
  // v0: an empty list means all topics; v1+: null means all, an empty list none.
  const all = requested === null || (version === 0 && requested.length === 0);
  const allowCreate = store.autoCreate && (version < 4 || req.allowAutoTopicCreation !== false);
  const topics = all
    ? [...store.topics.values()].map((t) => ({ name: t.name, t }))
    : requested.map((r) => {
        const name = nstr(r, 'name') ?? '';
        return { name, t: store.topics.get(name) ?? (allowCreate ? store.create(name) : undefined) };
      });
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: me.nodeId, host: me.host, port: me.port, rack: null }],
    clusterId,
    controllerId: me.nodeId,
    topics: topics.map(({ name, t }) => ({
      errorCode: t ? 0 : TOPIC_NAME.test(name) ? E.UNKNOWN_TOPIC_OR_PARTITION : E.INVALID_TOPIC_EXCEPTION,
      name,
      topicId: t?.id ?? '0'.repeat(32),
      isInternal: false,
      partitions: t ? [partitionMeta(me.nodeId)] : [],
    })),
  };
}

/** A Produce response, or null for acks=0 (no response is sent). */
export function produce(store: TopicStore, req: KafkaStruct): KafkaStruct | null {
  const responses = (structs(req, 'topicData') ?? []).map((td) => {
    const name = str(td, 'name');
    // As in Kafka, producing creates no topic (the producer's Metadata request does).
    const t = store.topics.get(name);
    return {
      name,
      partitionResponses: (structs(td, 'partitionData') ?? []).map((pd) => {
        const index = num(pd, 'index');
        const base = { index, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [] };
        if (!t || index !== 0) return { ...base, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION };
        try {
          const records = buf(pd, 'records');
          const offset = t.log.append(records ?? Buffer.alloc(0));
          return { ...base, errorCode: 0, baseOffset: offset };
        } catch (err) {
          if (!(err instanceof KafkaProtocolError)) throw err;
          const code =
            err.code === 'PORIN_ERR_KAFKA_UNSUPPORTED' ? E.UNSUPPORTED_FOR_MESSAGE_FORMAT : E.CORRUPT_MESSAGE;
          return { ...base, errorCode: code, errorMessage: err.message };
        }
      }),
    };
  });
  return num(req, 'acks') === 0 ? null : { responses, throttleTimeMs: 0 };
}

/** A Fetch response from what the logs hold now, and how many record bytes it carries. */
export function fetchNow(
  store: TopicStore,
  req: KafkaStruct,
): { response: KafkaStruct; bytes: number; logs: PartitionLog[] } {
  let budget = num(req, 'maxBytes', 0x7fffffff);
  let bytes = 0;
  const logs: PartitionLog[] = [];
  const responses = (structs(req, 'topics') ?? []).map((ft) => {
    const name = str(ft, 'topic');
    const t = store.topics.get(name);
    return {
      topic: name,
      partitions: (structs(ft, 'partitions') ?? []).map((fp) => {
        const partitionIndex = num(fp, 'partition');
        const empty = {
          partitionIndex,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: Buffer.alloc(0),
        };
        if (!t || partitionIndex !== 0) return { ...empty, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION };
        logs.push(t.log);
        const marks = {
          highWatermark: t.log.endOffset,
          lastStableOffset: t.log.endOffset,
          logStartOffset: t.log.startOffset,
        };
        const read = t.log.read(
          big(fp, 'fetchOffset'),
          Math.min(num(fp, 'partitionMaxBytes'), Math.max(budget, 0)),
        );
        if (read === 'out-of-range') return { ...empty, ...marks, errorCode: E.OFFSET_OUT_OF_RANGE };
        const records = Buffer.concat(read);
        budget -= records.length;
        bytes += records.length;
        return { ...empty, ...marks, errorCode: 0, records };
      }),
    };
  });
  return { response: { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses }, bytes, logs };
}

export function listOffsets(store: TopicStore, req: KafkaStruct) {
  return {
    throttleTimeMs: 0,
    topics: (structs(req, 'topics') ?? []).map((lt) => {
      const name = str(lt, 'name');
      const t = store.topics.get(name);
      return {
        name,
        partitions: (structs(lt, 'partitions') ?? []).map((lp) => {
          const partitionIndex = num(lp, 'partitionIndex');
          if (!t || partitionIndex !== 0) return { partitionIndex, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION };
          const ts = big(lp, 'timestamp');
          // -1: the latest offset; -2: the earliest; -3 (max timestamp) answered as the latest.
          const offset =
            ts === -2n ? t.log.startOffset : ts < 0n ? t.log.endOffset : t.log.offsetForTimestamp(ts);
          return {
            partitionIndex,
            errorCode: 0,
            oldStyleOffsets: [offset],
            timestamp: -1n,
            offset,
            leaderEpoch: 0,
          };
        }),
      };
    }),
  };
}

export function createTopics(store: TopicStore, req: KafkaStruct) {
  const validateOnly = req.validateOnly === true;
  return {
    throttleTimeMs: 0,
    topics: (structs(req, 'topics') ?? []).map((ct) => {
      const name = str(ct, 'name');
      const partitions = num(ct, 'numPartitions');
      const result = {
        name,
        topicId: '0'.repeat(32),
        errorMessage: null as string | null,
        numPartitions: 1,
        replicationFactor: 1,
        configs: [],
      };
      if (store.topics.has(name))
        return {
          ...result,
          errorCode: E.TOPIC_ALREADY_EXISTS,
          errorMessage: `Topic '${name}' already exists.`,
        };
      if (partitions !== 1 && partitions !== -1) {
        return {
          ...result,
          errorCode: E.INVALID_PARTITIONS,
          errorMessage: 'the built-in broker has one partition per topic',
        };
      }
      if (list(ct, 'assignments').length > 0)
        return {
          ...result,
          errorCode: E.INVALID_REQUEST,
          errorMessage: 'replica assignments are not supported',
        };
      const t = validateOnly
        ? TOPIC_NAME.test(name)
          ? ({ id: '0'.repeat(32) } as const)
          : undefined
        : store.create(name);
      if (!t)
        return {
          ...result,
          errorCode: E.INVALID_TOPIC_EXCEPTION,
          errorMessage: `invalid topic name "${name}"`,
        };
      return { ...result, topicId: t.id, errorCode: 0 };
    }),
  };
}
