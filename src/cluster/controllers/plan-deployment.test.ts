// planDeployment: replica count, naming, ownership, newest-first scale-down, recreate on template change, status.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from '../../resources/index.js';
import { deployment, pod } from './controller-fixtures.test.js';
import { planDeployment, podFor } from './plan-deployment.js';
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from './pod-template-hash.js';

/** Pods as the store would hold them after creating them from the plan, at increasing times. */
function existing(
  d: ReturnType<typeof deployment>,
  count: number,
  opts: { hash?: string; ready?: boolean[] } = {},
): Pod[] {
  const hash = opts.hash ?? podTemplateHash(d.spec.template);
  return Array.from({ length: count }, (_, i) => {
    const p = podFor(d, hash);
    p.metadata.name = `${d.metadata.name}-${hash}-p${i}`;
    p.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    p.status = { podIP: `10.244.0.${i + 2}` };
    if (opts.ready?.[i])
      (p.status as Record<string, unknown>).conditions = [{ type: 'Ready', status: 'True' }];
    return p;
  });
}

describe('planDeployment', () => {
  test('creates spec.replicas pods named <deployment>-<hash>-, with template labels, the hash label and a controller reference', () => {
    const d = deployment('web', 3, { app: 'web', tier: 'front' });
    const plan = planDeployment(d, []);
    assert.equal(plan.create.length, 3);
    assert.deepEqual(plan.delete, []);
    const p = plan.create[0]!;
    assert.equal(p.metadata.name, '');
    assert.equal(p.metadata.generateName, `web-${plan.hash}-`);
    assert.equal(p.metadata.namespace, 'default');
    assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'front', [POD_TEMPLATE_HASH_LABEL]: plan.hash });
    assert.deepEqual(p.metadata.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true },
    ]);
    assert.deepEqual(p.spec, d.spec.template.spec);
    assert.notEqual(p.spec, d.spec.template.spec);
    assert.deepEqual(plan.status, {
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 0,
      availableReplicas: 0,
    });
  });

  test('replicas defaults to 1; a steady state plans nothing', () => {
    const d = deployment('web', 1);
    delete d.spec.replicas;
    assert.equal(planDeployment(d, []).create.length, 1);
    const plan = planDeployment(d, existing(d, 1, { ready: [true] }));
    assert.deepEqual([plan.create.length, plan.delete.length], [0, 0]);
    assert.deepEqual(plan.status, {
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    });
  });

  test('replaces a missing pod', () => {
    const d = deployment('web', 3);
    const plan = planDeployment(d, existing(d, 2));
    assert.equal(plan.create.length, 1);
    assert.equal(plan.delete.length, 0);
  });

  test('scales down by deleting the newest pods first', () => {
    const d = deployment('web', 2);
    const pods = existing(d, 5, { ready: [true, true, true, true, true] });
    const plan = planDeployment(d, [...pods].reverse());
    assert.deepEqual(
      plan.delete.map((p) => p.metadata.name).sort(),
      [pods[2], pods[3], pods[4]].map((p) => p!.metadata.name).sort(),
    );
    assert.deepEqual(plan.status, {
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    assert.equal(planDeployment(deployment('web', 0), pods).delete.length, 5);
  });

  test('pods it does not control are not counted: other owners, same name but another uid, no owner', () => {
    const d = deployment('web', 2);
    const mine = existing(d, 1);
    const recreated = existing({ ...d, metadata: { ...d.metadata, uid: 'uid-old' } }, 1);
    recreated[0]!.metadata.name = 'old';
    const bare = pod('bare', {
      labels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: podTemplateHash(d.spec.template) },
    });
    const plan = planDeployment(d, [...mine, ...recreated, bare]);
    assert.equal(plan.create.length, 1);
    assert.equal(plan.delete.length, 0);
  });

  test('a template change recreates: new pods for every replica, every old-hash pod deleted', () => {
    const before = deployment('web', 2);
    const old = existing(before, 2, { ready: [true, true] });
    const after = structuredClone(before);
    after.spec.template.spec.containers[0]!.image = 'porin/echo:2';
    const plan = planDeployment(after, old);
    assert.notEqual(plan.hash, podTemplateHash(before.spec.template));
    assert.equal(plan.create.length, 2);
    assert.ok(plan.create.every((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === plan.hash));
    assert.deepEqual(plan.delete, old);
    assert.deepEqual(plan.status, {
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 0,
      availableReplicas: 0,
    });
  });

  test('readyReplicas counts kept pods whose Ready condition is True', () => {
    const d = deployment('web', 3);
    const plan = planDeployment(d, existing(d, 3, { ready: [true, false, true] }));
    assert.equal(plan.status.readyReplicas, 2);
  });
});
