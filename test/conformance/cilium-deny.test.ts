// Cilium deny policies and enableDefaultDeny (Documentation/security/policy/{deny,intro}.rst).
//
// Expectations come from the documented semantics (policy-semantics.md §3.1, §3.2), not from running the engine:
//   deny.rst:  the interaction table, five columns × three probes (curl server:81, curl server:80, ping server)
//   enableDefaultDeny {ingress:false}: unmatched traffic stays allowed, a deny still denies, L7 is not relaxed
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CiliumNetworkPolicy } from '../../src/resources/types/index.js';
import { cluster, cnp, expectVerdict, PING_TYPE, type Probe, pod, WORLD_IP } from './cilium-fixture.js';

describe('Cilium deny policies: the deny.rst interaction table', () => {
  // Server pod with allow policies for L7 HTTP on 80, L4 80/TCP, L4 81/TCP and L3 from pod client.
  const server = { app: 'server' };
  const client = { app: 'client' };
  const allows: CiliumNetworkPolicy[] = [
    cnp('default', 'allow-l7-http-80', {
      endpointSelector: { matchLabels: server },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: client }],
          toPorts: [
            { ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/' }] } },
          ],
        },
      ],
    }),
    cnp('default', 'allow-l4-80', {
      endpointSelector: { matchLabels: server },
      ingress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
    }),
    cnp('default', 'allow-l4-81', {
      endpointSelector: { matchLabels: server },
      ingress: [{ toPorts: [{ ports: [{ port: '81', protocol: 'TCP' }] }] }],
    }),
    cnp('default', 'allow-l3-client', {
      endpointSelector: { matchLabels: server },
      ingress: [{ fromEndpoints: [{ matchLabels: client }] }],
    }),
  ];
  const denyL4 = cnp('default', 'deny-l4-80', {
    endpointSelector: { matchLabels: server },
    ingressDeny: [{ toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
  });
  const denyL3 = cnp('default', 'deny-l3-client', {
    endpointSelector: { matchLabels: server },
    ingressDeny: [{ fromEndpoints: [{ matchLabels: client }] }],
  });

  // curl sends GET / ; ping is ICMP echo request.
  const curl81: Probe = {
    from: 'default/client',
    to: 'default/server',
    port: 81,
    protocol: 'TCP',
    http: { method: 'GET', path: '/' },
  };
  const curl80: Probe = {
    from: 'default/client',
    to: 'default/server',
    port: 80,
    protocol: 'TCP',
    http: { method: 'GET', path: '/' },
  };
  const ping: Probe = { from: 'default/client', to: 'default/server', port: PING_TYPE, protocol: 'ICMP' };

  const columns: {
    name: string;
    policies: CiliumNetworkPolicy[];
    expect: ['allowed' | 'denied', 'allowed' | 'denied', 'allowed' | 'denied'];
    deciding?: string;
  }[] = [
    { name: 'allow policies, no deny', policies: allows, expect: ['allowed', 'allowed', 'allowed'] },
    {
      name: 'allow policies + deny L4 80/TCP',
      policies: [...allows, denyL4],
      expect: ['allowed', 'denied', 'allowed'],
      deciding: 'deny-l4-80',
    },
    {
      name: 'allow policies + deny L3 from client',
      policies: [...allows, denyL3],
      expect: ['denied', 'denied', 'denied'],
      deciding: 'deny-l3-client',
    },
    {
      name: 'allow policies + deny L4 80/TCP + deny L3 from client',
      policies: [...allows, denyL4, denyL3],
      expect: ['denied', 'denied', 'denied'],
      deciding: 'deny-l3-client',
    },
    {
      name: 'deny L4 80/TCP only, no allow policies',
      policies: [denyL4],
      expect: ['denied', 'denied', 'denied'],
      deciding: 'deny-l4-80',
    },
  ];

  for (const col of columns) {
    it(`${col.name}: curl :81 ${col.expect[0]}, curl :80 ${col.expect[1]}, ping ${col.expect[2]}`, () => {
      const e = cluster(
        ['default'],
        [
          pod('default', 'server', server, [{ port: 80 }, { port: 81 }]),
          pod('default', 'client', client),
          ...col.policies,
        ],
      );
      expectVerdict(e, curl81, col.expect[0]);
      const t80 = expectVerdict(e, curl80, col.expect[1]);
      expectVerdict(e, ping, col.expect[2]);
      if (col.deciding && col.expect[1] === 'denied') {
        assert.ok(
          JSON.stringify(t80).includes(col.deciding),
          `curl :80 should name ${col.deciding}: ${t80.ingress.summary}`,
        );
      }
    });
  }

  it('deny takes precedence over a Kubernetes NetworkPolicy allow too', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', server),
        pod('default', 'client', client),
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'knp-allow-all', namespace: 'default' },
          spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
        },
        denyL3,
      ],
    );
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied', [
      'deny-l3-client',
    ]);
  });
});

describe('Cilium enableDefaultDeny (intro.rst)', () => {
  it('{ingress: false}: traffic no rule matches stays allowed; a deny in such a policy still denies', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        pod('default', 'other', { app: 'other' }),
        pod('default', 'blocked', { app: 'blocked' }),
        cnp('default', 'allow-client-80', {
          endpointSelector: { matchLabels: { app: 'server' } },
          enableDefaultDeny: { ingress: false },
          ingress: [
            {
              fromEndpoints: [{ matchLabels: { app: 'client' } }],
              toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
            },
          ],
        }),
        cnp('default', 'deny-blocked', {
          endpointSelector: { matchLabels: { app: 'server' } },
          enableDefaultDeny: { ingress: false },
          ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'blocked' } }] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 81, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/other', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: WORLD_IP, to: 'default/server', port: 443, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/blocked', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied', [
      'deny-blocked',
    ]);
  });

  it('a policy without the opt-out still puts the endpoint in default deny (any selecting rule requests it)', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        pod('default', 'other', { app: 'other' }),
        cnp('default', 'relaxed', {
          endpointSelector: { matchLabels: { app: 'server' } },
          enableDefaultDeny: { ingress: false },
          ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }],
        }),
        cnp('default', 'strict', {
          endpointSelector: { matchLabels: { app: 'server' } },
          ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' }, 'allowed');
    expectVerdict(e, { from: 'default/other', to: 'default/server', port: 80, protocol: 'TCP' }, 'denied', [
      'strict',
    ]);
  });

  it('{ingress: false} does not relax L7: a non-matching request on the L7 port is still rejected', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'server', { app: 'server' }),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'l7-public-only', {
          endpointSelector: { matchLabels: { app: 'server' } },
          enableDefaultDeny: { ingress: false },
          ingress: [
            {
              toPorts: [
                {
                  ports: [{ port: '80', protocol: 'TCP' }],
                  rules: { http: [{ method: 'GET', path: '/public' }] },
                },
              ],
            },
          ],
        }),
      ],
    );
    const base = { from: 'default/client', to: 'default/server', port: 80, protocol: 'TCP' as const };
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/public' } }, 'allowed');
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/private' } }, 'denied');
    expectVerdict(e, { ...base, port: 81 }, 'allowed');
  });
});
