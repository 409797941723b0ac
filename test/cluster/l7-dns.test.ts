// DNS through the L7 redirect on an isolated cluster: a pod's lookups reach the DNS proxy, toFQDNs learns from them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClusterHarness } from './cluster-harness.js';

const root = process.getuid?.() === 0;

describe("Cilium's FQDN guide with the pod's real lookups (UDP redirect)", {
  skip: !root && 'needs root',
}, () => {
  const h = new ClusterHarness();
  const curl = (url: string, maxTime = 5) =>
    h.porin([
      'exec',
      'mediabot',
      '--',
      'curl',
      '-s',
      '-m',
      String(maxTime),
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      url,
    ]);

  before(async () => {
    await h.ok(['up', '-f', 'examples/fqdn/world.yaml', '-f', 'examples/fqdn/mediabot.yaml']);
    await h.ok(['apply', '-f', 'examples/fqdn/policy/dns-matchname.yaml']);
  });
  after(() => h.cleanup());

  it('the allowed name resolves through the DNS proxy and its address is then reachable; the other is dropped', async () => {
    assert.equal((await curl('http://api.github.com/')).stdout, '200');
    const denied = await curl('http://support.github.com/', 2);
    assert.equal(
      denied.code,
      28,
      'resolved (DNS rule matchPattern "*"), but not allowed by toFQDNs: timed out',
    );
    const cache = await h.ok(['fqdn', 'cache', 'list']);
    assert.match(cache, /default\/mediabot\s+lookup\s+api\.github\.com\s.*203\.0\.113\.10/);
  });

  it("the lookups are L7 DNS flows from the proxy, answered from the server's address", async () => {
    const flows = (await h.ok(['observe', '--protocol', 'dns', '--last', '40', '-o', 'json']))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { flow: Record<string, unknown> }).flow);
    const answer = flows.find((f) => {
      const l7 = f.l7 as { type: string; dns?: { query?: string } };
      return l7.type === 'RESPONSE' && l7.dns?.query === 'api.github.com.';
    });
    assert.ok(answer, 'a DNS response flow for api.github.com');
    assert.equal(answer.verdict, 'FORWARDED');
    assert.ok((answer.l4 as { UDP?: unknown }).UDP, 'over UDP');
    assert.equal(
      (answer.source as { pod_name?: string }).pod_name,
      'porin-dns',
      'from the cluster DNS, as the pod saw it',
    );
    assert.deepEqual((answer.l7_rules as Array<{ direction: string }>)[0]?.direction, 'egress');
    const st = JSON.parse(await h.ok(['status', '--json'])) as {
      proxy: {
        report: {
          counters: Record<string, number>;
          listeners: Array<{ type: string; udp?: boolean; handler: boolean }>;
        };
      };
    };
    const dns = st.proxy.report.listeners.find((l) => l.type === 'dns');
    assert.equal(dns?.udp, true);
    assert.equal(dns?.handler, true);
    assert.ok((st.proxy.report.counters.datagrams ?? 0) > 0, 'datagrams reached the proxy');
  });
});
