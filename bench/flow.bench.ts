// Flow pipeline benchmark: events/s through decode → enrich → ring → SQLite batch insert, and query latency over 10 M stored flows.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encode } from '../src/datapath/codec.js';
import { decodeEvent, PorinEventCodec, type RawPorinEvent } from '../src/datapath/maps/events.js';
import { FakeFlowContext } from '../src/flow/fake-flow-context.js';
import type { GetFlowsRequest } from '../src/flow/flow.js';
import { FlowService } from '../src/flow/flow-service.js';
import { FlowStore } from '../src/flow/flow-store.js';
import { Monitor } from '../src/monitor/monitor.js';
import type { BenchOptions, Measurement } from './measurement.js';

const LOCAL_PODS = 100;
const REMOTE_PODS = 2000;
const NAMESPACES = 20;

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const ip = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
const localIp = (i: number) => ip(0x010000 + i);
const remoteIp = (i: number) => ip(0x020000 + i);

/** A synthetic node: 100 local pods (endpoint ids 1..100), 2000 remote pods in 20 namespaces, cookies for allow rules. */
function syntheticContext(): FakeFlowContext {
  const ctx = new FakeFlowContext();
  const pod = (name: string, ns: string, app: string, identity: number, id?: number) => ({
    ...(id ? { id } : {}),
    identity,
    namespace: ns,
    podName: name,
    labels: [`k8s:app=${app}`, `k8s:io.kubernetes.pod.namespace=${ns}`, 'k8s:tier=backend'],
    workloads: [{ name: app, kind: 'Deployment' }],
  });
  for (let i = 1; i <= LOCAL_PODS; i++)
    ctx.addPod(localIp(i), pod(`local-${i}`, `ns-${i % NAMESPACES}`, `web-${i % 10}`, 1000 + i, i));
  for (let i = 0; i < REMOTE_PODS; i++)
    ctx.addPod(remoteIp(i), pod(`remote-${i}`, `ns-${i % NAMESPACES}`, `app-${i % 50}`, 5000 + (i % 400)));
  for (let c = 1; c <= 50; c++)
    ctx.setCookie(c, [
      {
        kind: 'CiliumNetworkPolicy',
        namespace: `ns-${c % NAMESPACES}`,
        name: `allow-${c}`,
        section: 'ingress',
        rule: 0,
      },
    ]);
  for (let i = 1; i <= LOCAL_PODS; i++)
    ctx.setDefaultDeny(i, 'ingress', [
      { kind: 'NetworkPolicy', namespace: `ns-${i % NAMESPACES}`, name: 'default-deny' },
    ]);
  return ctx;
}

/** 4096 pre-encoded ring records: 60 % traces, 30 % allowed verdicts, 8 % denied verdicts, 2 % drops. */
function records(): DataView[] {
  const out: DataView[] = [];
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 4096; i++) {
    const local = 1 + rnd(LOCAL_PODS);
    const remote = rnd(REMOTE_PODS);
    const ingress = rnd(2) === 0;
    const k = rnd(100);
    const [type, verdict] = k < 60 ? [4, 0] : k < 90 ? [5, 0] : k < 98 ? [5, -133] : [1, 0];
    const raw: RawPorinEvent = {
      type,
      subtype: type === 1 ? 133 : type === 4 ? (ingress ? 0 : 5) : 0,
      endpointId: local,
      ifindex: 10 + local,
      timestampNs: 0n,
      srcIdentity: ingress ? 5000 + (remote % 400) : 1000 + local,
      dstIdentity: ingress ? 1000 + local : 5000 + (remote % 400),
      saddr: ingress ? remoteIp(remote) : localIp(local),
      daddr: ingress ? localIp(local) : remoteIp(remote),
      sport: 30000 + rnd(30000),
      dport: [80, 443, 53, 8080, 5432][rnd(5)]!,
      protocol: rnd(10) === 0 ? 17 : 6,
      direction: ingress ? 0 : 1,
      ctStatus: rnd(3) === 0 ? 2 : 0,
      matchType: type === 5 ? 2 : 0,
      verdict,
      cookie: type === 5 && verdict === 0 ? 1 + rnd(50) : 0,
      pktLen: 60,
      l4Info: rnd(4) === 0 ? 0x12 : 0x02,
    };
    const b = encode(PorinEventCodec, raw);
    out.push(new DataView(b.buffer, b.byteOffset, b.byteLength));
  }
  return out;
}

/** Stamps ktime into a record (offset 8, little-endian u64) so times advance. */
function stamp(v: DataView, ns: bigint): DataView {
  v.setBigUint64(8, ns, true);
  return v;
}

export async function run({ quick, log }: BenchOptions): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const recs = records();
  const dir = mkdtempSync(join(tmpdir(), 'porin-flow-bench-'));
  try {
    // Baseline: decoding alone, the least any pipeline must do per event.
    const decodeN = quick ? 1_000_000 : 4_000_000;
    let sink = 0;
    for (let i = 0; i < 200_000; i++) sink += decodeEvent(recs[i & 4095]!)!.sport;
    const c0 = process.cpuUsage();
    for (let i = 0; i < decodeN; i++) sink += decodeEvent(recs[i & 4095]!)!.sport;
    const c1 = process.cpuUsage(c0);
    const decodeRate = decodeN / ((c1.user + c1.system) / 1e6);
    log(`decode only: ${decodeN} events, ${Math.round(decodeRate)}/s (checksum ${sink % 7})`);

    // The pipeline on one core: decode + enrich + ring + batched SQLite inserts (WAL, file in a temp dir).
    const wallBase = 1_780_000_000_000_000_000n;
    const clock = { wallNs: () => wallBase, monotonicNs: () => 0n };
    const pipeline = (path: string, n: number, startNs: bigint) => {
      const store = FlowStore.open({ path, maxAgeMs: 0, maxBytes: 64 * 1024 ** 3 });
      const service = new FlowService({ context: syntheticContext(), nodeName: 'bench-node', store });
      const monitor = new Monitor({ clock });
      monitor.subscribe(service);
      const s = performance.now();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < n; i++) monitor.pushRecord(stamp(recs[i & 4095]!, startNs + BigInt(i) * 1000n));
      store.flush();
      const ms = performance.now() - s;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      return { store, service, ms, cpuMs, lost: service.lost.FLOW_STORE + store.stats().lost };
    };
    const warm = pipeline(join(dir, 'warm.db'), 100_000, 0n);
    warm.service.close();
    collectGarbage();
    const heap0 = process.memoryUsage().heapUsed;
    const ingestN = quick ? 500_000 : 2_000_000;
    const p = pipeline(join(dir, 'ingest.db'), ingestN, 0n);
    // "On one core": events per second of CPU time the process used (GC helper threads included, so this
    // errs low); the wall-clock rate is logged too (it also counts time other processes took the core).
    const rate = ingestN / (p.cpuMs / 1000);
    collectGarbage();
    const heapGrowth = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    log(
      `pipeline: ${ingestN} events in ${p.ms.toFixed(0)} ms wall (${Math.round(ingestN / (p.ms / 1000))}/s), ` +
        `${p.cpuMs.toFixed(0)} ms CPU (${Math.round(rate)}/s), lost ${p.lost}; ` +
        `heap +${heapGrowth.toFixed(0)} MiB (ring of ${p.service.ring.capacity} flows), db ${(statSync(join(dir, 'ingest.db')).size / ingestN).toFixed(0)} B/flow`,
    );
    p.service.close();
    out.push({
      name: 'flow pipeline events per CPU-second (decode+enrich+ring+store)',
      value: rate,
      unit: '/s',
      target: { kind: 'min', value: 200_000 },
      baseline: { name: 'decode only', value: decodeRate },
    });
    out.push({
      name: `heap growth after ${ingestN / 1e6} M events (bounded ring + store)`,
      value: heapGrowth,
      unit: 'MiB',
      target: { kind: 'max', value: 256 },
    });

    // Query latency over a large store.
    const storedN = quick ? 1_000_000 : 10_000_000;
    const qPath = join(dir, 'query.db');
    const q = pipeline(qPath, storedN, 0n);
    log(
      `stored ${storedN} flows in ${(q.ms / 1000).toFixed(1)} s (${Math.round(storedN / (q.ms / 1000))}/s), ` +
        `db ${(statSync(qPath).size / 2 ** 20).toFixed(0)} MiB`,
    );
    q.service.close();
    const service = new FlowService({
      context: syntheticContext(),
      nodeName: 'bench-node',
      store: FlowStore.open({ path: qPath, maxAgeMs: 0, maxBytes: 64 * 1024 ** 3 }),
    });
    const mid = new Date(Number((wallBase + BigInt(storedN / 2) * 1000n) / 1_000_000n)).toISOString();
    const midEnd = new Date(
      Number((wallBase + BigInt(storedN / 2 + 1_000) * 1000n) / 1_000_000n),
    ).toISOString();
    const queries: { name: string; req: GetFlowsRequest; target?: number }[] = [
      { name: 'last 100, no filter', req: { number: 100 }, target: 20 },
      {
        name: 'last 100 from one pod',
        req: { number: 100, whitelist: [{ source_pod: ['ns-7/remote-1007'] }] },
        target: 50,
      },
      {
        name: 'last 100 of a namespace, either side',
        req: { number: 100, whitelist: [{ source_pod: ['ns-3/'] }, { destination_pod: ['ns-3/'] }] },
        target: 50,
      },
      {
        name: 'last 100 by label selector',
        req: { number: 100, whitelist: [{ destination_label: ['app=web-3,tier=backend'] }] },
        target: 50,
      },
      { name: 'last 100 DROPPED', req: { number: 100, whitelist: [{ verdict: ['DROPPED'] }] }, target: 50 },
      {
        name: 'last 100 from a /24 (CIDR)',
        req: { number: 100, whitelist: [{ source_ip: ['10.2.3.0/24'] }] },
        target: 50,
      },
      {
        name: 'last 100 to port 5432/udp',
        req: { number: 100, whitelist: [{ destination_port: ['5432'], protocol: ['udp'] }] },
        target: 50,
      },
      { name: '1 ms window in the middle (≤1000 flows)', req: { since: mid, until: midEnd }, target: 50 },
      // Nothing prunes an HTTP status filter on L3/L4 flows: every stored flow is read (worst case, no target).
      {
        name: 'last 100 with HTTP status 5xx (full scan, no match)',
        req: { number: 100, whitelist: [{ http_status_code: ['5+'] }] },
      },
    ];
    for (const { name, req, target } of queries) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < (target === undefined ? 1 : 7); i++) {
        const s = performance.now();
        rows = service.query(req).length;
        times.push(performance.now() - s);
      }
      const p50 = percentile(times, 50);
      log(`query "${name}": ${rows} rows, p50 ${p50.toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
      out.push({
        name: `query over ${storedN / 1e6} M flows: ${name}${target === undefined ? '' : ', p50'}`,
        value: p50,
        unit: 'ms',
        ...(target === undefined ? {} : { target: { kind: 'max' as const, value: target } }),
      });
    }
    service.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
