// One endpoint's DNS cache: TTL expiry, per-name limits, zombies kept for open connections, grace, persistence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EndpointDnsCache } from './endpoint-dns-cache.js';

const NONE: ReadonlySet<string> = new Set();

describe('EndpointDnsCache', () => {
  it('keeps an address until its TTL, then moves it to the zombies', () => {
    const c = new EndpointDnsCache();
    assert.deepEqual(c.record('a.com', ['203.0.113.1', '203.0.113.2'], 30, 0, 1000), [
      '203.0.113.1',
      '203.0.113.2',
    ]);
    assert.deepEqual(c.expire(29_999), []);
    assert.deepEqual(c.namesOf('203.0.113.1'), ['a.com']);
    assert.deepEqual(c.expire(30_000).sort(), ['203.0.113.1', '203.0.113.2']);
    assert.deepEqual(c.lookups(), []);
    assert.deepEqual(c.namesOf('203.0.113.1'), ['a.com'], 'a zombie still names the address');
    assert.equal(c.zombieList().length, 2);
  });

  it('a later answer extends the expiry; an earlier expiry never shortens it', () => {
    const c = new EndpointDnsCache();
    c.record('a.com', ['203.0.113.1'], 100, 0, 1000);
    c.record('a.com', ['203.0.113.1'], 10, 1000, 1000);
    assert.deepEqual(c.expire(50_000), []);
    c.record('a.com', ['203.0.113.1'], 100, 60_000, 1000);
    assert.deepEqual(c.expire(120_000), []);
    assert.deepEqual(c.expire(160_000), ['203.0.113.1']);
  });

  it('zombies stay while a connection uses them, and go once it closes (grace 0)', () => {
    const c = new EndpointDnsCache();
    c.record('a.com', ['203.0.113.1', '203.0.113.2'], 0, 0, 1000);
    c.expire(0);
    assert.deepEqual(c.collectZombies(1, new Set(['203.0.113.1']), 0, 100), ['203.0.113.2']);
    assert.deepEqual(c.namesOf('203.0.113.1'), ['a.com']);
    assert.deepEqual(c.collectZombies(2, new Set(['203.0.113.1']), 0, 100), []);
    assert.deepEqual(c.collectZombies(3, NONE, 0, 100), ['203.0.113.1']);
    assert.ok(c.empty);
  });

  it('the idle-connection grace period keeps a zombie after its last connection', () => {
    const c = new EndpointDnsCache();
    c.record('a.com', ['203.0.113.1'], 0, 0, 1000);
    c.expire(0);
    c.collectZombies(1000, new Set(['203.0.113.1']), 5000, 100);
    assert.deepEqual(c.collectZombies(5999, NONE, 5000, 100), []);
    assert.deepEqual(c.collectZombies(6000, NONE, 5000, 100), ['203.0.113.1']);
  });

  it('a new lookup revives a zombie', () => {
    const c = new EndpointDnsCache();
    c.record('a.com', ['203.0.113.1'], 0, 0, 1000);
    c.expire(0);
    c.record('a.com', ['203.0.113.1'], 60, 10, 1000);
    assert.deepEqual(c.zombieList(), []);
    assert.deepEqual(c.collectZombies(20, NONE, 0, 100), []);
    assert.deepEqual(c.namesOf('203.0.113.1'), ['a.com']);
  });

  it('over the per-name limit the soonest-expiring addresses become zombies', () => {
    const c = new EndpointDnsCache();
    c.record('a.com', ['203.0.113.1'], 10, 0, 2);
    c.record('a.com', ['203.0.113.2'], 20, 0, 2);
    const changed = c.record('a.com', ['203.0.113.3'], 30, 0, 2);
    assert.deepEqual(changed.sort(), ['203.0.113.1', '203.0.113.3']);
    assert.deepEqual(
      c
        .lookups()[0]!
        .entries.map((e) => e.ip)
        .sort(),
      ['203.0.113.2', '203.0.113.3'],
    );
    assert.deepEqual(
      c.zombieList().map((z) => z.ip),
      ['203.0.113.1'],
    );
  });

  it('above the zombie limit, dead zombies go before live ones, oldest first', () => {
    const c = new EndpointDnsCache();
    for (let i = 1; i <= 4; i++) {
      c.record(`h${i}.com`, [`203.0.113.${i}`], 0, i, 1000);
      c.expire(i);
    }
    const live = new Set(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
    assert.deepEqual(c.collectZombies(10, live, 0, 4), []);
    assert.deepEqual(c.collectZombies(11, live, 0, 2).sort(), ['203.0.113.1', '203.0.113.2']);
  });

  it('survives a JSON round trip', () => {
    const c = new EndpointDnsCache();
    c.record('a.com', ['203.0.113.1'], 30, 0, 1000);
    c.record('b.com', ['203.0.113.2'], 0, 0, 1000);
    c.expire(1);
    c.collectZombies(2, new Set(['203.0.113.2']), 0, 10);
    const back = EndpointDnsCache.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    assert.deepEqual(back.toJSON(), c.toJSON());
    assert.deepEqual(back.namesOf('203.0.113.1'), ['a.com']);
  });

  it('property: an address is held exactly while a lookup is unexpired or a connection kept it', () => {
    const ip = fc.constantFrom('203.0.113.1', '203.0.113.2', '203.0.113.3');
    const step = fc.oneof(
      fc.record({ op: fc.constant('lookup' as const), ip, ttl: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ op: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 40 }) }),
      fc.record({
        op: fc.constant('gc' as const),
        live: fc.subarray(['203.0.113.1', '203.0.113.2', '203.0.113.3']),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const c = new EndpointDnsCache();
        let now = 0;
        const expiry = new Map<string, number>(); // model: lookup expiry per address
        const kept = new Set<string>(); // model: expired but held (zombie)
        for (const s of steps) {
          if (s.op === 'lookup') {
            c.record('a.com', [s.ip], s.ttl, now, 1000);
            expiry.set(s.ip, Math.max(expiry.get(s.ip) ?? 0, now + s.ttl * 1000));
            kept.delete(s.ip);
          } else if (s.op === 'tick') now += s.dt * 1000;
          else {
            c.expire(now);
            for (const [a, t] of expiry) {
              if (t > now) continue;
              expiry.delete(a);
              kept.add(a);
            }
            const live = new Set(s.live);
            c.collectZombies(now, live, 0, 1000);
            for (const a of [...kept]) if (!live.has(a)) kept.delete(a);
          }
        }
        assert.deepEqual(c.ips().sort(), [...new Set([...expiry.keys(), ...kept])].sort());
      }),
    );
  });
});
