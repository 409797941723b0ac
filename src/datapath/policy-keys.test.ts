import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PolicyEntry, RuleOrigin } from '../policy/index.js';
import { POLICY_F_DENY, POLICY_KEY_STATIC_BITS } from './maps/policy.js';
import { computeEndpointState, portRangePrefixes } from './policy-keys.js';

const origin: RuleOrigin = { kind: 'NetworkPolicy', namespace: 'ns', name: 'p', section: 'ingress', rule: 0 };
const ctx = { cookie: () => 1, proxyPort: () => 0, addrClass: () => 1 };

function entry(protocol: number, portLo: number, portHi: number, deny = false, id = 7): PolicyEntry {
  return {
    direction: 'ingress',
    peer: { kind: 'identity', id },
    protocol,
    portLo,
    portHi,
    deny,
    origins: [origin],
  };
}

describe('portRangePrefixes', () => {
  it('covers exactly [lo, hi] with aligned blocks, at most 30 of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const blocks = portRangePrefixes(lo, hi);
        assert.ok(blocks.length <= 30);
        let next = lo;
        for (const b of blocks) {
          const size = 2 ** (16 - b.bits);
          assert.equal(b.port, next, 'contiguous');
          assert.equal(b.port % size, 0, 'aligned');
          next += size;
        }
        assert.equal(next, hi + 1);
      }),
    );
  });
  it('one port is one /16 block, every port one /0 block', () => {
    assert.deepEqual(portRangePrefixes(80, 80), [{ port: 80, bits: 16 }]);
    assert.deepEqual(portRangePrefixes(0, 65535), [{ port: 0, bits: 0 }]);
  });
});

describe('computeEndpointState', () => {
  const keys = (entries: PolicyEntry[]) => [
    ...computeEndpointState(
      { endpointId: 1, ingress: { entries, defaultDeny: true }, egress: { entries: [], defaultDeny: false } },
      ctx,
    ).state.policy.values(),
  ];

  it('an L3-only entry is one static-prefix key; a protocol-only entry one 8-bit key', () => {
    assert.deepEqual(
      keys([entry(0, 0, 65535)]).map((k) => k.key.prefixlen),
      [POLICY_KEY_STATIC_BITS],
    );
    assert.deepEqual(
      keys([entry(17, 0, 65535)]).map((k) => [k.key.prefixlen, k.value.l4PrefixLen]),
      [[POLICY_KEY_STATIC_BITS + 8, 8]],
    );
  });
  it('a deny under an allow splits the allow so every key carries its whole verdict', () => {
    const ks = keys([entry(6, 0, 1023), entry(6, 80, 80, true)]);
    const deny = ks.filter((k) => k.value.flags & POLICY_F_DENY);
    assert.deepEqual(
      deny.map((k) => [k.key.dport, k.key.prefixlen - POLICY_KEY_STATIC_BITS - 8]),
      [[80, 16]],
    );
    const covered = ks.flatMap((k) =>
      portRangePrefixes(k.key.dport, k.key.dport + 2 ** (16 - (k.key.prefixlen - 64)) - 1),
    );
    assert.equal(
      covered.reduce((n, b) => n + 2 ** (16 - b.bits), 0),
      1024,
      'the allow keys and the deny key tile 0-1023',
    );
  });
  it('a deny on any protocol makes protocol-specific allows of the same remote redundant', () => {
    const ks = keys([entry(0, 0, 65535, true), entry(6, 80, 80)]);
    assert.equal(ks.length, 1);
    assert.ok(ks[0]!.value.flags & POLICY_F_DENY);
  });
  it('default deny and allow-localhost become config flags; enforcement never writes nothing', () => {
    const r = computeEndpointState(
      {
        endpointId: 1,
        ingress: { entries: [entry(6, 80, 80)], defaultDeny: true, allowLocalhost: true },
        egress: { entries: [], defaultDeny: true, enforcement: 'never' },
      },
      ctx,
    );
    assert.equal(r.state.configFlags, 1 | 4);
    assert.equal(r.state.policy.size, 1);
  });
  it('rejects an endpoint id that is not a u16', () => {
    assert.throws(
      () =>
        computeEndpointState(
          {
            endpointId: 70000,
            ingress: { entries: [], defaultDeny: false },
            egress: { entries: [], defaultDeny: false },
          },
          ctx,
        ),
      /not a u16/,
    );
  });
});
