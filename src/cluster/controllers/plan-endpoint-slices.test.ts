// planEndpointSlices: endpoints from selected pods, port resolution, slice reuse, unmanaged Services.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointSlice, Pod } from '../../resources/index.js';
import { pod, service } from './controller-fixtures.test.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  planEndpointSlices,
  SERVICE_NAME_LABEL,
} from './plan-endpoint-slices.js';

const web = service('web', { selector: { app: 'web' } });

/** A planned slice as the store would hold it. */
function stored(slice: EndpointSlice, name: string, rv = '7'): EndpointSlice {
  const s = structuredClone(slice);
  delete s.metadata.generateName;
  s.metadata.name = name;
  s.metadata.resourceVersion = rv;
  return s;
}

function withNamedPort(p: Pod, port: number): Pod {
  p.spec.containers[0]!.ports = [{ name: 'http', containerPort: port, protocol: 'TCP' }];
  return p;
}

describe('planEndpointSlices', () => {
  test('one slice: selected pods with an IPv4 podIP, ready from the Ready condition, ports from targetPort', () => {
    const pods = [
      pod('b', { ip: '10.244.0.3', ready: false }),
      pod('a', { ip: '10.244.0.2', ready: true }),
      pod('no-ip'),
      pod('other', { labels: { app: 'db' }, ip: '10.244.0.9', ready: true }),
      pod('v6', { ip: 'fd00::1', ready: true }),
      {
        ...pod('elsewhere', { ip: '10.244.0.8', ready: true }),
        metadata: { name: 'elsewhere', namespace: 'prod', labels: { app: 'web' } },
      },
    ];
    const done = pod('done', { ip: '10.244.0.7', ready: false });
    done.status!.phase = 'Succeeded';
    const plan = planEndpointSlices(web, [...pods, done], []);
    assert.equal(plan.delete.length, 0);
    assert.equal(plan.apply.length, 1);
    const s = plan.apply[0]!;
    assert.equal(s.metadata.generateName, 'web-');
    assert.deepEqual(s.metadata.labels, { [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: MANAGED_BY });
    assert.deepEqual(s.metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true },
    ]);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(s.endpoints, [
      {
        addresses: ['10.244.0.2'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
      },
      {
        addresses: ['10.244.0.3'],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' },
      },
    ]);
  });

  test('a named targetPort resolves per pod; pods that differ get a slice of their own', () => {
    const svc = service('web', {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'admin', port: 9000, targetPort: 9000, protocol: 'TCP' },
      ],
    });
    const pods = [
      withNamedPort(pod('a', { ip: '10.244.0.2', ready: true }), 8080),
      withNamedPort(pod('b', { ip: '10.244.0.3', ready: true }), 8080),
      withNamedPort(pod('c', { ip: '10.244.0.4', ready: true }), 9090),
    ];
    const noName = pod('d', { ip: '10.244.0.5', ready: true });
    noName.spec.containers[0]!.ports = [];
    const plan = planEndpointSlices(svc, [...pods, noName], []);
    const byPorts = new Map(
      plan.apply.map((s) => [JSON.stringify(s.ports), s.endpoints.map((e) => e.targetRef?.name)]),
    );
    assert.deepEqual(
      byPorts,
      new Map([
        [
          JSON.stringify([
            { port: 8080, protocol: 'TCP', name: 'http' },
            { port: 9000, protocol: 'TCP', name: 'admin' },
          ]),
          ['a', 'b'],
        ],
        [
          JSON.stringify([
            { port: 9090, protocol: 'TCP', name: 'http' },
            { port: 9000, protocol: 'TCP', name: 'admin' },
          ]),
          ['c'],
        ],
        [JSON.stringify([{ port: 9000, protocol: 'TCP', name: 'admin' }]), ['d']],
      ]),
    );
  });

  test('a named port must match the protocol too', () => {
    const svc = service('dns', {
      selector: { app: 'web' },
      ports: [{ name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' }],
    });
    const p = pod('a', { ip: '10.244.0.2', ready: true });
    p.spec.containers[0]!.ports = [
      { name: 'dns', containerPort: 5353, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 5354, protocol: 'TCP' },
    ];
    assert.deepEqual(planEndpointSlices(svc, [p], []).apply[0]!.ports, [
      { port: 5353, protocol: 'UDP', name: 'dns' },
    ]);
  });

  test('no endpoints: one empty slice', () => {
    const plan = planEndpointSlices(web, [pod('a')], []);
    assert.equal(plan.apply.length, 1);
    assert.deepEqual(plan.apply[0]!.endpoints, []);
  });

  test('an up-to-date slice is left alone; a changed one is updated in place with its resourceVersion', () => {
    const pods = [pod('a', { ip: '10.244.0.2', ready: true })];
    const first = stored(planEndpointSlices(web, pods, []).apply[0]!, 'web-x7k2p');
    assert.deepEqual(planEndpointSlices(web, pods, [first]), { apply: [], delete: [] });
    pods.push(pod('b', { ip: '10.244.0.3', ready: true }));
    const plan = planEndpointSlices(web, pods, [first]);
    assert.equal(plan.delete.length, 0);
    assert.equal(plan.apply.length, 1);
    assert.equal(plan.apply[0]!.metadata.name, 'web-x7k2p');
    assert.equal(plan.apply[0]!.metadata.resourceVersion, '7');
    assert.equal(plan.apply[0]!.metadata.generateName, undefined);
    assert.equal(plan.apply[0]!.endpoints.length, 2);
  });

  test('a port change reuses the slice; extra slices are deleted', () => {
    const pods = [pod('a', { ip: '10.244.0.2', ready: true })];
    const one = stored(planEndpointSlices(web, pods, []).apply[0]!, 'web-aaaaa');
    const two = stored(one, 'web-bbbbb');
    const svc = service('web', {
      selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 8081, protocol: 'TCP' }],
    });
    const plan = planEndpointSlices(svc, pods, [one, two]);
    assert.deepEqual(
      plan.apply.map((s) => [s.metadata.name, s.ports]),
      [['web-aaaaa', [{ port: 8081, protocol: 'TCP' }]]],
    );
    assert.deepEqual(
      plan.delete.map((s) => s.metadata.name),
      ['web-bbbbb'],
    );
  });

  test("slices of an earlier Service of the same name are replaced; users' and other Services' slices are not touched", () => {
    const pods = [pod('a', { ip: '10.244.0.2', ready: true })];
    const earlier = stored(
      planEndpointSlices({ ...web, metadata: { ...web.metadata, uid: 'uid-gone' } }, pods, []).apply[0]!,
      'web-old11',
    );
    const users = stored(planEndpointSlices(web, pods, []).apply[0]!, 'web-manual');
    delete users.metadata.labels![MANAGED_BY_LABEL];
    const other = stored(planEndpointSlices(service('db'), pods, []).apply[0]!, 'db-zzzzz');
    const plan = planEndpointSlices(web, pods, [earlier, users, other]);
    assert.deepEqual(
      plan.delete.map((s) => s.metadata.name),
      ['web-old11'],
    );
    assert.equal(plan.apply.length, 1);
    assert.equal(plan.apply[0]!.metadata.generateName, 'web-');
  });

  test('Services without a selector get no managed slices (and lose ones they had)', () => {
    const pods = [pod('a', { ip: '10.244.0.2', ready: true })];
    const managed = stored(planEndpointSlices(web, pods, []).apply[0]!, 'web-aaaaa');
    const bare = service('web', { selector: undefined });
    assert.deepEqual(planEndpointSlices(bare, pods, [managed]), { apply: [], delete: [managed] });
    assert.deepEqual(planEndpointSlices(service('web', { selector: {} }), pods, []), {
      apply: [],
      delete: [],
    });
    assert.deepEqual(
      planEndpointSlices(service('web', { type: 'ExternalName', externalName: 'x.example' }), pods, []),
      {
        apply: [],
        delete: [],
      },
    );
  });
});
