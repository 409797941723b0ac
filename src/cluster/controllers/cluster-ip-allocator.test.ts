// decideClusterIP: reserved addresses, explicit requests, conflicts (older wins), exhaustion.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service } from '../../resources/index.js';
import { decideClusterIP } from './cluster-ip-allocator.js';
import { ControllerError } from './controller-error.js';
import { service } from './controller-fixtures.test.js';

function at(svc: Service, second: number): Service {
  svc.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
  return svc;
}

describe('decideClusterIP', () => {
  test('allocates from 10.96.0.0/16, skipping the network address, .1 (API) and .10 (DNS)', () => {
    const ip = (r: number) => decideClusterIP(service('a'), [], { random: () => r }).clusterIP;
    assert.equal(ip(0), '10.96.0.2');
    assert.equal(ip(9 / 65536), '10.96.0.9');
    assert.equal(ip(10 / 65536), '10.96.0.11');
    assert.equal(ip(0.5), '10.96.128.0');
    // The last address is broadcast: wrap around to the start.
    assert.equal(ip(65535 / 65536), '10.96.0.2');
  });

  test('skips addresses other Services hold', () => {
    const others = ['10.96.0.2', '10.96.0.3'].map((ip, i) => service(`o${i}`, { clusterIP: ip }));
    assert.equal(decideClusterIP(service('a'), others, { random: () => 0 }).clusterIP, '10.96.0.4');
  });

  test('honours its own address when valid and free, including .10 when asked for', () => {
    assert.deepEqual(decideClusterIP(service('a', { clusterIP: '10.96.7.7' }), []), {
      clusterIP: '10.96.7.7',
    });
    assert.deepEqual(decideClusterIP(service('dns', { clusterIP: '10.96.0.10' }), []), {
      clusterIP: '10.96.0.10',
    });
    assert.deepEqual(decideClusterIP(service('a', { clusterIPs: ['10.96.7.8'] }), []), {
      clusterIP: '10.96.7.8',
    });
  });

  test('moves a Service whose address is invalid, reserved or out of range, and says why', () => {
    const random = () => 0;
    const cases: [string, RegExp][] = [
      ['10.97.0.5', /not in the service CIDR/],
      ['10.96.0.0', /network or broadcast/],
      ['10.96.255.255', /network or broadcast/],
      ['10.96.0.1', /reserved for the Kubernetes API/],
    ];
    for (const [ip, why] of cases) {
      const d = decideClusterIP(service('a', { clusterIP: ip }), [], { random });
      assert.equal(d.clusterIP, '10.96.0.2');
      assert.match(d.reason ?? '', why);
    }
    const api = service('kubernetes', { clusterIP: '10.96.0.1', selector: {} });
    assert.deepEqual(decideClusterIP(api, []), { clusterIP: '10.96.0.1' });
  });

  test('of two Services claiming one address, the older keeps it', () => {
    const older = at(service('old', { clusterIP: '10.96.1.1' }), 1);
    const newer = at(service('new', { clusterIP: '10.96.1.1' }), 2);
    assert.deepEqual(decideClusterIP(older, [older, newer]), { clusterIP: '10.96.1.1' });
    const moved = decideClusterIP(newer, [older, newer], { random: () => 0 });
    assert.equal(moved.clusterIP, '10.96.0.2');
    assert.match(moved.reason ?? '', /already allocated to Service default\/old/);
  });

  test('headless and ExternalName Services pass through', () => {
    assert.deepEqual(decideClusterIP(service('h', { clusterIP: 'None' }), []), { clusterIP: 'None' });
    assert.deepEqual(decideClusterIP(service('e', { type: 'ExternalName', externalName: 'x.example' }), []), {
      clusterIP: undefined,
    });
  });

  test('an exhausted range is an error with a stable code', () => {
    const cidr = '10.96.0.0/28'; // 16 addresses: .0, .1, .10, .15 reserved → 12 usable
    const others = Array.from({ length: 16 }, (_, i) => service(`o${i}`, { clusterIP: `10.96.0.${i}` }));
    assert.throws(
      () => decideClusterIP(service('a'), others, { cidr }),
      (e) => e instanceof ControllerError && e.code === 'PORIN_ERR_CLUSTER_IPS_EXHAUSTED',
    );
  });
});
