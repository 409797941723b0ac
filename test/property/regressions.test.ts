// Counterexamples the property tests found, minimized and kept as plain cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { CiliumNetworkPolicy, NetworkPolicy, Pod } from '../../src/resources/types/index.js';

function pod(name: string, ip?: string, ports: number[] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'x', labels: { pod: name } },
    spec: {
      containers: ports.map((p) => ({
        name: `c${p}`,
        ports: [{ name: `serve-${p}-tcp`, containerPort: p, protocol: 'TCP' as const }],
      })),
    },
    status: ip ? { podIP: ip } : {},
  };
}

test("a pod whose address changes stays among its identity's endpoints (policy changes still reach it)", () => {
  const engine = new PolicyEngine();
  engine.upsert(pod('a', '10.244.0.1'));
  engine.upsert(pod('b'));
  engine.upsert(pod('a', '10.244.0.2')); // same labels, same identity, new address
  engine.policyOf('x/a');
  const cnp: CiliumNetworkPolicy = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: 'p', namespace: 'x' },
    spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { pod: 'b' } }] }] },
  };
  assert.deepEqual(engine.upsert(cnp).endpoints, ['x/a', 'x/b']);
  assert.equal(engine.policyOf('x/a').egress.decide({ identity: 2 }, 6, 80).verdict, 'denied');
});

test('an egress named port on an ipBlock peer follows the destination pod to its new address', () => {
  const engine = new PolicyEngine();
  engine.upsert(pod('a', '10.244.0.20', [80]));
  engine.upsert(pod('b'));
  const knp: NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'p', namespace: 'x' },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '10.244.0.0/16' } }], ports: [{ protocol: 'TCP', port: 'serve-80-tcp' }] },
      ],
    },
  };
  engine.upsert(knp);
  engine.policyOf('x/b');
  assert.ok(
    engine.upsert(pod('a', '10.244.0.13', [80])).endpoints.includes('x/b'),
    'x/b is in the change summary',
  );
  const a = engine.endpoint('x/a')!;
  assert.equal(engine.policyOf('x/b').egress.decide(engine.remoteForEndpoint(a), 6, 80).verdict, 'allowed');
});

test("a CIDR rule naming a pod's own /32 neither hides the pod in the ipcache nor removes it on delete", () => {
  const cnp: CiliumNetworkPolicy = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: 'p', namespace: 'x' },
    spec: { endpointSelector: {}, egressDeny: [{ toCIDRSet: [{ cidr: '10.244.0.7/32' }] }] },
  };
  const podFirst = new PolicyEngine();
  podFirst.upsert(pod('a', '10.244.0.7'));
  const podIdentity = podFirst.endpoint('x/a')!.identity.id;
  podFirst.upsert(cnp);
  assert.equal(podFirst.remoteForIP('10.244.0.7').identity, podIdentity, 'pod then policy');
  podFirst.remove(cnp);
  assert.equal(podFirst.remoteForIP('10.244.0.7').identity, podIdentity, 'after the policy is deleted');
  const policyFirst = new PolicyEngine();
  policyFirst.upsert(cnp);
  policyFirst.upsert(pod('a', '10.244.0.7'));
  assert.equal(
    policyFirst.remoteForIP('10.244.0.7').identity,
    policyFirst.endpoint('x/a')!.identity.id,
    'policy then pod',
  );
});
