// Cluster DNS as policies see it: the kube-dns Service, its EndpointSlice and endpoint match Cilium's canonical DNS rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterConfig } from '../config/cluster-config.js';
import { PolicyEngine, PROTOCOL_NUMBER } from '../policy/index.js';
import { cnp, pod } from '../policy/test-fixtures.js';
import { engineDnsJudge } from '../proxy/dns/index.js';
import { type EndpointSlice, validateResource } from '../resources/index.js';
import { clusterDefaults } from './cluster-defaults.js';
import { dnsEndpoint } from './policy-sync.js';

const config = clusterConfig({});
/** Cilium's DNS rule, verbatim from its FQDN guide. */
const canonical = cnp('default', 'dns', {
  endpointSelector: { matchLabels: { app: 'client' } },
  egress: [
    {
      toEndpoints: [
        { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } },
      ],
      toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
    },
  ],
});

function engine(): PolicyEngine {
  const e = new PolicyEngine({
    cluster: config.clusterName,
    deploymentsAsPods: false,
    localNode: config.nodeName,
  });
  for (const o of clusterDefaults(config)) e.upsert(o);
  e.upsert(dnsEndpoint(config));
  e.upsert(pod('default', 'client', { app: 'client' }, '10.244.0.7'));
  e.upsert(canonical);
  return e;
}

describe('kube-dns as policies see it', () => {
  it('the defaults hold the kube-dns Service and a valid EndpointSlice at the DNS backend address', () => {
    const objs = clusterDefaults(config);
    const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'kube-dns');
    assert.equal(svc?.metadata.namespace, 'kube-system');
    const slice = objs.find((o) => o.kind === 'EndpointSlice') as EndpointSlice;
    assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.deepEqual(slice.endpoints[0]?.addresses, [config.dnsBackendIP]);
    for (const o of objs) {
      const r = validateResource(o, { source: { file: 'defaults', document: 1 }, namespace: 'default' });
      assert.deepEqual(
        r.issues.filter((i) => i.severity === 'error').map(String),
        [],
        `${o.kind} ${o.metadata.name}`,
      );
    }
  });

  it("Cilium's canonical DNS rule selects the cluster DNS endpoint, on UDP and TCP 53, and redirects to the DNS proxy", () => {
    const e = engine();
    const dns = e.endpoint('kube-system/porin-dns');
    assert.ok(dns?.labels.has('k8s-app'));
    const remote = e.remoteForIP(config.dnsBackendIP);
    assert.equal(remote.identity, dns?.identity.id, 'the backend address carries the kube-dns identity');
    for (const proto of ['UDP', 'TCP'] as const) {
      const d = e.policyOf('default/client').egress.decide(remote, PROTOCOL_NUMBER[proto], 53);
      assert.equal(d.verdict, 'redirected', proto);
      assert.deepEqual(
        d.l7?.map((r) => ({ type: r.type, dns: r.type === 'dns' ? r.dns : undefined })),
        [{ type: 'dns', dns: [{ matchPattern: '*' }] }],
      );
      assert.equal(
        d.l7?.[0]?.origin?.name,
        'dns',
        'the rule set knows its policy (for flows naming the rule)',
      );
    }
    assert.equal(
      e.policyOf('default/client').egress.decide(remote, PROTOCOL_NUMBER.TCP, 80).verdict,
      'denied',
    );
  });

  it('the DNS proxy judge forwards the client queries to cluster DNS and refuses unknown sources', () => {
    const judge = engineDnsJudge(engine());
    const dst = { address: config.dnsBackendIP, port: 53 };
    const v = judge(
      { type: 'dns', query: 'api.github.com', qtype: 'A', transport: 'udp' },
      { address: '10.244.0.7', port: 40000 },
      dst,
    );
    assert.equal(v.verdict, 'FORWARDED');
    assert.deepEqual(v.rules, [
      { direction: 'egress', policy: 'CiliumNetworkPolicy default/dns', rule: 'spec.egress[0] dns[0]' },
    ]);
    const unknown = judge(
      { type: 'dns', query: 'a.b', qtype: 'A', transport: 'udp' },
      { address: '10.244.0.99', port: 1 },
      dst,
    );
    assert.equal(unknown.verdict, 'DROPPED');
  });

  it('toServices kube-dns names the same backend', () => {
    const e = engine();
    e.upsert(
      cnp('default', 'svc', {
        endpointSelector: { matchLabels: { app: 'client' } },
        egress: [{ toServices: [{ k8sService: { serviceName: 'kube-dns', namespace: 'kube-system' } }] }],
      }),
    );
    assert.equal(
      e.policyOf('default/client').egress.decide(e.remoteForIP(config.dnsBackendIP), PROTOCOL_NUMBER.TCP, 80)
        .verdict,
      'allowed',
    );
  });
});
