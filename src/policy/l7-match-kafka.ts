// Kafka rule matching as Cilium defined it: roles, apiKey/apiVersion/clientID/topic exact, every topic allowed.
import { apiKeyOfPolicyName } from '../kafka/api-keys.js';
import type { PortRuleKafka } from '../resources/index.js';

/** The request facts a Kafka rule looks at (the proxy contract's `L7Request` of type 'kafka'). */
export interface KafkaRequestFacts {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly clientId: string;
  readonly topics: readonly string[];
}

export interface KafkaMatch {
  readonly allowed: boolean;
  /** Indexes of the rules that allowed the request (the rule itself, or every rule that covered one of its topics). */
  readonly matched: readonly number[];
  /** When denied: the request's topics that no rule allowed (every topic when no rule allows the API at all). */
  readonly deniedTopics: readonly string[];
}

/** `role: produce`: Produce, Metadata, ApiVersions (Cilium's `GetAPIKeys`). */
export const PRODUCE_ROLE_KEYS: ReadonlySet<number> = new Set([0, 3, 18]);
/** `role: consume`: Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup, ApiVersions. */
export const CONSUME_ROLE_KEYS: ReadonlySet<number> = new Set([1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18]);

/**
 * API keys whose requests carry topics: a rule's `topic` constrains only these (Cilium's list: 0-6, 8, 9, 19-21,
 * 23, 24, 27, 28, 34, 35, 37), plus the topic-carrying APIs Kafka added since (ElectLeaders, partition
 * reassignments, OffsetDelete, DescribeProducers, ConsumerGroupHeartbeat, DescribeTopicPartitions, the share-group
 * calls). The proxy names no topics for APIs it does not parse, so a topic rule never allows those: fail closed.
 */
export const TOPIC_API_KEYS: ReadonlySet<number> = new Set([
  0, 1, 2, 3, 4, 5, 6, 8, 9, 19, 20, 21, 23, 24, 27, 28, 34, 35, 37, 43, 45, 46, 47, 61, 68, 75, 76, 78, 79,
]);

/** The API keys a rule admits, or undefined for all. */
export function ruleApiKeys(rule: PortRuleKafka): ReadonlySet<number> | undefined {
  if (rule.role === 'produce') return PRODUCE_ROLE_KEYS;
  if (rule.role === 'consume') return CONSUME_ROLE_KEYS;
  if (rule.apiKey !== undefined) {
    const key = apiKeyOfPolicyName(rule.apiKey);
    // An unknown name never passes validation; should one get here, it admits nothing.
    return new Set(key === undefined ? [] : [key]);
  }
  return undefined;
}

/** apiKey (or role), apiVersion and clientID: everything but the topic. */
function admitsRequest(rule: PortRuleKafka, req: KafkaRequestFacts): boolean {
  const keys = ruleApiKeys(rule);
  if (keys && !keys.has(req.apiKey)) return false;
  if (rule.apiVersion !== undefined && rule.apiVersion !== '' && Number(rule.apiVersion) !== req.apiVersion)
    return false;
  if (rule.clientID !== undefined && rule.clientID !== '' && rule.clientID !== req.clientId) return false;
  return true;
}

/**
 * Rules are OR'ed, an empty list or an empty rule allows everything. A rule with a topic, on an API that carries
 * topics, covers that topic only: the request is allowed once the rules that admit it cover all of its topics
 * (so several one-topic rules together allow a two-topic request, and a topic API naming no topic is not allowed
 * by topic rules).
 */
export function matchKafka(rules: readonly PortRuleKafka[], req: KafkaRequestFacts): KafkaMatch {
  if (rules.length === 0) return { allowed: true, matched: [], deniedTopics: [] };
  const topics = new Set(req.topics);
  const topicApi = TOPIC_API_KEYS.has(req.apiKey);
  const covering: number[] = [];
  const covered = new Set<string>();
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!admitsRequest(rule, req)) continue;
    if (!rule.topic || !topicApi) return { allowed: true, matched: [i], deniedTopics: [] };
    if (topics.has(rule.topic)) {
      covering.push(i);
      covered.add(rule.topic);
      if (covered.size === topics.size) return { allowed: true, matched: covering, deniedTopics: [] };
    }
  }
  return { allowed: false, matched: [], deniedTopics: [...topics].filter((t) => !covered.has(t)) };
}
