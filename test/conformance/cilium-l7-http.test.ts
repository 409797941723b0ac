// Cilium L7 HTTP policy (Documentation/security/policy/layer7.rst, examples/minikube Star Wars demo,
// examples/policies/l7/http).
//
// Expectations come from the documented semantics (policy-semantics.md §3.1 "L7"), not from running the engine:
//   Star Wars: rule1 (L7 POST /v1/request-landing), the L3/L4 rule1, empire-default-deny (ingress: [{}])
//   l7-rule:   GET /path1$, PUT /path2$ with header X-My-Header: true; L7 rules on one port from two policies are unioned
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cluster, cnp, expectVerdict, pod } from './cilium-fixture.js';

describe('Cilium L7 HTTP: Star Wars demo (examples/minikube)', () => {
  const swPods = () => [
    pod('default', 'deathstar-6fb5694d48-5hmds', { org: 'empire', class: 'deathstar' }, [{ port: 80 }]),
    pod('default', 'tiefighter', { org: 'empire', class: 'tiefighter' }),
    pod('default', 'xwing', { org: 'alliance', class: 'xwing' }),
  ];
  const deathstar = 'default/deathstar-6fb5694d48-5hmds';
  const rule1L7 = cnp('default', 'rule1', {
    description: 'L7 policy to restrict access to specific HTTP call',
    endpointSelector: { matchLabels: { org: 'empire', class: 'deathstar' } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { org: 'empire' } }],
        toPorts: [
          {
            ports: [{ port: '80', protocol: 'TCP' }],
            rules: { http: [{ method: 'POST', path: '/v1/request-landing' }] },
          },
        ],
      },
    ],
  });

  it('rule1 (L7): tiefighter POST /v1/request-landing is allowed', () => {
    const e = cluster(['default'], [...swPods(), rule1L7]);
    const t = expectVerdict(
      e,
      {
        from: 'default/tiefighter',
        to: deathstar,
        port: 80,
        protocol: 'TCP',
        http: { method: 'POST', path: '/v1/request-landing' },
      },
      'allowed',
      ['rule1'],
    );
    assert.ok(
      t.l7?.some((l) => l.type === 'http' && l.verdict === 'allowed'),
      'the HTTP rule is what admits it',
    );
  });

  it('rule1 (L7): tiefighter PUT /v1/exhaust-port is denied at L7 (403), not at L3/L4', () => {
    const e = cluster(['default'], [...swPods(), rule1L7]);
    const t = expectVerdict(
      e,
      {
        from: 'default/tiefighter',
        to: deathstar,
        port: 80,
        protocol: 'TCP',
        http: { method: 'PUT', path: '/v1/exhaust-port' },
      },
      'denied',
      ['rule1'],
    );
    assert.notEqual(
      t.ingress.verdict,
      'denied',
      `L3/L4 admits tiefighter to the proxy: ${t.ingress.summary}`,
    );
    assert.ok(
      t.l7?.some((l) => l.type === 'http' && l.verdict === 'denied'),
      'the HTTP rules reject the request',
    );
    // Same method, other path; other method, same path.
    expectVerdict(
      e,
      {
        from: 'default/tiefighter',
        to: deathstar,
        port: 80,
        protocol: 'TCP',
        http: { method: 'GET', path: '/v1/request-landing' },
      },
      'denied',
    );
    expectVerdict(
      e,
      {
        from: 'default/tiefighter',
        to: deathstar,
        port: 80,
        protocol: 'TCP',
        http: { method: 'POST', path: '/v1/request-landing/x' },
      },
      'denied',
    );
  });

  it('rule1 (L7): xwing is denied at L3 (org=alliance is not org=empire)', () => {
    const e = cluster(['default'], [...swPods(), rule1L7]);
    const t = expectVerdict(
      e,
      {
        from: 'default/xwing',
        to: deathstar,
        port: 80,
        protocol: 'TCP',
        http: { method: 'POST', path: '/v1/request-landing' },
      },
      'denied',
    );
    assert.equal(
      t.ingress.verdict,
      'denied',
      `denied by the L3/L4 policy, before any L7 rule: ${t.ingress.summary}`,
    );
    assert.ok(!t.l7?.some((l) => l.verdict === 'allowed'), 'no L7 rule admits xwing');
  });

  it('rule1 (L3/L4 only, sw_l3_l4_policy): tiefighter reaches any path on 80, xwing is denied, port 81 is denied', () => {
    const e = cluster(
      ['default'],
      [
        ...swPods(),
        cnp('default', 'rule1', {
          description: 'L3-L4 policy to restrict deathstar access to empire ships only',
          endpointSelector: { matchLabels: { org: 'empire', class: 'deathstar' } },
          ingress: [
            {
              fromEndpoints: [{ matchLabels: { org: 'empire' } }],
              toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
            },
          ],
        }),
      ],
    );
    expectVerdict(
      e,
      {
        from: 'default/tiefighter',
        to: deathstar,
        port: 80,
        protocol: 'TCP',
        http: { method: 'PUT', path: '/v1/exhaust-port' },
      },
      'allowed',
      ['rule1'],
    );
    expectVerdict(e, { from: 'default/xwing', to: deathstar, port: 80, protocol: 'TCP' }, 'denied');
    expectVerdict(e, { from: 'default/tiefighter', to: deathstar, port: 81, protocol: 'TCP' }, 'denied');
  });

  it('empire-default-deny (ingress: [{}]) selects the empire into default deny and allows nothing', () => {
    const e = cluster(
      ['default'],
      [
        ...swPods(),
        cnp('default', 'empire-default-deny', {
          description: 'Default-deny ingress policy for the empire',
          endpointSelector: { matchLabels: { org: 'empire' } },
          ingress: [{}],
        }),
      ],
    );
    expectVerdict(e, { from: 'default/tiefighter', to: deathstar, port: 80, protocol: 'TCP' }, 'denied', [
      'empire-default-deny',
    ]);
    expectVerdict(e, { from: 'default/xwing', to: deathstar, port: 80, protocol: 'TCP' }, 'denied');
    // xwing is not selected: ingress to it stays open.
    expectVerdict(
      e,
      { from: 'default/tiefighter', to: 'default/xwing', port: 80, protocol: 'TCP' },
      'allowed',
    );
  });

  it('an L4-only allow for the same peer and port overrides the L7 restriction', () => {
    const e = cluster(
      ['default'],
      [
        ...swPods(),
        rule1L7,
        cnp('default', 'tiefighter-l4', {
          endpointSelector: { matchLabels: { org: 'empire', class: 'deathstar' } },
          ingress: [
            {
              fromEndpoints: [{ matchLabels: { class: 'tiefighter' } }],
              toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
            },
          ],
        }),
      ],
    );
    expectVerdict(
      e,
      {
        from: 'default/tiefighter',
        to: deathstar,
        port: 80,
        protocol: 'TCP',
        http: { method: 'PUT', path: '/v1/exhaust-port' },
      },
      'allowed',
    );
  });
});

describe('Cilium L7 HTTP rules (layer7.rst "l7-rule")', () => {
  const l7Rule = cnp('default', 'l7-rule', {
    endpointSelector: { matchLabels: { app: 'myService' } },
    ingress: [
      {
        toPorts: [
          {
            ports: [{ port: '80', protocol: 'TCP' }],
            rules: {
              http: [
                { method: 'GET', path: '/path1$' },
                { method: 'PUT', path: '/path2$', headers: ['X-My-Header: true'] },
              ],
            },
          },
        ],
      },
    ],
  });
  const base = { from: 'default/client', to: 'default/my-service', port: 80, protocol: 'TCP' as const };
  const setup = () =>
    cluster(
      ['default'],
      [
        pod('default', 'my-service', { app: 'myService' }, [{ port: 80 }]),
        pod('default', 'client', { app: 'client' }),
        l7Rule,
      ],
    );

  it('GET /path1 and PUT /path2 with X-My-Header: true are allowed', () => {
    const e = setup();
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/path1' } }, 'allowed', ['l7-rule']);
    expectVerdict(
      e,
      { ...base, http: { method: 'PUT', path: '/path2', headers: { 'X-My-Header': 'true' } } },
      'allowed',
    );
  });

  it('other paths, methods, and a missing header are rejected at L7; other ports at L4', () => {
    const e = setup();
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/path1/sub' } }, 'denied');
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/path2' } }, 'denied');
    expectVerdict(e, { ...base, http: { method: 'PUT', path: '/path2' } }, 'denied');
    expectVerdict(
      e,
      { ...base, http: { method: 'PUT', path: '/path2', headers: { 'X-My-Header': 'false' } } },
      'denied',
    );
    expectVerdict(e, { ...base, port: 81 }, 'denied');
  });

  it('HTTP rules for the same port from two policies are unioned', () => {
    const e = cluster(
      ['default'],
      [
        pod('default', 'my-service', { app: 'myService' }, [{ port: 80 }]),
        pod('default', 'client', { app: 'client' }),
        l7Rule,
        cnp('default', 'l7-rule-2', {
          endpointSelector: { matchLabels: { app: 'myService' } },
          ingress: [
            {
              toPorts: [
                {
                  ports: [{ port: '80', protocol: 'TCP' }],
                  rules: { http: [{ method: 'POST', path: '/path3' }] },
                },
              ],
            },
          ],
        }),
      ],
    );
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/path1' } }, 'allowed');
    expectVerdict(e, { ...base, http: { method: 'POST', path: '/path3' } }, 'allowed', ['l7-rule-2']);
    expectVerdict(e, { ...base, http: { method: 'POST', path: '/path1' } }, 'denied');
  });
});

describe('HTTP rule forms in the engine (policy trace uses the proxy matcher)', () => {
  const base = { from: 'default/client', to: 'default/svc', port: 80, protocol: 'TCP' as const };
  const setup = (http: object[]) =>
    cluster(
      ['default'],
      [
        pod('default', 'svc', { app: 'svc' }, [{ port: 80 }]),
        pod('default', 'client', { app: 'client' }),
        cnp('default', 'http-forms', {
          endpointSelector: { matchLabels: { app: 'svc' } },
          ingress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http } }] }],
        }),
      ],
    );

  it('the path is matched whole with its query string, after normalization', () => {
    const e = setup([{ method: 'GET', path: '/path1' }]);
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/path1' } }, 'allowed');
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/path1?a=1' } }, 'denied');
    expectVerdict(e, { ...base, http: { method: 'GET', path: '/x/../path1' } }, 'allowed');
  });

  it('host matches the authority whole, port included', () => {
    const e = setup([{ host: 'foo\\.com' }]);
    expectVerdict(e, { ...base, http: { host: 'foo.com' } }, 'allowed');
    expectVerdict(e, { ...base, http: { host: 'foo.com:8080' } }, 'denied');
    expectVerdict(e, { ...base, http: {} }, 'denied');
  });

  it('headerMatches: a value without mismatch must match; LOG lets anything through', () => {
    const e = setup([
      { path: '/fail', headerMatches: [{ name: 'X-Token', value: 'abc' }] },
      { path: '/log', headerMatches: [{ name: 'X-Token', value: 'abc', mismatch: 'LOG' }] },
    ]);
    expectVerdict(e, { ...base, http: { path: '/fail', headers: { 'X-Token': 'abc' } } }, 'allowed');
    expectVerdict(e, { ...base, http: { path: '/fail', headers: { 'X-Token': 'no' } } }, 'denied');
    expectVerdict(e, { ...base, http: { path: '/log' } }, 'allowed');
  });
});
