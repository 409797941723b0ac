// The world (ExternalHosts) reaches NodePort and LoadBalancer services through the packet LB on its veth.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { AgentClient } from '../../src/api/index.js';
import { paths } from '../../src/config/cluster-config.js';
import type { Pod, Service } from '../../src/resources/index.js';
import { ClusterHarness } from './cluster-harness.js';

const root = process.getuid?.() === 0;
const OUTSIDE = '203.0.113.50';

describe('services from the world', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness();
  let web: string[] = [];
  before(async () => {
    await h.ok(['up', '-f', 'test/cluster/fixtures/services.yaml']);
    const host = {
      apiVersion: 'porin.io/v1alpha1',
      kind: 'ExternalHost',
      metadata: { name: 'outside' },
      spec: { hostnames: ['outside.example'], addresses: [OUTSIDE], ports: [{ port: 80, protocol: 'TCP' }] },
    };
    await new AgentClient(paths(h.config).socket).apply([host]);
    const pods = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])).items as Pod[];
    web = pods.filter((p) => p.metadata.labels?.app === 'web').map((p) => p.metadata.name);
  });
  after(() => h.cleanup());

  /** curl from the world namespace, from the ExternalHost's address (the world's routes are for those). */
  const curl = async (target: string): Promise<string> => {
    for (let i = 0; i < 50; i++) {
      try {
        return execFileSync(
          'ip',
          [
            'netns',
            'exec',
            `${h.hostNetns}_world`,
            'curl',
            '-s',
            '-m',
            '3',
            '--interface',
            OUTSIDE,
            `http://${target}/hostname`,
          ],
          { encoding: 'utf8' },
        );
      } catch {
        await new Promise((r) => setTimeout(r, 200)); // the world's address is being added
      }
    }
    throw new Error(`no answer from ${target}`);
  };

  it('a node port on the node address and a LoadBalancer address answer from the world', async () => {
    const lb = JSON.parse(await h.ok(['get', 'svc', 'web-lb', '-o', 'json'])) as Service;
    const ip = lb.status?.loadBalancer?.ingress?.[0]?.ip;
    assert.match(ip ?? '', /^192\.0\.2\.(1[2-9]\d|2\d\d)$/, 'from the pool 192.0.2.128/25');
    for (const target of [`${h.config.nodeAddress}:30080`, `${ip}:80`]) {
      const name = await curl(target);
      assert.ok(web.includes(name), `${target} answered ${name}`);
    }
    const status = JSON.parse(await h.ok(['status', '--json'])) as {
      components: { name: string; message: string }[];
    };
    assert.match(status.components.find((c) => c.name === 'load-balancer')!.message, /1 external device/);
  });
});
