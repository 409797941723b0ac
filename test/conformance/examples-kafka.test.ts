// examples/kafka (Cilium's "empire announce" demo, manifests unchanged): what `policy trace` says for each client,
// and what each container runs on Porin's embedded cluster.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { workloadForContainer } from '../../src/cluster/workloads/index.js';
import { apiKeyOfPolicyName } from '../../src/kafka/api-keys.js';
import { PolicyEngine, tracePolicy } from '../../src/policy/index.js';
import { loadManifests } from '../../src/resources/index.js';
import type { Deployment, Pod } from '../../src/resources/types/index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'examples'))) dir = dirname(dir);
  return dir;
}
const dir = join(repoRoot(), 'examples', 'kafka');

describe('examples/kafka: empire-announce', () => {
  let engine: PolicyEngine;
  let deployments: Deployment[];
  before(async () => {
    const res = await loadManifests([join(dir, 'kafka-sw-app.yaml'), join(dir, 'policy')]);
    assert.deepEqual(res.errors.map(String), []);
    engine = new PolicyEngine();
    const kinds = ['Deployment', 'Service', 'CiliumNetworkPolicy'];
    for (const k of kinds) for (const r of res.resources) if (r.object.kind === k) engine.upsert(r.object);
    deployments = res.resources.map((r) => r.object).filter((o): o is Deployment => o.kind === 'Deployment');
  });

  const trace = (from: string, api: string, topics: string[] = []) =>
    tracePolicy(engine, {
      from,
      to: 'kafka-broker',
      port: 9092,
      protocol: 'TCP',
      kafka: { apiKey: apiKeyOfPolicyName(api)!, apiVersion: 3, clientId: from, topics },
    });

  const cases: Array<[string, string, string[], 'allowed' | 'denied']> = [
    ['empire-hq', 'produce', ['empire-announce'], 'allowed'],
    ['empire-hq', 'produce', ['deathstar-plans'], 'allowed'],
    ['empire-hq', 'produce', ['empire-announce', 'deathstar-plans'], 'allowed'],
    ['empire-hq', 'metadata', ['deathstar-plans'], 'allowed'],
    ['empire-hq', 'fetch', ['empire-announce'], 'denied'],
    ['empire-hq', 'produce', ['rebel-chatter'], 'denied'],
    ['empire-outpost-8888', 'fetch', ['empire-announce'], 'allowed'],
    ['empire-outpost-9999', 'joingroup', [], 'allowed'],
    ['empire-outpost-9999', 'offsetcommit', ['empire-announce'], 'allowed'],
    ['empire-outpost-9999', 'produce', ['empire-announce'], 'denied'],
    ['empire-outpost-9999', 'fetch', ['deathstar-plans'], 'denied'],
    ['empire-outpost-9999', 'metadata', ['deathstar-plans'], 'denied'],
    ['empire-backup', 'fetch', ['deathstar-plans'], 'allowed'],
    ['empire-backup', 'fetch', ['empire-announce'], 'denied'],
    ['zookeeper', 'apiversions', [], 'denied'],
  ];
  for (const [from, api, topics, want] of cases) {
    it(`${from} ${api} ${topics.join(',') || '(no topic)'}: ${want}`, () => {
      const t = trace(from, api, topics);
      assert.equal(t.verdict, want, JSON.stringify(t.l7 ?? t.ingress.summary));
      if (from !== 'zookeeper') assert.equal(t.l7?.[0]?.type, 'kafka', 'the L7 Kafka rules decided');
      else assert.equal(t.ingress.reason, 'default-deny', 'any other client is dropped at L3/L4');
    });
  }

  it('each container runs a stand-in: the built-in broker, idle clients, an echo on ZooKeeper’s port', () => {
    const run = (name: string) => {
      const d = deployments.find((x) => x.metadata.name === name)!;
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${name}-0`, namespace: 'default' },
        spec: d.spec.template.spec,
      } as Pod;
      return workloadForContainer(d.spec.template.spec!.containers[0]!, pod, {
        nodePath: 'node',
        mainPath: 'main.js',
      });
    };
    const broker = run('kafka-broker');
    assert.equal(broker.workload, 'kafka');
    assert.deepEqual(broker.argv.slice(-2), ['--port', '9092']);
    assert.equal(broker.env.KAFKA_ADVERTISED_HOST_NAME, 'kafka-service');
    assert.equal(broker.env.KAFKA_CREATE_TOPICS, 'empire-announce:1:1,deathstar-plans:1:1');
    for (const c of ['empire-hq', 'empire-outpost-8888', 'empire-backup']) {
      assert.equal(run(c).workload, 'idle');
      assert.deepEqual(run(c).warnings, []);
    }
    assert.equal(run('zookeeper').workload, 'serve');
  });
});
