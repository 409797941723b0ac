// The monitor: raw ring records → wall-clock events for consumers; lost counters → lost-event reports.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode } from '../datapath/codec.js';
import type { DatapathEvent } from '../datapath/maps/events.js';
import { PorinEventCodec, type RawPorinEvent } from '../datapath/maps/events.js';
import { KtimeConverter } from './ktime-clock.js';
import { type LostEventSource, Monitor } from './monitor.js';

const raw: RawPorinEvent = {
  type: 5,
  subtype: 0,
  endpointId: 12,
  ifindex: 7,
  timestampNs: 5_000_000_000n,
  srcIdentity: 256,
  dstIdentity: 258,
  saddr: '10.0.0.1',
  daddr: '10.0.0.2',
  sport: 54321,
  dport: 80,
  protocol: 6,
  direction: 0,
  ctStatus: 0,
  matchType: 2,
  verdict: 0,
  cookie: 9,
  pktLen: 60,
  l4Info: 2,
};

function record(r: Partial<RawPorinEvent> = {}): DataView {
  const bytes = encode(PorinEventCodec, { ...raw, ...r });
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const clock = { wallNs: () => 1_700_000_000_000_000_000n, monotonicNs: () => 4_000_000_000n };

describe('Monitor', () => {
  test('decodes records and stamps them with wall-clock time', () => {
    const m = new Monitor({ clock });
    const got: [DatapathEvent, bigint][] = [];
    m.subscribe({ onEvent: (e, t) => got.push([e, t]), onLost: () => undefined });
    assert.equal(m.pushRecord(record()), true);
    assert.equal(m.pushRecord(record({ type: 99 })), false);
    assert.equal(m.pushRecord(new DataView(new ArrayBuffer(8))), false);
    assert.equal(got.length, 1);
    const [e, t] = got[0]!;
    assert.equal(e.type, 'policy-verdict');
    assert.equal(e.type === 'policy-verdict' && e.cookie, 9);
    assert.equal(t, 1_700_000_000_000_000_000n + 1_000_000_000n, 'ktime 5 s is 1 s after the sample at 4 s');
    assert.deepEqual(
      { events: m.stats.events, undecodable: m.stats.undecodable },
      { events: 1, undecodable: 2 },
    );
  });

  test('datapath lost counter: deltas between samples are reported, a reset is not negative', () => {
    const m = new Monitor({ clock });
    const lost: [LostEventSource, number][] = [];
    m.subscribe({ onEvent: () => undefined, onLost: (s, n) => lost.push([s, n]) });
    assert.equal(m.sampleDatapathLost(100n), 0, 'the first sample is the baseline');
    assert.equal(m.sampleDatapathLost(130n), 30);
    assert.equal(m.sampleDatapathLost(130n), 0);
    assert.equal(m.sampleDatapathLost(5n), 0);
    assert.equal(m.sampleDatapathLost(9n), 4);
    assert.deepEqual(lost, [
      ['PERF_EVENT_RING_BUFFER', 30],
      ['PERF_EVENT_RING_BUFFER', 4],
    ]);
    assert.equal(m.stats.lost.PERF_EVENT_RING_BUFFER, 34);
    const fresh = new Monitor({ clock });
    assert.equal(fresh.sampleDatapathLost(12n, true), 12);
  });

  test('a throwing consumer is counted and does not stop the others', () => {
    const m = new Monitor({ clock });
    let n = 0;
    m.subscribe({
      onEvent: () => {
        throw new Error('boom');
      },
      onLost: () => undefined,
    });
    m.subscribe({ onEvent: () => n++, onLost: () => undefined });
    m.pushRecord(record());
    assert.equal(n, 1);
    assert.equal(m.stats.consumerErrors, 1);
  });

  test('the monotonic→wall offset is re-sampled', () => {
    let wall = 1000n;
    const c = new KtimeConverter({ wallNs: () => wall, monotonicNs: () => 0n }, 2);
    assert.equal(c.toWallNs(5n), 1005n);
    wall = 2000n;
    assert.equal(c.toWallNs(5n), 1005n);
    assert.equal(c.toWallNs(5n), 1005n);
    assert.equal(c.toWallNs(5n), 2005n);
  });
});
