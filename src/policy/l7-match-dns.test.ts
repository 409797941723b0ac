// Conformance of matchName / matchPattern with Cilium's documented examples (layer7.rst, pkg/fqdn/matchpattern tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dnsSelectorMatches, matchDns, normalizeDnsName, selectorKey } from './l7-match-dns.js';

const pattern = (p: string) => ({ matchPattern: p });

/** Cases from Cilium's matchpattern tests and docs: names there carry the trailing dot; ours may omit it. */
const CASES: { pattern: string; accept: string[]; reject: string[] }[] = [
  {
    pattern: 'cilium.io.',
    accept: ['cilium.io.', 'cilium.io', 'CILIUM.io'],
    reject: ['anysub.cilium.io.', 'anysub.ci.io.', 'anysub.ciliumandmore.io.', 'ciliumxio.'],
  },
  {
    pattern: '*.cilium.io.',
    accept: ['anysub.cilium.io.', 'sub.cilium.io', 'SUB.Cilium.IO'],
    reject: [
      'cilium.io.',
      'anysub.ci.io.',
      'anysub.ciliumandmore.io.',
      'a.b.cilium.io',
      'sub.cilium.io.evil.com',
    ],
  },
  {
    pattern: '*.ci*.io.',
    accept: ['anysub.cilium.io.', 'anysub.ci.io.', 'anysub.ciliumandmore.io.'],
    reject: ['cilium.io.'],
  },
  {
    pattern: '*',
    accept: [
      '.',
      'io.',
      'cilium.io.',
      'svc.cluster.local.',
      'service.namesace.svc.cluster.local.',
      '_foobar._tcp.cilium.io.',
    ],
    reject: ['.io.', '.cilium.io.', '.svc.cluster.local.'],
  },
  { pattern: '.', accept: ['.'], reject: ['.io.', '.cilium.io'] },
  {
    pattern: '_foobar._tcp.cilium.io.',
    accept: ['_foobar._tcp.cilium.io.'],
    reject: ['_tcp.cilium.io.', 'cilium.io.'],
  },
  { pattern: '*.*.cilium.io.', accept: ['_foobar._tcp.cilium.io.'], reject: ['cilium.io', 'x.cilium.io'] },
  // layer7.rst: "*" matches zero or more DNS characters within one label.
  { pattern: 'part*ial.com', accept: ['partial.com', 'part-extra-ial.com'], reject: ['part.extra.ial.com'] },
  { pattern: '*cilium.io', accept: ['cilium.io', 'xcilium.io'], reject: ['x.cilium.io'] },
  // Cilium ≥ 1.19: a leading "**." is one or more whole labels, never none.
  {
    pattern: '**.cilium.io',
    accept: ['a.cilium.io', 'a.b.c.cilium.io'],
    reject: ['cilium.io', 'acilium.io'],
  },
  // Elsewhere a run of stars is one star.
  { pattern: 'a**b.cilium.io', accept: ['ab.cilium.io', 'axxb.cilium.io'], reject: ['a.b.cilium.io'] },
  { pattern: '*.', accept: ['example.com', 'a.b.c.'], reject: ['.example.com'] },
  { pattern: '**', accept: ['example.com'], reject: [] },
];

describe('DNS name matching (Cilium conformance)', () => {
  for (const c of CASES) {
    it(`matchPattern ${JSON.stringify(c.pattern)}`, () => {
      for (const name of c.accept)
        assert.ok(dnsSelectorMatches(pattern(c.pattern), name), `${c.pattern} should match ${name}`);
      for (const name of c.reject)
        assert.ok(!dnsSelectorMatches(pattern(c.pattern), name), `${c.pattern} must not match ${name}`);
    });
  }

  it('matchName: exact, case-insensitive, trailing dot optional on either side', () => {
    assert.ok(dnsSelectorMatches({ matchName: 'Example.COM.' }, 'example.com'));
    assert.ok(dnsSelectorMatches({ matchName: 'example.com' }, 'EXAMPLE.com.'));
    assert.ok(!dnsSelectorMatches({ matchName: 'example.com' }, 'www.example.com'));
    assert.ok(!dnsSelectorMatches({ matchName: 'api.example.com' }, 'apiXexample.com'), 'dots are literal');
  });

  it('regex characters in names are literal, never interpreted', () => {
    assert.ok(!dnsSelectorMatches({ matchName: 'a.b' }, 'axb'));
    assert.ok(!dnsSelectorMatches(pattern('a.b'), 'a+b'));
    assert.ok(!dnsSelectorMatches(pattern('*.io'), '(x).io'));
  });

  it('DNS rules: an empty list allows every query; a match-all pattern allows any query at all', () => {
    assert.equal(matchDns([], 'anything.example'), 0);
    assert.equal(matchDns([{ matchName: 'a.com' }, { matchPattern: '*' }], 'weird name!'), 1);
    assert.equal(matchDns([{ matchName: 'a.com' }, { matchPattern: '*.b.com' }], 'x.b.com'), 1);
    assert.equal(matchDns([{ matchName: 'a.com' }], 'b.com'), -1);
  });

  it('selector keys are canonical', () => {
    assert.equal(selectorKey({ matchName: 'API.GitHub.com.' }), 'matchName:api.github.com');
    assert.equal(selectorKey({ matchPattern: '*.GitHub.com' }), 'matchPattern:*.github.com');
    assert.equal(normalizeDnsName(' Example.COM. '), 'example.com');
  });

  it('property: "*" never crosses a dot, and a pattern without stars is a matchName', () => {
    const label = fc.stringMatching(/^[a-z0-9_-]{1,10}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), label, (labels, extra) => {
        const name = labels.join('.');
        assert.ok(dnsSelectorMatches(pattern(name), name.toUpperCase()));
        assert.equal(dnsSelectorMatches(pattern(name), name), dnsSelectorMatches({ matchName: name }, name));
        const starred = `*.${name}`;
        assert.ok(dnsSelectorMatches(pattern(starred), `${extra}.${name}`));
        assert.ok(!dnsSelectorMatches(pattern(starred), `${extra}.${extra}.${name}`));
        assert.ok(dnsSelectorMatches(pattern(`**.${name}`), `${extra}.${extra}.${name}`));
      }),
    );
  });

  it('is linear: many stars against a long non-matching name return at once (RE2)', () => {
    const p = `${'*a'.repeat(60)}.com`;
    const name = `${'a'.repeat(200)}.org`;
    assert.equal(dnsSelectorMatches(pattern(p), name), false);
  });
});
