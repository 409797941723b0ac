// The observer service: ring queries, follows with backpressure, and lost events that are never silent.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { DatapathEvent } from '../datapath/maps/events.js';
import { FakeFlowContext } from './fake-flow-context.js';
import type { FlowsResponse } from './flow.js';
import { FlowRing } from './flow-ring.js';
import { FlowService, validateFlowsRequest } from './flow-service.js';

const T0 = 1_732_720_000_000_000_000n;

function event(i: number, verdict: 'allowed' | 'denied' = 'allowed'): DatapathEvent {
  return {
    type: 'policy-verdict',
    verdict,
    dropReason: verdict === 'denied' ? 133 : 0,
    proxyPort: 0,
    matchType: 'l3-l4',
    cookie: 0,
    endpointId: 1,
    ifindex: 2,
    timestampNs: 0n,
    srcIdentity: 2,
    dstIdentity: 256,
    saddr: `10.1.0.${i % 250}`,
    daddr: '10.0.0.2',
    sport: 1000 + i,
    dport: 80,
    protocol: 6,
    direction: 'ingress',
    ctStatus: 'new',
    packetLength: 60,
    l4Info: 2,
  };
}

function service(ringCapacity = 16) {
  let now = T0;
  const s = new FlowService({
    context: new FakeFlowContext(),
    nodeName: 'n1',
    ringCapacity,
    nowNs: () => now,
  });
  const feed = (n: number, from = 0, verdict: 'allowed' | 'denied' = 'allowed') => {
    for (let i = from; i < from + n; i++) {
      now += 1_000_000n;
      s.onEvent(event(i, verdict), now);
    }
  };
  return { s, feed };
}

const ports = (rs: FlowsResponse[]) => rs.map((r) => ('flow' in r ? r.flow.l4?.TCP?.source_port : 'lost'));

describe('FlowRing', () => {
  test('readers overtaken by the writer learn how much they missed', () => {
    const ring = new FlowRing(4);
    for (let i = 0; i < 10; i++) ring.push({ uuid: String(i) }, i);
    assert.equal(ring.tail, 6);
    const r = ring.read(2, 100);
    assert.equal(r.lost, 4);
    assert.deepEqual(
      r.flows.map((f) => f.uuid),
      ['6', '7', '8', '9'],
    );
    assert.equal(r.next, 10);
  });
});

describe('FlowService', () => {
  test('query without a store reads the ring: last N, first N, filters, time range', () => {
    const { s, feed } = service();
    feed(10);
    feed(2, 10, 'denied');
    assert.deepEqual(ports(s.query({ number: 3 })), [1009, 1010, 1011]);
    assert.deepEqual(ports(s.query({ number: 2, first: true })), [1000, 1001]);
    assert.deepEqual(ports(s.query({ whitelist: [{ verdict: ['DROPPED'] }] })), [1010, 1011]);
    const since = new Date(Number((T0 + 5_000_000n) / 1_000_000n)).toISOString();
    assert.deepEqual(ports(s.query({ since, number: 2, first: true })), [1004, 1005]);
  });

  test('follow: history, then live flows; a paused follower overtaken by the ring gets a HUBBLE_RING_BUFFER lost event', async () => {
    const { s, feed } = service(8);
    feed(3);
    const got: FlowsResponse[] = [];
    let pause = false;
    const h = s.follow({ number: 2, whitelist: [{ destination_port: ['80'] }] }, (r) => {
      got.push(r);
      return !pause;
    });
    assert.deepEqual(ports(got), [1001, 1002]);
    feed(2, 3);
    await tick();
    assert.deepEqual(ports(got), [1001, 1002, 1003, 1004]);
    pause = true;
    feed(1, 5);
    await tick();
    pause = false;
    feed(20, 6);
    await tick();
    h.resume();
    await tick();
    await tick();
    const tail = got.slice(5);
    assert.ok('lost_events' in tail[0]!, 'the first thing after the gap is the lost-event notice');
    assert.equal((tail[0] as { lost_events: { num_events_lost: string } }).lost_events.num_events_lost, '12');
    assert.deepEqual(
      ports(tail.slice(1)),
      Array.from({ length: 8 }, (_, i) => 1018 + i),
    );
    assert.equal(s.lost.HUBBLE_RING_BUFFER, 12);
    h.close();
  });

  test('datapath losses go into the ring as LostEvents, reach observers and count in status', async () => {
    const { s, feed } = service();
    const seen: string[] = [];
    s.addObserver({ onFlow: () => undefined, onLost: (src, n) => seen.push(`${src}:${n}`) });
    const got: FlowsResponse[] = [];
    s.follow({}, (r) => {
      got.push(r);
      return true;
    });
    feed(1);
    s.onLost('PERF_EVENT_RING_BUFFER', 7, T0);
    await tick();
    assert.deepEqual(seen, ['PERF_EVENT_RING_BUFFER:7']);
    assert.deepEqual(got[1], {
      lost_events: { source: 'PERF_EVENT_RING_BUFFER', num_events_lost: '7' },
      node_name: 'n1',
      time: '2024-11-27T15:06:40.000000000Z',
    });
    assert.equal(s.status().lost_events.PERF_EVENT_RING_BUFFER, 7);
    assert.equal(s.status().seen_flows, 1);
  });

  test('requests are validated with field paths', () => {
    assert.throws(() => validateFlowsRequest({ number: -1 }), /number: must be a non-negative integer/);
    assert.throws(() => validateFlowsRequest({ first: true, follow: true }), /cannot be combined/);
    assert.throws(() => validateFlowsRequest({ since: 'yesterday' }), /since: must be an RFC 3339/);
    assert.throws(
      () => validateFlowsRequest({ whitelist: [{ pod: ['x'] }] }),
      /request\.whitelist\[0\]\.pod: unknown/,
    );
    assert.deepEqual(validateFlowsRequest({ number: '5' }), { number: 5 });
  });
});
