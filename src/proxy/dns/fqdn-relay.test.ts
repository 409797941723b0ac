// The proxy's FQDN relay: straight through while the agent answers, queued in order while it is away, replayed after.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DnsAnswerObservation } from './dns-proxy.js';
import { FqdnRelay } from './fqdn-relay.js';

const obs = (name: string): DnsAnswerObservation => ({
  source: { address: '10.244.0.5', port: 1000 },
  name,
  ips: ['203.0.113.1'],
  ttl: 60,
  time: 0,
});

describe('FqdnRelay', () => {
  it('queues while the agent is away and replays in order when it returns', async () => {
    let up = true;
    const got: string[] = [];
    const relay = new FqdnRelay({
      retryMs: 20,
      send: async (o) => {
        if (!up) throw new Error('ECONNREFUSED');
        got.push(o.name);
      },
    });
    await relay.ensure(obs('a'));
    up = false;
    await assert.rejects(relay.ensure(obs('b')));
    await assert.rejects(relay.ensure(obs('c')));
    up = true;
    await assert.rejects(relay.ensure(obs('d')), /queued/, 'behind the queue, to keep the order');
    for (let i = 0; i < 50 && relay.queued > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, ['a', 'b', 'c', 'd']);
    await relay.ensure(obs('e'));
    assert.deepEqual(got.at(-1), 'e');
    relay.close();
  });

  it('drops the oldest beyond its bound, and says how many', async () => {
    let dropped = 0;
    const relay = new FqdnRelay({
      maxQueued: 2,
      retryMs: 10_000,
      send: async () => Promise.reject(new Error('away')),
      onDropped: (n) => (dropped += n),
    });
    for (const n of ['a', 'b', 'c', 'd']) await assert.rejects(relay.ensure(obs(n)));
    assert.equal(relay.queued, 2);
    assert.equal(dropped, 2);
    relay.close();
  });
});
