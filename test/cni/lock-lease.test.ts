// FileLockLease: FIFO in-process exclusion, one file lock kept across calls, released when idle, retaken when lost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CniError } from '../../src/cni/cni-error.js';
import { holdFileLock } from '../../src/cni/ip-command.js';
import { FileLockLease } from '../../src/cni/lock-lease.js';

/** A locker that counts takes and releases and lets the test report the lock lost. */
function countingLocker() {
  const stats = { takes: 0, releases: 0, lose: () => {} };
  const take = async (_path: string, _t: number, onLost: () => void) => {
    stats.takes++;
    let release: () => Promise<void> = async () => {};
    release = async () => {
      stats.releases++;
    };
    stats.lose = onLost;
    return release;
  };
  return { stats, take };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FileLockLease', () => {
  it('callers of one path run one at a time, in arrival order', async () => {
    const { take } = countingLocker();
    const lease = new FileLockLease(50, take);
    const order: string[] = [];
    let inside = 0;
    const worker = async (name: string) => {
      const release = await lease.lock('/x/lock', 5);
      inside++;
      assert.equal(inside, 1, 'never two inside');
      order.push(name);
      await sleep(5);
      inside--;
      await release();
    };
    await Promise.all(['a', 'b', 'c', 'd'].map(worker));
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
    await lease.close();
  });

  it('takes the file lock once for a burst, releases it when idle, takes it again after', async () => {
    const { stats, take } = countingLocker();
    const lease = new FileLockLease(30, take);
    for (let i = 0; i < 5; i++) await (await lease.lock('/x/lock', 5))();
    assert.equal(stats.takes, 1);
    assert.equal(stats.releases, 0);
    await sleep(80);
    assert.equal(stats.releases, 1, 'released after the idle time');
    await (await lease.lock('/x/lock', 5))();
    assert.equal(stats.takes, 2);
    await lease.close();
    assert.equal(stats.releases, 2, 'close releases');
  });

  it('under continuous use the file lock is let go and retaken once it was held longer than maxHoldMs', async () => {
    const { stats, take } = countingLocker();
    const lease = new FileLockLease(10_000, take, 20);
    for (let i = 0; i < 6; i++) {
      await (await lease.lock('/x/lock', 5))();
      await sleep(10);
    }
    assert.ok(stats.takes >= 2, `taken ${stats.takes} times over 60 ms or more`);
    assert.equal(stats.releases, stats.takes - 1);
    await lease.close();
  });

  it('a lost file lock is taken again by the next caller', async () => {
    const { stats, take } = countingLocker();
    const lease = new FileLockLease(10_000, take);
    await (await lease.lock('/x/lock', 5))();
    stats.lose();
    await (await lease.lock('/x/lock', 5))();
    assert.equal(stats.takes, 2);
    await lease.close();
  });

  it('a caller waiting longer than the timeout gets TRY_AGAIN_LATER (11); the queue goes on', async () => {
    const { take } = countingLocker();
    const lease = new FileLockLease(10, take);
    const first = await lease.lock('/x/lock', 5);
    const waiting = lease.lock('/x/lock', 0.05);
    await assert.rejects(waiting, (e: unknown) => e instanceof CniError && e.code === 11);
    await first();
    await (await lease.lock('/x/lock', 1))();
    await lease.close();
  });

  it('with the real flock: another process waits while the lease holds the file, and gets it once idle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'porin-lease-'));
    const lease = new FileLockLease(100);
    try {
      const path = join(dir, 'lock');
      await (await lease.lock(path, 5))();
      // Held (lingering): a separate flock cannot get it within 50 ms…
      await assert.rejects(holdFileLock(path, 0.05), (e: unknown) => e instanceof CniError && e.code === 11);
      // …and gets it once the lease let go.
      await sleep(200);
      const other = await holdFileLock(path, 2);
      await other();
    } finally {
      await lease.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
