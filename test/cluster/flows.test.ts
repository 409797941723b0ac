import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterHarness } from './cluster-harness.js';

const root = process.getuid?.() === 0;

interface FlowLine {
  flow: {
    verdict: string;
    drop_reason_desc?: string;
    source?: { pod_name?: string };
    destination?: { pod_name?: string };
    [k: string]: unknown;
  };
}

const lines = (out: string) =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FlowLine);

describe('flows: observe, durable history, metrics, policy logging', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness({ PORIN_METRICS_PORT: '9965' });
  before(async () => {
    await h.ok(['up', '-f', 'examples/starwars', '-f', 'examples/starwars/policy/l3-l4.yaml']);
    await h.ok([
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
    const x = await h.porin([
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
    assert.equal(x.code, 28);
  });
  after(() => h.cleanup());

  it('`porin observe --verdict DROPPED --print-policy-names` shows xwing and the policy that denied it', async () => {
    const text = await h.ok(['observe', '--verdict', 'DROPPED', '--print-policy-names']);
    assert.match(text, /default\/xwing:\d+ .*default\/deathstar-[a-z0-9-]+:80 .*DROPPED/);
    assert.match(text, /default\/rule1/);
    const flows = lines(await h.ok(['observe', '--verdict', 'DROPPED', '-o', 'json']));
    assert.ok(flows.length > 0);
    for (const f of flows) {
      assert.equal(f.flow.verdict, 'DROPPED');
      assert.equal(f.flow.source?.pod_name, 'xwing');
      assert.equal(f.flow.drop_reason_desc, 'POLICY_DENIED');
      assert.match(JSON.stringify(f.flow), /"name":"rule1"/, 'the default-deny policy is named');
    }
  });

  it("filters combine as Hubble's: tiefighter's flows are forwarded", async () => {
    const flows = lines(
      await h.ok(['observe', '--from-pod', 'default/tiefighter', '--to-port', '80', '-o', 'json']),
    );
    assert.ok(flows.length > 0);
    assert.ok(flows.every((f) => f.flow.verdict === 'FORWARDED' && f.flow.source?.pod_name === 'tiefighter'));
  });

  it('flows from before an agent restart are still queryable', async () => {
    const before = lines(await h.ok(['observe', '--verdict', 'DROPPED', '-o', 'json'])).length;
    process.kill(Number(readFileSync(join(h.runDir, 'agent.pid'), 'utf8')), 'SIGTERM'); // the agent this test started
    await new Promise((r) => setTimeout(r, 1000));
    await h.ok(['up']);
    const afterRestart = lines(await h.ok(['observe', '--verdict', 'DROPPED', '-o', 'json'])).length;
    assert.ok(afterRestart >= before && before > 0, `${before} drops before, ${afterRestart} after`);
  });

  it('metrics scrape: Hubble flow metrics and agent metrics', async () => {
    // Counters start at zero with the (restarted) agent: make one drop now.
    await h.porin(['exec', 'xwing', '--', 'curl', '-s', '-m', '1', 'deathstar/v1']);
    await new Promise((r) => setTimeout(r, 300));
    // The Prometheus endpoint listens on the loopback of the cluster's host: scrape it from there.
    const text = execFileSync(
      'ip',
      ['netns', 'exec', h.hostNetns, 'curl', '-s', '-m', '5', 'http://127.0.0.1:9965/metrics'],
      { encoding: 'utf8' },
    );
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    assert.ok(value(/^hubble_drop_total\{reason="POLICY_DENIED",protocol="TCP"\} (\d+)/m) >= 1);
    assert.ok(value(/^porin_endpoints (\d+)/m) >= 4);
    assert.match(text, /^# TYPE hubble_flows_processed_total counter/m);
    assert.match(text, /^porin_bpf_map_pressure\{map_name="porin_policy"\} [\d.e-]+/m);
  });

  it('denies are logged in GKE Dataplane V2 format', async () => {
    const file = join(h.stateDir, 'logs', 'policy_action.log');
    const deadline = Date.now() + 10_000;
    while (!(existsSync(file) && readFileSync(file, 'utf8').includes('"deny"')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const rec = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r.disposition === 'deny');
    assert.ok(rec, 'a deny record');
    assert.deepEqual(Object.keys(rec.connection as object).sort(), [
      'dest_ip',
      'dest_port',
      'direction',
      'protocol',
      'src_ip',
      'src_port',
    ]);
    assert.equal((rec.src as { pod_name: string }).pod_name, 'xwing');
    assert.deepEqual(rec.policies, [{ name: 'rule1', namespace: 'default', kind: 'CiliumNetworkPolicy' }]);
    assert.ok(Number(rec.count) >= 1);
  });

  it('audit mode: a policy annotated porin.io/audit-mode does not drop; its would-be drops are AUDIT flows', async () => {
    const audit = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: {
        name: 'no-tiefighters',
        namespace: 'default',
        annotations: { 'porin.io/audit-mode': 'true' },
      },
      spec: {
        endpointSelector: { matchLabels: { class: 'deathstar' } },
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { class: 'tiefighter' } }] }],
      },
    };
    const file = join(h.stateDir, '..', 'audit.json');
    writeFileSync(file, JSON.stringify(audit));
    await h.ok(['apply', '-f', file]);
    await new Promise((r) => setTimeout(r, 300));
    const out = await h.ok([
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
    assert.equal(out.trim(), 'Ship landed', 'audit mode never drops');
    await new Promise((r) => setTimeout(r, 500));
    const flows = lines(await h.ok(['observe', '--verdict', 'AUDIT', '-o', 'json']));
    assert.ok(flows.length > 0, 'AUDIT flows');
    for (const f of flows) {
      assert.equal(f.flow.source?.pod_name, 'tiefighter');
      assert.match(JSON.stringify(f.flow.ingress_denied_by), /no-tiefighters/);
    }
  });
});
