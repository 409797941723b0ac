// Garbage collection: the orphan rule, and the collector deleting dependents of deleted owners.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Resource } from '../../resources/index.js';
import { MemoryObjectStore } from '../store/index.js';
import { eventually, pod, service } from './controller-fixtures.test.js';
import { GarbageCollector, isOrphaned } from './garbage-collector.js';

describe('isOrphaned', () => {
  const owner = service('web');
  const lookup = (objects: Resource[]) => (kind: string, ns: string, name: string) =>
    objects.find((o) => o.kind === kind && (o.metadata.namespace ?? '') === ns && o.metadata.name === name);
  const ref = (extra: object = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    name: 'web',
    uid: 'uid-web',
    controller: true,
    ...extra,
  });

  test('no owners: never', () => {
    assert.equal(isOrphaned(pod('a'), lookup([])), false);
  });
  test('owner present with the same uid: no; gone or recreated (other uid): yes', () => {
    const p = pod('a', { meta: { ownerReferences: [ref()] } });
    assert.equal(isOrphaned(p, lookup([owner])), false);
    assert.equal(isOrphaned(p, lookup([])), true);
    assert.equal(
      isOrphaned(p, lookup([{ ...owner, metadata: { ...owner.metadata, uid: 'uid-new' } }])),
      true,
    );
  });
  test('any owner left keeps it; owners of kinds the store does not hold count as present', () => {
    const two = pod('a', { meta: { ownerReferences: [ref(), ref({ name: 'other', uid: 'uid-other' })] } });
    assert.equal(isOrphaned(two, lookup([owner])), false);
    const foreign = pod('b', {
      meta: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'x' }] },
    });
    assert.equal(isOrphaned(foreign, lookup([])), false);
  });
  test('cluster-scoped owners are looked up without a namespace', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', uid: 'uid-ns' } } as Resource;
    const p = pod('a', {
      meta: { ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'team', uid: 'uid-ns' }] },
    });
    assert.equal(isOrphaned(p, lookup([ns])), false);
  });
});

describe('GarbageCollector', () => {
  test('deletes dependents when their owner is deleted, and orphans found at start', async () => {
    const store = new MemoryObjectStore();
    const [svc] = await store.apply([{ ...service('web'), metadata: { name: 'web', namespace: 'default' } }]);
    const ownerRef = {
      apiVersion: 'v1',
      kind: 'Service',
      name: 'web',
      uid: svc!.object.metadata.uid!,
      controller: true,
    };
    const stale = { apiVersion: 'v1', kind: 'Service', name: 'gone', uid: 'uid-gone', controller: true };
    await store.apply([
      pod('dependent', { meta: { uid: undefined, ownerReferences: [ownerRef] } }),
      pod('orphan', { meta: { uid: undefined, ownerReferences: [stale] } }),
      pod('free', { meta: { uid: undefined } }),
    ]);
    const gc = new GarbageCollector(store, { onError: () => {} });
    gc.start();
    try {
      await gc.idle();
      const names = async () => (await store.list('Pod')).items.map((p) => p.metadata.name);
      assert.deepEqual(await names(), ['dependent', 'free']);
      await store.delete([{ kind: 'Service', name: 'web' }]);
      await eventually(async () => (await names()).join() === 'free', 'the dependent to be collected');
    } finally {
      await gc.stop();
    }
  });
});
