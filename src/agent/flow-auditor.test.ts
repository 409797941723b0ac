import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryObjectStore } from '../cluster/store/index.js';
import { clusterConfig } from '../config/cluster-config.js';
import type { Flow } from '../flow/flow.js';
import { PolicyEngine } from '../policy/index.js';
import type { Pod, Resource } from '../resources/index.js';
import { FlowAuditor } from './flow-auditor.js';
import { PolicySync } from './policy-sync.js';

const pod = (name: string, labels: Record<string, string>, ip: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c' }] },
  status: { podIP: ip },
});

const lock = (audit: boolean): Resource =>
  ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: {
      name: 'lock-db',
      namespace: 'default',
      ...(audit ? { annotations: { 'porin.io/audit-mode': 'true' } } : {}),
    },
    spec: {
      endpointSelector: { matchLabels: { app: 'db' } },
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'api' } }] }],
    },
  }) as Resource;

const forwarded = (): Flow => ({
  verdict: 'FORWARDED',
  event_type: { type: 5 },
  traffic_direction: 'INGRESS',
  IP: { source: '10.244.0.3', destination: '10.244.0.2', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 40000, destination_port: 5432 } },
  source: { namespace: 'default', pod_name: 'web' },
  destination: { namespace: 'default', pod_name: 'db' },
});

async function setup(audit: boolean) {
  const store = new MemoryObjectStore();
  const engine = new PolicyEngine({ deploymentsAsPods: false });
  const sync = new PolicySync(store, engine, undefined, clusterConfig({}), () => {});
  sync.auditEngine = new PolicyEngine({ deploymentsAsPods: false });
  await store.apply([
    pod('db', { app: 'db' }, '10.244.0.2'),
    pod('web', { app: 'web' }, '10.244.0.3'),
    lock(audit),
  ]);
  await sync.start();
  return { engine, sync, auditor: new FlowAuditor(sync.auditEngine, (p) => sync.isAudit(p)) };
}

describe('audit mode', () => {
  it('an audit-mode policy does not enforce: the enforcing engine never sees it', async () => {
    const { engine, sync } = await setup(true);
    assert.equal(engine.policyOf('default/db').ingress.defaultDeny, false);
    assert.equal(sync.auditEngine!.policyOf('default/db').ingress.defaultDeny, true);
    sync.stop();
  });

  it('a connection it would have dropped becomes an AUDIT flow naming it', async () => {
    const { sync, auditor } = await setup(true);
    const f = forwarded();
    auditor.apply(f);
    assert.equal(f.verdict, 'AUDIT');
    assert.deepEqual(f.ingress_default_denied_by, [
      { name: 'lock-db', namespace: 'default', kind: 'CiliumNetworkPolicy' },
    ]);
    sync.stop();
  });

  it('an enforced policy leaves the forwarded flows of other traffic alone', async () => {
    const { engine, sync, auditor } = await setup(false);
    assert.equal(engine.policyOf('default/db').ingress.defaultDeny, true, 'enforced');
    const f = forwarded();
    auditor.apply(f);
    assert.equal(f.verdict, 'FORWARDED', 'not audit mode: nothing to rewrite');
    sync.stop();
  });
});
