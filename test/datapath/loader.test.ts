// Loader behaviour: readable verifier errors, .rodata config, pinned maps across a restart, tc slot ownership.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BpfError,
  BpfObject,
  type EndpointLinks,
  inNetns,
  LayoutError,
  LxcDatapath,
  MissingError,
  PolicyReconciler,
  u32,
  VerifierError,
} from '../../src/datapath/index.js';
import { allow, dirPolicy, OPEN, TC_ACT_OK } from './fixtures.js';
import { ensureBpffs, kernelSkipReason, removePinDir, sh, testPinDir } from './harness.js';
import { TCP_SYN, tcpPacket } from './packet.js';

const skip = kernelSkipReason();

const BROKEN = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
/* reads the packet without a bounds check: the verifier must refuse it */
SEC("tc")
int porin_unchecked_read(struct __sk_buff *skb)
{
	unsigned char *data = (void *)(long)skb->data;
	return data[20];
}
char LICENSE[] SEC("license") = "Dual BSD/GPL";
`;

describe('BPF object loader', { skip }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'porin-verifier-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a verifier rejection names the program and quotes the log’s last lines', () => {
    writeFileSync(join(dir, 'broken.bpf.c'), BROKEN);
    execFileSync('clang', [
      '-O2',
      '-g',
      '-target',
      'bpf',
      '-I/usr/include/x86_64-linux-gnu',
      '-c',
      join(dir, 'broken.bpf.c'),
      '-o',
      join(dir, 'broken.bpf.o'),
    ]);
    const obj = BpfObject.open(join(dir, 'broken.bpf.o'));
    try {
      assert.throws(
        () => obj.load(),
        (e: unknown) => {
          assert.ok(e instanceof VerifierError, String(e));
          assert.equal(e.code, 'PORIN_BPF_VERIFIER');
          assert.equal(e.program, 'porin_unchecked_read');
          assert.match(e.message, /^program 'porin_unchecked_read' failed to load \(EACCES\):/);
          assert.match(e.message, /invalid access to packet/);
          assert.ok(e.message.split('\n').length <= 5, 'only the tail in the message');
          assert.ok(e.log.length > e.message.split('\n').length - 1, 'the whole log is attached');
          return true;
        },
      );
    } finally {
      obj.close();
    }
  });

  it('config in .rodata: defaults read back, patched fields reach the programs', () => {
    using d = LxcDatapath.load({
      maxEntries: { porin_ct4: 64 },
      config: { ctTimeoutAnyNs: 5_000_000_000n, worldIdentity: 9 },
    });
    assert.equal(d.config.ctTimeoutAnyNs, 5_000_000_000n);
    assert.equal(d.config.worldIdentity, 9);
    assert.equal(d.config.ctTimeoutSynNs, 60_000_000_000n, 'untouched fields keep the C defaults');
    d.maps.endpoints.set(1, { identity: 100, ipv4: '10.0.0.2', endpointId: 1, flags: 0 });
    new PolicyReconciler(d.policyMaps()).reconcile({ endpointId: 1, ingress: OPEN, egress: OPEN });
    const events: number[] = [];
    const r = d.eventReader((e) => events.push(e.dstIdentity));
    d.fromContainer.testRun(tcpPacket('10.0.0.2', 1000, '198.51.100.1', 80, TCP_SYN));
    r.poll();
    r.close();
    assert.deepEqual(events.slice(0, 1), [9], 'an unknown address has the configured world identity');
  });

  it('typed views check sizes; unknown names are MissingError', () => {
    using d = LxcDatapath.load({ maxEntries: { porin_ct4: 64 } });
    assert.throws(() => d.object.map('porin_policy', u32, u32), LayoutError);
    assert.throws(() => d.object.map('porin_nope', u32, u32), MissingError);
    assert.throws(() => d.object.program('porin_nope'), MissingError);
  });
});

describe('restart safety: pinned maps and tc slots', { skip }, () => {
  const pinDir = testPinDir('restart');
  const ns = `porin-dp-${process.pid}-r`;
  const dev = `porin${process.pid}r`.slice(0, 15);
  const nsPath = `/run/netns/${ns}`;
  let ifindex = 0;
  const open: Array<{ close(): void }> = [];
  const links: EndpointLinks[] = [];

  before(() => {
    ensureBpffs();
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'add', dev, 'type', 'veth', 'peer', 'name', 'peer0']);
    ifindex = JSON.parse(sh('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev]))[0].ifindex;
  });
  after(() => {
    for (const step of [
      ...links.map((l) => () => inNetns(nsPath, () => l[Symbol.dispose]())),
      ...open.map((o) => () => o.close()),
      () => sh('ip', ['netns', 'del', ns], { allowFail: true }),
      () => removePinDir(pinDir),
    ]) {
      try {
        step();
      } catch (e) {
        console.error('cleanup:', (e as Error).message);
      }
    }
  });

  it('a second load reuses the pinned maps, and its programs take over the tc slots atomically', () => {
    const first = LxcDatapath.load({ pinDir, maxEntries: { porin_ct4: 1024 } });
    open.push(first);
    first.maps.endpoints.set(1, { identity: 100, ipv4: '10.0.0.2', endpointId: 1, flags: 0 });
    first.maps.ipcache.set({ prefixlen: 32, addr: '10.0.0.3' }, { identity: 300, flags: 0 });
    new PolicyReconciler(first.policyMaps()).reconcile({
      endpointId: 1,
      ingress: OPEN,
      egress: dirPolicy([allow('egress', 300, { ports: 80 })]),
    });
    assert.equal(
      first.fromContainer.testRun(tcpPacket('10.0.0.2', 40000, '10.0.0.3', 80, TCP_SYN)).retval,
      TC_ACT_OK,
    );
    const firstLinks = inNetns(nsPath, () => first.attachEndpoint(ifindex));
    links.push(firstLinks);

    // "restart": a new object, same pin directory
    const second = LxcDatapath.load({ pinDir, maxEntries: { porin_ct4: 1024 } });
    open.push(second);
    assert.equal(second.maps.ipcache.get({ prefixlen: 32, addr: '10.0.0.3' })?.identity, 300);
    assert.equal(second.maps.conntrack.keys().length, 1, 'conntrack survived');
    const rec = new PolicyReconciler(second.policyMaps());
    rec.resync();
    assert.equal(rec.usage().endpoints, 1);
    const secondLinks = inNetns(nsPath, () => second.attachEndpoint(ifindex));
    links.push(secondLinks);
    inNetns(nsPath, () => {
      assert.notEqual(secondLinks.fromContainer.programId, firstLinks.fromContainer.programId);
      assert.equal(firstLinks.fromContainer.current(), secondLinks.fromContainer.programId);
      assert.equal(firstLinks.fromContainer.detach(), false, 'the old link does not remove its successor');
      assert.equal(secondLinks.fromContainer.current(), secondLinks.fromContainer.programId);
    });
    first.close();
    // the established connection still passes with the new programs, the policy is the old one
    assert.equal(
      second.fromContainer.testRun(tcpPacket('10.0.0.2', 40000, '10.0.0.3', 80, 0x10)).retval,
      TC_ACT_OK,
    );
  });

  it('a pinned map of another layout is refused with a clear error, not silently reused', () => {
    assert.throws(
      () => LxcDatapath.load({ pinDir, maxEntries: { porin_ct4: 2048 } }),
      (e: unknown) => e instanceof BpfError && /porin_ct4|pin/i.test(e.message),
    );
  });
});

describe('kernel test skips', () => {
  it('only a missing capability skips a kernel test; a broken object fails it instead', (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root');
    // A verifier rejection or a missing object after a bad change must not turn into a skipped test.
    const broken = join(tmpdir(), `porin-broken-${process.pid}.o`);
    writeFileSync(broken, 'not an ELF object');
    try {
      assert.throws(() => LxcDatapath.load({ objectPath: broken }));
      assert.equal(kernelSkipReason(), undefined, 'the loader failing is not a reason to skip');
    } finally {
      rmSync(broken, { force: true });
    }
  });
});
