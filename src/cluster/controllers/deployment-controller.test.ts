// DeploymentController against the in-memory store: creates, replaces, scales, rolls and reports.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Deployment, Pod } from '../../resources/index.js';
import { MemoryObjectStore } from '../store/index.js';
import { deployment, eventually, markPod } from './controller-fixtures.test.js';
import { DeploymentController } from './deployment-controller.js';
import { POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';

let running: DeploymentController | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function setup(): Promise<{ store: MemoryObjectStore; controller: DeploymentController }> {
  const store = new MemoryObjectStore();
  const errors: unknown[] = [];
  const controller = new DeploymentController(store, { onError: (_c, _k, e) => errors.push(e) });
  running = controller;
  controller.start();
  return { store, controller };
}

function withoutUid(d: Deployment): Deployment {
  const copy = structuredClone(d);
  delete copy.metadata.uid;
  return copy;
}

const pods = async (store: MemoryObjectStore) => (await store.list('Pod')).items as Pod[];

describe('DeploymentController', () => {
  test('creates spec.replicas pods named <deployment>-<hash>-<5 random>, owned by the Deployment', async () => {
    const { store, controller } = await setup();
    const [d] = await store.apply([withoutUid(deployment('web', 3))]);
    await controller.idle();
    const list = await pods(store);
    assert.equal(list.length, 3);
    for (const p of list) {
      const hash = p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
      assert.match(p.metadata.name, new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.equal(p.metadata.labels?.app, 'web');
      assert.deepEqual(p.metadata.ownerReferences, [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: d!.object.metadata.uid,
          controller: true,
        },
      ]);
    }
    const status = ((await store.get('Deployment', 'default', 'web')) as Deployment & { status: unknown })
      .status;
    assert.deepEqual(status, { replicas: 3, updatedReplicas: 3, readyReplicas: 0, availableReplicas: 0 });
  });

  test('replaces a deleted pod', async () => {
    const { store, controller } = await setup();
    await store.apply([withoutUid(deployment('web', 2))]);
    await controller.idle();
    const [victim] = await pods(store);
    await store.delete([{ kind: 'Pod', name: victim!.metadata.name }]);
    const after = await eventually(async () => {
      const l = await pods(store);
      return l.length === 2 && !l.some((p) => p.metadata.name === victim!.metadata.name) && l;
    }, 'a replacement pod');
    assert.equal(after.length, 2);
  });

  test('scales up and down, deleting the newest pods first', async () => {
    const { store, controller } = await setup();
    await store.apply([withoutUid(deployment('web', 2))]);
    await controller.idle();
    const first = (await pods(store)).map((p) => p.metadata.name).sort();
    await new Promise((r) => setTimeout(r, 5)); // distinct creation times
    await store.apply([withoutUid(deployment('web', 4))]);
    await controller.idle();
    assert.equal((await pods(store)).length, 4);
    await store.apply([withoutUid(deployment('web', 2))]);
    await controller.idle();
    assert.deepEqual((await pods(store)).map((p) => p.metadata.name).sort(), first);
    await store.apply([withoutUid(deployment('web', 0))]);
    await controller.idle();
    assert.equal((await pods(store)).length, 0);
  });

  test('rolls a template change: old-hash pods are replaced by new ones', async () => {
    const { store, controller } = await setup();
    await store.apply([withoutUid(deployment('web', 2))]);
    await controller.idle();
    const oldHash = (await pods(store))[0]!.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
    const changed = withoutUid(deployment('web', 2));
    changed.spec.template.spec.containers[0]!.image = 'porin/echo:2';
    await store.apply([changed]);
    await controller.idle();
    const list = await pods(store);
    assert.equal(list.length, 2);
    assert.ok(list.every((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] !== oldHash));
    assert.ok(list.every((p) => p.spec.containers[0]!.image === 'porin/echo:2'));
  });

  test('reports readyReplicas as pods become Ready', async () => {
    const { store, controller } = await setup();
    await store.apply([withoutUid(deployment('web', 2))]);
    await controller.idle();
    const [a, b] = await pods(store);
    await markPod(store, a!.metadata.name, '10.244.0.2');
    await markPod(store, b!.metadata.name, '10.244.0.3', false);
    await controller.idle();
    const status = (
      (await store.get('Deployment', 'default', 'web')) as Deployment & { status: { readyReplicas: number } }
    ).status;
    assert.equal(status.readyReplicas, 1);
  });

  test('picks up Deployments that existed before it started, and leaves pods it does not own', async () => {
    const store = new MemoryObjectStore();
    await store.apply([withoutUid(deployment('web', 1))]);
    await store.apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    ]);
    const controller = new DeploymentController(store);
    running = controller;
    controller.start();
    await controller.idle();
    assert.equal((await pods(store)).length, 2);
  });
});
