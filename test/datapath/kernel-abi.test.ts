// The C headers are the one source of truth: every TS codec, constant and the drop-reason table must match them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as dp from '../../src/datapath/index.js';
import {
  BpfObject,
  type Btf,
  type Codec,
  CtEntryCodec,
  CtKeyCodec,
  DROP_REASONS,
  defaultLxcObjectPath,
  EndpointAddrKeyCodec,
  EndpointInfoCodec,
  IpcacheKeyCodec,
  IpcacheValueCodec,
  MetricsValueCodec,
  PolicyAddrKeyCodec,
  PolicyAddrValueCodec,
  PolicyConfigCodec,
  PolicyKeyCodec,
  PolicyValueCodec,
  PorinConfigCodec,
  PorinEventCodec,
  ProxyOrigKeyCodec,
  ProxyOrigValueCodec,
} from '../../src/datapath/index.js';

const bpfDir = fileURLToPath(new URL('../../../bpf/', import.meta.url));
const header = (name: string) => readFileSync(`${bpfDir}lib/${name}`, 'utf8');

/** #define NAME value (numbers only) from a header. */
function defines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?\b/gm))
    out.set(m[1]!, Number(m[2]!));
  return out;
}

const CODECS: Codec<unknown>[] = [
  PolicyKeyCodec,
  PolicyValueCodec,
  PolicyAddrKeyCodec,
  PolicyAddrValueCodec,
  PolicyConfigCodec,
  IpcacheKeyCodec,
  IpcacheValueCodec,
  EndpointInfoCodec,
  CtKeyCodec,
  CtEntryCodec,
  PorinEventCodec,
  PorinConfigCodec,
  MetricsValueCodec,
  EndpointAddrKeyCodec,
  ProxyOrigKeyCodec,
  ProxyOrigValueCodec,
] as Codec<unknown>[];

function checkStruct(btf: Btf, codec: Codec<unknown>, where: string): void {
  const s = btf.struct(codec.name);
  assert.ok(s, `struct ${codec.name} is not in the BTF of ${where}`);
  assert.equal(codec.size, s.size, `sizeof(struct ${codec.name}) in ${where}`);
  const cMembers = new Map(s.members.map((m) => [m.name, m]));
  for (const f of codec.fields) {
    const m = cMembers.get(f.name);
    assert.ok(m, `${codec.name}.${f.name}: no such C member`);
    assert.equal(m.bitfieldSize, 0, `${codec.name}.${f.name} is a bitfield`);
    assert.equal(f.offset, m.offset, `${codec.name}.${f.name} offset`);
    assert.equal(f.size, m.size, `${codec.name}.${f.name} size`);
  }
  const covered = new Set(codec.fields.map((f) => f.name));
  const missing = s.members.filter((m) => !covered.has(m.name) && !/^pad\d*$/.test(m.name));
  assert.deepEqual(
    missing.map((m) => m.name),
    [],
    `C members of ${codec.name} the codec does not know`,
  );
}

describe('kernel ABI: TypeScript codecs against BTF', () => {
  let lxc: BpfObject;
  let abi: BpfObject;
  let btf: Btf;
  // Opening parses the ELF and BTF only: no kernel, no root. abi.bpf.o holds every shared struct;
  // lxc.bpf.o (the object actually loaded) holds those its maps and globals use, and must agree.
  before(() => {
    lxc = BpfObject.open(defaultLxcObjectPath());
    abi = BpfObject.open(defaultLxcObjectPath().replace(/lxc\.bpf\.o$/, 'abi.bpf.o'));
    btf = lxc.btf();
  });
  after(() => {
    lxc?.close();
    abi?.close();
  });

  for (const codec of CODECS) {
    it(`struct ${codec.name}: size and every member's offset and size`, () => {
      checkStruct(abi.btf(), codec, 'abi.bpf.o');
      if (btf.struct(codec.name)) checkStruct(btf, codec, 'lxc.bpf.o');
    });
  }

  it('the .rodata config variable is where the loader patches it', () => {
    const v = btf.section(dp.CONFIG_SECTION)?.find((x) => x.name === dp.CONFIG_VARIABLE);
    assert.ok(v);
    assert.equal(v.size, PorinConfigCodec.size);
  });

  it('every map has the key and value sizes of its codecs', () => {
    const load = process.getuid?.() === 0;
    if (!load) return; // map sizes need a loaded object; the struct checks above already cover the layout
    using d = dp.LxcDatapath.load({ maxEntries: { porin_ct4: 64 } });
    assert.ok(d.maps.policy && d.maps.conntrack && d.maps.endpoints); // constructors throw on a mismatch
  });
});

describe('kernel ABI: constants and tables', () => {
  it('drop reasons: same names, codes and descriptions as bpf/lib/drop_reasons.h', () => {
    const c = [...header('drop_reasons.h').matchAll(/X\((\w+), (\d+), "([^"]*)"\)/g)].map((m) => ({
      code: Number(m[2]),
      name: m[1]!,
      description: m[3]!,
    }));
    assert.ok(c.length > 60);
    const ts = Object.entries(DROP_REASONS).map(([code, r]) => ({ code: Number(code), ...r }));
    assert.deepEqual(
      ts.sort((a, b) => a.code - b.code),
      c.sort((a, b) => a.code - b.code),
    );
  });

  it('policy.h: key layout bits, flags, config flags and match types', () => {
    const d = defines(header('policy.h'));
    assert.equal(d.get('POLICY_KEY_STATIC_BITS'), dp.POLICY_KEY_STATIC_BITS);
    assert.equal(d.get('POLICY_KEY_FULL_BITS'), dp.POLICY_KEY_FULL_BITS);
    assert.equal(d.get('POLICY_REMOTE_ADDR_CLASS'), dp.POLICY_REMOTE_ADDR_CLASS);
    assert.equal(d.get('POLICY_ADDR_KEY_STATIC_BITS'), dp.POLICY_ADDR_KEY_STATIC_BITS);
    assert.equal(d.get('POLICY_ADDR_KEY_FULL_BITS'), dp.POLICY_ADDR_KEY_FULL_BITS);
    assert.equal(d.get('POLICY_F_DENY'), dp.POLICY_F_DENY);
    assert.equal(d.get('POLICY_F_REDIRECT'), dp.POLICY_F_REDIRECT);
    assert.equal(d.get('POLICY_F_AUTH_REQUIRED'), dp.POLICY_F_AUTH_REQUIRED);
    assert.equal(d.get('POLICY_CFG_F_INGRESS_DEFAULT_DENY'), dp.POLICY_CFG_F_INGRESS_DEFAULT_DENY);
    assert.equal(d.get('POLICY_CFG_F_EGRESS_DEFAULT_DENY'), dp.POLICY_CFG_F_EGRESS_DEFAULT_DENY);
    assert.equal(d.get('POLICY_CFG_F_ALLOW_LOCALHOST'), dp.POLICY_CFG_F_ALLOW_LOCALHOST);
    const matchTypes = [...d].filter(([k]) => k.startsWith('POLICY_MATCH_'));
    assert.equal(matchTypes.length, dp.MATCH_TYPES.length);
    for (const [k, v] of matchTypes)
      assert.equal(dp.MATCH_TYPES[v], k.slice('POLICY_MATCH_'.length).toLowerCase().replace(/_/g, '-'));
  });

  it('common.h, conntrack.h, events.h, ipcache.h: directions, scopes, states, event types', () => {
    const common = defines(header('common.h'));
    assert.equal(common.get('DIR_INGRESS'), dp.DIR_INGRESS);
    assert.equal(common.get('DIR_EGRESS'), dp.DIR_EGRESS);
    const ct = defines(header('conntrack.h'));
    assert.equal(ct.get('CT_SCOPE_EGRESS'), dp.CT_SCOPE_EGRESS);
    assert.equal(ct.get('CT_SCOPE_INGRESS'), dp.CT_SCOPE_INGRESS);
    assert.equal(ct.get('CT_F_REPLY_SEEN'), dp.CT_F_REPLY_SEEN);
    assert.equal(ct.get('CT_F_PROXY_UPSTREAM'), dp.CT_F_PROXY_UPSTREAM);
    const states = [
      'CT_STATE_NONE',
      'CT_TCP_SYN_SENT',
      'CT_TCP_SYN_RECV',
      'CT_TCP_ESTABLISHED',
      'CT_TCP_FIN_WAIT',
      'CT_TCP_CLOSING',
    ];
    states.forEach((s, i) => {
      assert.equal(ct.get(s), i, s);
    });
    assert.equal(dp.CT_TCP_STATES.length, states.length);
    ['CT_NEW', 'CT_ESTABLISHED', 'CT_REPLY', 'CT_RELATED'].forEach((s, i) => {
      assert.equal(ct.get(s), i, s);
      assert.equal(dp.CT_STATUSES[i], s.slice(3).toLowerCase());
    });
    const ev = defines(header('events.h'));
    assert.equal(ev.get('EVENT_DROP'), dp.EVENT_DROP);
    assert.equal(ev.get('EVENT_TRACE'), dp.EVENT_TRACE);
    assert.equal(ev.get('EVENT_POLICY_VERDICT'), dp.EVENT_POLICY_VERDICT);
    assert.equal(ev.get('TRACE_TO_ENDPOINT'), dp.TRACE_TO_ENDPOINT);
    assert.equal(ev.get('TRACE_TO_PROXY'), dp.TRACE_TO_PROXY);
    assert.equal(ev.get('TRACE_FROM_ENDPOINT'), dp.TRACE_FROM_ENDPOINT);
    assert.equal(defines(header('ipcache.h')).get('IPCACHE_F_LOCAL_ENDPOINT'), dp.IPCACHE_F_LOCAL_ENDPOINT);
  });
});

describe('kernel ABI: the proxy redirect numbers', () => {
  it('proxy.h: marks, mask, routing table and rule preference are the ones TypeScript uses', () => {
    const d = defines(header('proxy.h'));
    assert.equal(d.get('PROXY_MARK_MASK'), dp.PROXY_MARK_MASK);
    assert.equal(d.get('PROXY_MARK_TO_PROXY'), dp.PROXY_MARK_TO_PROXY);
    assert.equal(d.get('PROXY_MARK_FROM_PROXY'), dp.PROXY_MARK_FROM_PROXY);
    assert.equal(d.get('PROXY_ROUTE_TABLE'), dp.PROXY_ROUTE_TABLE);
    assert.equal(d.get('PROXY_RULE_PREF'), dp.PROXY_RULE_PREF);
    assert.equal(dp.PROXY_MARK_TO_PROXY & dp.PROXY_MARK_MASK, dp.PROXY_MARK_TO_PROXY);
    assert.equal(dp.PROXY_MARK_FROM_PROXY & dp.PROXY_MARK_MASK, dp.PROXY_MARK_FROM_PROXY);
    assert.notEqual(dp.PROXY_MARK_FROM_PROXY & dp.PROXY_MARK_MASK, dp.PROXY_MARK_TO_PROXY);
  });
});
