// The reconciler against the kernel's maps: same resolved state as on the fakes, adoption after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type MapOp, SockLbDatapath } from '../../src/datapath/index.js';
import type { Backend, Frontend } from '../../src/services/index.js';
import { fakeLbMaps, type LbMapSet, LbReconciler } from '../../src/services/index.js';
import { IS_ROOT } from './lb-lab.js';

const MAGLEV = { tableSize: 251, seed: 11 };

function resolved(m: LbMapSet): string[] {
  const out: string[] = [];
  const byKey = new Map(m.services.entries().map(([k, v]) => [JSON.stringify(k), v]));
  for (const [k, v] of m.services.entries()) {
    if (k.slot !== 0) continue;
    const slots: string[] = [];
    for (let s = 1; s <= v.count; s++) {
      const b = m.backends.get(byKey.get(JSON.stringify({ ...k, slot: s }))!.backendId)!;
      slots.push(`${b.address}:${b.port}/${b.state}`);
    }
    const t = m.maglev.get(v.revNatIndex);
    const table = t ? [...t].map((id) => m.backends.get(id)?.address ?? '?').join(',') : '';
    out.push(
      `${k.address}:${k.dport}/${k.protocol}/${k.scope} f=${v.flags} a=${v.algorithm} [${slots.join(' ')}] ${table}`,
    );
  }
  return out.sort();
}

const be = (last: number): Backend => ({
  address: `10.244.1.${last}`,
  port: 80,
  protocol: 'TCP',
  state: 'active',
  nodeName: 'n1',
});

function fe(i: number, backends: number[], maglev: boolean): Frontend {
  return {
    service: { namespace: 'default', name: `s${i}` },
    portName: '',
    type: maglev ? 'LoadBalancer' : 'ClusterIP',
    address: maglev ? `192.0.2.${i + 1}` : `10.96.1.${i + 1}`,
    port: 80,
    protocol: 'TCP',
    backends: backends.map(be),
    draining: [],
    localOnlyEmpty: false,
    affinityTimeout: 0,
    algorithm: maglev ? 'maglev' : 'random',
  };
}

describe('LB reconciler on kernel maps', { skip: IS_ROOT ? false : 'needs root' }, () => {
  let lb: SockLbDatapath;
  before(() => {
    lb = SockLbDatapath.load({ maglevTableSize: MAGLEV.tableSize });
  });
  after(() => lb?.close());

  const clear = (m: LbMapSet) => {
    for (const k of m.services.keys()) m.services.delete(k);
    for (const k of m.backends.keys()) m.backends.delete(k);
    for (const k of m.reverseNat.keys()) m.reverseNat.delete(k);
    for (const k of m.affinityMatch.keys()) m.affinityMatch.delete(k);
    for (const id of m.maglev.ids()) m.maglev.delete(id);
  };

  it('random histories resolve the same in the kernel as in memory', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 4 }),
            fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 5 }),
            fc.boolean(),
          ),
          {
            minLength: 1,
            maxLength: 15,
          },
        ),
        (steps) => {
          clear(lb.maps);
          const kernel = new LbReconciler(lb.maps, MAGLEV);
          const fake = fakeLbMaps({ tableSize: MAGLEV.tableSize });
          const mem = new LbReconciler(fake, MAGLEV);
          for (const [i, backends, maglev] of steps) {
            const fs = backends.length === 0 && i % 2 === 0 ? [] : [fe(i, backends, maglev)];
            kernel.setService(`s${i}`, fs);
            mem.setService(`s${i}`, fs);
          }
          assert.deepEqual(kernel.status().errors, []);
          assert.deepEqual(resolved(lb.maps), resolved(fake));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a new reconciler adopts the kernel maps: no writes for what is already there', () => {
    clear(lb.maps);
    const r1 = new LbReconciler(lb.maps, MAGLEV);
    for (let i = 0; i < 5; i++) r1.setService(`s${i}`, [fe(i, [1, 2, 3], i % 2 === 0)]);
    const before = resolved(lb.maps);
    const r2 = new LbReconciler(lb.maps, MAGLEV);
    r2.adopt();
    for (let i = 0; i < 4; i++) r2.setService(`s${i}`, [fe(i, [1, 2, 3], i % 2 === 0)]);
    assert.equal(r2.status().writes, 0);
    assert.deepEqual(resolved(lb.maps), before);
    r2.finishResync();
    assert.equal(resolved(lb.maps).length, 4);
    assert.equal(lb.maps.maglev.ids().length, 2);
  });

  it('writes are logged in the same order as on the fakes', () => {
    clear(lb.maps);
    const log: MapOp[] = [];
    const mem = new LbReconciler(fakeLbMaps({ tableSize: MAGLEV.tableSize, log }), MAGLEV);
    const kernel = new LbReconciler(lb.maps, MAGLEV);
    for (const r of [mem, kernel]) {
      r.setService('s0', [fe(0, [1, 2], true)]);
      r.setService('s0', [fe(0, [2, 3, 4], true)]);
      r.deleteService('s0');
    }
    assert.equal(kernel.status().writes, mem.status().writes);
    assert.equal(resolved(lb.maps).length, 0);
    assert.ok(log.length > 0);
  });
});
