// Enrichment: verdicts, endpoints, direction and reply, L4, and the policies behind each verdict.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DatapathEvent } from '../datapath/maps/events.js';
import { FakeFlowContext } from './fake-flow-context.js';
import { FlowBuilder } from './flow-builder.js';

const T = 1_732_720_000_123_456_789n;
const ALLOW_WEB = {
  kind: 'CiliumNetworkPolicy' as const,
  namespace: 'default',
  name: 'allow-web',
  section: 'ingress' as const,
  rule: 0,
};
const DENY_DB = {
  kind: 'CiliumNetworkPolicy' as const,
  namespace: 'default',
  name: 'deny-db',
  section: 'ingressDeny' as const,
  rule: 1,
};

function context(): FakeFlowContext {
  return new FakeFlowContext()
    .addPod('10.0.0.1', {
      identity: 256,
      namespace: 'default',
      podName: 'tiefighter',
      labels: ['k8s:app=tiefighter', 'k8s:class=tiefighter'],
      workloads: [{ name: 'tiefighter', kind: 'Deployment' }],
    })
    .addPod('10.0.0.2', {
      id: 12,
      identity: 258,
      namespace: 'default',
      podName: 'deathstar-1',
      labels: ['k8s:app=deathstar'],
    })
    .setCookie(5, [ALLOW_WEB, { ...ALLOW_WEB, rule: 2 }])
    .setCookie(6, [DENY_DB])
    .setDefaultDeny(12, 'ingress', [{ kind: 'NetworkPolicy', namespace: 'default', name: 'default-deny' }]);
}

const base = {
  endpointId: 12,
  ifindex: 7,
  timestampNs: 0n,
  srcIdentity: 256,
  dstIdentity: 258,
  saddr: '10.0.0.1',
  daddr: '10.0.0.2',
  sport: 54321,
  dport: 80,
  protocol: 6,
  direction: 'ingress' as const,
  ctStatus: 'new' as const,
  packetLength: 60,
  l4Info: 2,
};

const verdict = (v: 'allowed' | 'denied' | 'redirected', extra: Partial<DatapathEvent> = {}): DatapathEvent =>
  ({
    ...base,
    type: 'policy-verdict',
    verdict: v,
    dropReason: v === 'denied' ? 133 : 0,
    proxyPort: v === 'redirected' ? 15001 : 0,
    matchType: 'l3-l4',
    cookie: 0,
    ...extra,
  }) as DatapathEvent;

describe('FlowBuilder', () => {
  const builder = new FlowBuilder(context(), { nodeName: 'node-1', uuid: () => 'u-1' });

  test('an allowed policy verdict names the allowing policy once, with Cilium-style labels', () => {
    const f = builder.build(verdict('allowed', { cookie: 5 }), T);
    assert.equal(f.time, '2024-11-27T15:06:40.123456789Z');
    assert.equal(f.verdict, 'FORWARDED');
    assert.deepEqual(f.event_type, { type: 5 });
    assert.equal(f.policy_match_type, 2);
    assert.equal(f.traffic_direction, 'INGRESS');
    assert.equal(f.is_reply, false);
    assert.deepEqual(f.ingress_allowed_by, [
      {
        name: 'allow-web',
        namespace: 'default',
        labels: [
          'k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy',
          'k8s:io.cilium.k8s.policy.name=allow-web',
          'k8s:io.cilium.k8s.policy.namespace=default',
        ],
        kind: 'CiliumNetworkPolicy',
      },
    ]);
    assert.deepEqual(f.source, {
      identity: 256,
      namespace: 'default',
      labels: ['k8s:app=tiefighter', 'k8s:class=tiefighter'],
      pod_name: 'tiefighter',
      workloads: [{ name: 'tiefighter', kind: 'Deployment' }],
    });
    assert.deepEqual(f.destination, {
      ID: 12,
      identity: 258,
      namespace: 'default',
      labels: ['k8s:app=deathstar'],
      pod_name: 'deathstar-1',
    });
    assert.deepEqual(f.l4, { TCP: { source_port: 54321, destination_port: 80, flags: { SYN: true } } });
    assert.equal(f.Summary, 'TCP Flags: SYN');
    assert.deepEqual(f.IP, { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' });
    assert.equal(f.node_name, 'node-1');
    assert.equal(f.Type, 'L3_L4');
  });

  test('a default-deny drop names the policies that put the endpoint into default deny (Porin field)', () => {
    const f = builder.build(verdict('denied'), T);
    assert.equal(f.verdict, 'DROPPED');
    assert.equal(f.drop_reason, 133);
    assert.equal(f.drop_reason_desc, 'POLICY_DENIED');
    assert.equal(f.is_reply, undefined, 'a denied verdict does not know whether it was a reply');
    assert.deepEqual(
      f.ingress_default_denied_by?.map((p) => `${p.kind} ${p.namespace}/${p.name}`),
      ['NetworkPolicy default/default-deny'],
    );
    assert.equal(f.ingress_denied_by, undefined);
  });

  test('an explicit deny (POLICY_DENY) names the deny rule policy in *_denied_by', () => {
    const f = builder.build(verdict('denied', { dropReason: 181, cookie: 6 } as Partial<DatapathEvent>), T);
    assert.equal(f.drop_reason_desc, 'POLICY_DENY');
    assert.deepEqual(
      f.ingress_denied_by?.map((p) => p.name),
      ['deny-db'],
    );
    assert.equal(f.ingress_default_denied_by, undefined);
  });

  test('drop events: event_type sub_type is the reason; attribution as for verdicts', () => {
    const f = builder.build({ ...base, type: 'drop', reason: 181, reasonName: 'POLICY_DENY', cookie: 6 }, T);
    assert.deepEqual(f.event_type, { type: 1, sub_type: 181 });
    assert.deepEqual(
      f.ingress_denied_by?.map((p) => p.name),
      ['deny-db'],
    );
    const other = builder.build(
      { ...base, type: 'drop', reason: 158, reasonName: 'NO_SERVICE', cookie: 0 },
      T,
    );
    assert.equal(other.drop_reason_desc, 'SERVICE_BACKEND_NOT_FOUND');
    assert.equal(other.ingress_default_denied_by, undefined);
  });

  test('audited verdicts are AUDIT and name the would-be denying policy', () => {
    const denyRule = builder.build(verdict('allowed', { cookie: 6 }), T, true);
    assert.equal(denyRule.verdict, 'AUDIT');
    assert.deepEqual(
      denyRule.ingress_denied_by?.map((p) => p.name),
      ['deny-db'],
    );
    const byDefault = builder.build(Object.assign(verdict('allowed'), { audited: true }), T);
    assert.equal(byDefault.verdict, 'AUDIT');
    assert.deepEqual(
      byDefault.ingress_default_denied_by?.map((p) => p.name),
      ['default-deny'],
    );
  });

  test('redirected verdicts carry the proxy port', () => {
    const f = builder.build(verdict('redirected', { cookie: 5 }), T);
    assert.equal(f.verdict, 'REDIRECTED');
    assert.equal(f.proxy_port, 15001);
  });

  test('trace replies flip the traffic direction; egress puts the local endpoint at the source', () => {
    const f = builder.build(
      {
        ...base,
        type: 'trace',
        observationPoint: 'from-endpoint',
        direction: 'egress',
        ctStatus: 'reply',
        saddr: '10.0.0.2',
        daddr: '10.0.0.1',
        srcIdentity: 258,
        dstIdentity: 256,
        l4Info: 0x12,
      },
      T,
    );
    assert.equal(f.is_reply, true);
    assert.equal(f.traffic_direction, 'INGRESS');
    assert.equal(f.trace_observation_point, 'FROM_ENDPOINT');
    assert.deepEqual(f.event_type, { type: 4, sub_type: 5 });
    assert.equal(f.source?.pod_name, 'deathstar-1');
    assert.equal(f.Summary, 'TCP Flags: SYN, ACK');
    assert.deepEqual(f.interface, { index: 7 });
  });

  test('unknown remotes get their identity labels; ICMP type and code come from the event', () => {
    const f = builder.build(
      {
        ...base,
        type: 'trace',
        observationPoint: 'to-endpoint',
        saddr: '8.8.8.8',
        srcIdentity: 2,
        protocol: 1,
        sport: 9,
        dport: 8,
        l4Info: 0,
      },
      T,
    );
    assert.deepEqual(f.source, { identity: 2, labels: ['reserved:world'] });
    assert.deepEqual(f.l4, { ICMPv4: { type: 8 } });
    assert.equal(f.Summary, 'ICMPv4 EchoRequest');
  });

  test('objects derived from unchanged context answers are shared between flows', () => {
    const a = builder.build(verdict('allowed', { cookie: 5 }), T);
    const b = builder.build(verdict('allowed', { cookie: 5 }), T + 1n);
    assert.equal(a.source, b.source);
    assert.equal(a.ingress_allowed_by, b.ingress_allowed_by);
  });
});
