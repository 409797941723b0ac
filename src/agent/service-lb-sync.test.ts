// ServiceLbSync: store changes reach the LB maps per service; a restart adopts the maps without rewriting.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { MemoryObjectStore } from '../cluster/store/index.js';
import type { EndpointSlice, Service } from '../resources/index.js';
import { fakeLbMaps, LbReconciler, lbConfig } from '../services/index.js';
import { ServiceLbSync } from './service-lb-sync.js';

const cfg = lbConfig({ nodeName: 'n1', nodeAddresses: ['192.168.1.2'], maglevTableSize: 251 });
const maglev = { tableSize: 251, seed: 1 };

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
};

const slice = (addrs: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: addrs.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'n1' })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

describe('ServiceLbSync', () => {
  test('services and slices in the store become frontends; changes follow; deletes remove', async () => {
    const store = new MemoryObjectStore();
    await store.apply([svc, slice(['10.244.0.1'])]);
    const maps = fakeLbMaps({ tableSize: 251 });
    const sync = new ServiceLbSync(store, new LbReconciler(maps, maglev), cfg, () => {});
    const latencies: number[] = [];
    sync.onApplied = (ms) => latencies.push(ms);
    await sync.start();
    const backends = () =>
      maps.backends
        .entries()
        .map(([, b]) => b.address)
        .sort();
    assert.deepEqual(backends(), ['10.244.0.1']);
    assert.deepEqual(sync.index.lookup('10.244.0.1', 8080), { namespace: 'default', name: 'web' });
    assert.deepEqual(sync.index.lookup('10.96.0.50', 80), { namespace: 'default', name: 'web' });

    await store.apply([slice(['10.244.0.1', '10.244.0.2'])]);
    await settle();
    assert.deepEqual(backends(), ['10.244.0.1', '10.244.0.2']);
    assert.ok(latencies.length >= 1);

    await store.delete([{ kind: 'Service', namespace: 'default', name: 'web' }]);
    await settle();
    assert.deepEqual(maps.services.entries(), []);
    assert.equal(sync.index.lookup('10.96.0.50', 80), undefined);
    sync.stop();
  });

  test('after a restart nothing unchanged is rewritten, and what was deleted meanwhile goes', async () => {
    const store = new MemoryObjectStore();
    const other: Service = {
      ...svc,
      metadata: { name: 'old', namespace: 'default' },
      spec: { ...svc.spec, clusterIP: '10.96.0.51' },
    };
    await store.apply([svc, other, slice(['10.244.0.1'])]);
    const maps = fakeLbMaps({ tableSize: 251 });
    const first = new ServiceLbSync(store, new LbReconciler(maps, maglev), cfg, () => {});
    await first.start();
    first.stop();
    await store.delete([{ kind: 'Service', namespace: 'default', name: 'old' }]);
    const r = new LbReconciler(maps, maglev);
    const second = new ServiceLbSync(store, r, cfg, () => {});
    await second.start();
    const writes = r.status().writes;
    assert.ok(writes > 0 && writes <= 2, `only the deleted service's entries: ${writes} writes`);
    assert.deepEqual(
      maps.reverseNat.entries().map(([, v]) => v.address),
      ['10.96.0.50'],
    );
    second.stop();
  });

  test('a slice relabelled to another service moves its endpoints', async () => {
    const store = new MemoryObjectStore();
    const db: Service = {
      ...svc,
      metadata: { name: 'db', namespace: 'default' },
      spec: { ...svc.spec, clusterIP: '10.96.0.52' },
    };
    await store.apply([svc, db, slice(['10.244.0.7'])]);
    const maps = fakeLbMaps({ tableSize: 251 });
    const sync = new ServiceLbSync(store, new LbReconciler(maps, maglev), cfg, () => {});
    await sync.start();
    const moved = slice(['10.244.0.7']);
    moved.metadata.labels = { 'kubernetes.io/service-name': 'db' };
    await store.apply([moved]);
    await settle();
    assert.deepEqual(sync.index.lookup('10.244.0.7', 8080), { namespace: 'default', name: 'db' });
    const counts = maps.services
      .entries()
      .filter(([k]) => k.slot === 0)
      .map(([k, v]) => `${k.address}=${v.count}`)
      .sort();
    assert.deepEqual(counts, ['10.96.0.50=0', '10.96.0.52=1']);
    sync.stop();
  });
});
