import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyEngine } from './engine.js';
import { ccnp, cnp, knp, ns, pod } from './test-fixtures.js';
import { tracePolicy } from './trace.js';

function cluster(): PolicyEngine {
  const e = new PolicyEngine();
  e.upsert(ns('a', { team: 'red' }));
  e.upsert(ns('b', { team: 'blue' }));
  e.upsert(pod('a', 'web', { app: 'web' }, '10.244.0.10', [{ name: 'http', containerPort: 8080 }]));
  e.upsert(pod('a', 'db', { app: 'db' }, '10.244.0.11', [{ name: 'pg', containerPort: 5432 }]));
  e.upsert(pod('b', 'web', { app: 'web' }, '10.244.0.20'));
  return e;
}

const verdict = (
  e: PolicyEngine,
  from: string,
  to: string,
  port: number,
  protocol: 'TCP' | 'UDP' | 'ICMP' = 'TCP',
) => tracePolicy(e, { from, to, port, protocol }).verdict;

describe('PolicyEngine: Cilium semantics', () => {
  it('a CNP peer selector is pinned to the policy namespace; a CCNP one is not', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'db-in', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'allowed');
    assert.equal(verdict(e, 'b/web', 'a/db', 5432), 'denied');
    e.remove(cnp('a', 'db-in', {}));
    e.upsert(
      ccnp('db-in', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }],
      }),
    );
    assert.equal(verdict(e, 'b/web', 'a/db', 5432), 'allowed');
  });

  it('namespace-label selectors in a CNP reach other namespaces', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'from-blue', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { 'io.cilium.k8s.namespace.labels.team': 'blue' } }] }],
      }),
    );
    assert.equal(verdict(e, 'b/web', 'a/db', 5432), 'allowed');
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'denied');
  });

  it('deny beats allow from any kind, and the trace names both', () => {
    const e = cluster();
    e.upsert(knp('a', 'allow-all', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] }));
    e.upsert(
      cnp('a', 'no-web', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }],
      }),
    );
    const t = tracePolicy(e, { from: 'a/web', to: 'a/db', port: 5432, protocol: 'TCP' });
    assert.equal(t.verdict, 'denied');
    assert.equal(t.ingress.reason, 'policy-deny');
    assert.deepEqual(
      t.ingress.deniedBy.map((o) => `${o.name} ${o.section}[${o.rule}]`),
      ['no-web ingressDeny[0]'],
    );
  });

  it('default deny names the policies that caused it', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'only-80', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
      }),
    );
    const t = tracePolicy(e, { from: 'a/web', to: 'a/db', port: 5432, protocol: 'TCP' });
    assert.equal(t.verdict, 'denied');
    assert.equal(t.ingress.reason, 'default-deny');
    assert.deepEqual(
      t.ingress.defaultDenyBy.map((p) => p.name),
      ['only-80'],
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 80), 'allowed');
  });

  it('enableDefaultDeny: false keeps unmatched traffic allowed, but denies still deny', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'soft', {
        endpointSelector: { matchLabels: { app: 'db' } },
        enableDefaultDeny: { ingress: false },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'x' } }] }],
        ingressDeny: [
          {
            fromEndpoints: [{ matchLabels: { app: 'web' } }],
            toPorts: [{ ports: [{ port: '22', protocol: 'TCP' }] }],
          },
        ],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'allowed');
    assert.equal(verdict(e, 'a/web', 'a/db', 22), 'denied');
  });

  it('an empty rule `ingress: [{}]` default-denies in a CNP but allows all in a KNP', () => {
    const e = cluster();
    e.upsert(cnp('a', 'lock', { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{}] }));
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'denied');
    e.remove(cnp('a', 'lock', {}));
    e.upsert(
      knp('a', 'open', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{}],
        policyTypes: ['Ingress'],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'allowed');
  });

  it('CNP CIDR rules match external addresses only; KNP ipBlock matches pod addresses too', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'cidr', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromCIDR: ['10.244.0.0/16', '203.0.113.0/24'] }],
      }),
    );
    assert.equal(verdict(e, '203.0.113.7', 'a/db', 5432), 'allowed');
    assert.equal(verdict(e, '198.51.100.7', 'a/db', 5432), 'denied');
    assert.equal(
      verdict(e, 'a/web', 'a/db', 5432),
      'denied',
      'a pod has an identity: CNP CIDR does not match it',
    );
    e.remove(cnp('a', 'cidr', {}));
    e.upsert(
      knp('a', 'block', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/24', except: ['10.244.0.20/32'] } }] }],
        policyTypes: ['Ingress'],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'allowed');
    assert.equal(verdict(e, 'b/web', 'a/db', 5432), 'denied', 'excepted address');
  });

  it('entities: world, cluster, host and all', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'world', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEntities: ['world'] }],
      }),
    );
    assert.equal(verdict(e, '198.51.100.1', 'a/db', 1), 'allowed');
    assert.equal(verdict(e, 'a/web', 'a/db', 1), 'denied');
    e.upsert(
      cnp('a', 'world', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEntities: ['cluster'] }],
      }),
    );
    assert.equal(verdict(e, 'b/web', 'a/db', 1), 'allowed');
    assert.equal(verdict(e, '198.51.100.1', 'a/db', 1), 'denied');
    e.upsert(
      cnp('a', 'world', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEntities: ['all'] }],
      }),
    );
    assert.equal(verdict(e, '198.51.100.1', 'a/db', 1), 'allowed');
  });

  it('L4 rules block ICMP unless an L3-only rule allows it', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'l4', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ toPorts: [{ ports: [{ port: '5432' }] }] }],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 8, 'ICMP'), 'denied');
    assert.equal(verdict(e, 'a/web', 'a/db', 5432, 'UDP'), 'allowed', 'an omitted protocol is ANY');
    e.upsert(
      cnp('a', 'l3', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 8, 'ICMP'), 'allowed');
  });

  it('L7: a request is checked against the HTTP rules; an L4-only allow for the peer overrides them', () => {
    const e = cluster();
    const l7 = cnp('a', 'http', {
      endpointSelector: { matchLabels: { app: 'db' } },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: { app: 'web' } }],
          toPorts: [
            {
              ports: [{ port: '5432', protocol: 'TCP' }],
              rules: { http: [{ method: 'GET', path: '/public/.*' }] },
            },
          ],
        },
      ],
    });
    e.upsert(l7);
    const q = { from: 'a/web', to: 'a/db', port: 5432, protocol: 'TCP' as const };
    assert.equal(tracePolicy(e, { ...q, http: { method: 'GET', path: '/public/x' } }).verdict, 'allowed');
    const denied = tracePolicy(e, { ...q, http: { method: 'POST', path: '/public/x' } });
    assert.equal(denied.verdict, 'denied');
    assert.equal(denied.ingress.verdict, 'redirected');
    assert.equal(denied.l7?.[0]?.verdict, 'denied');
    e.upsert(
      cnp('a', 'l4', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [
          {
            fromEndpoints: [{ matchLabels: { app: 'web' } }],
            toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }],
          },
        ],
      }),
    );
    assert.equal(tracePolicy(e, { ...q, http: { method: 'POST', path: '/public/x' } }).verdict, 'allowed');
  });

  it('DNS rules and toFQDNs', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'fqdn', {
        endpointSelector: { matchLabels: { app: 'web' } },
        egress: [
          {
            toEndpoints: [{ matchLabels: { app: 'db' } }],
            toPorts: [
              {
                ports: [{ port: '53', protocol: 'ANY' }],
                rules: { dns: [{ matchPattern: '*.example.com' }] },
              },
            ],
          },
          { toFQDNs: [{ matchName: 'api.example.com' }] },
        ],
      }),
    );
    assert.equal(
      tracePolicy(e, { from: 'a/web', to: 'a/db', port: 53, protocol: 'UDP', dnsQuery: 'api.example.com' })
        .verdict,
      'allowed',
    );
    assert.equal(
      tracePolicy(e, { from: 'a/web', to: 'a/db', port: 53, protocol: 'UDP', dnsQuery: 'evil.org' }).verdict,
      'denied',
    );
    assert.equal(verdict(e, 'a/web', 'api.example.com', 443), 'allowed');
    assert.equal(verdict(e, 'a/web', 'www.example.com', 443), 'denied');
  });

  it('named ports resolve on the local pod for ingress and on the destination for egress', () => {
    const e = cluster();
    e.upsert(
      knp('a', 'named', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ ports: [{ port: 'pg', protocol: 'TCP' }] }],
        policyTypes: ['Ingress'],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'allowed');
    assert.equal(verdict(e, 'a/web', 'a/db', 8080), 'denied');
    e.upsert(
      knp('a', 'egress-named', {
        podSelector: { matchLabels: { app: 'web' } },
        egress: [{ ports: [{ port: 'pg', protocol: 'TCP' }] }],
        policyTypes: ['Egress'],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 5432), 'allowed');
    assert.equal(verdict(e, 'a/web', 'b/web', 5432), 'denied', 'b/web declares no port named pg');
  });
});

describe('PolicyEngine: incremental changes', () => {
  it('a policy change reports exactly the endpoints it selects', () => {
    const e = cluster();
    const c = e.upsert(
      cnp('a', 'db-in', { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{}] }),
    );
    assert.deepEqual(c.endpoints, ['a/db']);
    assert.deepEqual(e.remove(cnp('a', 'db-in', {})).endpoints, ['a/db']);
  });

  it('a new pod matching a peer selector updates the endpoints whose rules select it, not others', () => {
    const e = cluster();
    e.upsert(
      cnp('a', 'db-in', {
        endpointSelector: { matchLabels: { app: 'db' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'cache' } }] }],
      }),
    );
    e.policyOf('a/db');
    const c = e.upsert(pod('a', 'cache', { app: 'cache' }, '10.244.0.30'));
    assert.deepEqual(c.endpoints, ['a/cache', 'a/db']);
    assert.equal(verdict(e, 'a/cache', 'a/db', 1), 'allowed');
  });

  it('pod and namespace label changes move pods between selections', () => {
    const e = cluster();
    e.upsert(
      knp('a', 'from-green', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'green' } } }] }],
        policyTypes: ['Ingress'],
      }),
    );
    assert.equal(verdict(e, 'b/web', 'a/db', 1), 'denied');
    e.upsert(ns('b', { team: 'green' }));
    assert.equal(verdict(e, 'b/web', 'a/db', 1), 'allowed');
    e.upsert(
      knp('a', 'from-green', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
        policyTypes: ['Ingress'],
      }),
    );
    assert.equal(verdict(e, 'a/web', 'a/db', 1), 'denied');
    e.upsert(pod('a', 'web', { app: 'web', role: 'client' }, '10.244.0.10'));
    assert.equal(verdict(e, 'a/web', 'a/db', 1), 'allowed');
  });

  it('identities are released when the last pod with a label set goes', () => {
    const e = cluster();
    const id = e.endpoint('a/db')!.identity.id;
    e.remove(pod('a', 'db', {}));
    assert.equal(e.identities.get(id), undefined);
    assert.equal(e.ipcache.lookup(4, 0x0af4000bn)?.identity, undefined);
  });
});

describe('PolicyEngine: an endpoint that changes address but not identity', () => {
  it('stays selected by policies added afterwards', () => {
    const e = cluster();
    e.upsert(pod('a', 'late', { app: 'late' }));
    e.upsert(pod('a', 'late', { app: 'late' }, '10.244.0.40'));
    const c = e.upsert(
      cnp('a', 'lock-late', { endpointSelector: { matchLabels: { app: 'late' } }, ingress: [{}] }),
    );
    assert.deepEqual(c.endpoints, ['a/late']);
    assert.equal(e.policyOf('a/late').ingress.defaultDeny, true);
  });
});
