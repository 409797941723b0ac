// examples/fqdn (Cilium's FQDN guide): the manifests load, traces explain each step, and FQDN identities enforce it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { engineFqdnManager, syncFqdnPolicy } from '../../src/fqdn/index.js';
import { PolicyEngine, PROTOCOL_NUMBER, tracePolicy } from '../../src/policy/index.js';
import { loadManifests } from '../../src/resources/index.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'examples', 'fqdn');

async function engineFor(policy: string) {
  const r = await loadManifests([
    join(DIR, 'mediabot.yaml'),
    join(DIR, 'trace'),
    join(DIR, 'world.yaml'),
    join(DIR, 'policy', policy),
  ]);
  assert.deepEqual(r.errors.map(String), []);
  const engine = new PolicyEngine();
  for (const kind of ['Namespace', 'Pod', 'CiliumNetworkPolicy', 'ExternalHost'])
    for (const x of r.resources) if (x.object.kind === kind) engine.upsert(x.object);
  return engine;
}

const trace = (e: PolicyEngine, to: string, port: number) =>
  tracePolicy(e, { from: 'default/mediabot', to, port, protocol: 'TCP' });

describe('examples/fqdn (Cilium FQDN guide)', () => {
  it('step 1, matchName: api.github.com allowed, support.github.com denied; DNS goes through the proxy', async () => {
    const e = await engineFor('dns-matchname.yaml');
    const ok = trace(e, 'api.github.com', 443);
    assert.equal(ok.verdict, 'allowed');
    assert.equal(ok.dns?.verdict, 'allowed');
    assert.equal(trace(e, 'support.github.com', 443).verdict, 'denied');
  });

  it('step 2, matchPattern *.github.com: both allowed', async () => {
    const e = await engineFor('dns-pattern.yaml');
    assert.equal(trace(e, 'support.github.com', 443).verdict, 'allowed');
    assert.equal(trace(e, 'github.com', 443).verdict, 'denied', '"*." needs a label');
  });

  it('step 3, *.twitter.com on 443 only', async () => {
    const e = await engineFor('dns-port.yaml');
    assert.equal(trace(e, 'help.twitter.com', 443).verdict, 'allowed');
    assert.equal(trace(e, 'help.twitter.com', 80).verdict, 'denied');
  });

  it('with the world addresses: only the looked-up addresses of allowed names are enforced as allowed', async () => {
    const e = await engineFor('dns-matchname.yaml');
    const fqdn = engineFqdnManager(e, { apply: () => {} });
    syncFqdnPolicy(fqdn, e);
    const v = (ip: string) =>
      e.policyOf('default/mediabot').egress.decide(e.remoteForIP(ip), PROTOCOL_NUMBER.TCP, 443).verdict;
    fqdn.observe({ endpoint: 'default/mediabot', name: 'api.github.com', ips: ['203.0.113.10'], ttl: 60 });
    fqdn.observe({
      endpoint: 'default/mediabot',
      name: 'support.github.com',
      ips: ['203.0.113.11'],
      ttl: 60,
    });
    assert.equal(v('203.0.113.10'), 'allowed');
    assert.equal(v('203.0.113.11'), 'denied');
  });
});
