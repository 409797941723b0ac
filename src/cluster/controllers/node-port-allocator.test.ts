// decideNodePorts and decideLoadBalancerIP: allocation, honouring requests, older wins, exhaustion.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service } from '../../resources/index.js';
import { ControllerError } from './controller-error.js';
import { service } from './controller-fixtures.test.js';
import { decideLoadBalancerIP } from './lb-ipam.js';
import { decideNodePorts } from './node-port-allocator.js';

function at(svc: Service, second: number): Service {
  svc.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
  return svc;
}

describe('decideNodePorts', () => {
  test('ClusterIP services get none (and lose any)', () => {
    const d = decideNodePorts(service('a', { ports: [{ port: 80, nodePort: 30001 }] }), []);
    assert.equal(d.ports[0]!.nodePort, undefined);
  });

  test('allocates in 30000-32767 avoiding ports other services hold; keeps a free requested one', () => {
    const other = service('o', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] });
    const d = decideNodePorts(service('a', { type: 'NodePort' }), [other], { random: () => 0 });
    assert.equal(d.ports[0]!.nodePort, 30001);
    const e = decideNodePorts(service('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 31234 }] }), [
      other,
    ]);
    assert.equal(e.ports[0]!.nodePort, 31234);
    assert.equal(e.reason, undefined);
  });

  test('a port an older service holds is given up, with the reason', () => {
    const older = at(service('o', { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] }), 1);
    const newer = at(service('n', { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] }), 2);
    const d = decideNodePorts(newer, [older], { random: () => 0 });
    assert.notEqual(d.ports[0]!.nodePort, 30500);
    assert.match(d.reason ?? '', /already allocated to Service default\/o/);
    assert.equal(decideNodePorts(older, [newer]).ports[0]!.nodePort, 30500);
  });

  test('TCP and UDP of one port share a node port; LoadBalancer may opt out', () => {
    const dns = service('dns', {
      type: 'NodePort',
      ports: [
        { name: 'u', port: 53, protocol: 'UDP' },
        { name: 't', port: 53, protocol: 'TCP' },
      ],
    });
    const d = decideNodePorts(dns, []);
    assert.equal(d.ports[0]!.nodePort, d.ports[1]!.nodePort);
    const lb = service('lb', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
    assert.equal(decideNodePorts(lb, []).ports[0]!.nodePort, undefined);
  });

  test('exhaustion is an error', () => {
    const full = service('o', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] });
    assert.throws(
      () => decideNodePorts(service('a', { type: 'NodePort' }), [full], { nodePortRange: [30000, 30000] }),
      (e: unknown) => e instanceof ControllerError && e.code === 'PORIN_ERR_NODE_PORTS_EXHAUSTED',
    );
  });
});

describe('decideLoadBalancerIP', () => {
  const lb = (name: string, extra: Partial<Service['spec']> = {}, ip?: string): Service => {
    const s = service(name, { type: 'LoadBalancer', ...extra });
    if (ip) s.status = { loadBalancer: { ingress: [{ ip }] } };
    return s;
  };

  test('non-LoadBalancer services get none', () => {
    assert.equal(decideLoadBalancerIP(service('a'), []).ip, undefined);
  });

  test('the lowest free pool address, skipping the network address; kept once given', () => {
    assert.equal(decideLoadBalancerIP(lb('a'), []).ip, '192.0.2.129');
    assert.equal(decideLoadBalancerIP(lb('b'), [lb('a', {}, '192.0.2.129')]).ip, '192.0.2.130');
    assert.equal(
      decideLoadBalancerIP(lb('b', {}, '192.0.2.139'), [lb('a', {}, '192.0.2.129')]).ip,
      '192.0.2.139',
    );
    // Addresses the world's ExternalHosts hold are skipped.
    assert.equal(decideLoadBalancerIP(lb('a'), [], {}, new Set(['192.0.2.129'])).ip, '192.0.2.130');
  });

  test('spec.loadBalancerIP is honoured in the pool, refused outside it or when taken', () => {
    assert.deepEqual(decideLoadBalancerIP(lb('a', { loadBalancerIP: '192.0.2.177' }), []), {
      ip: '192.0.2.177',
    });
    const out = decideLoadBalancerIP(lb('a', { loadBalancerIP: '198.51.100.1' }), []);
    assert.equal(out.ip, '192.0.2.129');
    assert.match(out.reason ?? '', /not in the pool 192\.0\.2\.128\/25/);
    const taken = decideLoadBalancerIP(lb('b', { loadBalancerIP: '192.0.2.135' }), [
      lb('a', {}, '192.0.2.135'),
    ]);
    assert.equal(taken.ip, '192.0.2.129');
    assert.match(taken.reason ?? '', /already in use/);
  });

  test('two services holding one address: the older keeps it', () => {
    const a = at(lb('a', {}, '192.0.2.133'), 1);
    const b = at(lb('b', {}, '192.0.2.133'), 2);
    assert.equal(decideLoadBalancerIP(a, [b]).ip, '192.0.2.133');
    assert.notEqual(decideLoadBalancerIP(b, [a]).ip, '192.0.2.133');
  });

  test('a custom pool, and exhaustion', () => {
    assert.equal(decideLoadBalancerIP(lb('a'), [], { lbPool: '203.0.113.64/30' }).ip, '203.0.113.65');
    assert.throws(
      () =>
        decideLoadBalancerIP(lb('c'), [lb('a', {}, '203.0.113.65'), lb('b', {}, '203.0.113.66')], {
          lbPool: '203.0.113.64/30',
        }),
      (e: unknown) => e instanceof ControllerError && e.code === 'PORIN_ERR_LB_IPS_EXHAUSTED',
    );
  });
});
