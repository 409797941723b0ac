import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LabelSet } from '../labels/index.js';
import { parsePrefix } from '../net/cidr.js';
import { IdentityAllocator } from './identity-allocator.js';
import { FileIdentityStore } from './identity-store.js';
import {
  IDENTITY_HOST,
  IDENTITY_WORLD,
  LOCAL_IDENTITY_SCOPE,
  MIN_ALLOCATED_IDENTITY,
} from './reserved-identities.js';

const ls = (rec: Record<string, string>) => LabelSet.fromRecord(rec, 'k8s');

describe('IdentityAllocator', () => {
  it('knows the reserved identities by number and labels', () => {
    const a = new IdentityAllocator();
    assert.equal(a.get(IDENTITY_HOST)?.labels.key, 'reserved:host');
    assert.equal(a.get(IDENTITY_WORLD)?.labels.key, 'reserved:world');
  });
  it('gives equal label sets one number, from 256 up, and frees it after the last release', () => {
    const a = new IdentityAllocator();
    const x1 = a.acquire(ls({ app: 'x' }));
    const x2 = a.acquire(ls({ app: 'x' }));
    const y = a.acquire(ls({ app: 'y' }));
    assert.equal(x1.id, MIN_ALLOCATED_IDENTITY);
    assert.equal(x2.id, x1.id);
    assert.notEqual(y.id, x1.id);
    a.release(x1.id);
    assert.ok(a.get(x1.id), 'still referenced once');
    a.release(x1.id);
    assert.equal(a.get(x1.id), undefined);
  });
  it('CIDR identities are node-local (1<<24 scope) and carry cidr: and reserved:world labels', () => {
    const a = new IdentityAllocator();
    const pr = parsePrefix('203.0.113.0/24');
    assert.ok(pr.ok);
    const c = a.acquireCIDR(pr.value);
    assert.ok(c.id > LOCAL_IDENTITY_SCOPE);
    assert.deepEqual(c.labels.toStrings(), ['cidr:203.0.113.0/24', 'reserved:world']);
  });
  it('numbers survive a restart through the file store, whatever the order of allocation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'porin-id-'));
    try {
      const path = join(dir, 'identities.json');
      const first = new IdentityAllocator(new FileIdentityStore(path));
      const a = first.acquire(ls({ app: 'a' })).id;
      const b = first.acquire(ls({ app: 'b' })).id;
      const second = new IdentityAllocator(new FileIdentityStore(path));
      assert.equal(
        second.acquire(ls({ app: 'c' })).id === a || second.acquire(ls({ app: 'c' })).id === b,
        false,
      );
      assert.equal(second.acquire(ls({ app: 'b' })).id, b);
      assert.equal(second.acquire(ls({ app: 'a' })).id, a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a torn last line of the file store (crash mid-append) loses only that allocation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'porin-id-'));
    try {
      const path = join(dir, 'identities.jsonl');
      const first = new IdentityAllocator(new FileIdentityStore(path));
      const a = first.acquire(ls({ app: 'a' })).id;
      appendFileSync(path, '["k8s:app=b",2');
      const second = new IdentityAllocator(new FileIdentityStore(path));
      assert.equal(second.acquire(ls({ app: 'a' })).id, a);
      assert.notEqual(second.acquire(ls({ app: 'b' })).id, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('tells listeners about new and removed identities', () => {
    const a = new IdentityAllocator();
    const seen: string[] = [];
    a.subscribe({ added: (i) => seen.push(`+${i.id}`), removed: (i) => seen.push(`-${i.id}`) });
    const x = a.acquire(ls({ app: 'x' }));
    a.acquire(ls({ app: 'x' }));
    a.release(x.id);
    a.release(x.id);
    assert.deepEqual(seen, [`+${x.id}`, `-${x.id}`]);
  });
});
