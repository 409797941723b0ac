// ServiceIndex: frontend addresses first, then backends; shared backends resolve by name; removal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Frontend } from './frontend.js';
import { ServiceIndex } from './service-index.js';

function fe(name: string, address: string, backends: string[]): Frontend {
  return {
    service: { namespace: 'default', name },
    portName: '',
    type: 'ClusterIP',
    address,
    port: 80,
    protocol: 'TCP',
    backends: backends.map((a) => ({ address: a, port: 8080, protocol: 'TCP', state: 'active' })),
    draining: [],
    localOnlyEmpty: false,
    affinityTimeout: 0,
    algorithm: 'random',
  };
}

describe('ServiceIndex', () => {
  test('frontends and backends resolve to their service; other ports do not', () => {
    const i = new ServiceIndex();
    i.set('default/web', [fe('web', '10.96.0.5', ['10.244.0.1'])]);
    assert.equal(i.lookup('10.96.0.5', 80)?.name, 'web');
    assert.equal(i.lookup('10.244.0.1', 8080)?.name, 'web');
    assert.equal(i.lookup('10.244.0.1', 9090), undefined);
  });

  test('a backend two services share resolves to the first by namespace/name, whatever the order', () => {
    const i = new ServiceIndex();
    i.set('default/zeta', [fe('zeta', '10.96.0.6', ['10.244.0.1'])]);
    i.set('default/alpha', [fe('alpha', '10.96.0.7', ['10.244.0.1'])]);
    assert.equal(i.lookup('10.244.0.1', 8080)?.name, 'alpha');
    i.remove('default/alpha');
    assert.equal(i.lookup('10.244.0.1', 8080)?.name, 'zeta');
    i.set('default/zeta', []);
    assert.equal(i.lookup('10.244.0.1', 8080), undefined);
    assert.equal(i.lookup('10.96.0.6', 80), undefined);
  });
});
