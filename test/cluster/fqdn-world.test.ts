// Root, isolated cluster: the world (ExternalHosts) through cluster DNS, and toFQDNs enforced in the kernel from
// an allowed answer (posted to the agent the way the DNS proxy reports one), across an agent restart.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterHarness, GONE } from './cluster-harness.js';

const root = process.getuid?.() === 0;

/** POST to the agent's API over its unix socket (what the proxy process does with an allowed answer). */
function post(socketPath: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path, method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data || 'null') }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('the world and toFQDNs on an isolated cluster', { skip: !root && 'needs root' }, () => {
  const h = new ClusterHarness();
  let podIP = '';
  const exec = (...cmd: string[]) => h.porin(['exec', 'mediabot', '--', ...cmd]);
  const httpCode = async (url: string) =>
    (await exec('curl', '-s', '-m', '3', '-o', '/dev/null', '-w', '%{http_code}', url)).stdout.trim();

  before(async () => {
    await h.ok(['up', '-f', 'examples/fqdn/world.yaml', '-f', 'examples/fqdn/mediabot.yaml']);
    const pods = JSON.parse(await h.ok(['get', 'pods', '-o', 'json'])) as {
      items: { status: { podIP: string } }[];
    };
    podIP = pods.items[0]!.status.podIP;
  });
  after(() => h.cleanup());

  it('porin get externalhosts lists the world; status reports it', async () => {
    const out = await h.ok(['get', 'externalhosts']);
    assert.match(out, /^NAME\s+HOSTNAMES\s+ADDRESSES\s+PORTS\s+AGE/);
    assert.match(out, /api-github-com\s+api\.github\.com\s+203\.0\.113\.10\s+80\/TCP,443\/TCP/);
    const status = JSON.parse(await h.ok(['status', '--json'])) as {
      components: { name: string; ok: boolean; message: string }[];
    };
    const world = status.components.find((c) => c.name === 'world');
    assert.equal(world?.ok, true, world?.message);
    assert.match(world?.message ?? '', /3 host\(s\), DNS 192\.0\.2\.53/);
  });

  it('a pod resolves world names through cluster DNS and reaches the echo with its own address', async () => {
    assert.equal(
      (await exec('dig', '+short', '+tries=2', '+time=2', 'api.github.com')).stdout.trim(),
      '203.0.113.10',
    );
    assert.match((await exec('dig', '+tries=2', '+time=2', 'nothing.example')).stdout, /status: NXDOMAIN/);
    const body = JSON.parse((await exec('curl', '-s', '-m', '5', 'http://api.github.com/')).stdout) as {
      pod: string;
      client: { address: string };
    };
    assert.equal(body.pod, 'api-github-com');
    assert.equal(body.client.address, podIP, 'not masqueraded');
  });

  it("Cilium's FQDN policy: nothing before an answer; the first connection after it is allowed; others dropped", async () => {
    await h.ok(['apply', '-f', 'examples/fqdn/policy/dns-matchname.yaml']);
    assert.equal(await httpCode('http://203.0.113.10/'), '000', 'no address is known yet: default deny');
    const r = await post(join(h.runDir, 'agent.sock'), '/v1/fqdn/observe', {
      source: { address: podIP, port: 40000 },
      name: 'api.github.com',
      ips: ['203.0.113.10'],
      ttl: 600,
    });
    assert.equal(r.status, 200);
    assert.equal((r.json as { changed: boolean }).changed, true);
    assert.equal(await httpCode('http://203.0.113.10/'), '200', 'enforced when the agent answered');
    assert.equal(await httpCode('http://203.0.113.11/'), '000', 'support.github.com stays dropped');
    const rows = JSON.parse(await h.ok(['fqdn', 'cache', 'list', '-o', 'json'])) as {
      fqdn: string;
      ips: string[];
      identities: number[];
    }[];
    assert.deepEqual(
      rows.map((x) => [x.fqdn, x.ips]),
      [['api.github.com', ['203.0.113.10']]],
    );
    assert.ok(rows[0]!.identities[0]! >= 1 << 24);
    const ipcache = await h.ok(['bpf', 'ipcache', 'list']);
    assert.match(ipcache, new RegExp(`203\\.0\\.113\\.10/32\\s+${rows[0]!.identities[0]}`));
  });

  it("Cilium's canonical DNS rule selects cluster DNS in the kernel: redirect entries to kube-dns on 53 UDP and TCP", async () => {
    const res = JSON.parse(await h.ok(['bpf', 'policy', 'get', 'mediabot', '-o', 'json'])) as {
      kernel: {
        direction: string;
        remote: { labels?: string[] };
        protocol: string;
        ports: { from: number };
        verdict: string;
      }[];
    };
    const dns = res.kernel.filter(
      (e) => e.direction === 'egress' && (e.remote.labels ?? []).includes('k8s:k8s-app=kube-dns'),
    );
    assert.deepEqual(
      dns.map((e) => `${e.protocol}/${e.ports.from} ${e.verdict}`).sort(),
      ['SCTP/53 redirect', 'TCP/53 redirect', 'UDP/53 redirect'],
      'protocol ANY is TCP, UDP and SCTP',
    );
    const fqdn = res.kernel.filter((e) => (e.remote.labels ?? []).includes('fqdn:matchName:api.github.com'));
    assert.ok(fqdn.length > 0 && fqdn.every((e) => e.verdict === 'allow'), 'the FQDN identity is allowed');
  });

  it('the cache survives an agent crash: the restarted agent keeps allowing the address', async () => {
    process.kill(Number(readFileSync(join(h.runDir, 'agent.pid'), 'utf8')), 'SIGKILL'); // the agent this test started
    await new Promise((r) => setTimeout(r, 300));
    await h.ok(['up']);
    const rows = JSON.parse(await h.ok(['fqdn', 'cache', 'list', '-o', 'json'])) as { fqdn: string }[];
    assert.deepEqual(
      rows.map((x) => x.fqdn),
      ['api.github.com'],
    );
    assert.equal(await httpCode('http://203.0.113.10/'), '200');
    assert.equal(await httpCode('http://203.0.113.11/'), '000');
  });

  it('porin down removes the world with the cluster', async () => {
    await h.ok(['down']);
    assert.deepEqual(h.state(), GONE);
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.doesNotMatch(netns, new RegExp(`${h.config.prefix}_world`));
  });
});
