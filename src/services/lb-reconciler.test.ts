// LbReconciler: every intermediate map state is consistent, final state is exact, diffs are minimal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LB_F_TWO_SCOPES, LB_SCOPE_INT, type MapOp } from '../datapath/index.js';
import type { Backend, Frontend } from './frontend.js';
import { fakeLbMaps, type LbMapSet } from './lb-map-set.js';
import { LbReconciler } from './lb-reconciler.js';

const MAGLEV = { tableSize: 251, seed: 7 };

/** What a datapath lookup could trip over, checked against the maps as they are right now. */
function violations(m: LbMapSet): string[] {
  const out: string[] = [];
  const services = m.services.entries();
  const byKey = new Map(services.map(([k, v]) => [JSON.stringify(k), v]));
  for (const [k, v] of services) {
    if (k.slot !== 0) continue;
    for (let s = 1; s <= v.count; s++) {
      const slot = byKey.get(JSON.stringify({ ...k, slot: s }));
      if (!slot) out.push(`${k.address}:${k.dport} scope ${k.scope}: slot ${s} of ${v.count} missing`);
      else if (!m.backends.get(slot.backendId)) out.push(`slot ${s} names missing backend ${slot.backendId}`);
    }
    if (v.flags & LB_F_TWO_SCOPES && !byKey.get(JSON.stringify({ ...k, scope: LB_SCOPE_INT })))
      out.push(`${k.address}:${k.dport}: two scopes without an internal entry`);
    if (!m.reverseNat.get(v.revNatIndex))
      out.push(`${k.address}:${k.dport}: no reverse NAT ${v.revNatIndex}`);
    if (v.algorithm === 2) {
      const t = m.maglev.get(v.revNatIndex);
      if (!t) out.push(`${k.address}:${k.dport}: maglev without a table`);
      else if (t.some((id) => !m.backends.get(id))) out.push(`maglev table names a missing backend`);
    }
  }
  return out;
}

/** Fake maps that check the invariants after every single write. */
function checkedMaps(log: MapOp[] = []): { maps: LbMapSet; log: MapOp[]; problems: string[] } {
  const maps = fakeLbMaps({ tableSize: MAGLEV.tableSize, log });
  const problems: string[] = [];
  for (const name of ['services', 'backends', 'reverseNat', 'affinityMatch', 'maglev'] as const) {
    const target = maps[name] as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const op of ['set', 'delete']) {
      const orig = target[op]!.bind(target);
      target[op] = (...args: unknown[]) => {
        const r = orig(...args);
        problems.push(...violations(maps));
        return r;
      };
    }
  }
  return { maps, log, problems };
}

const be = (last: number, state: Backend['state'] = 'active', nodeName = 'n1'): Backend => ({
  address: `10.244.0.${last}`,
  port: 8080,
  protocol: 'TCP',
  state,
  nodeName,
});

function fe(over: Partial<Frontend> = {}): Frontend {
  return {
    service: { namespace: 'default', name: 'web' },
    portName: 'http',
    type: 'ClusterIP',
    address: '10.96.0.50',
    port: 80,
    protocol: 'TCP',
    backends: [be(1), be(2)],
    draining: [],
    localOnlyEmpty: false,
    affinityTimeout: 0,
    algorithm: 'random',
    ...over,
  };
}

describe('LbReconciler', () => {
  test('writes a frontend, then nothing when nothing changed', () => {
    const { maps, log, problems } = checkedMaps();
    const r = new LbReconciler(maps, MAGLEV);
    r.setService('default/web', [fe()]);
    assert.deepEqual(problems, []);
    assert.equal(maps.services.entries().length, 3);
    assert.equal(maps.backends.entries().length, 2);
    const n = log.length;
    r.setService('default/web', [fe()]);
    assert.equal(log.length, n, 'no write for an unchanged service');
    assert.equal(r.status().frontends, 1);
  });

  test('growing and shrinking the backend set keeps every intermediate state consistent', () => {
    const { maps, problems } = checkedMaps();
    const r = new LbReconciler(maps, MAGLEV);
    r.setService('s', [fe({ backends: [be(1)] })]);
    r.setService('s', [fe({ backends: [be(1), be(2), be(3), be(4)] })]);
    r.setService('s', [fe({ backends: [be(4)] })]);
    r.setService('s', [fe({ backends: [] })]);
    assert.deepEqual(problems, []);
    assert.equal(maps.backends.entries().length, 0, 'unused backends are deleted');
    const master = maps.services.entries().find(([k]) => k.slot === 0)!;
    assert.equal(master[1].count, 0, 'a frontend with no backend stays (it refuses)');
    r.deleteService('s');
    assert.equal(maps.services.entries().length, 0);
    assert.equal(maps.reverseNat.entries().length, 0);
    assert.equal(maps.affinityMatch.entries().length, 0);
  });

  test('two scopes: the internal entry exists before the flag and goes after it', () => {
    const { maps, problems } = checkedMaps();
    const r = new LbReconciler(maps, MAGLEV);
    const np = (local: boolean) =>
      fe({
        type: 'NodePort',
        address: '192.168.7.2',
        port: 30080,
        backends: local ? [be(1)] : [be(1), be(2, 'active', 'n2')],
        ...(local ? { internalBackends: [be(1), be(2, 'active', 'n2')] } : {}),
      });
    r.setService('s', [np(false)]);
    r.setService('s', [np(true)]);
    assert.ok(maps.services.entries().some(([k]) => k.scope === LB_SCOPE_INT));
    r.setService('s', [np(false)]);
    assert.ok(!maps.services.entries().some(([k]) => k.scope === LB_SCOPE_INT));
    assert.deepEqual(problems, []);
  });

  test('Maglev tables for external frontends only, replaced with the backend set', () => {
    const { maps, problems } = checkedMaps();
    const r = new LbReconciler(maps, MAGLEV);
    r.setService('s', [
      fe({ algorithm: 'maglev' }),
      fe({ algorithm: 'maglev', type: 'LoadBalancer', address: '192.0.2.10' }),
    ]);
    assert.equal(maps.maglev.ids().length, 1, 'no table for the ClusterIP frontend');
    const [id] = maps.maglev.ids();
    const t1 = maps.maglev.get(id!)!;
    assert.equal(new Set(t1).size, 2);
    r.setService('s', [
      fe({
        algorithm: 'maglev',
        type: 'LoadBalancer',
        address: '192.0.2.10',
        backends: [be(1), be(2), be(3)],
      }),
    ]);
    assert.equal(new Set(maps.maglev.get(id!)!).size, 3);
    r.setService('s', [fe({ type: 'LoadBalancer', address: '192.0.2.10' })]);
    assert.equal(maps.maglev.ids().length, 0);
    assert.deepEqual(problems, []);
  });

  test('a backend shared by two services is written once, kept until its last user goes', () => {
    const { maps } = checkedMaps();
    const r = new LbReconciler(maps, MAGLEV);
    r.setService('a', [fe()]);
    r.setService('b', [fe({ address: '10.96.0.51', service: { namespace: 'default', name: 'b' } })]);
    assert.equal(maps.backends.entries().length, 2);
    r.deleteService('a');
    assert.equal(maps.backends.entries().length, 2);
    r.deleteService('b');
    assert.equal(maps.backends.entries().length, 0);
  });

  test('terminating backends stay in the backends map with their state, outside the slots', () => {
    const { maps } = checkedMaps();
    const r = new LbReconciler(maps, MAGLEV);
    r.setService('s', [fe({ backends: [be(1)], draining: [be(2, 'terminating')] })]);
    const states = maps.backends
      .entries()
      .map(([, b]) => `${b.address}=${b.state}`)
      .sort();
    assert.deepEqual(states, ['10.244.0.1=0', '10.244.0.2=1']);
    assert.equal(maps.services.entries().length, 2);
  });

  test('a frontend two services claim stays with the first; the second takes over when it goes', () => {
    const { maps } = checkedMaps();
    const r = new LbReconciler(maps, MAGLEV);
    const ext = (name: string, last: number) =>
      fe({
        type: 'ExternalIP',
        address: '203.0.113.5',
        service: { namespace: 'default', name },
        backends: [be(last)],
      });
    r.setService('default/a', [ext('a', 1)]);
    r.setService('default/b', [ext('b', 2)]);
    assert.deepEqual(r.status().conflicts, ['default/b: 203.0.113.5:80/TCP']);
    assert.deepEqual(
      maps.backends.entries().map(([, b]) => b.address),
      ['10.244.0.1'],
    );
    r.deleteService('default/a');
    assert.deepEqual(
      maps.backends.entries().map(([, b]) => b.address),
      ['10.244.0.2'],
    );
    assert.deepEqual(r.status().conflicts, []);
  });

  test('a frontend that does not fit is refused whole; the others stay', () => {
    const maps = fakeLbMaps({ tableSize: 251, capacity: 4 });
    const r = new LbReconciler(maps, MAGLEV);
    r.setService('a', [fe({ backends: [be(1)] })]);
    r.setService('b', [fe({ address: '10.96.0.51', backends: [be(1), be(2), be(3)] })]);
    assert.equal(maps.services.entries().length, 2);
    assert.match(r.status().errors.at(-1)!, /refused: needs 4 service entries \(2 free\)/);
    assert.equal(r.status().failing.length, 1);
    assert.equal(maps.reverseNat.entries().length, 1);
    // Once it fits (fewer backends), it is written and no longer failing; the history stays.
    r.setService('b', [fe({ address: '10.96.0.51', backends: [be(2)] })]);
    assert.deepEqual(r.status().failing, []);
    assert.equal(maps.services.entries().length, 4);
    assert.equal(r.status().errors.length, 1);
  });

  test('after a restart, adopting the maps keeps ids and writes nothing for unchanged services', () => {
    const log: MapOp[] = [];
    const maps = fakeLbMaps({ tableSize: 251, log });
    const r1 = new LbReconciler(maps, MAGLEV);
    r1.setService('a', [fe({ algorithm: 'maglev', type: 'NodePort', address: '192.168.7.2', port: 30080 })]);
    r1.setService('b', [fe({ address: '10.96.0.51', backends: [be(3)] })]);
    r1.setService('c', [fe({ address: '10.96.0.52', backends: [be(4)] })]);
    const before = JSON.stringify(maps.services.entries());
    const r2 = new LbReconciler(maps, MAGLEV);
    r2.adopt();
    const n = log.length;
    r2.setService('a', [fe({ algorithm: 'maglev', type: 'NodePort', address: '192.168.7.2', port: 30080 })]);
    r2.setService('b', [fe({ address: '10.96.0.51', backends: [be(3)] })]);
    assert.equal(log.length, n, 'unchanged services: no writes');
    assert.equal(JSON.stringify(maps.services.entries()), before);
    r2.finishResync(); // c was deleted while the agent was away
    assert.ok(!maps.reverseNat.entries().some(([, v]) => v.address === '10.96.0.52'));
    assert.ok(!maps.backends.entries().some(([, v]) => v.address === '10.244.0.4'));
    assert.equal(r2.status().frontends, 2);
  });

  test('random service histories: consistent at every write, and equal to a from-scratch build', () => {
    const backendArb = fc.record({
      last: fc.integer({ min: 1, max: 12 }),
      state: fc.constantFrom<Backend['state']>('active', 'terminating'),
      node: fc.constantFrom('n1', 'n2'),
    });
    const frontendArb = fc.record({
      svc: fc.integer({ min: 0, max: 3 }),
      port: fc.constantFrom(80, 81),
      type: fc.constantFrom<Frontend['type']>('ClusterIP', 'NodePort', 'LoadBalancer'),
      backends: fc.uniqueArray(backendArb, { selector: (b) => b.last, maxLength: 6 }),
      local: fc.boolean(),
      maglev: fc.boolean(),
      affinity: fc.constantFrom(0, 30),
    });
    const build = (x: FrontendSpec): Frontend => {
      const all = x.backends.map((b) => be(b.last, b.state, b.node));
      const active = all.filter((b) => b.state === 'active');
      const local = active.filter((b) => b.nodeName === 'n1');
      return fe({
        service: { namespace: 'default', name: `s${x.svc}` },
        type: x.type,
        address: x.type === 'ClusterIP' ? `10.96.0.${x.svc + 1}` : `192.0.2.${x.svc + 1}`,
        port: x.port,
        backends: x.local && x.type !== 'ClusterIP' ? local : active,
        ...(x.local && x.type !== 'ClusterIP' ? { internalBackends: active } : {}),
        draining: all.filter((b) => b.state === 'terminating'),
        algorithm: x.maglev ? 'maglev' : 'random',
        affinityTimeout: x.affinity,
        localOnlyEmpty: x.local && x.type !== 'ClusterIP' && local.length === 0 && active.length > 0,
      });
    };
    fc.assert(
      fc.property(
        fc.array(fc.array(frontendArb, { maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        (steps) => {
          const { maps, problems } = checkedMaps();
          const r = new LbReconciler(maps, MAGLEV);
          const last = new Map<string, Frontend[]>();
          for (const step of steps) {
            const bySvc = new Map<string, Frontend[]>();
            for (const x of step) {
              const f = build(x);
              const list = bySvc.get(`s${x.svc}`) ?? [];
              if (!list.some((o) => o.address === f.address && o.port === f.port)) list.push(f);
              bySvc.set(`s${x.svc}`, list);
            }
            for (let s = 0; s < 4; s++) {
              const fs = bySvc.get(`s${s}`) ?? [];
              r.setService(`s${s}`, fs);
              last.set(`s${s}`, fs);
            }
          }
          assert.deepEqual(problems, []);
          const fresh = fakeLbMaps({ tableSize: MAGLEV.tableSize });
          const r2 = new LbReconciler(fresh, MAGLEV);
          for (const [s, fs] of last) r2.setService(s, fs);
          // Ids may differ between the two histories; compare what a lookup resolves to.
          assert.deepEqual(resolved(maps), resolved(fresh));
        },
      ),
      { numRuns: 150 },
    );
  });
});

interface FrontendSpec {
  svc: number;
  port: number;
  type: Frontend['type'];
  backends: Array<{ last: number; state: Backend['state']; node: string }>;
  local: boolean;
  maglev: boolean;
  affinity: number;
}

/** Every frontend as a lookup sees it: flags, count, the backends of its slots (by address). */
function resolved(m: LbMapSet): string[] {
  const out: string[] = [];
  const byKey = new Map(m.services.entries().map(([k, v]) => [JSON.stringify(k), v]));
  for (const [k, v] of m.services.entries()) {
    if (k.slot !== 0) continue;
    const slots: string[] = [];
    for (let s = 1; s <= v.count; s++) {
      const id = byKey.get(JSON.stringify({ ...k, slot: s }))!.backendId;
      const b = m.backends.get(id)!;
      slots.push(`${b.address}:${b.port}/${b.state}`);
    }
    const rn = m.reverseNat.get(v.revNatIndex)!;
    const t = m.maglev.get(v.revNatIndex);
    const table = t ? [...t].map((id) => m.backends.get(id)!.address).join(',') : '';
    out.push(
      `${k.address}:${k.dport}/${k.protocol}/${k.scope} f=${v.flags} a=${v.algorithm} t=${v.affinityTimeout} rn=${rn.address}:${rn.port} [${slots.join(' ')}] ${table}`,
    );
  }
  const backends = m.backends.entries().map(([, b]) => `${b.address}:${b.port}=${b.state}`);
  return [...out.sort(), ...backends.sort()];
}
