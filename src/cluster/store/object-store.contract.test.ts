// The one contract suite every ObjectStore passes (the in-memory fake and the file store).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Namespace, Pod, Service } from '../../resources/index.js';
import type { ObjectStore, WatchEvent, WatchFilter } from './object-store.js';
import type { StoreOptions } from './store-core.js';
import { isStoreError } from './store-error.js';

export type OpenStore = (options: StoreOptions) => Promise<ObjectStore>;

export function pod(
  name: string,
  namespace = 'default',
  labels: Record<string, string> = { app: name },
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'main', image: 'porin/echo' }] },
  };
}

export function namespace(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function service(name: string, ns = 'default'): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

/** Collects watch events; `next(n)` waits until n have arrived. */
export function collect(store: ObjectStore, filter: WatchFilter, from?: string) {
  const events: WatchEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const stop = store.watch(filter, from, (e) => {
    events.push(e);
    for (const w of waiters.splice(0)) {
      if (events.length >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  const next = (n: number, ms = 2000): Promise<WatchEvent[]> =>
    new Promise((resolve, reject) => {
      if (events.length >= n) return resolve(events);
      const timer = setTimeout(
        () => reject(new Error(`only ${events.length} of ${n} events: ${summary(events)}`)),
        ms,
      );
      waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(events);
        },
      });
    });
  return { events, stop, next };
}

export function summary(events: WatchEvent[]): string {
  return events
    .map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}@${e.object.metadata.resourceVersion}`)
    .join(', ');
}

const settle = () => new Promise((r) => setTimeout(r, 20));

function assertCode(code: string) {
  return (e: unknown) => {
    assert.ok(isStoreError(e), `expected a StoreError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

export function objectStoreContract(name: string, openStore: OpenStore): void {
  describe(`ObjectStore contract: ${name}`, () => {
    const opened: ObjectStore[] = [];
    const open = async (options: StoreOptions = {}) => {
      const s = await openStore(options);
      opened.push(s);
      return s;
    };
    after(async () => {
      for (const s of opened) await s.close();
    });

    test('apply creates objects with uid, creationTimestamp and increasing resourceVersions', async () => {
      const store = await open();
      const [a, b] = await store.apply([pod('a'), pod('b')]);
      assert.equal(a?.result, 'created');
      assert.match(a!.object.metadata.uid!, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(a!.object.metadata.creationTimestamp!)));
      assert.equal(a!.object.metadata.resourceVersion, '1');
      assert.equal(b!.object.metadata.resourceVersion, '2');
      assert.notEqual(a!.object.metadata.uid, b!.object.metadata.uid);
      const list = await store.list('Pod');
      assert.equal(list.resourceVersion, '2');
      assert.deepEqual(
        list.items.map((p) => p.metadata.name),
        ['a', 'b'],
      );
    });

    test('applying the same object again is unchanged and keeps its resourceVersion', async () => {
      const store = await open();
      const [first] = await store.apply([pod('a')]);
      const reordered = {
        spec: pod('a').spec,
        metadata: { labels: { app: 'a' }, namespace: 'default', name: 'a' },
        kind: 'Pod',
        apiVersion: 'v1',
      } as Pod;
      const [again] = await store.apply([reordered]);
      assert.equal(again?.result, 'unchanged');
      assert.equal(again!.object.metadata.resourceVersion, first!.object.metadata.resourceVersion);
      assert.equal((await store.list('Pod')).resourceVersion, '1');
    });

    test('a changed label is configured: new resourceVersion, same uid and creationTimestamp', async () => {
      const store = await open();
      const [first] = await store.apply([pod('a')]);
      const [second] = await store.apply([pod('a', 'default', { app: 'a', tier: 'web' })]);
      assert.equal(second?.result, 'configured');
      assert.equal(second!.object.metadata.resourceVersion, '2');
      assert.equal(second!.object.metadata.uid, first!.object.metadata.uid);
      assert.equal(second!.object.metadata.creationTimestamp, first!.object.metadata.creationTimestamp);
      assert.deepEqual((await store.get('Pod', 'default', 'a'))?.metadata.labels, { app: 'a', tier: 'web' });
    });

    test('status is ignored by apply on update and kept; updateStatus replaces it', async () => {
      const store = await open();
      await store.apply([{ ...pod('a'), status: { podIP: '10.244.0.5' } }]);
      const [r] = await store.apply([{ ...pod('a'), status: { podIP: '10.244.0.9' } }]);
      assert.equal(r?.result, 'unchanged');
      assert.deepEqual((r!.object as Pod).status, { podIP: '10.244.0.5' });
      const updated = await store.updateStatus('Pod', 'default', 'a', {
        podIP: '10.244.0.7',
        phase: 'Running',
      });
      assert.equal(updated.metadata.resourceVersion, '2');
      const [after] = await store.apply([pod('a', 'default', { app: 'a', v: '2' })]);
      assert.equal(after?.result, 'configured');
      assert.deepEqual((after!.object as Pod).status, { podIP: '10.244.0.7', phase: 'Running' });
    });

    test('updateStatus with an equal status changes nothing; a missing object is NOT_FOUND', async () => {
      const store = await open();
      await store.apply([pod('a')]);
      const one = await store.updateStatus('Pod', 'default', 'a', { phase: 'Running', podIP: '10.244.0.2' });
      const two = await store.updateStatus('Pod', 'default', 'a', { podIP: '10.244.0.2', phase: 'Running' });
      assert.equal(two.metadata.resourceVersion, one.metadata.resourceVersion);
      await assert.rejects(
        store.updateStatus('Pod', 'default', 'nope', {}),
        assertCode('PORIN_ERR_NOT_FOUND'),
      );
    });

    test('generateName gives the prefix plus 5 random characters', async () => {
      const store = await open();
      const p = pod('');
      p.metadata.generateName = 'web-7d4b9c8f5-';
      const results = await store.apply([p, p, p]);
      const names = results.map((r) => r.object.metadata.name);
      for (const n of names) assert.match(n, /^web-7d4b9c8f5-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(new Set(names).size, 3);
      assert.equal((await store.list('Pod')).items.length, 3);
    });

    test('namespaced objects default to namespace default; cluster-scoped ones have none', async () => {
      const store = await open();
      const p = pod('a');
      delete p.metadata.namespace;
      const ns = namespace('prod');
      ns.metadata.namespace = 'ignored';
      const [rp, rn] = await store.apply([p, ns]);
      assert.equal(rp!.object.metadata.namespace, 'default');
      assert.equal(rn!.object.metadata.namespace, undefined);
      assert.ok(await store.get('Pod', undefined, 'a'));
      assert.ok(await store.get('Namespace', 'whatever', 'prod'));
    });

    test('a batch with one bad object applies nothing', async () => {
      const store = await open();
      await store.apply([pod('keep')]);
      const bad = { apiVersion: 'v1', kind: 'Pod', metadata: {} } as unknown as Pod;
      await assert.rejects(store.apply([pod('x'), bad]), assertCode('PORIN_ERR_INVALID'));
      const unknownKind = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as unknown as Pod;
      await assert.rejects(store.apply([pod('y'), unknownKind]), assertCode('PORIN_ERR_INVALID'));
      const list = await store.list('Pod');
      assert.deepEqual(
        list.items.map((p) => p.metadata.name),
        ['keep'],
      );
      assert.equal(list.resourceVersion, '1');
    });

    test('a stale resourceVersion is a conflict and the batch applies nothing', async () => {
      const store = await open();
      const [a] = await store.apply([pod('a')]);
      await store.apply([pod('a', 'default', { app: 'a', v: '2' })]);
      const stale = { ...pod('a', 'default', { app: 'a', v: '3' }) };
      stale.metadata.resourceVersion = a!.object.metadata.resourceVersion;
      await assert.rejects(store.apply([pod('b'), stale]), assertCode('PORIN_ERR_CONFLICT'));
      assert.equal(await store.get('Pod', 'default', 'b'), undefined);
      const current = (await store.get('Pod', 'default', 'a'))!;
      current.metadata.labels = { app: 'a', v: '4' };
      const [ok] = await store.apply([current]);
      assert.equal(ok?.result, 'configured');
      const gone = pod('ghost');
      gone.metadata.resourceVersion = '1';
      await assert.rejects(store.apply([gone]), assertCode('PORIN_ERR_CONFLICT'));
    });

    test('list filters by kind and namespace and is sorted', async () => {
      const store = await open();
      await store.apply([pod('z', 'b'), pod('y', 'a'), pod('x', 'b'), service('x', 'b'), namespace('a')]);
      const pods = await store.list('Pod');
      assert.deepEqual(
        pods.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
        ['a/y', 'b/x', 'b/z'],
      );
      assert.deepEqual(
        (await store.list('Pod', 'b')).items.map((p) => p.metadata.name),
        ['x', 'z'],
      );
      assert.equal((await store.list('Service')).items.length, 1);
      assert.equal((await store.list('Deployment')).items.length, 0);
      assert.equal(await store.get('Pod', 'a', 'x'), undefined);
    });

    test('returned objects are copies', async () => {
      const store = await open();
      const [r] = await store.apply([pod('a')]);
      r!.object.metadata.labels!.app = 'changed';
      const got = (await store.get('Pod', 'default', 'a'))!;
      got.metadata.name = 'other';
      (await store.list('Pod')).items[0]!.metadata.labels!.app = 'x';
      assert.deepEqual((await store.get('Pod', 'default', 'a'))?.metadata.labels, { app: 'a' });
    });

    test('delete is atomic: a missing ref deletes nothing unless ignoreNotFound', async () => {
      const store = await open();
      await store.apply([pod('a'), pod('b')]);
      await assert.rejects(
        store.delete([
          { kind: 'Pod', namespace: 'default', name: 'a' },
          { kind: 'Pod', name: 'missing' },
        ]),
        assertCode('PORIN_ERR_NOT_FOUND'),
      );
      assert.equal((await store.list('Pod')).items.length, 2);
      const deleted = await store.delete(
        [
          { kind: 'Pod', namespace: 'default', name: 'a' },
          { kind: 'Pod', name: 'missing' },
        ],
        { ignoreNotFound: true },
      );
      assert.deepEqual(
        deleted.map((o) => o.metadata.name),
        ['a'],
      );
      assert.equal(deleted[0]!.metadata.resourceVersion, '3');
      assert.deepEqual(
        (await store.list('Pod')).items.map((p) => p.metadata.name),
        ['b'],
      );
    });

    test('deleting a Namespace deletes the namespaced objects in it, and only those', async () => {
      const store = await open();
      await store.apply([
        namespace('prod'),
        namespace('dev'),
        pod('a', 'prod'),
        service('s', 'prod'),
        pod('b', 'dev'),
      ]);
      const deleted = await store.delete([{ kind: 'Namespace', name: 'prod' }]);
      assert.deepEqual(deleted.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
        'Namespace/prod',
        'Pod/a',
        'Service/s',
      ]);
      assert.equal(deleted.at(-1)!.kind, 'Namespace');
      assert.deepEqual(
        (await store.list('Pod')).items.map((p) => p.metadata.name),
        ['b'],
      );
      assert.deepEqual(
        (await store.list('Namespace')).items.map((p) => p.metadata.name),
        ['dev'],
      );
      assert.equal((await store.list('Service')).items.length, 0);
    });

    test('watch without a resourceVersion sends ADDED for what exists, then changes in order', async () => {
      const store = await open();
      await store.apply([pod('a'), service('s')]);
      const w = collect(store, { kind: 'Pod' });
      await store.apply([pod('b')]);
      await store.apply([pod('b', 'default', { app: 'b', v: '2' })]);
      await store.updateStatus('Pod', 'default', 'a', { podIP: '10.244.0.3' });
      await store.delete([{ kind: 'Pod', name: 'a' }]);
      const events = await w.next(5);
      w.stop();
      assert.equal(
        summary(events),
        'ADDED Pod/a@1, ADDED Pod/b@3, MODIFIED Pod/b@4, MODIFIED Pod/a@5, DELETED Pod/a@6',
      );
      assert.deepEqual((events[4]!.object as Pod).status, { podIP: '10.244.0.3' });
    });

    test('watch filters by namespace', async () => {
      const store = await open();
      const w = collect(store, { namespace: 'prod' });
      await store.apply([pod('a', 'dev'), pod('b', 'prod'), namespace('prod'), service('s', 'prod')]);
      await w.next(2);
      await settle();
      w.stop();
      assert.equal(summary(w.events), 'ADDED Pod/b@2, ADDED Service/s@4');
    });

    test('watch from a resourceVersion replays the events after it, then live ones', async () => {
      const store = await open();
      await store.apply([pod('a')]);
      const [b] = await store.apply([pod('b')]);
      await store.apply([pod('c')]);
      await store.delete([{ kind: 'Pod', name: 'a' }]);
      const w = collect(store, {}, b!.object.metadata.resourceVersion);
      await store.apply([namespace('n')]);
      const events = await w.next(3);
      w.stop();
      assert.equal(summary(events), 'ADDED Pod/c@3, DELETED Pod/a@4, ADDED Namespace/n@5');
      const fromNow = collect(store, {}, (await store.list('Pod')).resourceVersion);
      await settle();
      assert.equal(fromNow.events.length, 0);
      fromNow.stop();
    });

    test('a resourceVersion older than the history, or newer than the store, is GONE', async () => {
      const store = await open({ historyLimit: 4 });
      for (let i = 0; i < 10; i++) await store.apply([pod(`p${i}`)]);
      assert.throws(() => store.watch({}, '1', () => {}), assertCode('PORIN_ERR_GONE'));
      assert.throws(() => store.watch({}, '99', () => {}), assertCode('PORIN_ERR_GONE'));
      assert.throws(() => store.watch({}, 'abc', () => {}), assertCode('PORIN_ERR_INVALID'));
      const w = collect(store, {}, '8');
      const events = await w.next(2);
      w.stop();
      assert.equal(summary(events), 'ADDED Pod/p8@9, ADDED Pod/p9@10');
    });

    test('unsubscribing stops delivery, even of queued events', async () => {
      const store = await open();
      const seen: WatchEvent[] = [];
      const stop = store.watch({}, undefined, (e) => seen.push(e));
      await store.apply([pod('a')]);
      stop();
      await store.apply([pod('b')]);
      await settle();
      assert.ok(seen.length <= 1);
      assert.ok(seen.every((e) => e.object.metadata.name === 'a'));
    });

    test('a watcher may write to the store from its handler', async () => {
      const store = await open();
      const w = collect(store, { kind: 'Service' });
      const stop = store.watch({ kind: 'Pod' }, undefined, (e) => {
        if (e.type === 'ADDED') void store.apply([service(e.object.metadata.name)]);
      });
      await store.apply([pod('a'), pod('b')]);
      await w.next(2);
      stop();
      w.stop();
      assert.equal(summary(w.events), 'ADDED Service/a@3, ADDED Service/b@4');
    });

    test('concurrent batches are serialized: every revision is used once', async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.apply([pod(`p${i}`), pod(`q${i}`)])),
      );
      const rvs = results.flat().map((r) => Number(r.object.metadata.resourceVersion));
      assert.deepEqual(
        [...rvs].sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal((await store.list('Pod')).resourceVersion, '40');
    });

    test('re-applying a Service without clusterIP keeps the allocated one', async () => {
      const store = await open();
      await store.apply([service('s')]);
      const allocated = (await store.get('Service', 'default', 's')) as Service;
      allocated.spec.clusterIP = '10.96.0.20';
      allocated.spec.clusterIPs = ['10.96.0.20'];
      await store.apply([allocated]);
      const [r] = await store.apply([service('s')]);
      assert.equal(r?.result, 'unchanged');
      assert.equal((r!.object as Service).spec.clusterIP, '10.96.0.20');
    });

    test('closed stores refuse calls', async () => {
      const store = await open();
      await store.close();
      await assert.rejects(store.apply([pod('a')]), assertCode('PORIN_ERR_STORE_UNAVAILABLE'));
      await assert.rejects(store.list('Pod'), assertCode('PORIN_ERR_STORE_UNAVAILABLE'));
    });
  });
}
