// Builds the Kafka error response for a denied request: the right API, version and correlation id, an auth error.
import {
  apiSpec,
  KafkaErrorCode as E,
  encodeResponseFrame,
  inRange,
  type KafkaStruct,
  list,
  nstr,
  num,
  str,
  structs,
} from '../../kafka/index.js';
import type { ParsedRequest } from './parse-request.js';

const TOPIC = E.TOPIC_AUTHORIZATION_FAILED;
const GROUP = E.GROUP_AUTHORIZATION_FAILED;

/** A topic entry of a response: by name, or by id in the versions that use ids. */
const topicKey = (t: KafkaStruct, nameField: string) => ({
  [nameField]: str(t, nameField),
  topicId: str(t, 'topicId'),
});

function body(req: ParsedRequest, deniedTopics: readonly string[]): KafkaStruct | undefined {
  const b = req.body!;
  const v = req.header.apiVersion;
  switch (req.header.apiKey) {
    case 0:
      return {
        responses: (structs(b, 'topicData') ?? []).map((t) => ({
          ...topicKey(t, 'name'),
          partitionResponses: (structs(t, 'partitionData') ?? []).map((p) => ({
            index: num(p, 'index'),
            errorCode: TOPIC,
            baseOffset: -1n,
          })),
        })),
      };
    case 1:
      return {
        errorCode: 0,
        sessionId: 0,
        responses: (structs(b, 'topics') ?? []).map((t) => ({
          ...topicKey(t, 'topic'),
          partitions: (structs(t, 'partitions') ?? []).map((p) => ({
            partitionIndex: num(p, 'partition'),
            errorCode: TOPIC,
            highWatermark: -1n,
            abortedTransactions: null,
            records: Buffer.alloc(0),
          })),
        })),
      };
    case 2:
      return {
        topics: (structs(b, 'topics') ?? []).map((t) => ({
          name: str(t, 'name'),
          partitions: (structs(t, 'partitions') ?? []).map((p) => ({
            partitionIndex: num(p, 'partitionIndex'),
            errorCode: TOPIC,
          })),
        })),
      };
    case 3:
      // No brokers and no partitions: nothing about the cluster leaks to a client that may not see these topics.
      return {
        brokers: [],
        clusterId: null,
        topics: (structs(b, 'topics') ?? []).map((t) => ({
          errorCode: TOPIC,
          name: nstr(t, 'name') ?? (v >= 12 ? null : ''),
          topicId: str(t, 'topicId'),
          partitions: [],
        })),
      };
    case 8: {
      const code = deniedTopics.length > 0 ? TOPIC : GROUP;
      return {
        topics: (structs(b, 'topics') ?? []).map((t) => ({
          name: str(t, 'name'),
          partitions: (structs(t, 'partitions') ?? []).map((p) => ({
            partitionIndex: num(p, 'partitionIndex'),
            errorCode: code,
          })),
        })),
      };
    }
    case 9: {
      const code = deniedTopics.length > 0 ? TOPIC : GROUP;
      const topics = (ts: KafkaStruct[] | null) =>
        (ts ?? []).map((t) => ({
          name: str(t, 'name'),
          partitions: list<number>(t, 'partitionIndexes').map((partitionIndex) => ({
            partitionIndex,
            committedOffset: -1n,
            metadata: '',
            errorCode: code,
          })),
        }));
      if (v < 8) {
        // A request for all topics (null) has no partition to carry the error: the group-level code does.
        return { topics: topics(structs(b, 'topics')), errorCode: deniedTopics.length > 0 ? 0 : GROUP };
      }
      return {
        groups: (structs(b, 'groups') ?? []).map((g) => ({
          groupId: str(g, 'groupId'),
          topics: topics(structs(g, 'topics')),
          errorCode: deniedTopics.length > 0 ? 0 : GROUP,
        })),
      };
    }
    case 10: {
      const code = num(b, 'keyType') === 1 ? E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : GROUP;
      const none = { nodeId: -1, host: '', port: -1, errorCode: code, errorMessage: null };
      return v < 4
        ? none
        : { coordinators: list<string>(b, 'coordinatorKeys').map((key) => ({ key, ...none })) };
    }
    case 11:
      return {
        errorCode: GROUP,
        generationId: -1,
        protocolType: null,
        protocolName: v >= 7 ? null : '',
        leader: '',
        memberId: str(b, 'memberId'),
        members: [],
      };
    case 12:
    case 13:
    case 14:
      return { errorCode: GROUP, members: [], assignment: Buffer.alloc(0) };
    case 18:
      return { errorCode: E.CLUSTER_AUTHORIZATION_FAILED, apiKeys: [] };
    case 19:
      return {
        topics: (structs(b, 'topics') ?? []).map((t) => ({
          name: str(t, 'name'),
          errorCode: TOPIC,
          errorMessage: 'Authorization failed.',
        })),
      };
    default:
      return undefined;
  }
}

/**
 * The response frame that tells the client its request was refused (TOPIC_AUTHORIZATION_FAILED per topic and
 * partition on topic calls, GROUP_AUTHORIZATION_FAILED on group calls, CLUSTER_AUTHORIZATION_FAILED on ApiVersions),
 * with its error code; undefined when Porin cannot build one for this API and version (the caller closes instead).
 */
export function denyResponse(
  req: ParsedRequest,
  deniedTopics: readonly string[],
): { frame: Buffer; errorCode: number } | undefined {
  const spec = apiSpec(req.header.apiKey);
  if (!req.body || !spec || !inRange(spec.response.valid, req.header.apiVersion)) return undefined;
  const b = body(req, deniedTopics);
  if (!b) return undefined;
  const frame = encodeResponseFrame(req.header.apiKey, req.header.apiVersion, req.header.correlationId, b);
  return { frame, errorCode: firstErrorCode(b) };
}

/** The first non-zero error code in a (decoded or built) message, depth first, top level first. */
export function firstErrorCode(s: KafkaStruct): number {
  const top = s.errorCode;
  if (typeof top === 'number' && top !== 0) return top;
  for (const v of Object.values(s)) {
    if (!Array.isArray(v)) continue;
    for (const item of v) {
      if (item && typeof item === 'object' && !Buffer.isBuffer(item) && !Array.isArray(item)) {
        const c = firstErrorCode(item as KafkaStruct);
        if (c !== 0) return c;
      }
    }
  }
  return 0;
}
