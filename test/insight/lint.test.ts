// The editor's warnings: each well-known mistake is found at its field path, and correct policies stay quiet.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Advice, lintPolicy, type PolicyObject, WhatIfEngine } from '../../src/insight/index.js';
import { L3L4_POLICY, manifests, namespaceObject, podObject, starWarsObjects } from './synthetic-cluster.js';

const cluster = [
  ...starWarsObjects(),
  namespaceObject('prod'),
  podObject({ name: 'db-0', namespace: 'prod', labels: { app: 'db' }, ip: '10.244.0.31' }),
];
const whatIf = new WhatIfEngine(async () => ({ revision: '1', objects: cluster }));

async function lint(yaml: string): Promise<{ advice: Advice[]; selected: string[] }> {
  const p = manifests(yaml)[0] as PolicyObject;
  return whatIf.with(p, (engine) => {
    const r = lintPolicy(p, { engine, podCIDRs: ['10.244.0.0/16'] });
    return { advice: r.advice, selected: r.selected.map((e) => e.key) };
  });
}

const codes = (a: Advice[]) => a.map((x) => `${x.code} ${x.path}`);

describe('policy lint', () => {
  test('the L3/L4 policy selects the two deathstar pods and has nothing to warn about', async () => {
    const r = await lint(L3L4_POLICY);
    assert.deepEqual(r.advice, []);
    assert.deepEqual(r.selected, ['default/deathstar-6fb5694d-a1', 'default/deathstar-6fb5694d-b2']);
  });

  test('a podSelector peer that only matches pods of another namespace', async () => {
    const r = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-db, namespace: default}
spec:
  podSelector: {matchLabels: {class: deathstar}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: db}}}]
`);
    assert.deepEqual(codes(r.advice), ['PEER_OTHER_NAMESPACE spec.ingress[0].from[0].podSelector']);
    assert.match(r.advice[0]!.message, /prod \(1\)/);
  });

  test('egress default deny without DNS, and with it', async () => {
    const bare = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: lockdown, namespace: default}
spec:
  podSelector: {matchLabels: {class: xwing}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {class: deathstar}}}]
      ports: [{port: 80}]
`);
    assert.deepEqual(codes(bare.advice), ['EGRESS_WITHOUT_DNS spec.policyTypes[0]']);
    assert.match(bare.advice[0]!.message, /default\/xwing/);
    const withDns = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: lockdown, namespace: default}
spec:
  podSelector: {matchLabels: {class: xwing}}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`);
    assert.deepEqual(withDns.advice, []);
    const cnp = await lint(`
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: lockdown, namespace: default}
spec:
  endpointSelector: {matchLabels: {class: xwing}}
  egress:
    - toEndpoints: [{matchLabels: {class: deathstar}}]
`);
    assert.deepEqual(codes(cnp.advice), ['EGRESS_WITHOUT_DNS spec.egress']);
  });

  test('address blocks over pods: ipBlock (matches, but fragile) and Cilium CIDR rules (never match)', async () => {
    const knp = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: by-address, namespace: default}
spec:
  podSelector: {matchLabels: {class: deathstar}}
  ingress:
    - from: [{ipBlock: {cidr: 10.244.0.22/32}}]
`);
    assert.deepEqual(codes(knp.advice), ['CIDR_ON_PODS spec.ingress[0].from[0].ipBlock.cidr']);
    assert.match(knp.advice[0]!.message, /default\/xwing 10\.244\.0\.22/);
    const cnp = await lint(`
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: by-address, namespace: default}
spec:
  endpointSelector: {matchLabels: {class: deathstar}}
  ingress:
    - fromCIDR: [10.244.0.0/16]
`);
    assert.deepEqual(codes(cnp.advice), ['CIDR_ON_PODS spec.ingress[0].fromCIDR[0]']);
    assert.match(cnp.advice[0]!.message, /never match pods/);
  });

  test('a stray "-" splitting one peer, and one rule, in two', async () => {
    const peer = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: split, namespace: default}
spec:
  podSelector: {matchLabels: {class: deathstar}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {team: empire}}
        - podSelector: {matchLabels: {org: empire}}
`);
    assert.deepEqual(codes(peer.advice), ['STRAY_DASH_PEER spec.ingress[0].from[1]']);
    const rule = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: split, namespace: default}
spec:
  podSelector: {matchLabels: {class: deathstar}}
  ingress:
    - from: [{podSelector: {matchLabels: {org: empire}}}]
    - ports: [{port: 80}]
`);
    assert.deepEqual(codes(rule.advice), ['STRAY_DASH_RULE spec.ingress[1]']);
    const cnp = await lint(`
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: split, namespace: default}
spec:
  endpointSelector: {matchLabels: {class: deathstar}}
  ingress:
    - fromEndpoints: [{matchLabels: {org: empire}}]
    - toPorts: [{ports: [{port: "80", protocol: TCP}]}]
`);
    assert.deepEqual(codes(cnp.advice), ['STRAY_DASH_RULE spec.ingress[1]']);
  });

  test('ingress: [{}] (everything) versus from: [{podSelector: {}}] (this namespace), and the Cilium empty rule', async () => {
    const all = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: default}
spec:
  podSelector: {}
  ingress: [{}]
`);
    assert.deepEqual(codes(all.advice), ['EMPTY_RULE_ALLOWS_ALL spec.ingress[0]']);
    const ns = await lint(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: default}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
`);
    assert.deepEqual(codes(ns.advice), ['SAME_NAMESPACE_ONLY spec.ingress[0].from[0].podSelector']);
    const cnp = await lint(`
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: closed, namespace: default}
spec:
  endpointSelector: {}
  ingress: [{}]
`);
    assert.deepEqual(codes(cnp.advice), ['EMPTY_RULE_ALLOWS_NOTHING spec.ingress[0]']);
  });
});
