import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRequestTarget } from './http-path.js';

const norm = (t: string) => normalizeRequestTarget(t)?.target;

describe('normalizeRequestTarget (Envoy normalize_path + merge_slashes + unescape slashes)', () => {
  it('leaves clean targets and the query untouched', () => {
    assert.equal(norm('/v1/request-landing'), '/v1/request-landing');
    assert.equal(norm('/a/b?x=/../y&z=%2F'), '/a/b?x=/../y&z=%2F');
    assert.equal(norm('/'), '/');
  });
  it('removes dot segments, never above the root', () => {
    assert.equal(norm('/public/../admin'), '/admin');
    assert.equal(norm('/a/./b/.'), '/a/b/');
    assert.equal(norm('/../../etc/passwd'), '/etc/passwd');
    assert.equal(norm('/a/b/..'), '/a/');
    assert.equal(norm('/a/.hidden/..x'), '/a/.hidden/..x');
  });
  it('merges slashes and treats a backslash as a slash', () => {
    assert.equal(norm('//a///b/'), '/a/b/');
    assert.equal(norm('/a\\..\\b'), '/b');
  });
  it('decodes escaped unreserved characters and dots, upper-cases other escapes', () => {
    assert.equal(norm('/%61dmin'), '/admin');
    assert.equal(norm('/public/%2e%2E/admin'), '/admin');
    assert.equal(norm('/a%3fb'), '/a%3Fb');
    assert.equal(norm('/100%'), '/100%');
    assert.equal(norm('/a%zz'), '/a%zz');
  });
  it('decodes escaped slashes and says so (Envoy redirects those)', () => {
    assert.deepEqual(normalizeRequestTarget('/a%2Fb%5cc'), { target: '/a/b/c', escapedSlash: true });
    assert.equal(normalizeRequestTarget('/a/b')?.escapedSlash, false);
  });
  it('refuses targets that are not origin-form', () => {
    assert.equal(normalizeRequestTarget('*'), undefined);
    assert.equal(normalizeRequestTarget('http://x/y'), undefined);
    assert.equal(normalizeRequestTarget(''), undefined);
  });
});
