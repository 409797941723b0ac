// Unit tests (no root): the IPAM store's files, round robin, reuse, release, GC, and its lock under contention.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CniError } from '../../src/cni/cni-error.js';
import { IpamStore } from '../../src/cni/ipam-store.js';
import { formatIPv4, parseIPv4 } from '../../src/cni/ipv4.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'porin-ipam-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ip = (s: string) => parseIPv4(s)!;
const store = () => new IpamStore(join(dir, 'porin'), [ip('10.244.5.2'), ip('10.244.5.6')], '10.244.5.0/29');

describe('IpamStore', () => {
  it('writes one file per address: "containerID\\r\\nifname"; reuses the attachment\'s own address', async () => {
    const s = store();
    const a = await s.withLock(() => s.allocate('ctr-a', 'eth0'));
    assert.equal(formatIPv4(a), '10.244.5.2');
    assert.equal(readFileSync(join(dir, 'porin', '10.244.5.2'), 'utf8'), 'ctr-a\r\neth0');
    assert.equal(await s.withLock(() => s.allocate('ctr-a', 'eth0')), a, 'same attachment, same address');
    assert.equal(
      formatIPv4(await s.withLock(() => s.allocate('ctr-a', 'net1'))),
      '10.244.5.3',
      'another interface, another address',
    );
    assert.equal(s.freeCount(), 3);
  });

  it('round robin from the last reserved, release by owner only, GC by valid list', async () => {
    const s = store();
    for (const c of ['a', 'b', 'c']) await s.withLock(() => s.allocate(c, 'eth0'));
    await s.withLock(() => s.release('a', 'eth0'));
    await s.withLock(() => s.release('nobody', 'eth0')); // nothing held: fine
    assert.equal(
      formatIPv4(await s.withLock(() => s.allocate('d', 'eth0'))),
      '10.244.5.5',
      'continues after .4, not back to .2',
    );
    const stale = await s.withLock(() => s.releaseUnlisted([{ containerID: 'd', ifname: 'eth0' }]));
    assert.deepEqual(stale.map((x) => x.containerId).sort(), ['b', 'c']);
    assert.deepEqual(
      s.list().map((x) => x.containerId),
      ['d'],
    );
  });

  it('exhaustion is POOL_EXHAUSTED (102); a requested taken address is ADDRESS_IN_USE (103)', async () => {
    const s = store();
    for (const c of ['a', 'b', 'c', 'd', 'e']) await s.withLock(() => s.allocate(c, 'eth0'));
    await assert.rejects(
      s.withLock(() => s.allocate('f', 'eth0')),
      (e: CniError) => e.code === 102,
    );
    await assert.rejects(
      s.withLock(() => s.allocate('f', 'eth0', ip('10.244.5.3'))),
      (e: CniError) => e.code === 103,
    );
    await assert.rejects(
      s.withLock(() => s.allocate('f', 'eth0', ip('10.244.5.1'))),
      (e: CniError) => e.code === 7,
    );
  });

  it('the lock serialises concurrent holders (flock)', async () => {
    const s = store();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.withLock(async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 5));
          if (i < 5) s.allocate(`c${i}`, 'eth0');
          inside--;
        }),
      ),
    );
    assert.equal(maxInside, 1);
    assert.equal(readdirSync(join(dir, 'porin')).filter((f) => /^\d/.test(f)).length, 5);
  });
});
