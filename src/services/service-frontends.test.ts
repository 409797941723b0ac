// serviceFrontends: kube-proxy's service semantics as frontends and backends.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointSlice, EndpointSliceEndpoint, Service } from '../resources/index.js';
import { lbConfig } from './lb-config.js';
import { serviceFrontends } from './service-frontends.js';

const cfg = lbConfig({ nodeName: 'n1', nodeAddresses: ['192.168.7.2'] });

function svc(spec: Partial<Service['spec']>, extra: Partial<Service> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.50',
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      ...spec,
    },
    ...extra,
  };
}

function ep(
  ip: string,
  cond: EndpointSliceEndpoint['conditions'] = {},
  nodeName = 'n1',
): EndpointSliceEndpoint {
  return { addresses: [ip], conditions: cond, nodeName, targetRef: { kind: 'Pod', name: `p-${ip}` } };
}

function slice(
  name: string,
  port: number,
  endpoints: EndpointSliceEndpoint[],
  portName = 'http',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: portName, port, protocol: 'TCP' }],
  };
}

const addrs = (bs: readonly { address: string; port: number }[]) => bs.map((b) => `${b.address}:${b.port}`);

describe('serviceFrontends', () => {
  test('ClusterIP: ready endpoints, named targetPort resolved per slice, sorted, deduplicated', () => {
    const slices = [
      slice('a', 8080, [ep('10.244.0.9'), ep('10.244.0.3')]),
      slice('b', 9090, [ep('10.244.0.4')]),
      slice('dup', 8080, [ep('10.244.0.3')]),
    ];
    const [f, ...rest] = serviceFrontends(svc({}), slices, cfg);
    assert.equal(rest.length, 0);
    assert.equal(f!.type, 'ClusterIP');
    assert.equal(`${f!.address}:${f!.port}/${f!.protocol}`, '10.96.0.50:80/TCP');
    assert.deepEqual(addrs(f!.backends), ['10.244.0.3:8080', '10.244.0.4:9090', '10.244.0.9:8080']);
    assert.equal(f!.backends[0]!.pod, 'default/p-10.244.0.3');
  });

  test('slices of other services, other namespaces and other port names do not count', () => {
    const other = slice('x', 1, [ep('10.244.0.7')]);
    other.metadata.labels = { 'kubernetes.io/service-name': 'db' };
    const ns = slice('y', 1, [ep('10.244.0.8')]);
    ns.metadata.namespace = 'prod';
    const name = slice('z', 1, [ep('10.244.0.9')], 'metrics');
    assert.deepEqual(serviceFrontends(svc({}), [other, ns, name], cfg)[0]!.backends, []);
  });

  test('not-ready endpoints are left out; terminating ones drain unless nothing is ready', () => {
    const slices = [
      slice('a', 80, [
        ep('10.244.0.1'),
        ep('10.244.0.2', { ready: false }),
        ep('10.244.0.3', { ready: false, serving: true, terminating: true }),
        ep('10.244.0.4', { ready: false, serving: false, terminating: true }),
      ]),
    ];
    const f = serviceFrontends(svc({}), slices, cfg)[0]!;
    assert.deepEqual(addrs(f.backends), ['10.244.0.1:80']);
    assert.deepEqual(addrs(f.draining), ['10.244.0.3:80', '10.244.0.4:80']);
    assert.ok(f.draining.every((b) => b.state === 'terminating'));
    // Nothing ready: serving terminating endpoints take traffic (kube-proxy's fallback).
    const g = serviceFrontends(svc({}), [slice('a', 80, [...slices[0]!.endpoints.slice(1)])], cfg)[0]!;
    assert.deepEqual(addrs(g.backends), ['10.244.0.3:80']);
    assert.deepEqual(addrs(g.draining), ['10.244.0.4:80']);
  });

  test('no endpoints: a frontend with no backends (rejected), not a missing one', () => {
    const f = serviceFrontends(svc({}), [], cfg)[0]!;
    assert.deepEqual(f.backends, []);
    assert.equal(f.localOnlyEmpty, false);
  });

  test('internalTrafficPolicy Local: only node-local backends; none here while others exist → drop', () => {
    const slices = [slice('a', 80, [ep('10.244.0.1', {}, 'n1'), ep('10.244.1.1', {}, 'n2')])];
    const f = serviceFrontends(svc({ internalTrafficPolicy: 'Local' }), slices, cfg)[0]!;
    assert.deepEqual(addrs(f.backends), ['10.244.0.1:80']);
    const g = serviceFrontends(
      svc({ internalTrafficPolicy: 'Local' }),
      [slice('a', 80, [ep('10.244.1.1', {}, 'n2')])],
      cfg,
    )[0]!;
    assert.deepEqual(g.backends, []);
    assert.equal(g.localOnlyEmpty, true);
  });

  test('NodePort: one frontend per node address, externalTrafficPolicy Local makes two scopes', () => {
    const s = svc({
      type: 'NodePort',
      ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      externalTrafficPolicy: 'Local',
    });
    const slices = [slice('a', 80, [ep('10.244.0.1', {}, 'n1'), ep('10.244.1.1', {}, 'n2')])];
    const fs = serviceFrontends(s, slices, cfg);
    assert.deepEqual(
      fs.map((f) => `${f.type} ${f.address}:${f.port}`),
      ['ClusterIP 10.96.0.50:80', 'NodePort 192.168.7.2:30080'],
    );
    const np = fs[1]!;
    assert.deepEqual(addrs(np.backends), ['10.244.0.1:80']);
    assert.deepEqual(addrs(np.internalBackends!), ['10.244.0.1:80', '10.244.1.1:80']);
    assert.equal(fs[0]!.internalBackends, undefined);
    assert.deepEqual(addrs(fs[0]!.backends), ['10.244.0.1:80', '10.244.1.1:80']);
  });

  test('external IPs and load-balancer IPs (from status) get frontends on the service port', () => {
    const s = svc(
      {
        type: 'LoadBalancer',
        externalIPs: ['203.0.113.9'],
        ports: [{ name: 'http', port: 80, nodePort: 31000 }],
      },
      { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    );
    assert.deepEqual(
      serviceFrontends(s, [], cfg).map((f) => `${f.type} ${f.address}:${f.port}`),
      [
        'ClusterIP 10.96.0.50:80',
        'NodePort 192.168.7.2:31000',
        'ExternalIP 203.0.113.9:80',
        'LoadBalancer 192.0.2.10:80',
      ],
    );
  });

  test('headless and ExternalName services have no frontends', () => {
    assert.deepEqual(
      serviceFrontends(svc({ clusterIP: 'None' }), [slice('a', 80, [ep('10.244.0.1')])], cfg),
      [],
    );
    assert.deepEqual(serviceFrontends(svc({ type: 'ExternalName', externalName: 'x.example' }), [], cfg), []);
  });

  test('affinity timeout (default 10800 s) and the algorithm annotation', () => {
    const a = serviceFrontends(svc({ sessionAffinity: 'ClientIP' }), [], cfg)[0]!;
    assert.equal(a.affinityTimeout, 10800);
    const b = serviceFrontends(
      svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } }),
      [],
      cfg,
    )[0]!;
    assert.equal(b.affinityTimeout, 5);
    assert.equal(serviceFrontends(svc({}), [], cfg)[0]!.affinityTimeout, 0);
    assert.equal(serviceFrontends(svc({}), [], cfg)[0]!.algorithm, 'random');
    const m = svc(
      {},
      {
        metadata: {
          name: 'web',
          namespace: 'default',
          annotations: { 'service.cilium.io/lb-algorithm': 'maglev' },
        },
      },
    );
    assert.equal(serviceFrontends(m, [], cfg)[0]!.algorithm, 'maglev');
    assert.equal(
      serviceFrontends(svc({}), [], lbConfig({ nodeName: 'n1', algorithm: 'maglev' }))[0]!.algorithm,
      'maglev',
    );
  });

  test('UDP ports match UDP slice ports only', () => {
    const s = svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    const sl = slice('a', 53, [ep('10.244.0.1')], 'dns');
    assert.deepEqual(serviceFrontends(s, [sl], cfg)[0]!.backends, []);
    sl.ports = [{ name: 'dns', port: 5353, protocol: 'UDP' }];
    const f = serviceFrontends(s, [sl], cfg)[0]!;
    assert.equal(f.protocol, 'UDP');
    assert.deepEqual(addrs(f.backends), ['10.244.0.1:5353']);
  });
});

describe('backend ranges (host safety)', () => {
  test('endpoints outside the allowed ranges are refused and reported', async () => {
    const { refusedBackends } = await import('./service-frontends.js');
    const c = lbConfig({ nodeName: 'n1', backendRanges: ['10.244.0.0/16', '203.0.113.0/24'] });
    const sl = slice('a', 80, [ep('10.244.0.1'), ep('8.8.8.8'), ep('203.0.113.5')]);
    const f = serviceFrontends(svc({}), [sl], c)[0]!;
    assert.deepEqual(addrs(f.backends), ['10.244.0.1:80', '203.0.113.5:80']);
    assert.deepEqual(refusedBackends(svc({}), [sl], c), ['8.8.8.8']);
    assert.deepEqual(refusedBackends(svc({}), [sl], cfg), []);
  });
});
