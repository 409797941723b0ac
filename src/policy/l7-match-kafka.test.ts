import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PortRuleKafka } from '../resources/index.js';
import { CONSUME_ROLE_KEYS, matchKafka, PRODUCE_ROLE_KEYS } from './l7-match-kafka.js';

const req = (apiKey: number, topics: string[] = [], clientId = 'c', apiVersion = 3) => ({
  apiKey,
  apiVersion,
  clientId,
  topics,
});

describe('Kafka rule matching', () => {
  it('roles expand to Cilium API-key sets', () => {
    assert.deepEqual(
      [...PRODUCE_ROLE_KEYS].sort((a, b) => a - b),
      [0, 3, 18],
    );
    assert.deepEqual(
      [...CONSUME_ROLE_KEYS].sort((a, b) => a - b),
      [1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18],
    );
    const produce: PortRuleKafka[] = [{ role: 'produce', topic: 'a' }];
    assert.ok(matchKafka(produce, req(0, ['a'])).allowed, 'produce to a');
    assert.ok(!matchKafka(produce, req(1, ['a'])).allowed, 'fetch is not in produce');
    assert.ok(
      matchKafka(produce, req(18)).allowed,
      'ApiVersions carries no topic: the topic does not constrain it',
    );
    assert.ok(!matchKafka(produce, req(10)).allowed, 'FindCoordinator is not in produce');
    const consume: PortRuleKafka[] = [{ role: 'consume', topic: 'a' }];
    for (const k of [10, 11, 12, 13, 14]) assert.ok(matchKafka(consume, req(k)).allowed, `group call ${k}`);
    assert.ok(!matchKafka(consume, req(0, ['a'])).allowed, 'consume may not produce');
    assert.ok(!matchKafka(consume, req(1, ['b'])).allowed, 'another topic');
  });

  it('apiKey by name, apiVersion, clientID and topic match exactly', () => {
    assert.ok(matchKafka([{ apiKey: 'Produce' }], req(0, ['x'])).allowed, 'names are case-insensitive');
    assert.ok(matchKafka([{ apiKey: 'offsets' }], req(2, ['x'])).allowed, '"offsets" is ListOffsets');
    assert.ok(!matchKafka([{ apiKey: 'produce' }], req(1, ['x'])).allowed);
    assert.ok(matchKafka([{ apiVersion: '3' }], req(0, ['x'], 'c', 3)).allowed);
    assert.ok(!matchKafka([{ apiVersion: '3' }], req(0, ['x'], 'c', 4)).allowed);
    assert.ok(matchKafka([{ clientID: 'hq' }], req(0, ['x'], 'hq')).allowed);
    assert.ok(!matchKafka([{ clientID: 'hq' }], req(0, ['x'], 'hq2')).allowed, 'no prefix match');
    assert.ok(!matchKafka([{ topic: 'empire' }], req(0, ['empire-announce'])).allowed, 'no prefix match');
  });

  it('rules are OR-ed; an empty list or an empty rule allows all', () => {
    assert.ok(matchKafka([], req(33, ['x'])).allowed);
    assert.ok(matchKafka([{}], req(0, ['x'])).allowed);
    const rules: PortRuleKafka[] = [{ apiKey: 'fetch' }, { apiKey: 'produce', topic: 'a' }];
    assert.deepEqual(matchKafka(rules, req(0, ['a'])).matched, [1]);
    assert.deepEqual(matchKafka(rules, req(1, ['z'])).matched, [0]);
  });

  it('every topic of a request must be allowed; several rules may cover them together', () => {
    const rules: PortRuleKafka[] = [
      { apiKey: 'produce', topic: 'a' },
      { apiKey: 'produce', topic: 'b' },
    ];
    const both = matchKafka(rules, req(0, ['a', 'b']));
    assert.ok(both.allowed);
    assert.deepEqual(both.matched, [0, 1]);
    const some = matchKafka(rules, req(0, ['a', 'c', 'd']));
    assert.ok(!some.allowed);
    assert.deepEqual(some.deniedTopics, ['c', 'd']);
    assert.deepEqual(
      matchKafka(rules, req(1, ['a'])).deniedTopics,
      ['a'],
      'no rule admits Fetch: all topics refused',
    );
    assert.ok(
      !matchKafka(rules, req(0, [])).allowed,
      'a topic API naming no topic is not allowed by topic rules',
    );
    assert.ok(!matchKafka([{ topic: 'a' }], req(68)).allowed, 'an unparsed topic API fails closed');
    assert.ok(matchKafka([{ topic: 'a' }], req(32)).allowed, 'DescribeConfigs is not a topic API in Cilium');
  });
});
