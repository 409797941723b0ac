import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchHttp } from './l7-match.js';

describe('L7 matching', () => {
  it('HTTP method and path are full-match regexes; headers must be present', () => {
    const rules = [{ method: 'GET|HEAD', path: '/v1/.*', headers: ['X-Token: abc'] }];
    assert.equal(matchHttp(rules, { method: 'GET', path: '/v1/x', headers: { 'x-token': 'abc' } }), 0);
    assert.equal(matchHttp(rules, { method: 'GETS', path: '/v1/x', headers: { 'x-token': 'abc' } }), -1);
    assert.equal(matchHttp(rules, { method: 'GET', path: '/v2/v1/x', headers: { 'x-token': 'abc' } }), -1);
    assert.equal(matchHttp(rules, { method: 'GET', path: '/v1/x' }), -1);
    assert.equal(matchHttp([{}], { method: 'DELETE', path: '/' }), 0, 'an empty rule allows everything');
  });
  it('headerMatches with a mismatch action do not deny', () => {
    assert.equal(
      matchHttp([{ headerMatches: [{ name: 'x', value: 'y', mismatch: 'ADD' }] }], { path: '/' }),
      0,
    );
    assert.equal(
      matchHttp([{ headerMatches: [{ name: 'x', value: 'y' }] }], { path: '/', headers: { x: 'z' } }),
      -1,
    );
  });
});
