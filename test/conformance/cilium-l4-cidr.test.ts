import { describe, it } from 'node:test';
import {
  cluster,
  cnp,
  expectVerdict,
  knp,
  OTHER_WORLD_IP,
  PING_TYPE,
  pod,
  WORLD_IP,
} from './cilium-fixture.js';

describe('Cilium L4 (layer4.rst)', () => {
  it('l4-rule: egress only to port 80/TCP, to any destination; other ports, UDP and ICMP are blocked', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'my-service', { app: 'myService' }),
        pod('default', 'server', { app: 'server' }),
        cnp('default', 'l4-rule', {
          endpointSelector: { matchLabels: { app: 'myService' } },
          egress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
        }),
      ],
    );
    expectVerdict(
      e,
      { from: 'default/my-service', to: 'default/server', port: 80, protocol: 'TCP' },
      'allowed',
      ['l4-rule'],
    );
    expectVerdict(e, { from: 'default/my-service', to: WORLD_IP, port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(
      e,
      { from: 'default/my-service', to: 'default/server', port: 81, protocol: 'TCP' },
      'denied',
    );
    expectVerdict(
      e,
      { from: 'default/my-service', to: 'default/server', port: 80, protocol: 'UDP' },
      'denied',
    );
    expectVerdict(
      e,
      { from: 'default/my-service', to: 'default/server', port: PING_TYPE, protocol: 'ICMP' },
      'denied',
    );
  });

  it('l4-port-range-rule: egress to TCP 80-444 inclusive', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'my-service', { app: 'myService' }),
        cnp('default', 'l4-port-range-rule', {
          endpointSelector: { matchLabels: { app: 'myService' } },
          egress: [{ toPorts: [{ ports: [{ port: '80', endPort: 444, protocol: 'TCP' }] }] }],
        }),
      ],
    );
    const to = WORLD_IP;
    expectVerdict(e, { from: 'default/my-service', to, port: 80, protocol: 'TCP' }, 'allowed', [
      'l4-port-range-rule',
    ]);
    expectVerdict(e, { from: 'default/my-service', to, port: 443, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/my-service', to, port: 444, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/my-service', to, port: 79, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from: 'default/my-service', to, port: 445, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from: 'default/my-service', to, port: 443, protocol: 'UDP' }, 'denied');
  });

  it('l3_l4_combined "l4-rule": role=frontend into role=backend on 80/TCP only', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'backend', { role: 'backend' }),
        pod('default', 'frontend', { role: 'frontend' }),
        pod('default', 'other', { role: 'other' }),
        cnp('default', 'l4-rule', {
          endpointSelector: { matchLabels: { role: 'backend' } },
          ingress: [
            {
              fromEndpoints: [{ matchLabels: { role: 'frontend' } }],
              toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
            },
          ],
        }),
      ],
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: 80, protocol: 'TCP' },
      'allowed',
      ['l4-rule'],
    );
    expectVerdict(
      e,
      { from: 'default/frontend', to: 'default/backend', port: 81, protocol: 'TCP' },
      'denied',
    );
    expectVerdict(e, { from: 'default/other', to: 'default/backend', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('a port with protocol ANY (or omitted) covers TCP, UDP and SCTP', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'port-53-any', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [{ toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }] }],
        }),
      ],
    );
    for (const protocol of ['TCP', 'UDP', 'SCTP'] as const) {
      expectVerdict(e, { from: 'default/client', to: 'default/server', port: 53, protocol }, 'allowed');
    }
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 54, protocol: 'UDP' }, 'denied');
  });

  it('named ports resolve on the selected pod', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }, [{ port: 8080, name: 'http' }]),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'named-port', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [{ toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] }],
        }),
      ],
    );
    expectVerdict(
      e,
      { from: 'default/client', to: 'default/server', port: 8080, protocol: 'TCP' },
      'allowed',
    );
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('named ports on egress resolve on the destination pod', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }, [{ port: 8080, name: 'http' }]),
        pod('default', 'other', { app: 'other' }, [{ port: 9090, name: 'http' }]),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'egress-named-port', {
          endpointSelector: { matchLabels: { app: 'client' } },
          egress: [{ toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] }],
        }),
      ],
    );
    expectVerdict(
      e,
      { from: 'default/client', to: 'default/server', port: 8080, protocol: 'TCP' },
      'allowed',
    );
    expectVerdict(e, { from: 'default/client', to: 'default/other', port: 9090, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 9090, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from: 'default/client', to: 'default/other', port: 8080, protocol: 'TCP' }, 'denied');
  });

  it('icmp-rule: egress ICMP echo request only', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'my-service', { app: 'myService' }),
        cnp('default', 'icmp-rule', {
          endpointSelector: { matchLabels: { app: 'myService' } },
          egress: [
            {
              icmps: [
                {
                  fields: [
                    { type: 8, family: 'IPv4' },
                    { type: 'EchoRequest', family: 'IPv6' },
                  ],
                },
              ],
            },
          ],
        }),
      ],
    );
    expectVerdict(
      e,
      { from: 'default/my-service', to: WORLD_IP, port: PING_TYPE, protocol: 'ICMP' },
      'allowed',
      ['icmp-rule'],
    );
    expectVerdict(e, { from: 'default/my-service', to: WORLD_IP, port: 13, protocol: 'ICMP' }, 'denied');
    expectVerdict(e, { from: 'default/my-service', to: WORLD_IP, port: 80, protocol: 'TCP' }, 'denied');
  });
});

describe('Cilium CIDR (layer3.rst "cidr-rule")', () => {
  const cidrRule = cnp('default', 'cidr-rule', {
    endpointSelector: { matchLabels: { app: 'myService' } },
    egress: [{ toCIDR: ['20.1.1.1/32'] }, { toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }] }],
  });

  it('allows 20.1.1.1 and 10.0.0.0/8 minus 10.96.0.0/12', () => {
    const e = cluster(['default'], [pod('default', 'my-service', { app: 'myService' }), cidrRule]);
    const from = 'default/my-service';
    expectVerdict(e, { from, to: '20.1.1.1', port: 443, protocol: 'TCP' }, 'allowed', ['cidr-rule']);
    expectVerdict(e, { from, to: '20.1.1.2', port: 443, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from, to: '10.1.2.3', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from, to: '10.96.0.10', port: 53, protocol: 'UDP' }, 'denied');
    expectVerdict(e, { from, to: '10.111.255.255', port: 80, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from, to: '10.112.0.1', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from, to: WORLD_IP, port: 80, protocol: 'TCP' }, 'denied');
  });

  it('does not match pods, even when their IPs are inside the CIDR (10.244.1.0/24 ⊂ 10.0.0.0/8)', () => {
    const server = pod('default', 'server', { app: 'server' });
    const e = cluster(['default'], [pod('default', 'my-service', { app: 'myService' }), server, cidrRule]);
    expectVerdict(
      e,
      { from: 'default/my-service', to: 'default/server', port: 80, protocol: 'TCP' },
      'denied',
    );
    expectVerdict(
      e,
      { from: 'default/my-service', to: server.status!.podIP!, port: 80, protocol: 'TCP' },
      'denied',
    );
  });

  it('toCIDR of an external range: 203.0.113.0/24 only', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'to-test-net-3', {
          endpointSelector: { matchLabels: { app: 'client' } },
          egress: [{ toCIDR: ['203.0.113.0/24'] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: WORLD_IP, port: 443, protocol: 'TCP' }, 'allowed', [
      'to-test-net-3',
    ]);
    expectVerdict(e, { from: 'default/client', to: OTHER_WORLD_IP, port: 443, protocol: 'TCP' }, 'denied');
  });

  it('fromCIDR covering the pod CIDR admits external addresses but not pods', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'from-10-8', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [{ fromCIDR: ['10.0.0.0/8'] }],
        }),
      ],
    );
    expectVerdict(e, { from: '10.9.9.9', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'from-10-8',
    ]);
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied');
  });

  it('a Kubernetes NetworkPolicy ipBlock over the same range does match pods (upstream semantics)', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        knp('default', 'from-10-8', {
          podSelector: { matchLabels: { app: 'server' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed', [
      'from-10-8',
    ]);
    expectVerdict(e, { from: '10.9.9.9', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: WORLD_IP, to: 'default/server', port: 80, protocol: 'TCP' }, 'denied');
  });
});
