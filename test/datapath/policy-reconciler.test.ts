// The policy reconciler: minimal diffs, write ordering, capacity refusal, rollback, restart, engine agreement.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BpfError,
  type DesiredEndpointPolicy,
  type DirectionInput,
  FakeMap,
  type MapOp,
  POLICY_REMOTE_ADDR_CLASS,
  type PolicyAddrKey,
  PolicyAddrKeyCodec,
  PolicyAddrValueCodec,
  PolicyConfigCodec,
  PolicyConfigKeyCodec,
  PolicyKeyCodec,
  type PolicyMapKey,
  type PolicyMaps,
  PolicyReconciler,
  PolicyValueCodec,
} from '../../src/datapath/index.js';
import { parseIP } from '../../src/net/cidr.js';
import { DirectionPolicy, type PolicyEntry } from '../../src/policy/index.js';
import { allow, deny, dirPolicy, OPEN } from './fixtures.js';
import { type MapContents, modelLookups, modelVerdict, type Query } from './policy-model.js';

function fakeMaps(
  capacity = { policy: 1000, addr: 100, config: 100 },
  failWrite?: (op: MapOp) => BpfError | undefined,
) {
  const log: MapOp[] = [];
  const o = { log, ...(failWrite ? { failWrite } : {}) };
  const maps = {
    policy: new FakeMap('porin_policy', capacity.policy, PolicyKeyCodec, PolicyValueCodec, o),
    addr: new FakeMap('porin_policy_addr', capacity.addr, PolicyAddrKeyCodec, PolicyAddrValueCodec, o),
    config: new FakeMap('porin_policy_cfg', capacity.config, PolicyConfigKeyCodec, PolicyConfigCodec, o),
  };
  return { maps, log };
}

function contents(maps: PolicyMaps): MapContents {
  return { policy: maps.policy.entries(), addr: maps.addr.entries(), config: maps.config.entries() };
}

/** Replays a log prefix onto copies of the maps' starting contents. */
function replay(start: MapContents, ops: readonly MapOp[]): MapContents {
  const id = (k: unknown) => JSON.stringify(k);
  const tables = {
    porin_policy: new Map(start.policy.map(([k, v]) => [id(k), [k, v]] as const)),
    porin_policy_addr: new Map(start.addr.map(([k, v]) => [id(k), [k, v]] as const)),
    porin_policy_cfg: new Map(start.config.map(([k, v]) => [id(k), [k, v]] as const)),
  } as Record<string, Map<string, readonly [unknown, unknown]>>;
  for (const op of ops) {
    const t = tables[op.map]!;
    if (op.op === 'set') t.set(id(op.key), [op.key, op.value]);
    else t.delete(id(op.key));
  }
  return {
    policy: [...tables.porin_policy!.values()] as MapContents['policy'],
    addr: [...tables.porin_policy_addr!.values()] as MapContents['addr'],
    config: [...tables.porin_policy_cfg!.values()] as MapContents['config'],
  };
}

const EP = 5;
const desired = (ingress: DirectionInput, egress: DirectionInput = OPEN): DesiredEndpointPolicy => ({
  endpointId: EP,
  ingress,
  egress,
});

const QUERIES: Query[] = [];
for (const remoteIdentity of [1, 2, 2000, 3000])
  for (const remoteAddr of ['10.1.2.3', '10.9.9.9', '192.168.1.1'])
    for (const [protocol, port] of [
      [6, 80],
      [6, 443],
      [6, 8080],
      [17, 53],
      [1, 8],
    ] as const)
      for (const direction of ['ingress', 'egress'] as const)
        QUERIES.push({ endpointId: EP, direction, remoteIdentity, remoteAddr, protocol, port });

describe('PolicyReconciler', () => {
  it('writes only the difference, and nothing when nothing changed', () => {
    const { maps, log } = fakeMaps();
    const rec = new PolicyReconciler(maps);
    const a = desired(
      dirPolicy([allow('ingress', 2000, { ports: 80 }), allow('ingress', 3000, { ports: [8000, 8100] })]),
    );
    const r1 = rec.reconcile(a);
    assert.ok(r1.ok);
    assert.equal(r1.added, maps.policy.size + maps.addr.size);
    assert.equal(log.length, r1.added + 1, 'entries plus the config');
    log.length = 0;
    const r2 = rec.reconcile(a);
    assert.deepEqual([r2.added, r2.updated, r2.deleted, log.length], [0, 0, 0, 0]);
    const b = desired(dirPolicy([...a.ingress.entries, allow('ingress', 2000, { ports: 443 })]));
    const r3 = rec.reconcile(b);
    assert.deepEqual([r3.added, r3.updated, r3.deleted], [1, 0, 0]);
    assert.equal(log.length, 1);
    assert.equal((log[0]!.key as PolicyMapKey).dport, 443);
  });

  it('orders writes: policy sets, address sets, config, reachable deletes, address deletes, dead-class deletes', () => {
    const { maps, log } = fakeMaps();
    const rec = new PolicyReconciler(maps);
    rec.reconcile(
      desired(
        dirPolicy(
          [allow('ingress', 2000, { ports: 80 }), allow('ingress', '10.1.0.0/16', { ports: 22 })],
          false,
        ),
      ),
    );
    log.length = 0;
    rec.reconcile(
      desired(
        dirPolicy(
          [allow('ingress', 3000, { ports: 80 }), allow('ingress', '10.9.0.0/16', { ports: 22 })],
          true,
        ),
      ),
    );
    const published = new Set(maps.addr.entries().map(([, v]) => POLICY_REMOTE_ADDR_CLASS + v.addrClass));
    const phase = (op: MapOp) => {
      if (op.op === 'set') return { porin_policy: 0, porin_policy_addr: 1, porin_policy_cfg: 3 }[op.map]!;
      if (op.map === 'porin_policy_addr') return 5;
      const remote = (op.key as PolicyMapKey).remote;
      return remote < POLICY_REMOTE_ADDR_CLASS || published.has(remote) ? 4 : 6;
    };
    const phases = log.map(phase);
    assert.deepEqual(
      phases,
      [...phases].sort((x, y) => x - y),
      `write order: ${phases.join(',')}`,
    );
    assert.deepEqual([...new Set(phases)], [0, 1, 3, 4, 5, 6]);
  });

  it('between any two writes, each lookup of every flow answers as the old or the new policy does', () => {
    fc.assert(
      fc.property(policyArb, policyArb, (p1, p2) => {
        const { maps, log } = fakeMaps();
        const rec = new PolicyReconciler(maps, { proxyPort: () => 15001 });
        assert.ok(rec.reconcile(p1).ok);
        const start = contents(maps);
        log.length = 0;
        assert.ok(rec.reconcile(p2).ok);
        const end = contents(maps);
        for (let i = 0; i <= log.length; i++) {
          const mid = replay(start, log.slice(0, i));
          for (const q of QUERIES) {
            const now = modelLookups(mid, q);
            const before = modelLookups(start, q);
            const after = modelLookups(end, q);
            for (const k of ['l3', 'l4', 'addr', 'config'] as const) {
              if (now[k] !== before[k] && now[k] !== after[k]) {
                assert.fail(
                  `after write ${i}/${log.length}, ${k} lookup of ${JSON.stringify(q)}: ${now[k]}, old ${before[k]}, new ${after[k]}`,
                );
              }
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a policy that does not fit, whole, and keeps the previous one', () => {
    const { maps, log } = fakeMaps({ policy: 6, addr: 10, config: 10 });
    const rec = new PolicyReconciler(maps);
    const small = desired(dirPolicy([allow('ingress', 2000, { ports: 80 })]));
    assert.ok(rec.reconcile(small).ok);
    const before = contents(maps);
    log.length = 0;
    const big = desired(dirPolicy([allow('ingress', 2000, { ports: [1, 1000] })]));
    const r = rec.reconcile(big);
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'PORIN_DP_POLICY_CAPACITY');
    assert.match(
      r.error!.message,
      /endpoint 5: policy refused: it needs \d+ new entries in porin_policy, which holds 1 of 6/,
    );
    assert.equal(log.length, 0, 'nothing written');
    assert.deepEqual(contents(maps), before);
    assert.equal(rec.status()[0]?.ok, false);
    // a second endpoint that does not fit is refused too, and the first one is untouched
    const other = rec.reconcile({ endpointId: 6, ingress: big.ingress, egress: OPEN });
    assert.equal(other.error?.code, 'PORIN_DP_POLICY_CAPACITY');
    assert.equal(maps.config.get(6), undefined, 'no config: the endpoint stays closed');
  });

  it('counts the peak (adds before deletes) against capacity', () => {
    const { maps } = fakeMaps({ policy: 3, addr: 10, config: 10 });
    const rec = new PolicyReconciler(maps);
    assert.ok(
      rec.reconcile(
        desired(dirPolicy([allow('ingress', 2000, { ports: 80 }), allow('ingress', 2001, { ports: 80 })])),
      ).ok,
    );
    const swap = rec.reconcile(
      desired(dirPolicy([allow('ingress', 3000, { ports: 80 }), allow('ingress', 3001, { ports: 80 })])),
    );
    assert.equal(
      swap.error?.code,
      'PORIN_DP_POLICY_CAPACITY',
      '2 in use + 2 new > 3, although 2 would remain',
    );
  });

  it('rolls back when a write fails midway', () => {
    let writes = 0;
    let failAt = Number.POSITIVE_INFINITY;
    const { maps } = fakeMaps(undefined, () =>
      ++writes === failAt ? new BpfError('bpf_map_update_elem', 12, 'injected') : undefined,
    );
    const rec = new PolicyReconciler(maps);
    assert.ok(rec.reconcile(desired(dirPolicy([allow('ingress', 2000, { ports: 80 })]))).ok);
    const before = contents(maps);
    writes = 0;
    failAt = 3;
    const r = rec.reconcile(desired(dirPolicy([allow('ingress', 3000, { ports: [80, 90] })])));
    assert.equal(r.error?.code, 'PORIN_DP_POLICY_WRITE');
    assert.match(r.error!.message, /rolled back/);
    assert.deepEqual(contents(maps), before);
    failAt = Number.POSITIVE_INFINITY;
    assert.ok(
      rec.reconcile(desired(dirPolicy([allow('ingress', 3000, { ports: [80, 90] })]))).ok,
      'a retry succeeds',
    );
  });

  it('keeps address classes stable, so adding a prefix does not rewrite the others', () => {
    const { maps, log } = fakeMaps();
    const rec = new PolicyReconciler(maps);
    rec.reconcile(desired(dirPolicy([allow('ingress', '10.1.0.0/16', { ports: 80 })])));
    const firstClass = maps.addr.entries()[0]![1].addrClass;
    log.length = 0;
    rec.reconcile(
      desired(
        dirPolicy([allow('ingress', '10.1.0.0/16', { ports: 80 }), allow('ingress', '192.168.0.0/24')]),
      ),
    );
    const cls = new Map(maps.addr.entries().map(([k, v]) => [k.addr, v.addrClass]));
    assert.equal(cls.get('10.1.0.0'), firstClass);
    assert.ok(
      log.every(
        (op) =>
          op.op === 'set' &&
          (op.map !== 'porin_policy_addr' || (op.key as PolicyAddrKey).addr === '192.168.0.0'),
      ),
    );
  });

  it('adopts existing map contents after a restart (resync), rewriting only cookies in place', () => {
    const { maps, log } = fakeMaps();
    const want = desired(
      dirPolicy([
        allow('ingress', 2000, { ports: 80 }),
        allow('ingress', '10.1.0.0/16', { ports: [1000, 2000] }),
      ]),
      dirPolicy([deny('egress', 0, { ports: 25 })], false),
    );
    new PolicyReconciler(maps).reconcile(want);
    const next = new PolicyReconciler(maps);
    next.resync();
    assert.deepEqual(next.usage().policy.used, maps.policy.size);
    log.length = 0;
    const r = next.reconcile(want);
    assert.ok(r.ok);
    assert.equal(r.added, 0);
    assert.equal(r.deleted, 0);
    assert.ok(log.every((op) => op.op === 'set' && op.map === 'porin_policy'));
    log.length = 0;
    assert.equal(next.reconcile(want).updated, 0);
    assert.equal(log.length, 0);
  });

  it('remove() closes the endpoint first (config), then deletes its entries; sync() removes unlisted endpoints', () => {
    const { maps, log } = fakeMaps();
    const rec = new PolicyReconciler(maps);
    rec.reconcile(desired(dirPolicy([allow('ingress', '10.0.0.0/8', { ports: 80 })])));
    const nine = { endpointId: 9, ingress: dirPolicy([allow('ingress', 2000)]), egress: OPEN };
    rec.reconcile(nine);
    log.length = 0;
    const results = rec.sync([nine]);
    assert.ok(results.every((r) => r.ok));
    assert.equal(log[0]?.map, 'porin_policy_cfg');
    assert.ok(log.every((op) => op.op === 'delete'));
    assert.equal(maps.config.get(EP), undefined);
    assert.ok(maps.policy.keys().every((k) => k.endpointId === 9));
    assert.equal(maps.addr.size, 0);
    assert.equal(rec.usage().endpoints, 1);
  });

  it('writes no entry for a DNS name (its learned addresses carry FQDN identities of their own) and warns about IPv6, which falls to default deny', () => {
    const { maps } = fakeMaps();
    const rec = new PolicyReconciler(maps);
    const v6 = parseIP('fd00::1');
    assert.ok(v6.ok);
    const entries: PolicyEntry[] = [
      { ...allow('egress', 0, { ports: 443 }), peer: { kind: 'fqdn', matchName: 'example.com' } },
      {
        ...allow('egress', 0, { ports: 443 }),
        peer: { kind: 'prefix', prefix: { family: 6, addr: v6.value.addr, bits: 128 } },
      },
    ];
    const r = rec.reconcile(desired(OPEN, dirPolicy(entries)));
    assert.ok(r.ok);
    assert.deepEqual(r.warnings, ['egress: 1 IPv6 address entries skipped (the datapath is IPv4-only)']);
    assert.equal(maps.policy.size, 0);
  });
});

// ---- the kernel's verdict (model over the written maps) equals the policy engine's ------------------

const IDS = [0, 1, 2, 2000, 3000];
const PREFIXES = ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3/32'];
const PORTS = [0, 1, 53, 79, 80, 81, 443, 1024, 8080, 65535];

const entryArb = fc
  .record({
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    peer: fc.oneof(fc.constantFrom(...IDS), fc.constantFrom(...PREFIXES)),
    protocol: fc.constantFrom(0, 6, 6, 17, 1),
    lo: fc.constantFrom(...PORTS),
    span: fc.constantFrom(0, 0, 1, 3, 100, 65535),
    deny: fc.boolean(),
    l7: fc.boolean(),
  })
  .map((r) => {
    const hi = Math.min(65535, r.lo + r.span);
    const o = {
      protocol: r.protocol,
      ports: [r.lo, hi] as [number, number],
      l7: r.l7 && !r.deny && r.protocol !== 0,
    };
    return r.deny ? deny(r.direction, r.peer, o) : allow(r.direction, r.peer, o);
  });

const policyArb = fc
  .record({
    entries: fc.array(entryArb, { maxLength: 8 }),
    ingressDD: fc.boolean(),
    egressDD: fc.boolean(),
    localhost: fc.boolean(),
  })
  .map((p) =>
    desired(
      dirPolicy(
        p.entries.filter((e) => e.direction === 'ingress'),
        p.ingressDD,
        p.localhost,
      ),
      dirPolicy(
        p.entries.filter((e) => e.direction === 'egress'),
        p.egressDD,
      ),
    ),
  );

describe('kernel verdicts agree with the policy engine', () => {
  it('for random entries (identities, wildcards, address blocks, ranges, deny, L7) and flows', () => {
    fc.assert(
      fc.property(policyArb, (want) => {
        const { maps } = fakeMaps({ policy: 100000, addr: 1000, config: 10 });
        const rec = new PolicyReconciler(maps, { proxyPort: () => 15001 });
        const r = rec.reconcile(want);
        assert.ok(r.ok, r.error?.message);
        const m = contents(maps);
        for (const direction of ['ingress', 'egress'] as const) {
          const input = want[direction];
          const engine = new DirectionPolicy(
            direction,
            input.entries,
            true,
            input.defaultDeny,
            [],
            'default',
            input.allowLocalhost ?? false,
          );
          for (const identity of [1, 2, 2000, 3000, 4000])
            for (const addr of ['10.1.2.3', '10.1.2.4', '10.1.3.1', '10.2.0.1', '192.168.0.1'])
              for (const protocol of [6, 17, 1])
                for (const port of [0, 53, 80, 81, 443, 8080, 65535]) {
                  const ip = parseIP(addr);
                  assert.ok(ip.ok);
                  const expected = engine.decide(
                    { identity, family: 4, addr: ip.value.addr },
                    protocol,
                    port,
                  ).verdict;
                  const got = modelVerdict(m, {
                    endpointId: EP,
                    direction,
                    remoteIdentity: identity,
                    remoteAddr: addr,
                    protocol,
                    port,
                  });
                  if (got !== expected) {
                    assert.fail(
                      `${direction} ${identity}/${addr} proto ${protocol} port ${port}: kernel ${got}, engine ${expected}`,
                    );
                  }
                }
        }
      }),
      { numRuns: 200 },
    );
  });
});
