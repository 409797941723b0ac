// Hubble's FlowFilter semantics, value by value, and the errors a bad filter gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flow, FlowFilter } from './flow.js';
import { isFlowError } from './flow-error.js';
import { compileFilterSet, compileFlowFilter, urlPath, validateFilterSet } from './flow-filter.js';
import { parseLabelSelector } from './label-selector.js';

const xwing: Flow = {
  verdict: 'DROPPED',
  drop_reason_desc: 'POLICY_DENIED',
  IP: { source: '10.0.0.5', destination: '10.0.1.9', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 41000, destination_port: 80, flags: { SYN: true } } },
  source: {
    identity: 300,
    namespace: 'default',
    pod_name: 'xwing',
    labels: ['k8s:app=xwing', 'k8s:org=alliance', 'k8s:io.kubernetes.pod.namespace=default'],
    workloads: [{ name: 'xwing', kind: 'Deployment' }],
  },
  destination: {
    identity: 258,
    namespace: 'default',
    pod_name: 'deathstar-7b9',
    labels: ['k8s:app=deathstar'],
  },
  event_type: { type: 1, sub_type: 133 },
  traffic_direction: 'INGRESS',
  node_name: 'kind-worker',
};

const http: Flow = {
  verdict: 'FORWARDED',
  IP: { source: 'fd00::1', destination: 'fd00::2', ipVersion: 'IPv6' },
  l4: { TCP: { source_port: 5000, destination_port: 8080 } },
  l7: {
    type: 'RESPONSE',
    http: {
      code: 404,
      method: 'get',
      url: 'http://api/v1/users%20x?q=1',
      headers: [{ key: 'x-id', value: '7' }],
    },
  },
  event_type: { type: 129 },
  is_reply: true,
  source: { namespace: 'kube-system', pod_name: 'coredns-1', labels: ['reserved:host'] },
};

const matches = (f: FlowFilter, flow: Flow) => compileFlowFilter(f)(flow);

describe('flow filter', () => {
  test('pods: [ns/]prefix, default namespace, whole namespaces', () => {
    assert.ok(matches({ source_pod: ['xwing'] }, xwing), 'no namespace means default');
    assert.ok(matches({ source_pod: ['default/x'] }, xwing));
    assert.ok(matches({ source_pod: ['default/'] }, xwing));
    assert.ok(!matches({ source_pod: ['kube-system/'] }, xwing));
    assert.ok(!matches({ source_pod: ['wing'] }, xwing), 'a prefix, not a substring');
    assert.ok(matches({ destination_pod: ['nope', 'default/deathstar-'] }, xwing), 'values are OR-ed');
    assert.ok(
      !matches({ source_pod: ['xwing'], destination_pod: ['default/tie'] }, xwing),
      'fields are AND-ed',
    );
  });

  test('IPs: exact and CIDR, per family', () => {
    assert.ok(matches({ source_ip: ['10.0.0.5'] }, xwing));
    assert.ok(matches({ source_ip: ['10.0.0.0/24'] }, xwing));
    assert.ok(!matches({ destination_ip: ['10.0.0.0/24'] }, xwing));
    assert.ok(matches({ source_ip: ['fd00::/64'] }, http));
    assert.ok(!matches({ source_ip: ['::/0'] }, xwing), 'an IPv6 prefix never matches IPv4');
  });

  test('labels: selectors with and without Cilium sources', () => {
    assert.ok(matches({ source_label: ['app=xwing'] }, xwing));
    assert.ok(matches({ source_label: ['k8s:app=xwing'] }, xwing));
    assert.ok(!matches({ source_label: ['container:app=xwing'] }, xwing));
    assert.ok(matches({ source_label: ['app in (xwing, tiefighter), org'] }, xwing));
    assert.ok(matches({ source_label: ['!env'] }, xwing));
    assert.ok(!matches({ source_label: ['org!=alliance'] }, xwing));
    assert.ok(matches({ source_label: ['reserved:host'] }, http));
    assert.deepEqual(
      parseLabelSelector('a=b, c notin (d,e), !f')
        .requirements.map((r) => `${r.key} ${r.operator} ${r.values.join('|')}`)
        .sort(),
      ['a In b', 'c NotIn d|e', 'f DoesNotExist '],
    );
  });

  test('ports, protocol, verdict, drop reason, event type, direction, identity, workloads, node', () => {
    assert.ok(matches({ destination_port: ['80'] }, xwing));
    assert.ok(!matches({ source_port: ['80'] }, xwing));
    assert.ok(matches({ protocol: ['TCP'] }, xwing));
    assert.ok(matches({ protocol: ['http'] }, http));
    assert.ok(!matches({ protocol: ['udp', 'icmp'] }, xwing));
    assert.ok(matches({ verdict: ['DROPPED'], drop_reason_desc: ['POLICY_DENIED'] }, xwing));
    assert.ok(matches({ event_type: [{ type: 1 }] }, xwing));
    assert.ok(matches({ event_type: [{ type: 1, match_sub_type: true, sub_type: 133 }] }, xwing));
    assert.ok(!matches({ event_type: [{ type: 1, match_sub_type: true, sub_type: 181 }] }, xwing));
    assert.ok(matches({ traffic_direction: ['INGRESS'] }, xwing));
    assert.ok(matches({ source_identity: [300], destination_identity: [258] }, xwing));
    assert.ok(matches({ source_workload: [{ kind: 'Deployment' }] }, xwing));
    assert.ok(!matches({ source_workload: [{ name: 'xwing', kind: 'ReplicaSet' }] }, xwing));
    assert.ok(matches({ node_name: ['kind-*'] }, xwing));
    assert.ok(matches({ tcp_flags: [{ SYN: true }] }, xwing));
    assert.ok(!matches({ tcp_flags: [{ SYN: true, ACK: true }] }, xwing));
    assert.ok(matches({ ip_version: ['IPv6'] }, http));
    assert.ok(matches({ reply: [true] }, http));
    assert.ok(!matches({ reply: [false] }, xwing), 'unknown reply matches neither');
  });

  test('HTTP: status prefixes, methods (case-insensitive), path and URL regexes, headers', () => {
    assert.ok(matches({ http_status_code: ['4+'] }, http));
    assert.ok(matches({ http_status_code: ['40+'] }, http));
    assert.ok(matches({ http_status_code: ['404'] }, http));
    assert.ok(!matches({ http_status_code: ['5+'] }, http));
    assert.ok(matches({ http_method: ['GET'] }, http));
    assert.ok(matches({ http_path: ['^/v1/users x$'] }, http), 'the path is percent-decoded, query left out');
    assert.ok(matches({ http_url: ['q=1'] }, http));
    assert.ok(matches({ http_header: [{ key: 'x-id', value: '7' }] }, http));
    assert.equal(urlPath('relative/path'), undefined);
  });

  test('whitelist is an OR of filters, blacklist excludes', () => {
    const p = compileFilterSet({ whitelist: [{ source_pod: ['kube-system/'] }, { verdict: ['DROPPED'] }] });
    assert.ok(p(xwing) && p(http));
    const q = compileFilterSet({ whitelist: [{}], blacklist: [{ verdict: ['FORWARDED'] }] });
    assert.ok(q(xwing) && !q(http));
    assert.ok(compileFilterSet({})(xwing));
  });

  test('bad values are FlowErrors naming the field path', () => {
    const code = (f: () => unknown, path: RegExp) =>
      assert.throws(f, (e) => isFlowError(e, 'PORIN_FLOW_FILTER_INVALID') && path.test(e.message));
    code(() => compileFlowFilter({ source_ip: ['10.0.0.300'] }), /filter\.source_ip\[0\]/);
    code(() => compileFlowFilter({ source_port: ['http'] }), /source_port\[0\]/);
    code(() => compileFlowFilter({ protocol: ['quic'] }), /unknown protocol/);
    code(() => compileFlowFilter({ source_pod: [''] }), /must be \[namespace\/\]/);
    code(() => compileFlowFilter({ source_label: ['app in ('] }), /invalid label selector/);
    code(() => compileFlowFilter({ http_status_code: ['600'] }), /invalid status code/);
    code(
      () => compileFlowFilter({ http_method: ['GET'], event_type: [{ type: 4 }] }),
      /requires the event type/,
    );
    code(() => compileFlowFilter({ dns_query: ['(['] }), /invalid regular expression/);
    code(
      () => validateFilterSet({ whitelist: [{ source_pods: ['x'] }] }),
      /whitelist\[0\]\.source_pods: unknown/,
    );
    code(
      () => validateFilterSet({ blacklist: [{ verdict: ['DENIED'] }] }),
      /blacklist\[0\]\.verdict\[0\]: must be one of/,
    );
  });
});
