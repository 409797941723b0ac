// The DNS proxy against direct queries to the same server (dnsperf, interleaved), and answer → enforced latency.
// Loopback only: the upstream (a root-zone server of Porin's own) and the proxy run as separate worker processes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClusterDnsServer } from '../src/cluster/dns/index.js';
import { engineFqdnManager, syncFqdnPolicy } from '../src/fqdn/index.js';
import { PolicyEngine } from '../src/policy/index.js';
import { cnp, ns, pod } from '../src/policy/test-fixtures.js';
import { createDnsProxy, endpointKeyOf, engineDnsJudge, plainTcpConnection } from '../src/proxy/dns/index.js';
import type { Measurement } from './measurement.js';

const sh = promisify(execFile);
const WORKER = '--porin-dns-bench-worker';
const UPSTREAM = { address: '127.0.0.153', port: 5353 };
const PROXY = { address: '127.0.0.154', port: 5354 };
const NAMES = 5000;

const nameOf = (i: number) => `h${i}.bench.test`;
const ipOf = (i: number) => `198.51.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;

// ---------------------------------------------------------------- workers

async function upstreamWorker(): Promise<void> {
  const s = new ClusterDnsServer({ address: UPSTREAM.address, port: UPSTREAM.port, zone: '.', ttl: 60 });
  s.setRecords(
    Array.from({ length: NAMES }, (_, i) => ({ name: nameOf(i), type: 'A' as const, address: ipOf(i) })),
  );
  await s.start();
  process.stdout.write('ready\n');
}

async function proxyWorker(): Promise<void> {
  const dgram = await import('node:dgram');
  const net = await import('node:net');
  const engine = new PolicyEngine();
  engine.upsert(ns('default'));
  engine.upsert(ns('kube-system'));
  engine.upsert(pod('kube-system', 'dns', { 'k8s-app': 'kube-dns' }, UPSTREAM.address));
  engine.upsert(pod('default', 'client', { app: 'client' }, '127.0.0.1'));
  engine.upsert(
    cnp('default', 'dns', {
      endpointSelector: { matchLabels: { app: 'client' } },
      egress: [
        { toFQDNs: [{ matchPattern: '*.bench.test' }] },
        {
          toEndpoints: [
            { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } },
          ],
          toPorts: [
            {
              ports: [{ port: String(UPSTREAM.port), protocol: 'ANY' }],
              rules: { dns: [{ matchPattern: '*.bench.test' }] },
            },
          ],
        },
      ],
    }),
  );
  const fqdn = engineFqdnManager(engine, { apply: () => void engine.policyOf('default/client') });
  syncFqdnPolicy(fqdn, engine);
  const proxy = createDnsProxy({
    judge: engineDnsJudge(engine),
    fqdn: {
      ensure: async (o) =>
        fqdn.observe({
          endpoint: endpointKeyOf(engine, o.source.address) ?? 'x',
          name: o.name,
          ips: o.ips,
          ttl: o.ttl,
        }),
    },
  });
  const udp = dgram.createSocket('udp4');
  udp.on(
    'message',
    (msg, r) =>
      void proxy.handleUdp(msg, { address: r.address, port: r.port }, UPSTREAM, (b) =>
        udp.send(b, r.port, r.address),
      ),
  );
  await new Promise<void>((r) => udp.bind(PROXY.port, PROXY.address, r));
  net
    .createServer((s) =>
      proxy.handleTcp(plainTcpConnection(s, { address: s.remoteAddress!, port: s.remotePort! }, UPSTREAM)),
    )
    .listen(PROXY.port, PROXY.address);
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGUSR2', () =>
    process.stdout.write(`${JSON.stringify({ fqdn: fqdn.stats(), proxy: proxy.stats() })}\n`),
  );
  process.stdout.write('ready\n');
}

const role = process.argv.find((a) => a.startsWith(`${WORKER}=`))?.split('=')[1];
if (role === 'upstream') await upstreamWorker();
else if (role === 'proxy') await proxyWorker();

// ---------------------------------------------------------------- driver

function startWorker(kind: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), `${WORKER}=${kind}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`${kind} worker exited (${c})`)));
    child.stdout!.once('data', () => resolve(child));
  });
}

interface PerfResult {
  qps: number;
  p50: number;
  p99: number;
  lost: number;
}

async function dnsperf(
  server: { address: string; port: number },
  file: string,
  seconds: number,
  rate?: number,
): Promise<PerfResult> {
  const args = [
    '-s',
    server.address,
    '-p',
    String(server.port),
    '-d',
    file,
    '-l',
    String(seconds),
    '-v',
    ...(rate ? ['-Q', String(rate)] : ['-c', '4', '-q', '200']),
  ];
  const { stdout } = await sh('dnsperf', args, { maxBuffer: 1 << 28 });
  const lat: number[] = [];
  for (const m of stdout.matchAll(/^> \S+ \S+ \S+ ([0-9.]+)$/gm)) lat.push(Number(m[1]) * 1000);
  lat.sort((a, b) => a - b);
  const pick = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? Number.NaN;
  return {
    qps: Number(/Queries per second:\s+([0-9.]+)/.exec(stdout)?.[1] ?? 0),
    p50: pick(0.5),
    p99: pick(0.99),
    lost: Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1] ?? 0),
  };
}

export async function dnsProxyVsDirect({
  quick,
  log,
}: {
  quick: boolean;
  log: (s: string) => void;
}): Promise<Measurement[]> {
  try {
    await sh('dnsperf', ['-h']).catch((e: { stdout?: string }) => {
      if (!String(e.stdout ?? '').includes('dnsperf')) throw e;
    });
  } catch {
    log('dnsperf is not installed (apt-get install dnsperf, or npm run setup): skipped');
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), 'porin-dns-bench-'));
  const file = join(dir, 'queries.txt');
  writeFileSync(file, Array.from({ length: NAMES }, (_, i) => `${nameOf(i)} A`).join('\n'));
  const upstream = await startWorker('upstream');
  const proxy = await startWorker('proxy');
  const seconds = quick ? 2 : 10;
  const rounds = quick ? 1 : 3;
  const best = { direct: { qps: 0 }, proxy: { qps: 0 } };
  const at5k: Record<'direct' | 'proxy', PerfResult[]> = { direct: [], proxy: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      // Interleaved: each round measures both, in alternating order.
      for (const which of r % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)) {
        const target = which === 'direct' ? UPSTREAM : PROXY;
        const top = await dnsperf(target, file, seconds);
        best[which].qps = Math.max(best[which].qps, top.qps);
        const fixed = await dnsperf(target, file, seconds, 5000);
        at5k[which].push(fixed);
        log(
          `round ${r + 1} ${which}: top ${top.qps.toFixed(0)} q/s; at 5000 q/s p50 ${fixed.p50.toFixed(2)} ms p99 ${fixed.p99.toFixed(2)} ms, lost ${fixed.lost}`,
        );
      }
    }
    const stats = await new Promise<{ fqdn: { enforceLatencyMs: { p99: number; p50: number } } }>(
      (resolve) => {
        proxy.stdout!.once('data', (d) => resolve(JSON.parse(String(d))));
        proxy.kill('SIGUSR2');
      },
    );
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    return [
      { name: 'dns direct queries/s', value: best.direct.qps, unit: '/s' },
      {
        name: 'dns proxy queries/s',
        value: best.proxy.qps,
        unit: '/s',
        target: { kind: 'min', value: 0.8 * best.direct.qps },
        baseline: { name: 'direct', value: best.direct.qps },
      },
      { name: 'dns direct p99 at 5000 q/s', value: med(at5k.direct.map((x) => x.p99)), unit: 'ms' },
      { name: 'dns proxy p50 at 5000 q/s', value: med(at5k.proxy.map((x) => x.p50)), unit: 'ms' },
      {
        name: 'dns proxy p99 at 5000 q/s',
        value: med(at5k.proxy.map((x) => x.p99)),
        unit: 'ms',
        target: { kind: 'max', value: 10 },
      },
      {
        name: 'dns answer → enforced p99 (engine + ipcache, no kernel maps)',
        value: stats.fqdn.enforceLatencyMs.p99,
        unit: 'ms',
        target: { kind: 'max', value: 5 },
      },
    ];
  } finally {
    upstream.kill('SIGKILL');
    proxy.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
