// judge(): both ends, OR'ed rules, L4-only allows, `{}`, audit mode, DNS and Kafka — against engine-built snapshots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProxySnapshot } from '../../src/agent/proxy-snapshot.js';
import { PolicyEngine } from '../../src/policy/index.js';
import { cnp, ns, pod } from '../../src/policy/test-fixtures.js';
import type { L7Request } from '../../src/proxy/l7-handler.js';
import { judgeRequest } from '../../src/proxy/l7-judge.js';
import { ProxyPolicy } from '../../src/proxy/proxy-policy.js';
import type { CiliumRule, Resource } from '../../src/resources/index.js';

const PODS = {
  client: { ip: '10.244.0.10', labels: { app: 'client' } },
  client2: { ip: '10.244.0.11', labels: { app: 'client2' } },
  server: { ip: '10.244.0.20', labels: { app: 'server' } },
};
type PodName = keyof typeof PODS;

function engineWith(objects: Resource[]): PolicyEngine {
  const e = new PolicyEngine({ deploymentsAsPods: false });
  e.upsert(ns('default'));
  for (const [name, p] of Object.entries(PODS)) e.upsert(pod('default', name, p.labels, p.ip));
  for (const o of objects) e.upsert(o);
  return e;
}

function policyOf(objects: Resource[], audit?: { objects: Resource[]; names: string[] }): ProxyPolicy {
  const engine = engineWith(objects);
  const endpoints = Object.entries(PODS).map(([name, p], i) => ({
    key: `default/${name}`,
    ip: p.ip,
    id: i + 1,
    identity: engine.endpoint(`default/${name}`)!.identity.id,
  }));
  const auditEngine = audit ? engineWith([...objects, ...audit.objects]) : undefined;
  return new ProxyPolicy(
    buildProxySnapshot({
      revision: 1,
      listeners: [],
      engine,
      endpoints,
      ...(auditEngine
        ? { audit: { engine: auditEngine, isAudit: (p) => audit!.names.includes(p.name) } }
        : {}),
    }),
  );
}

const get = (method: string, path: string): L7Request => ({
  type: 'http',
  method,
  path,
  host: '',
  headers: [],
});
const judge = (
  p: ProxyPolicy,
  from: PodName,
  to: PodName | string,
  port: number,
  req: L7Request,
  protocol = 6,
) =>
  judgeRequest(
    p,
    {
      source: { address: PODS[from].ip, port: 40000 },
      destination: { address: to in PODS ? PODS[to as PodName].ip : to, port },
      protocol,
    },
    req,
  );

const ingressL7 = (name: string, from: string, http: Array<{ method?: string; path?: string }>): Resource =>
  cnp('default', name, {
    endpointSelector: { matchLabels: { app: 'server' } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { app: from } }],
        toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http } }],
      },
    ],
  });
const egress = (name: string, app: string, rule: CiliumRule['egress']): Resource =>
  cnp('default', name, { endpointSelector: { matchLabels: { app } }, egress: rule });

describe('judge: one request against both ends', () => {
  it("the destination's ingress rules: the matching rule is named, a miss names the policy", () => {
    const p = policyOf([
      ingressL7('web', 'client', [
        { method: 'GET', path: '/public.*' },
        { method: 'POST', path: '/v1/x' },
      ]),
    ]);
    const ok = judge(p, 'client', 'server', 80, get('POST', '/v1/x'));
    assert.equal(ok.verdict, 'FORWARDED');
    assert.deepEqual(ok.rules, [
      {
        direction: 'ingress',
        policy: 'CiliumNetworkPolicy default/web',
        rule: 'spec.ingress[0].toPorts[0].rules.http[1]',
      },
    ]);
    assert.deepEqual(ok.directions, ['ingress']);
    const no = judge(p, 'client', 'server', 80, get('PUT', '/public/x'));
    assert.equal(no.verdict, 'DROPPED');
    assert.deepEqual(no.rules, [{ direction: 'ingress', policy: 'CiliumNetworkPolicy default/web' }]);
    assert.equal(
      judge(p, 'client', 'server', 80, get('GET', '/publicity')).verdict,
      'FORWARDED',
      'regexes are full-match: /public.* covers it',
    );
    assert.equal(judge(p, 'client', 'server', 80, get('GET', '/x/public')).verdict, 'DROPPED');
  });

  it('both redirecting ends must allow: the source egress and the destination ingress', () => {
    const p = policyOf([
      ingressL7('web', 'client', [{ method: 'POST' }]),
      egress('out', 'client', [
        {
          toEndpoints: [{ matchLabels: { app: 'server' } }],
          toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ path: '/a' }] } }],
        },
      ]),
    ]);
    assert.equal(judge(p, 'client', 'server', 80, get('POST', '/a')).verdict, 'FORWARDED');
    const r = judge(p, 'client', 'server', 80, get('POST', '/a'));
    assert.deepEqual(r.directions, ['egress', 'ingress']);
    assert.deepEqual(
      r.rules.map((x) => x.direction),
      ['egress', 'ingress'],
    );
    const egressDenies = judge(p, 'client', 'server', 80, get('POST', '/b'));
    assert.equal(egressDenies.verdict, 'DROPPED');
    assert.deepEqual(egressDenies.rules, [
      { direction: 'egress', policy: 'CiliumNetworkPolicy default/out' },
    ]);
    const ingressDenies = judge(p, 'client', 'server', 80, get('GET', '/a'));
    assert.deepEqual(ingressDenies.rules, [
      { direction: 'ingress', policy: 'CiliumNetworkPolicy default/web' },
    ]);
  });

  it('an empty rule {} allows every request; a peer an L4-only rule allows on the port passes every request', () => {
    const p = policyOf([
      ingressL7('web', 'client', [{ method: 'GET' }]),
      cnp('default', 'l4', {
        endpointSelector: { matchLabels: { app: 'server' } },
        ingress: [
          {
            fromEndpoints: [{ matchLabels: { app: 'client2' } }],
            toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
          },
        ],
      }),
      egress('any', 'client2', [
        {
          toEndpoints: [{ matchLabels: { app: 'server' } }],
          toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{}] } }],
        },
      ]),
    ]);
    const r = judge(p, 'client2', 'server', 80, get('DELETE', '/anything'));
    assert.equal(r.verdict, 'FORWARDED');
    assert.deepEqual(r.rules, [
      {
        direction: 'egress',
        policy: 'CiliumNetworkPolicy default/any',
        rule: 'spec.egress[0].toPorts[0].rules.http[0]',
      },
      { direction: 'ingress', policy: 'CiliumNetworkPolicy default/l4' },
    ]);
    assert.equal(
      judge(p, 'client', 'server', 80, get('DELETE', '/anything')).verdict,
      'DROPPED',
      'client has only the GET rule',
    );
  });

  it('a deny rule on the port wins over L7 allows', () => {
    const p = policyOf([
      ingressL7('web', 'client', [{}]),
      cnp('default', 'deny', {
        endpointSelector: { matchLabels: { app: 'server' } },
        ingressDeny: [
          {
            fromEndpoints: [{ matchLabels: { app: 'client' } }],
            toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
          },
        ],
      }),
    ]);
    const r = judge(p, 'client', 'server', 80, get('GET', '/'));
    assert.equal(r.verdict, 'DROPPED');
    assert.deepEqual(r.rules, [{ direction: 'ingress', policy: 'CiliumNetworkPolicy default/deny' }]);
  });

  it('audit mode: a request only an audit-mode policy denies is AUDIT, naming it; what it allows is forwarded', () => {
    const p = policyOf([], {
      objects: [ingressL7('audited', 'client', [{ method: 'GET' }])],
      names: ['audited'],
    });
    const a = judge(p, 'client', 'server', 80, get('PUT', '/x'));
    assert.equal(a.verdict, 'AUDIT');
    assert.deepEqual(a.rules, [{ direction: 'ingress', policy: 'CiliumNetworkPolicy default/audited' }]);
    const f = judge(p, 'client', 'server', 80, get('GET', '/x'));
    assert.equal(f.verdict, 'FORWARDED');
    assert.equal(f.rules[0]?.rule, 'spec.ingress[0].toPorts[0].rules.http[0]');
  });

  it('DNS: names and patterns on the egress DNS port (UDP)', () => {
    const p = policyOf([
      egress('dns', 'client', [
        {
          toCIDR: ['198.51.100.53/32'],
          toPorts: [
            {
              ports: [{ port: '53', protocol: 'UDP' }],
              rules: { dns: [{ matchPattern: '*.example.com' }, { matchName: 'porin.io' }] },
            },
          ],
        },
      ]),
    ]);
    const q = (query: string) => judge(p, 'client', '198.51.100.53', 53, { type: 'dns', query }, 17);
    assert.equal(q('a.example.com').verdict, 'FORWARDED');
    assert.equal(q('PORIN.IO.').verdict, 'FORWARDED');
    assert.equal(q('porin.io').rules[0]?.rule, 'spec.egress[0].toPorts[0].rules.dns[1]');
    assert.equal(q('example.com').verdict, 'DROPPED');
  });

  it('Kafka: every topic must be allowed, rules from several policies together', () => {
    const kafka = (name: string, topic: string): Resource =>
      cnp('default', name, {
        endpointSelector: { matchLabels: { app: 'server' } },
        ingress: [
          {
            fromEndpoints: [{ matchLabels: { app: 'client' } }],
            toPorts: [
              { ports: [{ port: '9092', protocol: 'TCP' }], rules: { kafka: [{ role: 'produce', topic }] } },
            ],
          },
        ],
      });
    const p = policyOf([kafka('k1', 'a'), kafka('k2', 'b')]);
    const produce = (topics: string[]): L7Request => ({
      type: 'kafka',
      apiKey: 0,
      apiVersion: 9,
      clientId: 'c',
      topics,
    });
    const both = judge(p, 'client', 'server', 9092, produce(['a', 'b']));
    assert.equal(both.verdict, 'FORWARDED');
    assert.deepEqual(both.rules.map((r) => r.policy).sort(), [
      'CiliumNetworkPolicy default/k1',
      'CiliumNetworkPolicy default/k2',
    ]);
    const c = judge(p, 'client', 'server', 9092, produce(['a', 'c']));
    assert.equal(c.verdict, 'DROPPED');
    assert.deepEqual(c.deniedTopics, ['c']);
  });

  it('a port no end redirects any more: no direction judged (the core then refuses the request)', () => {
    const p = policyOf([ingressL7('web', 'client', [{}])]);
    assert.deepEqual(judge(p, 'client', 'server', 81, get('GET', '/')).directions, []);
    assert.deepEqual(
      judge(p, 'client2', 'server', 80, get('GET', '/')).directions,
      ['ingress'],
      'judged: client2 is not allowed at all',
    );
    assert.equal(judge(p, 'client2', 'server', 80, get('GET', '/')).verdict, 'DROPPED');
  });
});
