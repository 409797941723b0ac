// L7 policy on real traffic in an isolated cluster: the Star Wars L7 demo with curl, flows, metrics, tools; an agent killed mid-stream.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterHarness } from './cluster-harness.js';

const root = process.getuid?.() === 0;

interface PodList {
  items: { metadata: { name: string; uid: string }; status?: { podIP?: string } }[];
}

describe('L7 policy on real traffic (starwars)', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness();
  let pods: PodList['items'] = [];
  const curl = (pod: string, method: string, path: string, maxTime = 5) =>
    h.porin(['exec', pod, '--', 'curl', '-s', '-m', String(maxTime), `-X${method}`, `deathstar${path}`]);
  const pid = (file: string) => Number(readFileSync(join(h.runDir, file), 'utf8'));

  before(async () => {
    await h.ok(['up', '-f', 'examples/starwars']);
    pods = (JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as PodList).items;
  });
  after(() => h.cleanup());

  it('porin apply of the L7 policy returns once it is in force (the proxy acknowledged it)', async () => {
    const r = await h.porin(['apply', '-f', 'examples/starwars/policy/l7.yaml']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /not (yet )?(in force|enforced)/);
  });

  it('tiefighter lands, the exhaust port gets 403 Access denied, the xwing is dropped in the kernel', async () => {
    const land = await curl('tiefighter', 'POST', '/v1/request-landing');
    assert.equal(land.stdout.trim(), 'Ship landed');
    const port = await curl('tiefighter', 'PUT', '/v1/exhaust-port');
    assert.equal(port.stdout.trim(), 'Access denied');
    const xwing = await curl('xwing', 'POST', '/v1/request-landing', 2);
    assert.equal(xwing.code, 28, 'curl timed out: the SYN was dropped');
  });

  it('L7 flows name the rule; the xwing drop is an L3/L4 flow', async () => {
    const flows = (await h.ok(['observe', '--type', 'l7', '--last', '50', '-o', 'json']))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { flow: Record<string, unknown> }).flow);
    const req = (method: string) =>
      flows.find((f) => {
        const l7 = f.l7 as { type: string; http?: { method?: string } };
        return l7.type === 'REQUEST' && l7.http?.method === method;
      });
    const landed = req('POST');
    assert.equal(landed?.verdict, 'FORWARDED');
    assert.deepEqual(landed?.l7_rules, [
      {
        direction: 'ingress',
        policy: 'CiliumNetworkPolicy default/rule1',
        rule: 'spec.ingress[0].toPorts[0].rules.http[0]',
      },
    ]);
    const denied = req('PUT');
    assert.equal(denied?.verdict, 'DROPPED');
    assert.equal((denied?.ingress_denied_by as Array<{ name: string }> | undefined)?.[0]?.name, 'rule1');
    assert.equal((denied?.source as { pod_name: string } | undefined)?.pod_name, 'tiefighter');
    const http = await h.ok([
      'observe',
      '--protocol',
      'http',
      '--http-method',
      'PUT',
      '--http-path',
      '/v1/exhaust',
      '--last',
      '10',
    ]);
    assert.match(http, /tiefighter.*http-request DROPPED/);
    const drops = await h.ok([
      'observe',
      '--verdict',
      'DROPPED',
      '--from-pod',
      'default/xwing',
      '--last',
      '20',
    ]);
    assert.match(drops, /xwing.*deathstar.*Policy denied/);
  });

  it('metrics: hubble_http_requests_total and hubble_http_request_duration_seconds', async () => {
    const text = execFileSync(
      'ip',
      ['netns', 'exec', h.hostNetns, 'curl', '-s', `http://127.0.0.1:${h.config.metricsPort}/metrics`],
      { encoding: 'utf8' },
    );
    assert.match(
      text,
      /hubble_http_requests_total\{method="POST",protocol="HTTP\/1\.1",status="200",reporter="server"\} [1-9]/,
    );
    assert.match(
      text,
      /hubble_http_requests_total\{method="PUT",protocol="HTTP\/1\.1",status="403",reporter="server"\} [1-9]/,
    );
    assert.match(text, /hubble_http_request_duration_seconds_count\{method="POST",reporter="server"\} [1-9]/);
  });

  it('porin status shows the proxy from its own report; bpf policy get shows the proxy port', async () => {
    const st = JSON.parse(await h.ok(['status', '--json'])) as {
      proxy: {
        running: boolean;
        connected: boolean;
        ackedRevision: number;
        publishedRevision: number;
        report: {
          counters: Record<string, number>;
          listeners: Array<{ type: string; port: number; open: boolean }>;
        };
      };
    };
    assert.equal(st.proxy.running, true);
    assert.equal(st.proxy.connected, true);
    assert.equal(st.proxy.ackedRevision, st.proxy.publishedRevision);
    assert.ok((st.proxy.report.counters.requests ?? 0) >= 2);
    assert.ok((st.proxy.report.counters.denied ?? 0) >= 1);
    const http = st.proxy.report.listeners.find((l) => l.type === 'http');
    assert.ok(http?.open);
    const deathstar = pods.find((p) => p.metadata.name.startsWith('deathstar'))!.metadata.name;
    const bpf = await h.ok(['bpf', 'policy', 'get', deathstar]);
    assert.match(bpf, new RegExp(`Redirect.*\\b${http.port}\\b`));
  });

  it('an agent killed mid-stream: the open keep-alive connection goes on, new requests are judged by the last policy', async () => {
    const deathstar = pods.find((p) => p.metadata.name.startsWith('deathstar'))!;
    const tiefighter = pods.find((p) => p.metadata.name === 'tiefighter')!;
    const script = join(h.stateDir, 'keepalive.cjs');
    writeFileSync(
      script,
      `const http = require('node:http');
       const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
       let n = 0;
       const next = () => {
         const put = n % 2 === 1;
         const req = http.request({ host: ${JSON.stringify(deathstar.status!.podIP)}, port: 80, agent,
           method: put ? 'PUT' : 'POST', path: put ? '/v1/exhaust-port' : '/v1/request-landing' }, (res) => {
           let b = ''; res.on('data', (d) => (b += d));
           res.on('end', () => { console.log(JSON.stringify({ n, port: req.socket.localPort, status: res.statusCode, body: b.trim() }));
             if (++n < 16) setTimeout(next, 250); else process.exit(0); });
         });
         req.on('error', (e) => { console.log(JSON.stringify({ n, error: e.code })); process.exit(1); });
         req.end();
       };
       next();`,
    );
    const child = spawn(
      'ip',
      ['netns', 'exec', h.podNetns(tiefighter.metadata.uid), process.execPath, script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const done = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
    await new Promise((r) => setTimeout(r, 1000));
    const proxyPid = pid('proxy.pid');
    process.kill(pid('agent.pid'), 'SIGKILL'); // the agent this test started
    assert.equal(await done, 0, out);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { port: number; status: number; body: string });
    assert.equal(lines.length, 16);
    assert.equal(new Set(lines.map((l) => l.port)).size, 1, 'one connection throughout');
    for (const [i, l] of lines.entries())
      assert.deepEqual(
        [l.status, l.body],
        i % 2 ? [403, 'Access denied'] : [200, 'Ship landed'],
        `request ${i}`,
      );
    await h.ok(['up']);
    assert.equal(pid('proxy.pid'), proxyPid, 'the restarted agent adopted the running proxy');
    const st = JSON.parse(await h.ok(['status', '--json'])) as { proxy: { connected: boolean; pid: number } };
    assert.equal(st.proxy.pid, proxyPid);
    assert.equal(st.proxy.connected, true);
    assert.equal((await curl('tiefighter', 'PUT', '/v1/exhaust-port')).stdout.trim(), 'Access denied');
  });

  it('policy matrix and porin probe agree: redirected pairs, and the L7 verdict of a given request', async () => {
    const matrix = async (extra: string[]) =>
      (
        JSON.parse(
          await h.ok([
            'policy',
            'matrix',
            '-f',
            'examples/starwars',
            '-f',
            'examples/starwars/policy/l7.yaml',
            '--ports',
            '80/TCP',
            '-o',
            'json',
            ...extra,
          ]),
        ) as { results: Array<{ from: string; to: string; verdict: string }> }
      ).results;
    const probe = async (extra: string[]) =>
      (
        JSON.parse(await h.ok(['probe', '--ports', '80/TCP', '-o', 'json', ...extra])) as {
          results: Array<{ from: string; to: string; verdict: string }>;
        }
      ).results;
    const cell = (rows: Array<{ from: string; to: string; verdict: string }>, from: string) => [
      ...new Set(
        rows.filter((r) => r.from.endsWith(`/${from}`) && r.to.includes('deathstar')).map((r) => r.verdict),
      ),
    ];
    for (const extra of [
      [],
      ['--http-method', 'POST', '--http-path', '/v1/request-landing'],
      ['--http-method', 'PUT', '--http-path', '/v1/exhaust-port'],
    ]) {
      const [m, p] = [await matrix(extra), await probe(extra)];
      const want = extra.length === 0 ? ['redirected'] : extra[1] === 'POST' ? ['allowed'] : ['denied'];
      assert.deepEqual(cell(m, 'tiefighter'), want, `matrix ${extra.join(' ')}`);
      assert.deepEqual(cell(p, 'tiefighter'), want, `probe ${extra.join(' ')}`);
      assert.deepEqual(cell(p, 'xwing'), ['denied']);
    }
  });
});
