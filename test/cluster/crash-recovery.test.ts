import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClusterHarness, GONE } from './cluster-harness.js';

const root = process.getuid?.() === 0;

interface PodList {
  items: { metadata: { name: string; uid: string }; status?: { podIP?: string } }[];
}

function agentPid(h: ClusterHarness): number {
  return Number(readFileSync(join(h.runDir, 'agent.pid'), 'utf8'));
}

describe('embedded cluster: crash recovery', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness();
  after(() => h.cleanup());

  it('an agent killed while running comes back with the same pods, addresses and processes', async () => {
    await h.ok(['up', '-f', 'examples/starwars']);
    const before = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as PodList;
    const workloads = h.state().processes.filter((p) => p.includes('workloads'));
    process.kill(agentPid(h), 'SIGKILL'); // the agent this test started
    await new Promise((r) => setTimeout(r, 300));
    await h.ok(['up']);
    const afterPods = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as PodList;
    const ips = (l: PodList) => Object.fromEntries(l.items.map((p) => [p.metadata.name, p.status?.podIP]));
    assert.deepEqual(ips(afterPods), ips(before));
    assert.deepEqual(
      h
        .state()
        .processes.filter((p) => p.includes('workloads'))
        .sort(),
      workloads.sort(),
      'workloads adopted, not started twice',
    );
    assert.equal(h.state().podNamespaces.length, 4);
    const out = await h.ok([
      'exec',
      'tiefighter',
      '--',
      'curl',
      '-s',
      '-m',
      '5',
      '-XPOST',
      'deathstar/v1/request-landing',
    ]);
    assert.equal(out.trim(), 'Ship landed');
  });

  it('an agent killed in the middle of creating pods converges without leaks', async () => {
    const apply = h.porin(['apply', '-f', 'examples/netpol-model']);
    await apply;
    await new Promise((r) => setTimeout(r, 400)); // some sandboxes are being wired now
    process.kill(agentPid(h), 'SIGKILL');
    await h.ok(['up']);
    const pods = JSON.parse(await h.ok(['get', 'pods', '-A', '-o', 'json'])) as PodList;
    const ips = pods.items.map((p) => p.status?.podIP);
    assert.equal(pods.items.length, 9 + 4);
    assert.equal(new Set(ips).size, ips.length, 'no address handed out twice');
    assert.equal(h.state().podNamespaces.length, pods.items.length, 'one namespace per pod, none leaked');
    const ipamDir = join(h.stateDir, 'ipam', 'porin');
    const allocated = readdirCount(ipamDir);
    assert.equal(allocated, pods.items.length, 'one IPAM reservation per pod');
  });

  it('`porin down` after crashes still leaves the host clean', async () => {
    process.kill(agentPid(h), 'SIGKILL');
    await h.ok(['down']);
    assert.deepEqual(h.state(), GONE);
  });
});

function readdirCount(dir: string): number {
  return readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).length;
}
