import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode, field, formatIPv4, parseIPv4, struct } from './codec.js';

const Demo = struct('demo', 16, {
  a: field.u8(0),
  port: field.be16(2),
  id: field.u32(4),
  addr: field.ipv4(8),
  neg: field.i32(12),
});

describe('codec', () => {
  it('encodes at the stated offsets, network order for be16/ipv4, zeroed padding', () => {
    const bytes = encode(Demo, { a: 1, port: 0x1f90, id: 0x01020304, addr: '10.0.0.1', neg: -2 });
    assert.deepEqual([...bytes], [1, 0, 0x1f, 0x90, 4, 3, 2, 1, 10, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff]);
    assert.deepEqual(decode(Demo, bytes), { a: 1, port: 8080, id: 0x01020304, addr: '10.0.0.1', neg: -2 });
  });
  it('names C members in snake_case unless told, and lists them for the BTF check', () => {
    const s = struct('x', 8, {
      endpointId: field.u16(0),
      l4PrefixLen: field.u8(2),
      odd: field.u32(4, 'c_name'),
    });
    assert.deepEqual(
      s.fields.map((f) => f.name),
      ['endpoint_id', 'l4_prefix_len', 'c_name'],
    );
  });
  it('refuses values that do not fit instead of wrapping them', () => {
    assert.throws(
      () => encode(Demo, { a: 256, port: 0, id: 0, addr: '1.2.3.4', neg: 0 }),
      /demo\.a: 256 does not fit u8/,
    );
    assert.throws(
      () => encode(Demo, { a: 0, port: -1, id: 0, addr: '1.2.3.4', neg: 0 }),
      /does not fit be16/,
    );
    assert.throws(
      () => encode(Demo, { a: 0, port: 0, id: 1.5, addr: '1.2.3.4', neg: 0 }),
      /does not fit u32/,
    );
    assert.throws(() => encode(Demo, { a: 0, port: 0, id: 0, addr: '1.2.3', neg: 0 }), /not an IPv4 address/);
  });
  it('refuses a field that overruns the struct', () => {
    assert.throws(() => struct('bad', 4, { x: field.u32(2) }), /overruns 4 bytes/);
  });
  it('parses and formats IPv4', () => {
    assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
    assert.equal(formatIPv4(0xc0a80001), '192.168.0.1');
    assert.throws(() => parseIPv4('256.0.0.1'));
  });
});
