import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterHarness, REPO } from './cluster-harness.js';

const root = process.getuid?.() === 0;
const PROBER = join(REPO, 'test', 'cluster', 'fixtures', 'prober.mjs');

interface PodJson {
  metadata: { name: string; uid: string };
  status: { podIP: string };
}
interface ProbeSummary {
  newOk: number;
  newFailed: number;
  failures: { at: number; why: string }[];
  keepaliveRequests: number;
  keepaliveBroken: boolean;
}

function probeFrom(netns: string, ip: string, ms: number): Promise<ProbeSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, PROBER, ip, '80', String(ms)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(out) as ProbeSummary));
  });
}

describe('datapath: enforcement while the agent restarts', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness();
  let pods: PodJson[] = [];
  before(async () => {
    await h.ok(['up', '-f', 'examples/starwars', '-f', 'examples/starwars/policy/l3-l4.yaml']);
    pods = (JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as { items: PodJson[] }).items;
  });
  after(() => h.cleanup());

  const pod = (prefix: string) => pods.find((p) => p.metadata.name.startsWith(prefix))!;

  it('the Star Wars L3/L4 policy lets tiefighter land and drops xwing', async () => {
    const ok = await h.porin([
      'exec',
      'tiefighter',
      '--',
      'curl',
      '-s',
      '-m',
      '3',
      '-XPOST',
      'deathstar/v1/request-landing',
    ]);
    assert.equal(ok.stdout.trim(), 'Ship landed');
    const dropped = await h.porin([
      'exec',
      'xwing',
      '--',
      'curl',
      '-s',
      '-m',
      '2',
      '-XPOST',
      'deathstar/v1/request-landing',
    ]);
    assert.equal(dropped.code, 28, 'curl times out: the SYN is dropped, not refused');
  });

  it('a continuous probe across an agent crash and restart sees no unexpected verdict, and connections survive', async () => {
    const target = pod('deathstar-').status.podIP;
    const tie = probeFrom(h.podNetns(pod('tiefighter').metadata.uid), target, 6000);
    const xw = probeFrom(h.podNetns(pod('xwing').metadata.uid), target, 6000);
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(Number(readFileSync(join(h.runDir, 'agent.pid'), 'utf8')), 'SIGKILL'); // the agent this test started
    await new Promise((r) => setTimeout(r, 500));
    await h.ok(['up']);
    const [t, x] = await Promise.all([tie, xw]);
    assert.deepEqual(t.failures, [], 'tiefighter: every new connection allowed throughout');
    assert.ok(t.newOk > 20, `tiefighter made ${t.newOk} connections`);
    assert.equal(x.newOk, 0, 'xwing: no connection ever allowed');
    assert.ok(x.newFailed > 5);
    assert.equal(t.keepaliveBroken, false, 'the established connection survived the restart');
    assert.ok(t.keepaliveRequests > 20, `${t.keepaliveRequests} requests on the kept-alive connection`);
  });

  it('after the restart the policy map holds the same entries (nothing rewritten as deny-all or allow-all)', async () => {
    const ds = pod('deathstar-').metadata.name;
    const res = JSON.parse(await h.ok(['bpf', 'policy', 'get', ds, '-o', 'json'])) as {
      kernel: { verdict: string; ports: { from: number } }[];
    };
    assert.ok(res.kernel.length > 0);
    assert.ok(res.kernel.every((e) => e.verdict === 'allow' && e.ports.from === 80));
  });
});

describe('datapath: a policy that does not fit', { skip: !root && 'needs root' }, () => {
  // A tiny shared policy map: the 40-port policy below cannot fit next to what the cluster already holds.
  const h = new ClusterHarness({ PORIN_POLICY_MAP_MAX: '24' });
  before(async () => {
    await h.ok(['up', '-f', 'examples/starwars', '-f', 'examples/starwars/policy/l3-l4.yaml']);
  });
  after(() => h.cleanup());

  it('is refused whole with a clear error; the endpoint keeps its previous policy', async () => {
    const many = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'rule1', namespace: 'default' },
      spec: {
        endpointSelector: { matchLabels: { class: 'deathstar' } },
        ingress: [
          {
            fromEndpoints: [{ matchLabels: { org: 'empire' } }],
            toPorts: [
              {
                ports: Array.from({ length: 40 }, (_, i) => ({ port: String(80 + i * 3), protocol: 'TCP' })),
              },
            ],
          },
        ],
      },
    };
    const file = join(h.stateDir, '..', 'many.json');
    writeFileSync(file, JSON.stringify(many));
    // `porin apply` waits for the kernel (the revision barrier) and says the change was not enforced.
    const applied = await h.porin(['apply', '-f', file]);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /ciliumnetworkpolicy\.cilium\.io\/rule1 configured/);
    assert.match(
      applied.stdout,
      /applied, but not enforced: default\/deathstar-\S+: endpoint \d+: policy refused/,
    );
    const eps = JSON.parse(await h.ok(['endpoint', 'list', '-o', 'json'])) as {
      key: string;
      policyOk?: boolean;
      policyError?: string;
    }[];
    const ds = eps.filter((e) => e.key.startsWith('default/deathstar-'));
    assert.equal(ds.length, 2);
    for (const e of ds) {
      assert.equal(e.policyOk, false, `${e.key} reports the failure`);
      assert.match(e.policyError ?? '', /policy refused: it needs \d+ new entries/);
    }
    const ok = await h.porin([
      'exec',
      'tiefighter',
      '--',
      'curl',
      '-s',
      '-m',
      '3',
      '-XPOST',
      'deathstar/v1/request-landing',
    ]);
    assert.equal(ok.stdout.trim(), 'Ship landed', 'the previous policy (80/TCP from empire) still applies');
    const dropped = await h.porin([
      'exec',
      'xwing',
      '--',
      'curl',
      '-s',
      '-m',
      '2',
      '-XPOST',
      'deathstar/v1/request-landing',
    ]);
    assert.equal(dropped.code, 28, 'and still drops xwing: never a silently partial or empty policy');
    const status = JSON.parse(await h.ok(['status', '--json'])) as {
      errors: string[];
      components: { name: string; ok: boolean; message: string }[];
    };
    assert.ok(
      status.errors.some((e) => /policy refused/.test(e)),
      'the error is in porin status',
    );
    const policy = status.components.find((c) => c.name === 'policy');
    assert.equal(policy?.ok, false, 'the policy component is not ok');
    assert.match(
      policy?.message ?? '',
      /2 endpoint\(s\) keep their previous policy .*CiliumNetworkPolicy default\/rule1/,
    );
    const events = JSON.parse(await h.ok(['get', 'events', '-o', 'json'])) as {
      items: {
        reason: string;
        type: string;
        involvedObject: { kind: string; name: string };
        message: string;
      }[];
    };
    const ev = events.items.find((e) => e.reason === 'PolicyNotEnforced');
    assert.equal(ev?.type, 'Warning');
    assert.deepEqual([ev?.involvedObject.kind, ev?.involvedObject.name], ['CiliumNetworkPolicy', 'rule1']);
    assert.match(ev?.message ?? '', /policy refused/);
    const metrics = execFileSync(
      'ip',
      ['netns', 'exec', h.hostNetns, 'curl', '-s', '-m', '5', 'http://127.0.0.1:9965/metrics'],
      { encoding: 'utf8' },
    );
    assert.match(metrics, /^porin_policy_change_total\{outcome="failure"\} [1-9]/m);
    assert.match(metrics, /^porin_policy_endpoints_not_enforced 2$/m);
    // Back to a policy that fits: the failure clears, apply returns 0, the component is ok again.
    const fits = {
      ...many,
      spec: {
        ...many.spec,
        ingress: [{ ...many.spec.ingress[0]!, toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
      },
    };
    writeFileSync(file, JSON.stringify(fits));
    await h.ok(['apply', '-f', file]);
    const after = JSON.parse(await h.ok(['status', '--json'])) as {
      components: { name: string; ok: boolean }[];
    };
    assert.equal(after.components.find((c) => c.name === 'policy')?.ok, true);
  });
});
