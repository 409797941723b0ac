import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CtEntry, CtEntryCodec, type CtKey, CtKeyCodec, FakeMap } from '../datapath/index.js';
import { sweepConntrack } from './conntrack-gc.js';

const key = (sport: number): CtKey => ({
  saddr: '10.244.0.2',
  daddr: '10.244.0.3',
  sport,
  dport: 80,
  protocol: 6,
  scope: 0,
});
const entry = (expiresNs: bigint): CtEntry => ({
  expiresNs,
  createdNs: 0n,
  fwdPackets: 1n,
  fwdBytes: 60n,
  revPackets: 0n,
  revBytes: 0n,
  remoteIdentity: 257,
  lastFwdReport: 0,
  lastRevReport: 0,
  proxyPort: 0,
  tcpState: 3,
  fwdFlagsSeen: 2,
  revFlagsSeen: 0,
  flags: 0,
});

describe('sweepConntrack', () => {
  it('deletes exactly the expired entries', () => {
    const map = new FakeMap<CtKey, CtEntry>('porin_ct4', 16, CtKeyCodec, CtEntryCodec);
    map.set(key(1000), entry(100n));
    map.set(key(1001), entry(5000n));
    map.set(key(1002), entry(999n));
    const r = sweepConntrack(map, 1000n);
    assert.deepEqual(r, { scanned: 3, deleted: 2 });
    assert.deepEqual(
      map.keys().map((k) => k.sport),
      [1001],
    );
  });
});
