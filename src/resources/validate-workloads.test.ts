// Pod, Deployment, Service, EndpointSlice and Node validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, assertValid, assertWarning, check } from './issue-assertions.js';
import type { Deployment, EndpointSlice, Pod, Service } from './types/index.js';

const container = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'nginx', ...extra });
const pod = (spec: unknown) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });

describe('Pod', () => {
  it('needs at least one container with a name and an image', () => {
    assertValid(check(pod({ containers: [container()] })));
    assertError(check(pod({ containers: [] })), 'spec.containers', 'at least one container');
    assertError(check(pod({ containers: [{ image: 'x' }] })), 'spec.containers[0].name', 'name is required');
    assertError(check(pod({ containers: [{ name: 'a' }] })), 'spec.containers[0].image', 'image is required');
    assertError(
      check(pod({ containers: [container(), container()] })),
      'spec.containers[1].name',
      'duplicate container name',
    );
  });

  it('checks container ports and defaults protocol to TCP', () => {
    const p = assertValid(
      check(pod({ containers: [container({ ports: [{ containerPort: 8080, name: 'http' }] })] })),
    ) as Pod;
    assert.deepEqual(p.spec.containers[0]?.ports, [{ containerPort: 8080, protocol: 'TCP', name: 'http' }]);
    const P = 'spec.containers[0].ports[0]';
    assertError(
      check(pod({ containers: [container({ ports: [{ containerPort: 0 }] })] })),
      `${P}.containerPort`,
      'between 1 and 65535',
    );
    assertError(
      check(pod({ containers: [container({ ports: [{ containerPort: 65536 }] })] })),
      `${P}.containerPort`,
      'between 1 and 65535',
    );
    assertError(
      check(pod({ containers: [container({ ports: [{ name: 'x' }] })] })),
      `${P}.containerPort`,
      'required',
    );
    assertError(
      check(pod({ containers: [container({ ports: [{ containerPort: 53, protocol: 'udp' }] })] })),
      `${P}.protocol`,
      'unsupported value "udp"',
    );
  });

  it('requires IANA port names unique across the pod', () => {
    const P = 'spec.containers[0].ports[0]';
    assertError(
      check(pod({ containers: [container({ ports: [{ containerPort: 80, name: 'Web_Port' }] })] })),
      `${P}.name`,
      'not a valid port name',
    );
    assertError(
      check(
        pod({
          containers: [
            container({ ports: [{ containerPort: 80, name: 'http' }] }),
            { name: 'b', image: 'x', ports: [{ containerPort: 81, name: 'http' }] },
          ],
        }),
      ),
      'spec.containers[1].ports[0].name',
      'duplicate port name "http"',
    );
  });

  it('checks status IPs', () => {
    assertValid(
      check({
        ...pod({ containers: [container()] }),
        status: { podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }] },
      }),
    );
    assertError(
      check({ ...pod({ containers: [container()] }), status: { podIP: '10.0.0.300' } }),
      'status.podIP',
      'not a valid IP',
    );
  });

  it('keeps conditions and container statuses typed', () => {
    const status = {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 2, image: 'nginx' }],
    };
    const p = assertValid(check({ ...pod({ containers: [container()] }), status })) as Pod;
    assert.deepEqual(p.status?.conditions, [{ type: 'Ready', status: 'True' }]);
    assert.deepEqual(p.status?.containerStatuses, [{ name: 'app', ready: true, restartCount: 2 }]);
    assertError(
      check({
        ...pod({ containers: [container()] }),
        status: { conditions: [{ type: 'Ready', status: 'yes' }] },
      }),
      'status.conditions[0].status',
      'unsupported value "yes"',
    );
  });

  it('ignores fields Porin does not model', () => {
    const p = assertValid(
      check(pod({ containers: [container({ resources: { limits: { cpu: '1' } } })], tolerations: [] })),
    ) as Pod;
    assert.equal((p.spec as unknown as Record<string, unknown>).tolerations, undefined);
  });
});

describe('Deployment', () => {
  const dep = (spec: unknown) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec,
  });
  const template = (labels: Record<string, string>) => ({
    metadata: { labels },
    spec: { containers: [container()] },
  });

  it('accepts a matching selector and defaults replicas to 1', () => {
    const d = assertValid(
      check(dep({ selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a', x: 'y' }) })),
    ) as Deployment;
    assert.equal(d.spec.replicas, 1);
  });

  it('requires a non-empty selector', () => {
    assertError(check(dep({ template: template({ app: 'a' }) })), 'spec.selector', 'selector is required');
    assertError(
      check(dep({ selector: {}, template: template({ app: 'a' }) })),
      'spec.selector',
      'empty selector is invalid',
    );
  });

  it('requires the selector to match the template labels', () => {
    assertError(
      check(dep({ selector: { matchLabels: { app: 'a' } }, template: template({ app: 'b' }) })),
      'spec.template.metadata.labels',
      'selector does not match template labels',
    );
    assertError(
      check(
        dep({
          selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
          template: template({ app: 'a' }),
        }),
      ),
      'spec.template.metadata.labels',
      'selector does not match template labels',
    );
  });

  it('requires replicas >= 0 and validates the pod template', () => {
    const base = { selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }) };
    assertValid(check(dep({ ...base, replicas: 0 })));
    assertError(check(dep({ ...base, replicas: -1 })), 'spec.replicas', 'greater than or equal to 0');
    assertError(
      check(
        dep({
          ...base,
          template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'x' }] } },
        }),
      ),
      'spec.template.spec.containers[0].image',
      'image is required',
    );
  });
});

describe('Service', () => {
  const svc = (spec: unknown, name = 'web') => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec,
  });

  it('defaults type, protocol, targetPort and sessionAffinity', () => {
    const s = assertValid(check(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }))) as Service;
    assert.equal(s.spec.type, 'ClusterIP');
    assert.deepEqual(s.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.equal(s.spec.sessionAffinity, 'None');
  });

  it('uses a DNS-1035 label name', () => {
    assertError(check(svc({ ports: [{ port: 80 }] }, '1web')), 'metadata.name', 'DNS-1035 label');
  });

  it('checks ports', () => {
    assertError(check(svc({ ports: [{ port: 0 }] })), 'spec.ports[0].port', 'between 1 and 65535');
    assertError(check(svc({ ports: [] })), 'spec.ports', 'at least one port is required');
    assertValid(check(svc({ clusterIP: 'None', ports: [] })));
    assertError(
      check(svc({ ports: [{ port: 80 }, { port: 81, name: 'b' }] })),
      'spec.ports[0].name',
      'more than one port',
    );
    assertError(
      check(
        svc({
          ports: [
            { port: 80, name: 'a' },
            { port: 81, name: 'a' },
          ],
        }),
      ),
      'spec.ports[1].name',
      'duplicate port name',
    );
    assertValid(check(svc({ ports: [{ port: 80, targetPort: 'http' }] })));
    assertError(
      check(svc({ ports: [{ port: 80, targetPort: 'HTTP_1' }] })),
      'spec.ports[0].targetPort',
      'not a valid port name',
    );
    assertError(
      check(svc({ ports: [{ port: 80, nodePort: 30080 }] })),
      'spec.ports[0].nodePort',
      "may not be used when `type` is 'ClusterIP'",
    );
    assertValid(check(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })));
  });

  it('checks type, clusterIP and externalName', () => {
    assertError(
      check(svc({ type: 'Internal', ports: [{ port: 80 }] })),
      'spec.type',
      'unsupported value "Internal"',
    );
    assertError(
      check(svc({ clusterIP: '10.0.0.999', ports: [{ port: 80 }] })),
      'spec.clusterIP',
      'not a valid IP',
    );
    assertError(check(svc({ type: 'ExternalName' })), 'spec.externalName', 'required');
    assertValid(check(svc({ type: 'ExternalName', externalName: 'db.example.com' })));
  });
});

describe('EndpointSlice', () => {
  const slice = (
    body: Record<string, unknown>,
    labels: Record<string, string> = { 'kubernetes.io/service-name': 'web' },
  ) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', labels },
    ...body,
  });

  it('accepts addresses of its addressType', () => {
    const s = assertValid(
      check(
        slice({
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
          ports: [{ port: 80 }],
        }),
      ),
    ) as EndpointSlice;
    assert.equal(s.ports?.[0]?.protocol, 'TCP');
  });

  it('requires addressType from the enum', () => {
    assertError(check(slice({ endpoints: [] })), 'addressType', 'required');
    assertError(
      check(slice({ addressType: 'IPv5', endpoints: [] })),
      'addressType',
      'unsupported value "IPv5"',
    );
  });

  it('checks addresses against the addressType', () => {
    assertError(
      check(slice({ addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1'] }] })),
      'endpoints[0].addresses[0]',
      'must be an IPv4 address',
    );
    assertError(
      check(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['nope'] }] })),
      'endpoints[0].addresses[0]',
      'not a valid IP',
    );
    assertError(
      check(slice({ addressType: 'IPv4', endpoints: [{ addresses: [] }] })),
      'endpoints[0].addresses',
      'at least 1 address',
    );
    assertValid(check(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] })));
  });

  it('warns without a service-name label', () => {
    assertWarning(
      check(slice({ addressType: 'IPv4', endpoints: [] }, {})),
      'metadata.labels',
      'kubernetes.io/service-name',
    );
  });
});

describe('Node', () => {
  const node = (spec: unknown) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec });

  it('accepts pod CIDRs, one per family', () => {
    assertValid(check(node({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] })));
  });

  it('checks pod CIDRs strictly', () => {
    assertError(
      check(node({ podCIDR: '10.244.1.1/24' })),
      'spec.podCIDR',
      'bits set beyond the prefix length',
    );
    assertError(
      check(node({ podCIDRs: ['10.0.0.0/24', '10.1.0.0/24'] })),
      'spec.podCIDRs[1]',
      'one CIDR for each IP family',
    );
    assertError(
      check(node({ podCIDR: '10.0.0.0/24', podCIDRs: ['10.1.0.0/24'] })),
      'spec.podCIDRs',
      'first entry must match',
    );
  });

  it('is cluster-scoped and checks addresses', () => {
    const r = check({
      ...node({}),
      status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] },
    });
    assert.equal(assertValid(r).metadata.namespace, undefined);
    assertError(
      check({ ...node({}), status: { addresses: [{ type: 'InternalIP', address: 'node-1' }] } }),
      'status.addresses[0].address',
      'not a valid IP',
    );
  });
});
