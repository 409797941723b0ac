// Service load-balancing fields: defaults and errors with their field paths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, assertValid, check } from './issue-assertions.js';
import type { Service } from './types/index.js';

const svc = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', ...(annotations ? { annotations } : {}) },
  spec: { ports: [{ port: 80 }], ...spec },
});

describe('Service load-balancing fields', () => {
  it('defaults the traffic policies and the affinity timeout', () => {
    const s = assertValid(check(svc({ type: 'NodePort', sessionAffinity: 'ClientIP' }))) as Service;
    assert.equal(s.spec.externalTrafficPolicy, 'Cluster');
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.deepEqual(s.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    const c = assertValid(check(svc({}))) as Service;
    assert.equal(c.spec.externalTrafficPolicy, undefined);
  });

  it('keeps external IPs, Local policies and a custom timeout', () => {
    const s = assertValid(
      check(
        svc({
          externalIPs: ['203.0.113.7'],
          externalTrafficPolicy: 'Local',
          internalTrafficPolicy: 'Local',
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } },
        }),
      ),
    ) as Service;
    assert.deepEqual(s.spec.externalIPs, ['203.0.113.7']);
    assert.equal(s.spec.externalTrafficPolicy, 'Local');
    assert.equal(s.spec.internalTrafficPolicy, 'Local');
    assert.equal(s.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds, 30);
  });

  it('refuses bad values with the field path', () => {
    assertError(check(svc({ externalIPs: ['127.0.0.1'] })), 'spec.externalIPs[0]', 'loopback');
    assertError(check(svc({ externalIPs: ['nope'] })), 'spec.externalIPs[0]', 'not a valid IP');
    assertError(
      check(svc({ externalTrafficPolicy: 'Local' })),
      'spec.externalTrafficPolicy',
      'externally-accessible',
    );
    assertError(
      check(svc({ type: 'NodePort', externalTrafficPolicy: 'Remote' })),
      'spec.externalTrafficPolicy',
      'unsupported value',
    );
    assertError(
      check(
        svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
      ),
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
      'between 1 and 86400',
    );
    assertError(
      check(svc({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } })),
      'spec.sessionAffinityConfig',
      "'None'",
    );
    assertError(check(svc({ loadBalancerIP: '192.0.2.1' })), 'spec.loadBalancerIP', "'LoadBalancer'");
  });

  it('refuses a cluster IP outside the service range', () => {
    assertError(check(svc({ clusterIP: '10.97.0.5' })), 'spec.clusterIP', 'not in the valid range');
    assertError(
      check(svc({ clusterIP: '10.97.0.5', clusterIPs: ['10.97.0.5'] })),
      'spec.clusterIPs[0]',
      '10.96.0.0/16',
    );
    assertValid(check(svc({ clusterIP: '10.96.3.4' })));
  });

  it('refuses node ports outside 30000-32767 and port clashes', () => {
    assertError(
      check(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })),
      'spec.ports[0].nodePort',
      'range of valid ports is 30000-32767',
    );
    assertError(
      check(
        svc({
          ports: [
            { name: 'a', port: 80 },
            { name: 'b', port: 80 },
          ],
        }),
      ),
      'spec.ports[1].port',
      'duplicate value 80/TCP',
    );
    assertValid(
      check(
        svc({
          ports: [
            { name: 'a', port: 53, protocol: 'UDP' },
            { name: 'b', port: 53, protocol: 'TCP' },
          ],
        }),
      ),
    );
    assertError(
      check(
        svc({
          type: 'NodePort',
          ports: [
            { name: 'a', port: 80, nodePort: 30001 },
            { name: 'b', port: 81, nodePort: 30001 },
          ],
        }),
      ),
      'spec.ports[1].nodePort',
      'duplicate value 30001/TCP',
    );
  });

  it('checks the lb-algorithm annotation', () => {
    assertValid(check(svc({}, { 'service.cilium.io/lb-algorithm': 'maglev' })));
    assertError(
      check(svc({}, { 'service.cilium.io/lb-algorithm': 'roundrobin' })),
      'metadata.annotations["service.cilium.io/lb-algorithm"]',
      'unsupported value "roundrobin"',
    );
  });
});
