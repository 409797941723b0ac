// Self-tests of the conformance machinery: the model, the reachability table, and that a wrong table fails.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetpolHarness } from './harness.js';
import { ALL_PODS, compare, type MatrixRow, makePod, networkPolicy, podIP, Reachability } from './model.js';

describe('upstream model', () => {
  it('has nine pods with stable, distinct addresses and the upstream containers', () => {
    assert.deepEqual(ALL_PODS, ['x/a', 'x/b', 'x/c', 'y/a', 'y/b', 'y/c', 'z/a', 'z/b', 'z/c']);
    assert.equal(podIP('x/a'), '10.244.0.11');
    assert.equal(podIP('z/c'), '10.244.0.33');
    assert.equal(new Set(ALL_PODS.map(podIP)).size, 9);
    const p = makePod('y/b');
    assert.deepEqual(p.metadata.labels, { pod: 'b' });
    assert.deepEqual(
      p.spec.containers.map(
        (c) => `${c.name}:${c.ports?.[0]?.name}:${c.ports?.[0]?.containerPort}/${c.ports?.[0]?.protocol}`,
      ),
      [
        'cont-80-tcp:serve-80-tcp:80/TCP',
        'cont-80-udp:serve-80-udp:80/UDP',
        'cont-80-sctp:serve-80-sctp:80/SCTP',
        'cont-81-tcp:serve-81-tcp:81/TCP',
        'cont-81-udp:serve-81-udp:81/UDP',
        'cont-81-sctp:serve-81-sctp:81/SCTP',
      ],
    );
  });

  it('sets policyTypes the way SetSpecIngressRules/SetSpecEgressRules do', () => {
    assert.deepEqual(networkPolicy('p', 'x', {}, { ingress: [] }).spec.policyTypes, ['Ingress']);
    assert.deepEqual(networkPolicy('p', 'x', {}, { egress: [] }).spec.policyTypes, ['Egress']);
    assert.deepEqual(networkPolicy('p', 'x', {}, { ingress: [], egress: [] }).spec.policyTypes, [
      'Ingress',
      'Egress',
    ]);
  });
});

describe('Reachability', () => {
  it('applies operations in order, later ones overriding earlier ones', () => {
    const r = new Reachability(ALL_PODS);
    r.expectPeer({ namespace: 'x', pod: 'a' }, {}, false);
    r.expectPeer({}, { namespace: 'y', pod: 'a' }, false);
    r.expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y', pod: 'a' }, true);
    assert.equal(r.get('x/a', 'y/a'), true);
    assert.equal(r.get('x/a', 'y/b'), false);
    assert.equal(r.get('z/c', 'y/a'), false);
    assert.equal(r.get('z/c', 'y/b'), true);
    r.expectAllIngress('y/b', false).expectAllEgress('z/c', false).expect('z/c', 'y/b', true);
    assert.equal(r.get('x/b', 'y/b'), false);
    assert.equal(r.get('z/c', 'x/a'), false);
    assert.equal(r.get('z/c', 'y/b'), true);
  });

  it('ignores pods that are not in a smaller topology', () => {
    const r = new Reachability(['x/a', 'y/a']);
    r.expect('z/a', 'x/a', false).expectAllIngress('x/c', false);
    assert.equal(r.get('y/a', 'x/a'), true);
  });
});

describe('compare', () => {
  const rows = (verdict: (f: string, t: string) => string): MatrixRow[] =>
    ['x/a', 'x/b'].flatMap((from) =>
      ['x/a', 'x/b'].map((to) => ({
        from,
        to,
        port: 80,
        protocol: 'TCP',
        verdict: verdict(from, to),
        ...(from === to ? { loopback: true } : {}),
      })),
    );

  it('reports every mismatching pair with expected and actual, ignoring loopback', () => {
    const r = new Reachability(['x/a', 'x/b']).expectAllIngress('x/a', false);
    const m = compare({ results: rows(() => 'allowed') }, r, 80, 'TCP');
    assert.deepEqual(m, [
      { from: 'x/b', to: 'x/a', port: 80, protocol: 'TCP', expected: 'denied', actual: 'allowed' },
    ]);
  });

  it('reports pairs missing for the probed port/protocol', () => {
    const r = new Reachability(['x/a', 'x/b']);
    assert.equal(compare({ results: rows(() => 'allowed') }, r, 81, 'TCP').length, 2);
    assert.equal(compare({ results: rows(() => 'allowed') }, r, 80, 'UDP').length, 2);
  });
});

describe('harness', () => {
  it('fails a probe whose table disagrees with the engine (a wrong table cannot pass)', () => {
    const h = new NetpolHarness('self-test', { name: 'model-9pods', pods: ALL_PODS });
    h.createPolicy(networkPolicy('deny-ingress', 'x', {}, { ingress: [] }));
    assert.throws(
      () => h.validate(80, 'TCP', h.reachability()),
      /x\/b -> x\/a 80\/TCP: expected allowed, actual denied/,
    );
    const right = h.reachability();
    right.expectPeer({}, { namespace: 'x' }, false);
    h.validate(80, 'TCP', right);
  });
});
