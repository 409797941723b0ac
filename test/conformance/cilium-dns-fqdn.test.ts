// Cilium DNS rules and toFQDNs (layer7.rst "DNS", layer3.rst "DNS based"; examples/policies/l7/dns/dns.yaml,
// examples/policies/l3/fqdn/fqdn.yaml), traced with a DNS query (`dnsQuery`, the CLI's --dns-query) or a name as `to`.
//
// Expectations come from the documented semantics (policy-semantics.md §3.1 "DNS / FQDN") and Cilium's
// pkg/fqdn/matchpattern ("*" never crosses a dot; "*" alone matches every name), not from running the engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cluster, cnp, expectVerdict, type Probe, pod, WORLD_IP } from './cilium-fixture.js';

describe('Cilium DNS rules and toFQDNs', () => {
  const dnsPods = () => [
    pod('kube-system', 'coredns-5dd5756b68-abcde', { 'k8s-app': 'kube-dns' }, [
      { port: 53, protocol: 'UDP', name: 'dns' },
      { port: 53, protocol: 'TCP', name: 'dns-tcp' },
    ]),
    pod('default', 'xwing', { org: 'alliance', class: 'xwing' }),
    pod('default', 'tiefighter', { org: 'empire', class: 'tiefighter' }),
  ];
  const kubeDns = 'kube-system/coredns-5dd5756b68-abcde';
  const dnsVisibility = cnp('default', 'tofqdn-dns-visibility', {
    endpointSelector: { matchLabels: { 'any:org': 'alliance' } },
    egress: [
      {
        toEndpoints: [
          { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } },
        ],
        toPorts: [
          {
            ports: [{ port: '53', protocol: 'ANY' }],
            rules: {
              dns: [
                { matchName: 'cilium.io' },
                { matchPattern: '*.cilium.io' },
                { matchPattern: '*.api.cilium.io' },
              ],
            },
          },
        ],
      },
      {
        toFQDNs: [
          { matchName: 'cilium.io' },
          { matchName: 'sub.cilium.io' },
          { matchName: 'service1.api.cilium.io' },
          { matchPattern: 'special*service.api.cilium.io' },
        ],
        toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
      },
    ],
  });

  it('DNS rules: queries for allowed names pass the DNS proxy, others are refused', () => {
    const e = cluster(['default', 'kube-system'], [...dnsPods(), dnsVisibility]);
    const q = (dnsQuery: string, protocol: 'UDP' | 'TCP' = 'UDP'): Probe => ({
      from: 'default/xwing',
      to: kubeDns,
      port: 53,
      protocol,
      dnsQuery,
    });
    expectVerdict(e, q('cilium.io'), 'allowed', ['tofqdn-dns-visibility']);
    expectVerdict(e, q('sub.cilium.io'), 'allowed');
    expectVerdict(e, q('service1.api.cilium.io'), 'allowed');
    expectVerdict(e, q('cilium.io', 'TCP'), 'allowed');
    const refused = expectVerdict(e, q('example.com'), 'denied');
    assert.ok(
      refused.l7?.some((l) => l.type === 'dns' && l.verdict === 'denied'),
      'refused by the DNS rules',
    );
    assert.notEqual(refused.egress.verdict, 'denied', 'port 53 to kube-dns is open at L3/L4');
  });

  it('DNS port rule: other ports to kube-dns are not allowed', () => {
    const e = cluster(['default', 'kube-system'], [...dnsPods(), dnsVisibility]);
    expectVerdict(e, { from: 'default/xwing', to: kubeDns, port: 8080, protocol: 'TCP' }, 'denied');
  });

  it('toFQDNs: egress to the listed names on 80/TCP only', () => {
    const e = cluster(['default', 'kube-system'], [...dnsPods(), dnsVisibility]);
    const to = (name: string, port = 80): Probe => ({
      from: 'default/xwing',
      to: name,
      port,
      protocol: 'TCP',
    });
    expectVerdict(e, to('cilium.io'), 'allowed', ['tofqdn-dns-visibility']);
    expectVerdict(e, to('sub.cilium.io'), 'allowed');
    expectVerdict(e, to('service1.api.cilium.io'), 'allowed');
    expectVerdict(e, to('special-blue-service.api.cilium.io'), 'allowed');
    expectVerdict(e, to('service2.api.cilium.io'), 'denied');
    expectVerdict(e, to('example.com'), 'denied');
    expectVerdict(e, to('cilium.io', 443), 'denied');
    expectVerdict(e, { from: 'default/xwing', to: WORLD_IP, port: 80, protocol: 'TCP' }, 'denied');
  });

  it('matchPattern "*.cilium.io" matches one label below cilium.io, not cilium.io itself nor deeper names', () => {
    // pkg/fqdn/matchpattern: "*" becomes [-a-zA-Z0-9_]* (never a dot); names compare case-insensitively.
    const e = cluster(
      ['default', 'kube-system'],
      [
        ...dnsPods(),
        cnp('default', 'pattern-only', {
          endpointSelector: { matchLabels: { org: 'alliance' } },
          egress: [
            {
              toEndpoints: [
                {
                  matchLabels: {
                    'k8s:io.kubernetes.pod.namespace': 'kube-system',
                    'k8s:k8s-app': 'kube-dns',
                  },
                },
              ],
              toPorts: [
                {
                  ports: [{ port: '53', protocol: 'UDP' }],
                  rules: { dns: [{ matchPattern: '*.cilium.io' }] },
                },
              ],
            },
            { toFQDNs: [{ matchPattern: '*.cilium.io' }] },
          ],
        }),
      ],
    );
    const q = (dnsQuery: string): Probe => ({
      from: 'default/xwing',
      to: kubeDns,
      port: 53,
      protocol: 'UDP',
      dnsQuery,
    });
    const to = (name: string): Probe => ({ from: 'default/xwing', to: name, port: 443, protocol: 'TCP' });
    expectVerdict(e, q('sub.cilium.io'), 'allowed');
    expectVerdict(e, q('SUB.Cilium.IO'), 'allowed');
    expectVerdict(e, q('cilium.io'), 'denied');
    expectVerdict(e, q('a.b.cilium.io'), 'denied');
    expectVerdict(e, q('sub.cilium.io.evil.com'), 'denied');
    expectVerdict(e, to('docs.cilium.io'), 'allowed', ['pattern-only']);
    expectVerdict(e, to('cilium.io'), 'denied');
    expectVerdict(e, to('a.b.cilium.io'), 'denied');
    expectVerdict(e, to('notcilium.io'), 'denied');
  });

  it('matchPattern "*" alone matches every name', () => {
    const e = cluster(
      ['default', 'kube-system'],
      [
        ...dnsPods(),
        cnp('default', 'dns-any', {
          endpointSelector: { matchLabels: { org: 'alliance' } },
          egress: [
            {
              toEndpoints: [
                {
                  matchLabels: {
                    'k8s:io.kubernetes.pod.namespace': 'kube-system',
                    'k8s:k8s-app': 'kube-dns',
                  },
                },
              ],
              toPorts: [
                { ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } },
              ],
            },
          ],
        }),
      ],
    );
    for (const name of ['example.com', 'a.b.c.example.org', 'cilium.io']) {
      expectVerdict(
        e,
        { from: 'default/xwing', to: kubeDns, port: 53, protocol: 'UDP', dnsQuery: name },
        'allowed',
      );
    }
  });

  it('the policy does not select org=empire: its egress stays open', () => {
    const e = cluster(['default', 'kube-system'], [...dnsPods(), dnsVisibility]);
    expectVerdict(
      e,
      { from: 'default/tiefighter', to: 'example.com', port: 443, protocol: 'TCP' },
      'allowed',
    );
    expectVerdict(
      e,
      { from: 'default/tiefighter', to: kubeDns, port: 53, protocol: 'UDP', dnsQuery: 'example.com' },
      'allowed',
    );
  });

  it('to-fqdn (fqdn.yaml): kube-dns on any port plus my-remote-service.com', () => {
    const e = cluster(
      ['default', 'kube-system'],
      [
        ...dnsPods(),
        pod('default', 'test-app', { app: 'test-app' }),
        cnp('default', 'to-fqdn', {
          endpointSelector: { matchLabels: { app: 'test-app' } },
          egress: [
            {
              toEndpoints: [
                {
                  matchLabels: {
                    'k8s:io.kubernetes.pod.namespace': 'kube-system',
                    'k8s:k8s-app': 'kube-dns',
                  },
                },
              ],
            },
            { toFQDNs: [{ matchName: 'my-remote-service.com' }] },
          ],
        }),
      ],
    );
    expectVerdict(
      e,
      { from: 'default/test-app', to: 'my-remote-service.com', port: 443, protocol: 'TCP' },
      'allowed',
      ['to-fqdn'],
    );
    expectVerdict(
      e,
      { from: 'default/test-app', to: 'other-service.com', port: 443, protocol: 'TCP' },
      'denied',
    );
    expectVerdict(
      e,
      { from: 'default/test-app', to: kubeDns, port: 53, protocol: 'UDP', dnsQuery: 'my-remote-service.com' },
      'allowed',
    );
    expectVerdict(e, { from: 'default/test-app', to: 'default/xwing', port: 80, protocol: 'TCP' }, 'denied');
  });
});

describe('policy trace --to NAME: the DNS lookup that must come first', () => {
  const dnsServer = () =>
    pod('kube-system', 'coredns-abc', { 'k8s-app': 'kube-dns' }, [
      { port: 53, protocol: 'UDP', name: 'dns' },
      { port: 53, protocol: 'TCP', name: 'dns-tcp' },
    ]);
  const kubeDnsSel = {
    matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' },
  };
  const policy = (dnsRules: { matchName?: string; matchPattern?: string }[] | undefined) =>
    cnp('default', 'fqdn', {
      endpointSelector: { matchLabels: { org: 'empire', class: 'mediabot' } },
      egress: [
        { toFQDNs: [{ matchName: 'api.github.com' }] },
        dnsRules
          ? {
              toEndpoints: [kubeDnsSel],
              toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: dnsRules } }],
            }
          : { toEndpoints: [kubeDnsSel] },
      ],
    });
  const mediabot = () => pod('default', 'mediabot', { org: 'empire', class: 'mediabot' });
  const trace = (e: ReturnType<typeof cluster>, to: string) =>
    expectVerdict(
      e,
      { from: 'default/mediabot', to, port: 443, protocol: 'TCP' },
      to === 'api.github.com' ? 'allowed' : 'denied',
    );

  it("Cilium's guide: the lookup passes the DNS proxy and the connection is allowed by toFQDNs", () => {
    const r = trace(
      cluster(['default', 'kube-system'], [dnsServer(), mediabot(), policy([{ matchPattern: '*' }])]),
      'api.github.com',
    );
    assert.equal(r.dns?.verdict, 'allowed');
    assert.equal(r.dns?.server, 'kube-system/coredns-abc');
    assert.match(r.dns?.summary ?? '', /passes the DNS proxy/);
  });

  it('a DNS rule that refuses the name: the pod never learns an address', () => {
    const r = trace(
      cluster(
        ['default', 'kube-system'],
        [dnsServer(), mediabot(), policy([{ matchName: 'support.github.com' }])],
      ),
      'api.github.com',
    );
    assert.equal(r.dns?.verdict, 'denied');
    assert.match(r.dns?.summary ?? '', /REFUSED/);
  });

  it('DNS allowed without a DNS rule: the proxy never sees the answer (toFQDNs learns nothing)', () => {
    const r = trace(
      cluster(['default', 'kube-system'], [dnsServer(), mediabot(), policy(undefined)]),
      'api.github.com',
    );
    assert.equal(r.dns?.verdict, 'not-visible');
  });

  it('support.github.com: neither the toFQDNs rule nor anything else allows it', () => {
    const r = trace(
      cluster(['default', 'kube-system'], [dnsServer(), mediabot(), policy([{ matchPattern: '*' }])]),
      'support.github.com',
    );
    assert.equal(r.egress.reason, 'default-deny');
    assert.equal(r.dns?.verdict, 'allowed', 'the lookup itself is allowed by matchPattern "*"');
  });
});
