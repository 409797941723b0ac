// Service graph, impact preview and generate-from-traffic on the Star Wars demo: flows from the real builder, verdicts from the real engine.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { aggregateFlows, aggregateL7 } from '../../src/flow/flow-aggregate.js';
import { FlowService } from '../../src/flow/flow-service.js';
import { FlowStore } from '../../src/flow/flow-store.js';
import {
  buildServiceGraph,
  generatePolicy,
  type PolicyObject,
  previewImpact,
  WhatIfEngine,
} from '../../src/insight/index.js';
import { dnsGroup, pathGroup } from '../../src/insight/l7-groups.js';
import { externalsByAddress } from '../../src/insight/node-grouping.js';
import { PolicyEngine } from '../../src/policy/index.js';
import type { Deployment, Resource } from '../../src/resources/index.js';
import {
  EngineFlowContext,
  L3L4_POLICY,
  manifests,
  SyntheticDatapath,
  starWarsObjects,
} from './synthetic-cluster.js';

const T0 = 1_732_720_000_000_000_000n;

describe('insight on recorded Star Wars traffic', () => {
  const objects = starWarsObjects();
  const rule1 = manifests(L3L4_POLICY)[0] as PolicyObject;
  let now = T0;
  let store: FlowStore;
  let service: FlowService;
  let enforcing: PolicyEngine;
  let datapath: SyntheticDatapath;
  /** What the cluster holds now (the what-if engine's snapshot). */
  let current: Resource[] = [...objects];
  let revision = 1;
  const whatIf = new WhatIfEngine(async () => ({ revision: String(revision), objects: current }));
  const deployments = objects.filter((o): o is Deployment => o.kind === 'Deployment');

  before(() => {
    store = FlowStore.open({ path: ':memory:' });
    enforcing = new PolicyEngine({ deploymentsAsPods: false });
    for (const o of objects) enforcing.upsert(o);
    const context = new EngineFlowContext(enforcing);
    service = new FlowService({ context, nodeName: 'node-1', store, nowNs: () => now });
    datapath = new SyntheticDatapath(enforcing, context, service, () => (now += 1_000_000n));
    // Before any policy: everyone lands.
    assert.equal(datapath.connect('tiefighter', 'deathstar-6fb5694d-a1', 80, 'TCP', 3), 'allowed');
    assert.equal(datapath.connect('xwing', 'deathstar-6fb5694d-b2', 80, 'TCP', 2), 'allowed');
    assert.equal(datapath.connect('tiefighter', 'kube-system/porin-dns', 53, 'UDP', 1), 'allowed');
  });

  after(() => service.close());

  test('aggregation folds reports into tuples, replies and traces aside', () => {
    const tuples = aggregateFlows(store);
    const total = tuples.reduce((n, t) => n + t.count, 0);
    // 6 connections, each reported on egress and ingress.
    assert.equal(total, 12);
    assert.ok(tuples.every((t) => t.eventType === 5));
  });

  test('impact preview: rule1 newly drops the xwing, and only the xwing', async () => {
    const r = await previewImpact(whatIf, {
      tuples: aggregateFlows(store),
      policy: rule1,
      grouping: { by: 'workload' },
    });
    assert.equal(r.newDrops, 2);
    assert.equal(r.newAllows, 0);
    assert.equal(r.changes.length, 1);
    const c = r.changes[0]!;
    assert.equal(c.from, 'default/xwing');
    assert.equal(c.to, 'default/deathstar-6fb5694d-b2');
    assert.equal(c.port, 80);
    assert.equal(c.protocol, 'TCP');
    assert.equal(c.before, 'allowed');
    assert.equal(c.after, 'denied');
    assert.match(c.reason, /default deny \(selected by CiliumNetworkPolicy default\/rule1\)/);
    assert.deepEqual(r.edges, [
      {
        source: 'default/label/app.kubernetes.io/name=xwing',
        target: 'default/Deployment/deathstar',
        newDrops: 2,
        newAllows: 0,
      },
    ]);
    assert.deepEqual(r.nodes.map((n) => n.id).sort(), [
      'default/Deployment/deathstar',
      'default/label/app.kubernetes.io/name=xwing',
    ]);
    // The what-if engine is back to the cluster's own set.
    const again = await previewImpact(whatIf, {
      tuples: aggregateFlows(store),
      policy: rule1,
      grouping: { by: 'workload' },
    });
    assert.equal(again.newDrops, 2);
  });

  test('generate from traffic: a least-privilege policy that keeps every observed connection', async () => {
    const g = generatePolicy({
      tuples: aggregateFlows(store),
      target: 'default/Deployment/deathstar',
      kind: 'CiliumNetworkPolicy',
      deployments,
    });
    const spec = (g.policy as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(spec.endpointSelector, { matchLabels: { org: 'empire', class: 'deathstar' } });
    const ingress = spec.ingress as {
      fromEndpoints: { matchLabels: Record<string, string> }[];
      toPorts: unknown;
    }[];
    assert.equal(ingress.length, 1);
    assert.deepEqual(ingress[0]!.fromEndpoints.map((e) => e.matchLabels['app.kubernetes.io/name']).sort(), [
      'tiefighter',
      'xwing',
    ]);
    assert.deepEqual(ingress[0]!.toPorts, [{ ports: [{ port: '80', protocol: 'TCP' }] }]);
    // deathstar made no connection of its own: egress is default deny.
    assert.deepEqual(spec.egress, [{}]);
    const generated = manifests(g.yaml)[0] as PolicyObject;
    const r = await previewImpact(whatIf, {
      tuples: aggregateFlows(store),
      policy: generated,
      grouping: { by: 'workload' },
    });
    assert.equal(r.newDrops, 0, JSON.stringify(r.changes));

    const knp = generatePolicy({
      tuples: aggregateFlows(store),
      target: 'default/label/app.kubernetes.io/name=tiefighter',
      kind: 'NetworkPolicy',
      deployments,
    });
    const kspec = (knp.policy as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(kspec.policyTypes, ['Ingress', 'Egress']);
    const egress = kspec.egress as { to: unknown[]; ports: unknown[] }[];
    const toDns = egress.find((r) => JSON.stringify(r.ports).includes('53'));
    assert.deepEqual(toDns?.to, [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    const kr = await previewImpact(whatIf, {
      tuples: aggregateFlows(store),
      policy: manifests(knp.yaml)[0] as PolicyObject,
      grouping: { by: 'workload' },
    });
    assert.equal(kr.newDrops, 0, JSON.stringify(kr.changes));
  });

  test('after rule1 is applied: the map names it on the dropped and the allowed edge; deleting it is a new allow', async () => {
    enforcing.upsert(rule1);
    current = [...objects, rule1];
    revision++;
    assert.equal(datapath.connect('xwing', 'deathstar-6fb5694d-a1', 80, 'TCP', 2), 'denied');
    assert.equal(datapath.connect('tiefighter', 'deathstar-6fb5694d-a1', 80, 'TCP', 1), 'allowed');
    const g = buildServiceGraph(aggregateFlows(store, { eventTypes: [1, 5] }), [], { by: 'workload' });
    const xwing = g.edges.find(
      (e) => e.id === 'default/label/app.kubernetes.io/name=xwing->default/Deployment/deathstar',
    );
    assert.ok(xwing, g.edges.map((e) => e.id).join('\n'));
    assert.deepEqual(xwing.counts, { forwarded: 2, dropped: 2, audit: 0 });
    const dropped = xwing.links.find((l) => l.verdict === 'dropped')!;
    assert.deepEqual(dropped.policies, [
      { kind: 'CiliumNetworkPolicy', namespace: 'default', name: 'rule1', how: 'default-deny' },
    ]);
    const tie = g.edges.find((e) =>
      e.id.startsWith('default/label/app.kubernetes.io/name=tiefighter->default/Deployment'),
    )!;
    assert.equal(tie.counts.forwarded, 4);
    assert.ok(tie.links.some((l) => l.policies.some((p) => p.name === 'rule1' && p.how === 'allowed')));
    const dns = g.nodes.find((n) => n.kind === 'kube-dns');
    assert.equal(dns?.id, 'kube-system/kube-dns');
    assert.deepEqual(g.namespaces, ['default', 'kube-system']);

    const r = await previewImpact(whatIf, {
      tuples: aggregateFlows(store),
      policy: rule1,
      remove: true,
      grouping: { by: 'workload' },
    });
    assert.equal(r.newDrops, 0);
    // Both xwing connections (the two earlier ones and the two dropped ones) would be allowed again.
    assert.equal(r.newAllows, 4);
  });

  test('L7 requests: method and path groups on the edge (requests only, ids folded)', () => {
    const src = {
      identity: 300,
      namespace: 'default',
      pod_name: 'tiefighter',
      labels: ['k8s:app.kubernetes.io/name=tiefighter'],
    };
    const dst = {
      identity: 301,
      namespace: 'default',
      pod_name: 'deathstar-6fb5694d-a1',
      labels: ['k8s:class=deathstar'],
      workloads: [{ name: 'deathstar', kind: 'Deployment' }],
    };
    const l7 = (
      type: 'REQUEST' | 'RESPONSE',
      method: string,
      url: string,
      verdict: 'FORWARDED' | 'DROPPED',
    ) => {
      now += 1_000_000n;
      service.ingestFlow(
        {
          time: new Date(Number(now / 1_000_000n)).toISOString().replace('Z', '000000Z'),
          verdict,
          IP: { source: '10.244.0.21', destination: '10.244.0.11', ipVersion: 'IPv4' },
          l4: { TCP: { source_port: 40000, destination_port: 80 } },
          source: src,
          destination: dst,
          Type: 'L7',
          event_type: { type: 129 },
          traffic_direction: 'INGRESS',
          l7: {
            type,
            http: { method, url, protocol: 'HTTP/1.1', ...(type === 'RESPONSE' ? { code: 200 } : {}) },
          },
        },
        now,
      );
    };
    l7('REQUEST', 'POST', 'http://deathstar/v1/request-landing', 'FORWARDED');
    l7('RESPONSE', 'POST', 'http://deathstar/v1/request-landing', 'FORWARDED');
    l7('REQUEST', 'GET', 'http://deathstar/v1/ships/42?x=1', 'FORWARDED');
    l7('REQUEST', 'GET', 'http://deathstar/v1/ships/7', 'FORWARDED');
    l7('REQUEST', 'PUT', 'http://deathstar/v1/exhaust-port', 'DROPPED');
    const tuples = aggregateL7(store);
    assert.equal(
      tuples.reduce((n, t) => n + t.count, 0),
      4,
      'responses are left out',
    );
    const g = buildServiceGraph([], tuples, { by: 'workload' });
    const e = g.edges.find(
      (x) => x.id === 'default/label/app.kubernetes.io/name=tiefighter->default/Deployment/deathstar',
    );
    assert.ok(e, JSON.stringify(g.edges.map((x) => x.id)));
    assert.deepEqual(e.l7.map((x) => `${x.verdict} ${x.label} ${x.count}`).sort(), [
      'dropped PUT /v1/exhaust-port 1',
      'forwarded GET /v1/ships/:id 2',
      'forwarded POST /v1/request-landing 1',
    ]);
    assert.equal(pathGroup('/v1/ships/6f1c2a90-3b1e-4c62-9d5e-0a6f0e8b1c22/crew'), '/v1/ships/:id/crew');
    assert.equal(dnsGroup('api.example.com.'), '*.example.com');
    assert.equal(dnsGroup('example.com'), 'example.com');
  });

  test('an ExternalHost is a node of its own, named by its host name; generated policies write its addresses', () => {
    assert.equal(datapath.connect('tiefighter', '203.0.113.10', 443, 'TCP', 2), 'allowed');
    assert.equal(datapath.connect('tiefighter', '198.51.100.7', 443, 'TCP', 1), 'allowed');
    const externals = externalsByAddress([
      { name: 'api', namespace: 'default', hostnames: ['api.example.com'], addresses: ['203.0.113.10'] },
    ]);
    const g = buildServiceGraph(
      aggregateFlows(store, { eventTypes: [1, 5] }),
      [],
      { by: 'workload' },
      externals,
    );
    const host = g.nodes.find((n) => n.id === 'external/default/api');
    assert.deepEqual(host && { kind: host.kind, name: host.name, members: host.memberNames }, {
      kind: 'external',
      name: 'api.example.com',
      members: ['203.0.113.10'],
    });
    const world = g.nodes.find((n) => n.id === 'reserved/world');
    assert.deepEqual(world?.memberNames, ['198.51.100.7'], 'other world addresses stay in world');
    const gen = generatePolicy({
      tuples: aggregateFlows(store),
      target: 'default/label/app.kubernetes.io/name=tiefighter',
      kind: 'NetworkPolicy',
      directions: ['egress'],
      deployments,
      externals,
    });
    const egress = (gen.policy as { spec: { egress: { to: unknown[]; ports: unknown[] }[] } }).spec.egress;
    const to443 = egress.find((r) => JSON.stringify(r.ports).includes('443'));
    assert.deepEqual(to443?.to, [
      { ipBlock: { cidr: '198.51.100.7/32' } },
      { ipBlock: { cidr: '203.0.113.10/32' } },
    ]);
  });
});
