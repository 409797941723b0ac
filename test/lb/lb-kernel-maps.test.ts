// Kernel pieces around the LB maps: Maglev table swaps, pinned cgroup links taken over, netns cookies.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  attachCgroup,
  cgroupId,
  detachPinnedLink,
  netnsCookie,
  SockLbDatapath,
} from '../../src/datapath/index.js';
import { IS_ROOT, LbLab, sweepLeftovers } from './lb-lab.js';

const PIN_DIR = `/sys/fs/bpf/porin-test-${process.pid}-lb`;

describe('LB kernel maps and links', { skip: IS_ROOT ? false : 'needs root' }, () => {
  let lab: LbLab;
  before(() => {
    sweepLeftovers();
    lab = new LbLab();
    mkdirSync(PIN_DIR, { recursive: true });
  });
  after(async () => {
    rmSync(PIN_DIR, { recursive: true, force: true });
    await lab?.dispose();
  });

  it('a Maglev table is written whole, read back, replaced and deleted', () => {
    using lb = SockLbDatapath.load({ maglevTableSize: 251 });
    const t = lb.maps.maglev;
    const a = new Uint32Array(251).map((_, i) => (i % 7) + 1);
    t.set(42, a);
    assert.deepEqual([...t.get(42)!], [...a]);
    const b = a.map((v) => v + 100);
    t.set(42, b);
    assert.deepEqual([...t.get(42)!], [...b]);
    assert.deepEqual(t.ids(), [42]);
    assert.throws(() => t.set(43, new Uint32Array(250)), /M is 251/);
    assert.equal(t.delete(42), true);
    assert.equal(t.get(42), undefined);
  });

  it('the table size M reaches both the inner map and .rodata', () => {
    using lb = SockLbDatapath.load({ maglevTableSize: 509 });
    assert.equal(lb.config.maglevTableSize, 509);
    lb.maps.maglev.set(1, new Uint32Array(509).fill(3));
    assert.equal(lb.maps.maglev.get(1)?.length, 509);
  });

  it('a pinned link outlives its object and the next agent swaps its program in, keeping the link', () => {
    const pin = `${PIN_DIR}/links/sock4_connect`;
    const first = SockLbDatapath.load({ maglevTableSize: 251 });
    const l1 = attachCgroup(first.object, 'sock4_connect', { cgroupPath: lab.cgroup, pinPath: pin });
    const info1 = l1.info();
    assert.equal(info1.cgroupId, cgroupId(lab.cgroup));
    l1.close();
    first.close();
    assert.ok(existsSync(pin));
    const second = SockLbDatapath.load({ maglevTableSize: 251 });
    const l2 = attachCgroup(second.object, 'sock4_connect', { cgroupPath: lab.cgroup, pinPath: pin });
    const info2 = l2.info();
    assert.equal(info2.id, info1.id, 'the same link');
    assert.notEqual(info2.progId, info1.progId, 'with the new program');
    l2.close();
    second.close();
    assert.equal(detachPinnedLink(pin), true);
    assert.ok(!existsSync(pin));
    assert.equal(detachPinnedLink(pin), false);
  });

  it('netns cookies: stable per namespace, distinct between namespaces', () => {
    const a = lab.netns('cookie-a');
    const b = lab.netns('cookie-b');
    const ca = netnsCookie(lab.nsPath(a));
    assert.equal(netnsCookie(lab.nsPath(a)), ca);
    assert.notEqual(netnsCookie(lab.nsPath(b)), ca);
    assert.notEqual(netnsCookie(null), ca);
    assert.ok(ca > 0n);
  });
});
