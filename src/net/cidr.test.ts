import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPrefix, parseIP, parsePrefix, prefixContains, subtractPrefixes } from './cidr.js';

const p = (s: string) => {
  const r = parsePrefix(s);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('cidr', () => {
  it('parses and formats IPv4 and IPv6 prefixes', () => {
    assert.equal(formatPrefix(p('10.1.2.0/24')), '10.1.2.0/24');
    assert.equal(formatPrefix(p('2001:db8::/32')), '2001:db8::/32');
    assert.equal(formatPrefix(p('10.1.2.3/8')), '10.0.0.0/8', 'lenient mode clears host bits');
  });
  it('strict mode rejects host bits, leading zeros and mapped addresses', () => {
    assert.match(
      (parsePrefix('10.1.2.3/8', true) as { error: string }).error,
      /bits set beyond the prefix length/,
    );
    assert.match((parsePrefix('010.1.2.0/24', true) as { error: string }).error, /leading 0s/);
    assert.equal(parsePrefix('10.0.0.0/08', true).ok, false);
    assert.equal(parseIP('::ffff:1.2.3.4', true).ok, false);
    assert.equal(parsePrefix('10.0.0.0', true).ok, false, 'a prefix needs a length');
    assert.equal(parsePrefix('10.0.0.0/33').ok, false);
  });
  it('containment', () => {
    assert.ok(prefixContains(p('10.0.0.0/8'), p('10.1.0.0/16')));
    assert.ok(prefixContains(p('10.0.0.0/8'), p('10.0.0.0/8')));
    assert.ok(!prefixContains(p('10.1.0.0/16'), p('10.0.0.0/8')));
    assert.ok(!prefixContains(p('10.0.0.0/8'), p('2001:db8::/32')));
  });
  it('subtracts holes into disjoint prefixes covering exactly the rest', () => {
    const rest = subtractPrefixes(p('10.0.0.0/24'), [p('10.0.0.16/28')]).map(formatPrefix);
    assert.deepEqual(rest, ['10.0.0.0/28', '10.0.0.32/27', '10.0.0.64/26', '10.0.0.128/25']);
    assert.deepEqual(subtractPrefixes(p('10.0.0.0/24'), [p('10.0.0.0/16')]), []);
    assert.deepEqual(subtractPrefixes(p('10.0.0.0/24'), [p('192.168.0.0/16')]).map(formatPrefix), [
      '10.0.0.0/24',
    ]);
  });
});
