// bpf/lib/lb.h is the one source of truth: the LB codecs and constants must match its BTF and defines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as dp from '../../src/datapath/index.js';
import { BpfObject, type Codec, defaultSockObjectPath } from '../../src/datapath/index.js';

const CODECS = [
  dp.Lb4KeyCodec,
  dp.Lb4ServiceCodec,
  dp.Lb4BackendCodec,
  dp.Lb4ReverseNatCodec,
  dp.Lb4AffinityKeyCodec,
  dp.Lb4AffinityCodec,
  dp.LbAffinityMatchCodec,
  dp.Lb4SkKeyCodec,
  dp.Lb4SkValueCodec,
  dp.LbNetnsCodec,
  dp.LbConfigCodec,
] as Codec<unknown>[];

const lbHeader = readFileSync(fileURLToPath(new URL('../../../bpf/lib/lb.h', import.meta.url)), 'utf8');

function defines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?\b/gm))
    out.set(m[1]!, Number(m[2]!));
  return out;
}

describe('LB ABI: codecs against the BTF of sock.bpf.o', () => {
  let obj: BpfObject;
  before(() => {
    obj = BpfObject.open(defaultSockObjectPath());
  });
  after(() => obj?.close());

  for (const codec of CODECS) {
    it(`struct ${codec.name}`, () => {
      const s = obj.btf().struct(codec.name);
      assert.ok(s, `struct ${codec.name} is not in sock.bpf.o`);
      assert.equal(codec.size, s.size, `sizeof(struct ${codec.name})`);
      const members = new Map(s.members.map((m) => [m.name, m]));
      for (const f of codec.fields) {
        const m = members.get(f.name);
        assert.ok(m, `${codec.name}.${f.name}: no such C member`);
        assert.equal(f.offset, m.offset, `${codec.name}.${f.name} offset`);
        assert.equal(f.size, m.size, `${codec.name}.${f.name} size`);
      }
      const covered = new Set(codec.fields.map((f) => f.name));
      assert.deepEqual(
        s.members.filter((m) => !covered.has(m.name) && !/^pad\d*$/.test(m.name)).map((m) => m.name),
        [],
        `C members of ${codec.name} the codec does not know`,
      );
    });
  }

  it('the .rodata config variable has the codec size', () => {
    const v = obj
      .btf()
      .section('.rodata')
      ?.find((x) => x.name === dp.LB_CONFIG_VARIABLE);
    assert.equal(v?.size, dp.LbConfigCodec.size);
  });

  it('flags, scopes, algorithms, states and table sizes agree with lb.h', () => {
    const d = defines(lbHeader);
    const pairs: Array<[string, number]> = [
      ['LB_SCOPE_EXT', dp.LB_SCOPE_EXT],
      ['LB_SCOPE_INT', dp.LB_SCOPE_INT],
      ['LB_F_NODEPORT', dp.LB_F_NODEPORT],
      ['LB_F_EXTERNAL_IP', dp.LB_F_EXTERNAL_IP],
      ['LB_F_LOADBALANCER', dp.LB_F_LOADBALANCER],
      ['LB_F_AFFINITY', dp.LB_F_AFFINITY],
      ['LB_F_TWO_SCOPES', dp.LB_F_TWO_SCOPES],
      ['LB_F_LOCAL_NONE', dp.LB_F_LOCAL_NONE],
      ['LB_ALG_RANDOM', dp.LB_ALG_RANDOM],
      ['LB_ALG_MAGLEV', dp.LB_ALG_MAGLEV],
      ['LB_BACKEND_ACTIVE', dp.LB_BACKEND_ACTIVE],
      ['LB_BACKEND_TERMINATING', dp.LB_BACKEND_TERMINATING],
      ['LB_NETNS_HOST', dp.LB_NETNS_HOST],
      ['LB_MAGLEV_LUT_SIZE', dp.LB_MAGLEV_LUT_SIZE],
      ['LB_MAGLEV_LUT_MAX', dp.LB_MAGLEV_LUT_MAX],
    ];
    for (const [name, value] of pairs) assert.equal(d.get(name), value, name);
  });
});
