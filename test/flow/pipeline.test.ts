// The whole pipeline: raw ring records → monitor → flows → ring + SQLite store (+ metrics, policy log); restarts and retention.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { encode } from '../../src/datapath/codec.js';
import { PorinEventCodec, type RawPorinEvent } from '../../src/datapath/maps/events.js';
import { FakeFlowContext } from '../../src/flow/fake-flow-context.js';
import { FlowService } from '../../src/flow/flow-service.js';
import { FlowStore } from '../../src/flow/flow-store.js';
import { PorinMetrics } from '../../src/metrics/porin-metrics.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { parseNetworkLogging } from '../../src/policylog/network-logging.js';
import { PolicyLogger } from '../../src/policylog/policy-logger.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'porin-pipeline-'));
  dirs.push(d);
  return d;
}

const WALL0 = 1_732_720_000_000_000_000n;

function record(i: number, over: Partial<RawPorinEvent> = {}): DataView {
  const raw: RawPorinEvent = {
    type: 4,
    subtype: 0,
    endpointId: 12,
    ifindex: 7,
    timestampNs: BigInt(i) * 1_000_000n,
    srcIdentity: 256,
    dstIdentity: 258,
    saddr: `10.0.${(i >> 8) & 255}.${i & 255}`,
    daddr: '10.0.0.2',
    sport: 30000 + (i % 30000),
    dport: 80,
    protocol: 6,
    direction: 0,
    ctStatus: 0,
    matchType: 0,
    verdict: 0,
    cookie: 0,
    pktLen: 60,
    l4Info: 2,
    ...over,
  };
  const b = encode(PorinEventCodec, raw);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function context(): FakeFlowContext {
  return new FakeFlowContext()
    .addPod('10.0.0.1', {
      identity: 256,
      namespace: 'default',
      podName: 'tiefighter',
      labels: ['k8s:app=tiefighter'],
    })
    .addPod('10.0.0.2', {
      id: 12,
      identity: 258,
      namespace: 'default',
      podName: 'deathstar-1',
      labels: ['k8s:app=deathstar'],
    })
    .setDefaultDeny(12, 'ingress', [{ kind: 'NetworkPolicy', namespace: 'default', name: 'deny-all' }]);
}

describe('flow pipeline', () => {
  test('records → flows in the ring and a WAL store that survives a restart', async () => {
    const dir = await tempDir();
    const path = join(dir, 'flows.db');
    const monitor = new Monitor({ clock: { wallNs: () => WALL0, monotonicNs: () => 0n } });
    const metrics = new PorinMetrics();
    const lines: string[] = [];
    const logger = new PolicyLogger({
      spec: parseNetworkLogging({ cluster: { deny: { log: true } } }),
      output: { writeLine: (l) => lines.push(l) },
      clock: { nowMs: () => 0 },
    });
    const store = FlowStore.open({ path, maxAgeMs: 0 });
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    const service = new FlowService({
      context: context(),
      nodeName: 'n1',
      store,
      observers: [metrics, logger],
    });
    monitor.subscribe(service);
    for (let i = 1; i <= 100; i++) monitor.pushRecord(record(i));
    monitor.pushRecord(record(101, { type: 5, verdict: -133, saddr: '10.0.0.1' }));
    monitor.sampleDatapathLost(0n);
    monitor.sampleDatapathLost(3n);
    assert.equal(service.ring.size, 102, '101 flows and one LostEvent');
    assert.equal(service.status().lost_events.PERF_EVENT_RING_BUFFER, 3);
    const denied = service.query({ whitelist: [{ verdict: ['DROPPED'] }] });
    assert.equal(denied.length, 1);
    const flow = 'flow' in denied[0]! ? denied[0].flow : undefined;
    assert.equal(flow?.time, '2024-11-27T15:06:40.101000000Z');
    assert.equal(flow?.source?.pod_name, 'tiefighter');
    assert.deepEqual(
      flow?.ingress_default_denied_by?.map((p) => p.name),
      ['deny-all'],
    );
    logger.close();
    assert.equal(JSON.parse(lines[0]!).disposition, 'deny');
    assert.ok(
      (await metrics.text()).includes(
        'hubble_flows_processed_total{type="Trace",subtype="to-endpoint",verdict="FORWARDED",protocol="TCP"} 100',
      ),
    );
    service.close();

    const again = new FlowService({ context: context(), nodeName: 'n1', store: FlowStore.open({ path }) });
    try {
      assert.equal(again.ring.size, 0, 'a new ring is empty');
      const hist = again.query({ number: 5 });
      assert.deepEqual(
        hist.map((r) => ('flow' in r ? r.flow.l4?.TCP?.source_port : 0)),
        [30097, 30098, 30099, 30100, 30101],
        'history comes from the store',
      );
      assert.equal(again.query({ whitelist: [{ source_pod: ['default/tiefighter'] }] }).length, 2);
    } finally {
      again.close();
    }
  });

  test('retention by age and by size; dictionaries are collected', async () => {
    const dir = await tempDir();
    let now = WALL0;
    const store = FlowStore.open({
      path: join(dir, 'r.db'),
      maxAgeMs: 60_000,
      maxBytes: 600 * 1024,
      nowNs: () => now,
    });
    const service = new FlowService({ context: context(), nodeName: 'n1', store, nowNs: () => now });
    const monitor = new Monitor({ clock: { wallNs: () => WALL0, monotonicNs: () => 0n } });
    monitor.subscribe(service);
    for (let i = 1; i <= 100; i++) monitor.pushRecord(record(i));
    now = WALL0 + 30_000_000_000n;
    for (let i = 1; i <= 100; i++)
      monitor.pushRecord(record(i, { timestampNs: 30_000_000_000n + BigInt(i) }));
    now = WALL0 + 61_000_000_000n;
    assert.deepEqual(store.enforceRetention(), { byAge: 100, bySize: 0 });
    assert.equal(store.count(), 100);
    for (let i = 1; i <= 20_000; i++)
      monitor.pushRecord(record(i, { timestampNs: 60_000_000_000n + BigInt(i) * 1000n }));
    store.flush();
    const before = store.stats();
    assert.ok(before.usedBytes > 600 * 1024, `${before.usedBytes} bytes used before`);
    const r = store.enforceRetention();
    const afterStats = store.stats();
    assert.ok(r.bySize > 0);
    assert.ok(afterStats.usedBytes <= 600 * 1024, `${afterStats.usedBytes} bytes used after`);
    assert.equal(afterStats.newestNs, before.newestNs, 'the newest flows are kept');
    assert.ok((afterStats.oldestNs ?? 0n) > (before.oldestNs ?? 0n), 'the oldest are gone');
    const eps = (store.db.prepare('SELECT count(*) AS n FROM endpoints').get() as { n: number }).n;
    assert.ok(eps <= afterStats.rows + 2, `endpoints no flow refers to are collected (${eps})`);
    assert.deepEqual(store.query({ limit: 1 }).length, 1);
    service.close();
  });

  test('a store left without close() (crash) is found whole when reopened: the open segment is rebuilt', async () => {
    const dir = await tempDir();
    const path = join(dir, 'crash.db');
    const first = FlowStore.open({ path, segmentRows: 64, batchSize: 10 });
    const service = new FlowService({ context: context(), nodeName: 'n1', store: first });
    const monitor = new Monitor({ clock: { wallNs: () => WALL0, monotonicNs: () => 0n } });
    monitor.subscribe(service);
    for (let i = 1; i <= 150; i++) monitor.pushRecord(record(i, { saddr: i % 2 ? '10.0.0.1' : '10.9.9.9' }));
    first.flush(); // 150 rows: two full segments of 64 saved, 22 rows only in the open segment
    const second = FlowStore.open({ path });
    try {
      assert.equal(second.count(), 150);
      assert.equal(second.stats().segments, 3);
      const pods = second.query({ whitelist: [{ source_pod: ['default/tiefighter'] }] });
      assert.equal(pods.length, 75, 'the index of the rebuilt segment finds its rows');
      assert.equal(second.query({ limit: 1 })[0]?.l4?.TCP?.source_port, 30150);
    } finally {
      second.close();
      first.close();
    }
  });

  test('flows the store cannot take are counted as lost, never silently dropped', () => {
    const metrics = new PorinMetrics();
    const store = FlowStore.open({ path: ':memory:', maxPending: 5, batchSize: 1000 });
    const service = new FlowService({ context: context(), nodeName: 'n1', store, observers: [metrics] });
    const monitor = new Monitor({ clock: { wallNs: () => WALL0, monotonicNs: () => 0n } });
    monitor.subscribe(service);
    for (let i = 1; i <= 8; i++) monitor.pushRecord(record(i));
    assert.equal(service.lost.FLOW_STORE, 3);
    assert.equal(store.stats().lost, 3);
    assert.equal(service.ring.size, 8, 'the ring still has them all');
    service.close();
  });
});
