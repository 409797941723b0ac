// Service load balancing benchmark: new connections per second (and their latency) to a ClusterIP with
// 100 / 1,000 / 10,000 services of 10 backends, Porin's socket LB against kube-proxy's iptables layout;
// the time from an endpoint change to the maps; the Maglev table build for 1,000 backends.
//
// Everything runs in namespaces `porin-bench-lb-<pid>-{h,c,s}`: a client pod (c) and a server pod (s,
// holding the 10 backend addresses) on veths to a private host (h) with no uplink. kube-proxy's rules
// (KUBE-SERVICES → KUBE-SVC-* → KUBE-SEP-*, statistic random, loaded with iptables-restore) live only in
// h's nat table; the socket programs are attached to a child cgroup of the bench's own, which only the
// client joins, and act only while c's namespace is registered. Per service count the two configurations
// alternate in rounds (Porin without any iptables rule, then iptables without the socket LB), because
// absolute numbers swing by ~30 % between runs on these machines. The client targets the middle service
// of KUBE-SERVICES (an average linear walk).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceLbSync } from '../src/agent/service-lb-sync.js';
import { MemoryObjectStore } from '../src/cluster/store/index.js';
import { type CgroupLink, SockLbDatapath } from '../src/datapath/index.js';
import type { EndpointSlice, Service } from '../src/resources/index.js';
import { LbReconciler, lbConfig, maglevTable, serviceFrontends } from '../src/services/index.js';
import { buildTrafficTool, type CountResult } from './datapath-tool.js';
import { type BenchService, kubeProxyNatRules } from './lb-kube-proxy.js';
import type { BenchOptions, Measurement } from './measurement.js';

const BACKENDS = Array.from({ length: 10 }, (_, i) => `10.244.8.${i + 1}`);
const PORT = 8080;
const CGROUP = `/sys/fs/cgroup/unified/porin-bench-lb-${process.pid}`;

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
}

function vip(i: number): string {
  return `10.96.${(i >> 8) & 0xff}.${i & 0xff}`;
}

function services(n: number): BenchService[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `default/svc-${i}`,
    vip: vip(i + 1),
    port: 80,
    backends: BACKENDS.map((ip) => ({ ip, port: PORT })),
  }));
}

function k8sObjects(s: BenchService, i: number): [Service, EndpointSlice] {
  const name = `svc-${i}`;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { type: 'ClusterIP', clusterIP: s.vip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: s.backends.map((b) => ({ addresses: [b.ip], conditions: { ready: true }, nodeName: 'n1' })),
      ports: [{ name: 'http', port: PORT, protocol: 'TCP' }],
    },
  ];
}

class Namespaces implements Disposable {
  readonly h = `porin-bench-lb-${process.pid}-h`;
  readonly c = `porin-bench-lb-${process.pid}-c`;
  readonly s = `porin-bench-lb-${process.pid}-s`;

  constructor() {
    const ip = (ns: string, ...a: string[]) => sh('ip', ['-n', ns, ...a]);
    for (const ns of [this.h, this.c, this.s]) {
      sh('ip', ['netns', 'add', ns]);
      ip(ns, 'link', 'set', 'lo', 'up');
    }
    ip(this.h, 'route', 'add', 'blackhole', 'default');
    const pod = (ns: string, hostIf: string, addrs: string[]) => {
      ip(this.h, 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      const mac = JSON.parse(ip(this.h, '-j', 'link', 'show', 'dev', hostIf))[0].address as string;
      for (const a of addrs) ip(ns, 'addr', 'add', `${a}/32`, 'dev', 'eth0');
      ip(ns, 'link', 'set', 'eth0', 'up');
      ip(ns, 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link');
      ip(ns, 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0', 'src', addrs[0]!);
      ip(ns, 'neigh', 'add', '169.254.1.1', 'lladdr', mac, 'dev', 'eth0', 'nud', 'permanent');
      ip(this.h, 'link', 'set', hostIf, 'up');
      for (const a of addrs) ip(this.h, 'route', 'add', `${a}/32`, 'dev', hostIf);
      sh('ip', ['netns', 'exec', this.h, 'sysctl', '-qw', `net.ipv4.conf.${hostIf}.forwarding=1`]);
    };
    pod(this.c, `lbc${process.pid}`.slice(0, 15), ['10.244.9.1']);
    pod(this.s, `lbs${process.pid}`.slice(0, 15), BACKENDS);
  }

  [Symbol.dispose](): void {
    for (const ns of [this.c, this.s, this.h]) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  }
}

/** Runs the traffic tool in the client pod, as a process of the bench's cgroup. */
function crr(tool: string, ns: string, target: string, seconds: number): Promise<CountResult> {
  const child = spawn(
    'sh',
    [
      '-c',
      'echo $$ > "$0/cgroup.procs" && exec ip netns exec "$1" "$2" cpu=0 crr "$3" 80 "$4"',
      CGROUP,
      ns,
      tool,
      target,
      String(seconds),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as CountResult) : reject(new Error(`crr: ${err}`)),
    ),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function lbBench({ quick, log }: BenchOptions): Promise<Measurement[]> {
  const out: Measurement[] = [];
  out.push(maglevBuild(quick));
  if (process.getuid?.() !== 0) {
    log('skipping the socket-LB and iptables parts: needs root');
    return out;
  }
  const counts = quick ? [100, 1000] : [100, 1000, 10_000];
  const seconds = quick ? 1 : 3;
  const rounds = quick ? 2 : 5;
  mkdirSync(CGROUP);
  using tool = buildTrafficTool();
  using ns = new Namespaces();
  const server = spawn('ip', ['netns', 'exec', ns.s, tool.path, 'server', '0.0.0.0', String(PORT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let links: CgroupLink[] = [];
  const lb = SockLbDatapath.load({
    maglevTableSize: 251,
    maxEntries: { porin_lb4_services: 262_144, porin_lb4_backends: 65_536, porin_lb4_reverse_sk: 262_144 },
  });
  try {
    await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
    links = lb.attach(CGROUP);
    const cfg = lbConfig({ nodeName: 'n1', maglevTableSize: 251 });
    const rate: Record<string, number> = {};
    for (const n of counts) {
      const svcs = services(n);
      const r = new LbReconciler(lb.maps, { tableSize: 251, seed: 1 });
      r.adopt();
      const t0 = performance.now();
      svcs.forEach((s, i) => {
        const [svc, slice] = k8sObjects(s, i);
        r.setService(s.name, serviceFrontends(svc, [slice], cfg));
      });
      for (let i = n; i < 10_000; i++) r.deleteService(`default/svc-${i}`);
      log(`  ${n} services written to the maps in ${(performance.now() - t0).toFixed(0)} ms`);
      const rules = kubeProxyNatRules(svcs);
      const target = svcs[Math.floor(n / 2)]!.vip;
      const porin: number[] = [];
      const ipt: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const cookie = lb.registerNetns(`/run/netns/${ns.c}`);
        const p = await crr(tool.path, ns.c, target, seconds);
        lb.unregisterNetns(cookie);
        sh('ip', ['netns', 'exec', ns.h, 'iptables-restore'], rules);
        const q = await crr(tool.path, ns.c, target, seconds);
        sh('ip', ['netns', 'exec', ns.h, 'iptables', '-t', 'nat', '-F']);
        sh('ip', ['netns', 'exec', ns.h, 'iptables', '-t', 'nat', '-X']);
        if (p.errors || q.errors) log(`  round ${round}: errors porin ${p.errors}, iptables ${q.errors}`);
        porin.push(p.count / p.seconds);
        ipt.push(q.count / q.seconds);
      }
      rate[`porin${n}`] = median(porin);
      rate[`iptables${n}`] = median(ipt);
      const iptName = `lb iptables (kube-proxy layout) new connections/s, ${n} services`;
      out.push({ name: iptName, value: median(ipt), unit: '/s' });
      out.push({
        name: `lb porin socket LB new connections/s, ${n} services`,
        value: median(porin),
        unit: '/s',
        ...(n >= 1000 ? { target: { kind: 'min' as const, value: median(ipt) } } : {}),
        baseline: { name: 'iptables', value: median(ipt) },
      });
      out.push({
        name: `lb porin connect+request latency (mean), ${n} services`,
        value: 1e6 / median(porin),
        unit: 'µs',
      });
      out.push({
        name: `lb iptables connect+request latency (mean), ${n} services`,
        value: 1e6 / median(ipt),
        unit: 'µs',
      });
    }
    const first = counts[0]!;
    const last = counts.at(-1)!;
    out.push({
      name: `lb porin rate at ${last} / rate at ${first} services`,
      value: rate[`porin${last}`]! / rate[`porin${first}`]!,
      unit: 'x',
      target: { kind: 'min', value: 0.95 },
    });
    out.push(await changeToMaps(lb, quick ? 1000 : 10_000, quick ? 100 : 500, log));
  } finally {
    for (const l of links) l.detach();
    lb.close();
    if (server.pid) process.kill(server.pid, 'SIGKILL');
    await sleep(100);
    try {
      rmdirSync(CGROUP);
    } catch {
      // a process still leaving; the next run's mkdir fails loudly if it stays
    }
  }
  return out;
}

/** Median build time of a Maglev table (M = 16381) for 1,000 backends. */
function maglevBuild(quick: boolean): Measurement {
  const names = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.1:8080/TCP`);
  const times: number[] = [];
  for (let i = 0; i < (quick ? 20 : 100); i++) {
    const t0 = performance.now();
    maglevTable(names, 16381, i);
    times.push(performance.now() - t0);
  }
  return {
    name: 'lb Maglev table build, 1,000 backends, M=16381 (median)',
    value: median(times),
    unit: 'ms',
    target: { kind: 'max', value: 3 },
  };
}

/** From a store write of an EndpointSlice to the kernel maps holding it, with `n` services loaded. */
async function changeToMaps(
  lb: SockLbDatapath,
  n: number,
  changes: number,
  log: (l: string) => void,
): Promise<Measurement> {
  const store = new MemoryObjectStore();
  const svcs = services(n);
  await store.apply(svcs.flatMap((s, i) => k8sObjects(s, i)));
  const r = new LbReconciler(lb.maps, { tableSize: 251, seed: 1 });
  const sync = new ServiceLbSync(store, r, lbConfig({ nodeName: 'n1', maglevTableSize: 251 }), log);
  await sync.start();
  let done: (() => void) | undefined;
  sync.onApplied = () => done?.();
  const lat: number[] = [];
  for (let i = 0; i < changes; i++) {
    const idx = Math.floor(Math.random() * n);
    const [, slice] = k8sObjects(svcs[idx]!, idx);
    slice.endpoints = slice.endpoints.slice(0, 5 + (i % 5));
    const applied = new Promise<void>((resolve) => {
      done = resolve;
    });
    const t0 = performance.now();
    await store.apply([slice]);
    await applied;
    lat.push(performance.now() - t0);
  }
  sync.stop();
  log(
    `  endpoint change → maps with ${n} services: p50 ${pct(lat, 0.5).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms`,
  );
  return {
    name: `lb endpoint change → maps written, ${n} services (p99)`,
    value: pct(lat, 0.99),
    unit: 'ms',
    target: { kind: 'max', value: 10 },
  };
}
