// One contract, two implementations: the kernel's BpfMap and the in-memory FakeMap must behave alike.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  BpfError,
  FakeMap,
  type KeyValueMap,
  type LxcDatapath,
  PolicyConfigCodec,
  PolicyConfigKeyCodec,
  type PolicyConfigValue,
  PolicyKeyCodec,
  type PolicyMapKey,
  type PolicyMapValue,
  PolicyValueCodec,
} from '../../src/datapath/index.js';
import { kernelSkipReason, loadTestDatapath } from './harness.js';

const CAPACITY = 8;

function code(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof BpfError) return e.code;
    throw e;
  }
  return undefined;
}

/** The suite every KeyValueMap implementation passes; `sample(i)` makes distinct keys and values. */
export function mapContract<K, V>(
  label: string,
  make: () => KeyValueMap<K, V>,
  sample: (i: number) => [K, V],
  opts: { skip?: string } = {},
): void {
  describe(`KeyValueMap contract: ${label}`, { skip: opts.skip }, () => {
    it('get returns what set wrote; absent keys give undefined', () => {
      const m = make();
      const [k, v] = sample(1);
      assert.equal(m.get(k), undefined);
      m.set(k, v);
      assert.deepEqual(m.get(k), v);
    });
    it("'any' replaces, 'noexist' refuses a present key, 'exist' refuses an absent one — and change nothing", () => {
      const m = make();
      const [k, v] = sample(1);
      const [, v2] = sample(2);
      const [k3, v3] = sample(3);
      m.set(k, v);
      m.set(k, v2, 'any');
      assert.deepEqual(m.get(k), v2);
      assert.equal(
        code(() => m.set(k, v, 'noexist')),
        'PORIN_BPF_EXISTS',
      );
      assert.deepEqual(m.get(k), v2);
      assert.equal(
        code(() => m.set(k3, v3, 'exist')),
        'PORIN_BPF_NOT_FOUND',
      );
      assert.equal(m.get(k3), undefined);
      m.set(k, v, 'exist');
      assert.deepEqual(m.get(k), v);
    });
    it('delete says whether the key was there', () => {
      const m = make();
      const [k, v] = sample(1);
      assert.equal(m.delete(k), false);
      m.set(k, v);
      assert.equal(m.delete(k), true);
      assert.equal(m.get(k), undefined);
      assert.equal(m.delete(k), false);
    });
    it('keys() and entries() list exactly what is in the map', () => {
      const m = make();
      const want = [1, 2, 3, 4].map(sample);
      for (const [k, v] of want) m.set(k, v);
      m.delete(want[1]![0]);
      const got = m.entries().map(([k, v]) => JSON.stringify([k, v]));
      const expected = [want[0]!, want[2]!, want[3]!].map(([k, v]) => JSON.stringify([k, v]));
      assert.deepEqual(got.sort(), expected.sort());
      assert.equal(m.keys().length, 3);
    });
    it('a new key in a full map fails with PORIN_BPF_MAP_FULL and changes nothing; replacing still works', () => {
      const m = make();
      assert.equal(m.maxEntries, CAPACITY);
      for (let i = 0; i < CAPACITY; i++) {
        const [k, v] = sample(i);
        m.set(k, v);
      }
      const [kx, vx] = sample(CAPACITY);
      assert.equal(
        code(() => m.set(kx, vx)),
        'PORIN_BPF_MAP_FULL',
      );
      assert.equal(m.get(kx), undefined);
      assert.equal(m.keys().length, CAPACITY);
      const [k0] = sample(0);
      const [, v1] = sample(1);
      m.set(k0, v1);
      assert.deepEqual(m.get(k0), v1);
    });
  });
}

const policySample = (i: number): [PolicyMapKey, PolicyMapValue] => [
  // full-length keys only: no key is a prefix of another, so an LPM lookup is an exact one
  { prefixlen: 80, remote: 1000 + i, endpointId: 3, direction: i % 2, protocol: 6, dport: 80 + i },
  { flags: i % 3, l4PrefixLen: 24, proxyPort: i, cookie: 100 + i },
];
const configSample = (i: number): [number, PolicyConfigValue] => [i + 1, { flags: i % 8 }];

mapContract(
  'FakeMap (LPM codecs)',
  () => new FakeMap('porin_policy', CAPACITY, PolicyKeyCodec, PolicyValueCodec),
  policySample,
);
mapContract(
  'FakeMap (hash codecs)',
  () => new FakeMap('porin_policy_cfg', CAPACITY, PolicyConfigKeyCodec, PolicyConfigCodec),
  configSample,
);

const skip = kernelSkipReason();
const opened: LxcDatapath[] = [];
after(() => {
  for (const d of opened) d.close();
});
function kernel(): LxcDatapath {
  const d = loadTestDatapath({ maxEntries: { porin_policy: CAPACITY, porin_policy_cfg: CAPACITY } });
  opened.push(d);
  return d;
}
mapContract('BpfMap porin_policy (LPM trie)', () => kernel().maps.policy, policySample, skip ? { skip } : {});
mapContract(
  'BpfMap porin_policy_cfg (hash)',
  () => kernel().maps.policyConfig,
  configSample,
  skip ? { skip } : {},
);
