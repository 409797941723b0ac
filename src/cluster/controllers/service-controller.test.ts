// ServiceController against the in-memory store: cluster IPs and EndpointSlices that follow pods.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { EndpointSlice, Pod, Service } from '../../resources/index.js';
import { MemoryObjectStore } from '../store/index.js';
import { deployment, eventually, markPod, pod, service } from './controller-fixtures.test.js';
import { ControllerManager } from './controller-manager.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './plan-endpoint-slices.js';
import { CLUSTER_IP_REALLOCATED_ANNOTATION } from './service-controller.js';

let manager: ControllerManager | undefined;
afterEach(async () => {
  await manager?.stop();
  manager = undefined;
});

function setup(): { store: MemoryObjectStore; manager: ControllerManager } {
  const store = new MemoryObjectStore();
  manager = new ControllerManager(store, { onError: () => {} });
  manager.start();
  return { store, manager };
}

function fresh<T extends Service | Pod>(o: T): T {
  const c = structuredClone(o);
  delete c.metadata.uid;
  return c;
}

const slices = async (store: MemoryObjectStore, svc = 'web') =>
  ((await store.list('EndpointSlice')).items as EndpointSlice[]).filter(
    (s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svc,
  );

describe('ServiceController', () => {
  test('allocates a cluster IP, writing it into the Service', async () => {
    const { store, manager } = setup();
    await store.apply([fresh(service('web')), fresh(service('dns', { clusterIP: '10.96.0.10' }))]);
    await manager.idle();
    const web = (await store.get('Service', 'default', 'web')) as Service;
    assert.match(web.spec.clusterIP ?? '', /^10\.96\.\d+\.\d+$/);
    assert.notEqual(web.spec.clusterIP, '10.96.0.10');
    assert.deepEqual(web.spec.clusterIPs, [web.spec.clusterIP]);
    const dns = (await store.get('Service', 'default', 'dns')) as Service;
    assert.equal(dns.spec.clusterIP, '10.96.0.10');
    // Re-applying the manifest (no clusterIP) keeps the address.
    const [again] = await store.apply([fresh(service('web'))]);
    assert.equal(again?.result, 'unchanged');
  });

  test('a Service asking for a taken address gets another, with the reason in an annotation', async () => {
    const { store, manager } = setup();
    await store.apply([fresh(service('a', { clusterIP: '10.96.5.5' }))]);
    await manager.idle();
    await store.apply([fresh(service('b', { clusterIP: '10.96.5.5' }))]);
    await manager.idle();
    const b = (await store.get('Service', 'default', 'b')) as Service;
    assert.notEqual(b.spec.clusterIP, '10.96.5.5');
    assert.match(
      b.metadata.annotations?.[CLUSTER_IP_REALLOCATED_ANNOTATION] ?? '',
      /already allocated to Service default\/a/,
    );
    assert.equal(((await store.get('Service', 'default', 'a')) as Service).spec.clusterIP, '10.96.5.5');
  });

  test('keeps one EndpointSlice following the pods: address, readiness, removal', async () => {
    const { store, manager } = setup();
    await store.apply([
      fresh(service('web', { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] })),
    ]);
    await store.apply([fresh(pod('a')), fresh(pod('b')), fresh(pod('db', { labels: { app: 'db' } }))]);
    await manager.idle();
    let [slice] = await slices(store);
    assert.match(slice!.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(slice!.metadata.labels?.[MANAGED_BY_LABEL], 'porin.io/service-controller');
    assert.deepEqual(slice!.endpoints, []);

    await markPod(store, 'a', '10.244.0.2');
    await markPod(store, 'b', '10.244.0.3', false);
    await markPod(store, 'db', '10.244.0.4');
    await manager.idle();
    const all = await slices(store);
    assert.equal(all.length, 1);
    [slice] = all;
    assert.equal(slice!.metadata.name, all[0]!.metadata.name);
    assert.deepEqual(slice!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(
      slice!.endpoints.map((e) => [e.addresses[0], e.conditions?.ready, e.targetRef?.name]),
      [
        ['10.244.0.2', true, 'a'],
        ['10.244.0.3', false, 'b'],
      ],
    );

    await store.apply([fresh(pod('a', { labels: { app: 'other' } }))]); // relabelled out of the Service
    await store.delete([{ kind: 'Pod', name: 'b' }]);
    await manager.idle();
    assert.deepEqual((await slices(store))[0]!.endpoints, []);
  });

  test('Services without a selector are left alone; a user slice survives', async () => {
    const { store, manager } = setup();
    const manual: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'ext-1', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'ext' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.10'] }],
      ports: [{ port: 443, protocol: 'TCP' }],
    };
    await store.apply([fresh(service('ext', { selector: undefined })), manual]);
    await manager.idle();
    assert.deepEqual(
      (await slices(store, 'ext')).map((s) => s.metadata.name),
      ['ext-1'],
    );
    assert.match(
      ((await store.get('Service', 'default', 'ext')) as Service).spec.clusterIP ?? '',
      /^10\.96\./,
    );
  });

  test('deleting a Service deletes its slice (garbage collection), pods of a deleted Deployment go too', async () => {
    const { store, manager } = setup();
    const d = deployment('web', 2);
    delete d.metadata.uid;
    await store.apply([fresh(service('web')), d]);
    await manager.idle();
    assert.equal((await slices(store)).length, 1);
    assert.equal((await store.list('Pod')).items.length, 2);
    await store.delete([
      { kind: 'Service', name: 'web' },
      { kind: 'Deployment', name: 'web' },
    ]);
    await manager.idle();
    await eventually(async () => (await store.list('EndpointSlice')).items.length === 0, 'slices to go');
    await eventually(async () => (await store.list('Pod')).items.length === 0, 'pods to go');
  });

  test('a Deployment behind a Service: pods become endpoints once the runtime marks them', async () => {
    const { store, manager } = setup();
    const d = deployment('web', 2);
    delete d.metadata.uid;
    await store.apply([fresh(service('web')), d]);
    await manager.idle();
    const pods = (await store.list('Pod')).items;
    for (const [i, p] of pods.entries()) await markPod(store, p.metadata.name, `10.244.0.${i + 2}`);
    await manager.idle();
    const [slice] = await slices(store);
    assert.deepEqual(slice!.endpoints.map((e) => e.addresses[0]).sort(), ['10.244.0.2', '10.244.0.3']);
    assert.deepEqual(slice!.ports, [{ port: 8080, protocol: 'TCP' }]);
    const status = (
      (await store.get('Deployment', 'default', 'web')) as unknown as { status: { readyReplicas: number } }
    ).status;
    assert.equal(status.readyReplicas, 2);
  });

  test('NodePort and LoadBalancer services get node ports and a pool address in status; re-applying keeps them', async () => {
    const { store, manager } = setup();
    await store.apply([
      fresh(service('lb', { type: 'LoadBalancer' })),
      fresh(service('np', { type: 'NodePort' })),
    ]);
    await manager.idle();
    const lb = (await store.get('Service', 'default', 'lb')) as Service;
    const np = (await store.get('Service', 'default', 'np')) as Service;
    const lbPort = lb.spec.ports?.[0]?.nodePort ?? 0;
    assert.ok(lbPort >= 30000 && lbPort <= 32767, String(lbPort));
    assert.notEqual(np.spec.ports?.[0]?.nodePort, lbPort);
    assert.deepEqual(lb.status?.loadBalancer?.ingress, [{ ip: '192.0.2.129' }]);
    assert.equal(np.status?.loadBalancer, undefined);
    const [again] = await store.apply([fresh(service('lb', { type: 'LoadBalancer' }))]);
    assert.equal(again?.result, 'unchanged');
    // Back to ClusterIP: node ports and the address go.
    await store.apply([fresh(service('lb', { type: 'ClusterIP' }))]);
    await manager.idle();
    const back = (await store.get('Service', 'default', 'lb')) as Service;
    assert.equal(back.spec.ports?.[0]?.nodePort, undefined);
    assert.deepEqual(back.status?.loadBalancer, {});
  });
});
