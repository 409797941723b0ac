// L7 observations → Hubble L7 flows: fields, direction, attribution, and what filters, metrics and the policy log make of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpLabels } from '../metrics/flow-metric-labels.js';
import { policyLogEntryOf } from '../policylog/policy-log-entry.js';
import { FakeFlowContext } from './fake-flow-context.js';
import { compileFilterSet } from './flow-filter.js';
import { buildL7Flow, type L7Observation, parsePolicyName } from './l7-flow.js';

const ctx = new FakeFlowContext()
  .addPod('10.244.0.4', {
    id: 4,
    identity: 257,
    namespace: 'default',
    podName: 'tiefighter',
    labels: ['k8s:class=tiefighter'],
  })
  .addPod('10.244.0.9', {
    id: 9,
    identity: 300,
    namespace: 'default',
    podName: 'deathstar-1',
    labels: ['k8s:class=deathstar'],
  });

const obs = (o: Partial<L7Observation> = {}): L7Observation => ({
  time: Date.UTC(2026, 11, 3, 12, 0, 0, 5),
  proxyPort: 10000,
  parser: 'http',
  protocol: 6,
  source: { address: '10.244.0.4', port: 41000 },
  destination: { address: '10.244.0.9', port: 80 },
  srcIdentity: 257,
  dstIdentity: 300,
  directions: ['ingress'],
  l7: { type: 'REQUEST', http: { method: 'PUT', url: '/v1/exhaust-port', protocol: 'HTTP/1.1' } },
  verdict: 'DROPPED',
  rules: [{ direction: 'ingress', policy: 'CiliumNetworkPolicy default/rule1' }],
  reply: false,
  ...o,
});

describe('L7 flows', () => {
  it('a denied request: Type L7, l7 record, DROPPED, ingress_denied_by, l7_rules, endpoints enriched', () => {
    const f = buildL7Flow(obs(), ctx, 'node-1', () => 'u1');
    assert.equal(f.Type, 'L7');
    assert.equal(f.verdict, 'DROPPED');
    assert.deepEqual(f.event_type, { type: 129 });
    assert.equal(f.traffic_direction, 'INGRESS');
    assert.equal(f.is_reply, false);
    assert.equal(f.source?.pod_name, 'tiefighter');
    assert.equal(f.destination?.pod_name, 'deathstar-1');
    assert.deepEqual(f.l4, { TCP: { source_port: 41000, destination_port: 80 } });
    assert.equal(f.proxy_port, 10000);
    assert.equal(f.time, '2026-12-03T12:00:00.005000000Z');
    assert.deepEqual(
      f.ingress_denied_by?.map((p) => [p.kind, p.namespace, p.name]),
      [['CiliumNetworkPolicy', 'default', 'rule1']],
    );
    assert.equal(f.ingress_allowed_by, undefined);
    assert.deepEqual(f.l7_rules, [{ direction: 'ingress', policy: 'CiliumNetworkPolicy default/rule1' }]);
    assert.equal(f.Summary, 'HTTP/1.1 PUT /v1/exhaust-port');
  });

  it('a response goes server → client, keeps the direction, and counts in hubble_http_* with its latency', () => {
    const f = buildL7Flow(
      obs({
        reply: true,
        verdict: 'FORWARDED',
        directions: ['egress'],
        l7: {
          type: 'RESPONSE',
          latency_ns: '2500000',
          http: { code: 200, method: 'POST', url: '/v1/request-landing', protocol: 'HTTP/1.1' },
        },
        rules: [
          {
            direction: 'egress',
            policy: 'CiliumNetworkPolicy default/out',
            rule: 'spec.egress[0].toPorts[0].rules.http[0]',
          },
        ],
      }),
      ctx,
      'node-1',
    );
    assert.equal(f.IP?.source, '10.244.0.9');
    assert.equal(f.source?.pod_name, 'deathstar-1');
    assert.equal(f.is_reply, true);
    assert.equal(f.traffic_direction, 'EGRESS');
    assert.equal(f.egress_allowed_by?.[0]?.name, 'out');
    assert.equal(f.Summary, 'HTTP/1.1 200 3ms (POST /v1/request-landing)');
    const m = httpLabels(f);
    assert.deepEqual(m?.requests, {
      method: 'POST',
      protocol: 'HTTP/1.1',
      status: '200',
      reporter: 'client',
    });
    assert.equal(m?.seconds, 0.0025);
    assert.equal(
      httpLabels(buildL7Flow(obs(), ctx, 'n')),
      undefined,
      'requests are not counted, responses are',
    );
  });

  it("porin observe's --type l7 --protocol http --http-method --http-path --http-status find them", () => {
    const req = buildL7Flow(obs(), ctx, 'n');
    const res = buildL7Flow(
      obs({
        reply: true,
        l7: { type: 'RESPONSE', http: { code: 403, method: 'PUT', url: '/v1/exhaust-port' } },
      }),
      ctx,
      'n',
    );
    const match = (filter: object) =>
      [req, res].filter(compileFilterSet({ whitelist: [filter as never] })).map((f) => f.l7?.type);
    assert.deepEqual(match({ event_type: [{ type: 129 }] }), ['REQUEST', 'RESPONSE']);
    assert.deepEqual(match({ protocol: ['http'] }), ['REQUEST', 'RESPONSE']);
    assert.deepEqual(match({ http_method: ['put'] }), ['REQUEST', 'RESPONSE']);
    assert.deepEqual(match({ http_path: ['^/v1/exhaust'] }), ['REQUEST', 'RESPONSE']);
    assert.deepEqual(match({ http_status_code: ['403'] }), ['RESPONSE']);
    assert.deepEqual(match({ http_path: ['^/v2'] }), []);
  });

  it('the policy log gets denied requests with what was asked and the rules', () => {
    const e = policyLogEntryOf(buildL7Flow(obs(), ctx, 'n'), 'n');
    assert.equal(e?.disposition, 'deny');
    assert.deepEqual(e?.policies, [{ name: 'rule1', namespace: 'default', kind: 'CiliumNetworkPolicy' }]);
    assert.deepEqual(e?.l7, {
      protocol: 'http',
      method: 'PUT',
      url: '/v1/exhaust-port',
      rules: ['CiliumNetworkPolicy default/rule1'],
    });
  });

  it('policy names parse back from their text form', () => {
    assert.deepEqual(parsePolicyName('CiliumClusterwideNetworkPolicy all specs[2]'), {
      kind: 'CiliumClusterwideNetworkPolicy',
      name: 'all',
      spec: 2,
    });
    assert.equal(parsePolicyName('unknown policy'), undefined);
  });
});
