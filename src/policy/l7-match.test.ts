import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PortRuleHTTP } from '../resources/index.js';
import { type HttpMatchRequest, matchHttp, matchHttpRules, parseHeaderRule } from './l7-match.js';
import { dnsSelectorMatches } from './l7-match-dns.js';

const req = (over: Partial<HttpMatchRequest> = {}): HttpMatchRequest => ({
  method: 'GET',
  path: '/',
  host: 'svc',
  headers: [],
  ...over,
});

describe('L7 matching: HTTP', () => {
  it('method and path are full-match regexes; headers must be present', () => {
    const rules = [{ method: 'GET|HEAD', path: '/v1/.*', headers: ['X-Token: abc'] }];
    assert.equal(matchHttp(rules, { method: 'GET', path: '/v1/x', headers: { 'x-token': 'abc' } }), 0);
    assert.equal(matchHttp(rules, { method: 'GETS', path: '/v1/x', headers: { 'x-token': 'abc' } }), -1);
    assert.equal(matchHttp(rules, { method: 'GET', path: '/v2/v1/x', headers: { 'x-token': 'abc' } }), -1);
    assert.equal(matchHttp(rules, { method: 'GET', path: '/v1/x' }), -1);
    assert.equal(matchHttp([{}], { method: 'DELETE', path: '/' }), 0, 'an empty rule allows everything');
  });
  it('the path includes the query string', () => {
    assert.equal(matchHttpRules([{ path: '/api' }], req({ path: '/api?a=1' })), undefined);
    assert.equal(matchHttpRules([{ path: '/api(\\?.*)?' }], req({ path: '/api?a=1' }))?.index, 0);
  });
  it('host is a full-match regex on the authority, port included; an absent host never matches', () => {
    assert.equal(matchHttpRules([{ host: 'foo\\.com' }], req({ host: 'foo.com' }))?.index, 0);
    assert.equal(matchHttpRules([{ host: 'foo\\.com' }], req({ host: 'foo.com:8080' })), undefined);
    assert.equal(matchHttpRules([{ host: '.*' }], req({ host: '' })), undefined);
  });
  it('headers strings split at the first space, like Cilium', () => {
    assert.deepEqual(parseHeaderRule('X-My-Header: true'), { name: 'x-my-header', value: 'true' });
    assert.deepEqual(parseHeaderRule('X-Key value with spaces'), {
      name: 'x-key',
      value: 'value with spaces',
    });
    assert.deepEqual(parseHeaderRule('X-Present'), { name: 'x-present' });
    assert.deepEqual(parseHeaderRule('X-Key:true'), { name: 'x-key:true' }, 'no space: a presence check');
  });
  it('repeated headers are joined with "," before an exact comparison', () => {
    const rules = [{ headers: ['X-A: 1,2'] }];
    assert.equal(
      matchHttpRules(
        rules,
        req({
          headers: [
            ['x-a', '1'],
            ['x-a', '2'],
          ],
        }),
      )?.index,
      0,
    );
    assert.equal(matchHttpRules(rules, req({ headers: [['x-a', '1']] })), undefined);
  });
  it('rules are OR-ed and the first allowing rule is named', () => {
    const rules = [{ method: 'POST' }, { path: '/b' }, {}];
    assert.equal(matchHttpRules(rules, req({ path: '/b' }))?.index, 1);
    assert.equal(matchHttpRules(rules, req({ method: 'POST', path: '/b' }))?.index, 0);
    assert.equal(matchHttpRules([], req())?.index, -1, 'no L7 rules: allowed, no rule');
  });
  it('a regex RE2 refuses makes that rule dead, not the whole list', () => {
    const rules = [{ path: '(?<=x)y' }, { path: '/ok' }];
    assert.equal(matchHttpRules(rules, req({ path: '/ok' }))?.index, 1);
    assert.equal(matchHttpRules(rules, req({ path: 'xy' })), undefined);
  });
});

describe('L7 matching: headerMatches', () => {
  const hm = (m: NonNullable<PortRuleHTTP['headerMatches']>[number]): PortRuleHTTP[] => [
    { headerMatches: [m] },
  ];
  it('without mismatch: exact value, or presence when no value', () => {
    assert.equal(matchHttpRules(hm({ name: 'X', value: 'y' }), req({ headers: [['x', 'y']] }))?.index, 0);
    assert.equal(matchHttpRules(hm({ name: 'X', value: 'y' }), req({ headers: [['x', 'z']] })), undefined);
    assert.equal(matchHttpRules(hm({ name: 'X' }), req({ headers: [['x', '']] }))?.index, 0);
    assert.equal(matchHttpRules(hm({ name: 'X' }), req()), undefined);
  });
  it('LOG allows and reports', () => {
    const m = matchHttpRules(hm({ name: 'X', value: 'y', mismatch: 'LOG' }), req());
    assert.deepEqual(m, { index: 0, headerActions: [{ action: 'LOG', name: 'x', value: 'y' }] });
  });
  it('ADD appends the value even when the header holds another one', () => {
    const m = matchHttpRules(hm({ name: 'X', value: 'y', mismatch: 'ADD' }), req({ headers: [['x', 'z']] }));
    assert.deepEqual(m?.headerActions, [{ action: 'ADD', name: 'x', value: 'y' }]);
    const ok = matchHttpRules(hm({ name: 'X', value: 'y', mismatch: 'ADD' }), req({ headers: [['x', 'y']] }));
    assert.deepEqual(ok?.headerActions, [], 'no mismatch, no action');
  });
  it('DELETE removes a present header with a wrong value only', () => {
    const rule = hm({ name: 'X', value: 'y', mismatch: 'DELETE' });
    assert.deepEqual(matchHttpRules(rule, req({ headers: [['x', 'z']] }))?.headerActions, [
      { action: 'DELETE', name: 'x' },
    ]);
    assert.deepEqual(matchHttpRules(rule, req())?.headerActions, [], 'absent: nothing to delete');
    assert.deepEqual(
      matchHttpRules(hm({ name: 'X', mismatch: 'DELETE' }), req())?.headerActions,
      [],
      'presence check',
    );
  });
  it('REPLACE sets the expected value', () => {
    const m = matchHttpRules(
      hm({ name: 'X', value: 'y', mismatch: 'REPLACE' }),
      req({ headers: [['x', 'z']] }),
    );
    assert.deepEqual(m, { index: 0, headerActions: [{ action: 'REPLACE', name: 'x', value: 'y' }] });
  });
  it('a resolved secret is the value and is marked secret; an unresolved one kills the rule', () => {
    const secret = { name: 'header-match', namespace: 'default' };
    const resolved = hm({ name: 'Authorization', value: 'Bearer s3cret', secret, mismatch: 'REPLACE' });
    assert.deepEqual(matchHttpRules(resolved, req())?.headerActions, [
      { action: 'REPLACE', name: 'authorization', value: 'Bearer s3cret', secret: true },
    ]);
    assert.equal(
      matchHttpRules(hm({ name: 'Authorization', secret, mismatch: 'REPLACE' }), req()),
      undefined,
    );
    assert.equal(
      matchHttpRules(hm({ name: 'Authorization', secret }), req({ headers: [['authorization', 'x']] })),
      undefined,
    );
  });
  it('with header matches every rule runs, and later rules see earlier edits', () => {
    const rules: PortRuleHTTP[] = [
      { headerMatches: [{ name: 'X-A', value: '1', mismatch: 'REPLACE' }] },
      { headers: ['X-A: 1'], headerMatches: [{ name: 'X-B', value: '2', mismatch: 'ADD' }] },
      { method: 'POST', headerMatches: [{ name: 'X-C', value: '3', mismatch: 'ADD' }] },
    ];
    const m = matchHttpRules(rules, req({ headers: [['x-a', '0']] }));
    assert.equal(m?.index, 0);
    assert.deepEqual(m?.headerActions, [
      { action: 'REPLACE', name: 'x-a', value: '1' },
      { action: 'ADD', name: 'x-b', value: '2' },
    ]);
  });
  it('a rule that fails a FAIL match still applies its other actions (cilium-envoy runs them all)', () => {
    const rules: PortRuleHTTP[] = [
      {
        headerMatches: [
          { name: 'X-Need', value: 'v' },
          { name: 'X-Tag', value: 't', mismatch: 'ADD' },
        ],
      },
      { path: '/open' },
    ];
    const m = matchHttpRules(rules, req({ path: '/open' }));
    assert.equal(m?.index, 1);
    assert.deepEqual(m?.headerActions, [{ action: 'ADD', name: 'x-tag', value: 't' }]);
    assert.equal(matchHttpRules(rules, req({ path: '/closed' })), undefined);
  });
});

describe('L7 matching: DNS', () => {
  it('names and patterns', () => {
    assert.ok(dnsSelectorMatches({ matchName: 'Example.COM.' }, 'example.com'));
    assert.ok(dnsSelectorMatches({ matchPattern: '*.example.com' }, 'api.example.com'));
    assert.ok(
      !dnsSelectorMatches({ matchPattern: '*.example.com' }, 'a.b.example.com'),
      '* stays within one label',
    );
    assert.ok(!dnsSelectorMatches({ matchPattern: '*.example.com' }, 'example.com'));
    assert.ok(dnsSelectorMatches({ matchPattern: '**.example.com' }, 'a.b.example.com'));
    assert.ok(dnsSelectorMatches({ matchPattern: '*' }, 'anything.org'));
    assert.ok(
      !dnsSelectorMatches({ matchPattern: 'api.example.com' }, 'apiXexample.com'),
      'dots are literal',
    );
  });
});
