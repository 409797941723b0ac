import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryObjectStore } from '../cluster/store/index.js';
import { clusterConfig } from '../config/cluster-config.js';
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
});
