// Rates printed (never asserted: benchmarks assert nothing about time), with correctness asserted: ring-buffer
// events into JS, map and reconciler writes.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type DatapathEvent, PolicyReconciler } from '../../src/datapath/index.js';
import { allow, dirPolicy, OPEN } from './fixtures.js';
import { kernelSkipReason, loadTestDatapath } from './harness.js';
import { TCP_SYN, tcpPacket } from './packet.js';

const skip = kernelSkipReason();

function report(t: TestContext, what: string, n: number, ms: number, unit: string): void {
  const line = `${what}: ${Math.round((n / ms) * 1000).toLocaleString('en')} ${unit}/s (${n.toLocaleString('en')} in ${ms.toFixed(0)} ms)`;
  t.diagnostic(line);
  console.log(`  [measure] ${line}`);
}

describe('datapath throughput (rates printed; what arrived asserted)', { skip }, () => {
  it('ring buffer → decoded events in JS', (t) => {
    using dp = loadTestDatapath();
    dp.maps.endpoints.set(1, { identity: 100, ipv4: '10.0.0.2', endpointId: 1, flags: 0 });
    new PolicyReconciler(dp.policyMaps()).reconcile({ endpointId: 1, ingress: OPEN, egress: dirPolicy([]) });
    let count = 0;
    let lastReason = 0;
    using reader = dp.eventReader((e: DatapathEvent) => {
      count++;
      if (e.type === 'drop') lastReason = e.reason;
    });
    const pkt = tcpPacket('10.0.0.2', 40000, '10.0.0.3', 80, TCP_SYN);
    // each run of the denied SYN emits a policy verdict and a drop; 20k runs ≈ 40k records ≈ 2.5 MiB of ring
    let consumeMs = 0;
    let runNs = 0;
    const rounds = 10;
    for (let i = 0; i < rounds; i++) {
      const r = dp.fromContainer.testRun(pkt, { repeat: 20_000 });
      runNs += r.durationNs * 20_000;
      const t0 = performance.now();
      reader.poll();
      consumeMs += performance.now() - t0;
    }
    report(t, 'events decoded into JS (drop + policy-verdict records)', count, consumeMs, 'events');
    report(
      t,
      'from_container on a denied SYN (kernel, incl. 2 events)',
      rounds * 20_000,
      runNs / 1e6,
      'packets',
    );
    t.diagnostic(`lost: ${dp.eventsLost()}, last reason ${lastReason}`);
    // Every run of the denied SYN produced two records; each either reached JS or was counted as lost.
    assert.equal(count + Number(dp.eventsLost()), 2 * rounds * 20_000);
    assert.equal(lastReason, 133, 'the drops are policy drops (DROP_POLICY)');
  });

  it('map writes: single updates, batch updates, reconciler entries', (t) => {
    using dp = loadTestDatapath({ maxEntries: { porin_endpoints: 200_000 } });
    const n = 100_000;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) {
      dp.maps.policy.set(
        { prefixlen: 80, remote: 256 + i, endpointId: 1, direction: 0, protocol: 6, dport: 80 },
        { flags: 0, l4PrefixLen: 24, proxyPort: 0, cookie: 1 },
      );
    }
    report(t, 'bpf_map_update_elem, policy LPM trie', n, performance.now() - t0, 'updates');
    t0 = performance.now();
    for (let i = 0; i < n; i++)
      dp.maps.endpoints.set(i + 1, { identity: i, ipv4: '10.0.0.1', endpointId: i & 0xffff, flags: 0 });
    report(t, 'bpf_map_update_elem, endpoints hash', n, performance.now() - t0, 'updates');
    const batch = Array.from(
      { length: n },
      (_, i) => [i + 1, { identity: i + 1, ipv4: '10.0.0.2', endpointId: 1, flags: 0 }] as const,
    );
    t0 = performance.now();
    dp.maps.endpoints.setBatch(batch);
    report(t, 'bpf_map_update_batch, endpoints hash', n, performance.now() - t0, 'entries');
    t0 = performance.now();
    let found = 0;
    for (let i = 0; i < n; i++) if (dp.maps.endpoints.get(i + 1)) found++;
    report(t, 'bpf_map_lookup_elem, endpoints hash', found, performance.now() - t0, 'lookups');
    assert.equal(found, n, 'every written entry reads back');
    assert.equal(dp.maps.endpoints.get(n)?.identity, n, 'with the batch-written value');
  });

  it('policy reconciler: a large policy in, and a one-entry change', (t) => {
    using dp = loadTestDatapath();
    const rec = new PolicyReconciler(dp.policyMaps());
    const entries = Array.from({ length: 5000 }, (_, i) =>
      allow('ingress', 256 + i, { ports: [8000, 8100] }),
    );
    let t0 = performance.now();
    const r = rec.reconcile({ endpointId: 1, ingress: dirPolicy(entries), egress: OPEN });
    const ms = performance.now() - t0;
    report(
      t,
      `reconcile 5000 identities × port range 8000-8100 (${r.policyEntries} LPM keys)`,
      r.added,
      ms,
      'keys',
    );
    t0 = performance.now();
    const r2 = rec.reconcile({
      endpointId: 1,
      ingress: dirPolicy([...entries, allow('ingress', 99999, { ports: 443 })]),
      egress: OPEN,
    });
    assert.ok(r.ok && r2.ok);
    assert.equal(
      r2.added,
      1,
      'one more identity on one port is one more key: only the difference is written',
    );
    t.diagnostic(
      `one more entry: ${r2.added} write(s) in ${(performance.now() - t0).toFixed(1)} ms (diff over ${r2.policyEntries} keys)`,
    );
    console.log(
      `  [measure] one more entry: ${r2.added} write(s) in ${(performance.now() - t0).toFixed(1)} ms`,
    );
  });
});
