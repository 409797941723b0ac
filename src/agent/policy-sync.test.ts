import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryObjectStore } from '../cluster/store/index.js';
import { clusterConfig } from '../config/cluster-config.js';
import type { EndpointFailure, EndpointManager } from '../endpoints/index.js';
import { PolicyEngine } from '../policy/index.js';
import type { Pod, Resource } from '../resources/index.js';
import { PolicySync } from './policy-sync.js';

const pod = (name: string, labels: Record<string, string>): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c' }] },
});

describe('PolicySync', () => {
  it('a policy applied after the pods reaches the engine and selects them', async () => {
    const store = new MemoryObjectStore();
    const engine = new PolicyEngine({ deploymentsAsPods: false });
    const sync = new PolicySync(store, engine, undefined, clusterConfig({}), () => {});
    await sync.start();
    const [ds, xw] = (
      await store.apply([pod('ds', { class: 'deathstar', org: 'empire' }), pod('xw', { org: 'alliance' })])
    ).map((r) => r.object as Pod);
    sync.sandboxReady(ds!, {
      uid: ds!.metadata.uid!,
      namespace: 'default',
      name: 'ds',
      netns: 'n1',
      ip: '10.244.0.2',
    });
    sync.sandboxReady(xw!, {
      uid: xw!.metadata.uid!,
      namespace: 'default',
      name: 'xw',
      netns: 'n2',
      ip: '10.244.0.3',
    });
    await store.apply([
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'rule1', namespace: 'default' },
        spec: {
          endpointSelector: { matchLabels: { class: 'deathstar' } },
          ingress: [{ fromEndpoints: [{ matchLabels: { org: 'empire' } }] }],
        },
      } as Resource,
    ]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(engine.policyOf('default/ds').ingress.defaultDeny, true);
    assert.equal(engine.policyOf('default/xw').ingress.defaultDeny, false);
    assert.equal(
      engine.endpoint('default/ds')?.address?.text,
      '10.244.0.2',
      'the sandbox address reaches the engine before the status does',
    );
    sync.stop();
  });

  it('the applied revision does not advance past a change the kernel refused, until it is resolved', async () => {
    const store = new MemoryObjectStore();
    const engine = new PolicyEngine({ deploymentsAsPods: false });
    // The endpoint manager stands in for the datapath: it refuses writes while `refuse` is set.
    let refuse = false;
    const fake = {
      ready: () => undefined,
      apply: (keys: readonly string[]): EndpointFailure[] =>
        refuse ? keys.map((key) => ({ key, error: 'policy refused: map full' })) : [],
    } as unknown as EndpointManager;
    const sync = new PolicySync(store, engine, fake, clusterConfig({}), () => {});
    const outcomes: number[] = [];
    sync.onOutcome = (o) => outcomes.push(o.failures.length);
    await sync.start();
    const [ds] = (await store.apply([pod('ds', { class: 'deathstar' })])).map((r) => r.object as Pod);
    sync.sandboxReady(ds!, {
      uid: ds!.metadata.uid!,
      namespace: 'default',
      name: 'ds',
      netns: 'n',
      ip: '10.244.0.2',
    });
    const policy = (name: string) =>
      ({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name, namespace: 'default' },
        spec: { endpointSelector: { matchLabels: { class: 'deathstar' } }, ingress: [{}] },
      }) as Resource;
    const settle = () => new Promise((r) => setTimeout(r, 20));
    const first = Number((await store.apply([policy('a')]))[0]!.object.metadata.resourceVersion);
    await settle();
    assert.equal(sync.appliedRevision, first, 'written: applied');
    refuse = true;
    const second = Number((await store.apply([policy('b')]))[0]!.object.metadata.resourceVersion);
    await settle();
    assert.equal(sync.appliedRevision, second - 1, 'refused: the barrier stays before the failed change');
    assert.deepEqual(
      sync.failing().map((f) => [f.key, f.revision, f.cause]),
      [['default/ds', second, 'CiliumNetworkPolicy default/b']],
    );
    await store.apply([pod('other', { app: 'x' })]);
    await settle();
    assert.equal(sync.appliedRevision, second - 1, 'later changes do not move it while the failure stands');
    refuse = false;
    const third = Number((await store.apply([policy('c')]))[0]!.object.metadata.resourceVersion);
    await settle();
    assert.deepEqual(sync.failing(), [], 'the failed endpoint was retried and written');
    assert.equal(sync.appliedRevision, third);
    assert.ok(outcomes.includes(1) && outcomes.at(-1) === 0, 'each outcome was reported');
    sync.stop();
  });
});
