import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterHarness, GONE, machineNetworkState } from './cluster-harness.js';

// Pods are real network namespaces, CNI-wired, running real processes: root only (CI runs as root).
const root = process.getuid?.() === 0;

describe('embedded cluster: Star Wars lifecycle', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness();
  let machine = '';
  before(async () => {
    machine = machineNetworkState();
    assert.deepEqual(h.state(), GONE, 'a new cluster starts from nothing');
    await h.ok(['up', '-f', 'examples/starwars']);
  });
  after(() => h.cleanup());

  it('brings up every pod with an address from the pod CIDR', async () => {
    const pods = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as {
      items: { metadata: { name: string }; status: { podIP: string } }[];
    };
    assert.equal(pods.items.length, 4);
    for (const p of pods.items) assert.match(p.status.podIP, /^10\.244\.0\.\d+$/, p.metadata.name);
    assert.equal(new Set(pods.items.map((p) => p.status.podIP)).size, 4, 'no address handed out twice');
  });

  it('tiefighter lands through the service name (cluster DNS + ClusterIP)', async () => {
    const out = await h.ok([
      'exec',
      'tiefighter',
      '--',
      'curl',
      '-s',
      '-m',
      '5',
      '-XPOST',
      'deathstar.default.svc.cluster.local/v1/request-landing',
    ]);
    assert.equal(out.trim(), 'Ship landed');
  });

  it('short names resolve through the pod search path', async () => {
    const out = await h.ok(['exec', 'xwing', '--', 'getent', 'hosts', 'deathstar']);
    const svc = JSON.parse(await h.ok(['get', 'svc', 'deathstar', '-o', 'json'])) as {
      spec: { clusterIP: string };
    };
    assert.match(
      out,
      new RegExp(
        `^${svc.spec.clusterIP.replaceAll('.', '\\.')}\\s+deathstar\\.default\\.svc\\.cluster\\.local`,
      ),
    );
  });

  it('`porin up` again is idempotent', async () => {
    const out = await h.ok(['up', '-f', 'examples/starwars']);
    assert.match(out, /agent already running/);
    assert.match(out, /pod\/tiefighter unchanged/);
    assert.equal(h.state().podNamespaces.length, 4);
  });

  it('deleting a Deployment pod replaces it; deleting a bare pod removes its namespace', async () => {
    const pods = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as {
      items: { metadata: { name: string } }[];
    };
    const ds = pods.items.find((p) => p.metadata.name.startsWith('deathstar-'))!.metadata.name;
    await h.ok(['delete', 'pod', ds, 'xwing']);
    await h.ok(['up']);
    const after = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as {
      items: { metadata: { name: string } }[];
    };
    const names = after.items.map((p) => p.metadata.name);
    assert.ok(!names.includes(ds) && !names.includes('xwing'));
    assert.equal(
      names.filter((n) => n.startsWith('deathstar-')).length,
      2,
      'the Deployment keeps 2 replicas',
    );
    assert.equal(h.state().podNamespaces.length, 3);
  });

  it('logs show the workload output', async () => {
    const out = await h.ok(['logs', 'tiefighter']);
    assert.match(out, /starting .*workloads\/main\.js/);
  });

  it('status reports the components and pods as JSON', async () => {
    const s = JSON.parse(await h.ok(['status', '--json'])) as {
      agent: { ok: boolean };
      pods: { total: number; ready: number };
    };
    assert.equal(s.agent.ok, true);
    assert.equal(s.pods.ready, s.pods.total);
  });

  it('status computes health from real checks: an injected DNS outage and a removed program show up', async () => {
    type Status = { components: { name: string; ok: boolean; message: string }[] };
    const component = async (name: string) =>
      (JSON.parse(await h.ok(['status', '--json'])) as Status).components.find((c) => c.name === name)!;
    for (const name of ['store', 'controllers', 'cluster-dns', 'cni', 'load-balancer', 'datapath', 'policy'])
      assert.equal((await component(name)).ok, true, `${name} is healthy to begin with`);
    // The DNS server (kube-dns's backend) loses its address: queries fail, and status says so.
    h.hostIp('addr', 'del', `${h.config.dnsBackendIP}/32`, 'dev', 'porin0');
    try {
      const dns = await component('cluster-dns');
      assert.equal(dns.ok, false);
      assert.match(dns.message, /no answer|query failed/);
    } finally {
      h.hostIp('addr', 'add', `${h.config.dnsBackendIP}/32`, 'dev', 'porin0');
    }
    assert.equal((await component('cluster-dns')).ok, true, 'and recovers');
    // Someone removes the tc programs from a pod's veth: the datapath check asks the kernel and notices.
    const eps = JSON.parse(await h.ok(['endpoint', 'list', '-o', 'json'])) as {
      key: string;
      hostVeth: string;
    }[];
    const victim = eps.find((e) => e.key === 'default/tiefighter')!;
    execFileSync('ip', [
      'netns',
      'exec',
      h.hostNetns,
      'tc',
      'qdisc',
      'del',
      'dev',
      victim.hostVeth,
      'clsact',
    ]);
    const dp = await component('datapath');
    assert.equal(dp.ok, false);
    assert.match(
      dp.message,
      new RegExp(`default/tiefighter: ${victim.hostVeth} tc (ingress|egress): no program`),
    );
  });

  it('the cluster lives in its own host namespace: routes, rules and devices are there, not on the machine', () => {
    assert.match(h.hostIp('route', 'show'), /blackhole 10\.244\.0\.0\/16/);
    assert.match(h.hostIp('rule', 'show'), /lookup 2004/);
    assert.match(h.hostIp('-o', 'link', 'show'), /porin0/);
    assert.equal(machineNetworkState(), machine, "the machine's routes, rules, NAT and links are untouched");
  });

  it('`porin down` removes the cluster and only it', async () => {
    await h.ok(['down']);
    assert.deepEqual(h.state(), GONE);
    assert.equal(machineNetworkState(), machine, "the machine's routes, rules, NAT and links are untouched");
    assert.throws(() => readFileSync(join(h.stateDir, 'agent.log')), /ENOENT/, 'state removed');
  });
});

describe('embedded cluster: netpol model reachability', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness();
  before(() => h.ok(['up', '-f', 'examples/netpol-model']));
  after(() => h.cleanup());

  it('`porin probe` shows full reachability and prints exactly the JSON of `porin policy matrix`', async () => {
    const ports = '80/TCP,81/TCP,80/UDP,81/UDP';
    const probe = JSON.parse(await h.ok(['probe', '--ports', ports, '-o', 'json'])) as {
      results: { verdict: string }[];
    };
    const matrix = JSON.parse(
      await h.ok(['policy', 'matrix', '-f', 'examples/netpol-model', '--ports', ports, '-o', 'json']),
    );
    assert.equal(probe.results.length, 9 * 9 * 4);
    const denied = probe.results.filter((r) => r.verdict !== 'allowed');
    assert.deepEqual(denied, [], 'no policy is enforced yet: everything connects');
    assert.deepEqual(probe, matrix);
  });
});
