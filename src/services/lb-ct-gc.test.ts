// sweepLbConntrack deletes expired entries only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeMap, Lb4CtEntryCodec, Lb4CtKeyCodec } from '../datapath/index.js';
import { sweepLbConntrack } from './lb-ct-gc.js';

test('expired packet-path conntrack entries are deleted, live ones stay', () => {
  const m = new FakeMap('porin_lb4_ct', 16, Lb4CtKeyCodec, Lb4CtEntryCodec);
  const key = (sport: number) => ({
    saddr: '198.51.100.10',
    daddr: '192.0.2.1',
    sport,
    dport: 80,
    protocol: 6,
    dir: 0,
  });
  const entry = (expiresNs: bigint) => ({
    expiresNs,
    natAddr: '10.244.0.5',
    natPort: 8080,
    revNatIndex: 1,
    backendId: 1,
    flags: 0,
    tcpFlags: 0,
  });
  m.set(key(1), entry(100n));
  m.set(key(2), entry(300n));
  assert.deepEqual(sweepLbConntrack(m, 200n), { scanned: 2, deleted: 1 });
  assert.deepEqual(
    m.keys().map((k) => k.sport),
    [2],
  );
});
