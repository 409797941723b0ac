// Pod create-to-ready latency and DEL latency: Porin's thin CNI plugin + server vs the reference bridge + host-local,
// interleaved. The worker plays the agent (bench/cni-agent-side.ts): it serves the plugin and, after each ADD, writes
// the pod's policy and attaches the tc programs, as the runtime's sandboxReady does. Everything happens inside a
// namespace `porin-bench-host` laid out like a Porin node (blackholes, table 2004), so the machine's own
// interfaces, forwarding and iptables are never touched; it is deleted afterwards.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnWithInput } from '../src/cni/exec-plugin.js';
import { linkPorinPlugin } from '../src/cni/porin-plugin-path.js';
import { type AgentSide, HOST_ADDRESS, startAgentSide } from './cni-agent-side.js';
import type { Measurement } from './measurement.js';

const sh = promisify(execFile);
const HOST_NS = 'porin-bench-host';
const WORKER_FLAG = '--porin-cni-bench-worker';
const KINDS = ['porin', 'bridge'] as const;
type Kind = (typeof KINDS)[number];

interface WorkerJob {
  pods: number;
  dir: string;
  cniPath: string;
}

interface Sample {
  /** netns create + ADD returned. */
  create: number;
  /**
   * netns create until the pod's kernel answers a TCP connect (RST from a closed port: no process needed);
   * for porin this includes the agent's step after ADD (policy write + tc attach).
   */
  ready: number;
  /** The plugin call alone. */
  add: number;
  /** porin: the agent's step after ADD (PolicySync.sandboxReady: policy write + tc attach); bridge: 0. */
  endpoint: number;
  /** The plugin call (porin: after the agent's sandboxGone step, which is included). */
  del: number;
  /** A VERSION call: process start-up and nothing else (the floor under every call). */
  version: number;
}

interface Report {
  samples: Record<Kind, Sample[]>;
  /** The server's own time per call (from its log), by command: what the thin plugin adds is the rest. */
  serverMs: Record<string, number[]>;
  datapathError?: string;
}

// ---------------------------------------------------------------- worker (runs inside porin-bench-host)

function configs(dir: string): Record<Kind, Record<string, unknown>> {
  return {
    porin: {
      cniVersion: '1.0.0',
      name: 'porin-bench',
      type: 'porin',
      podCIDR: '10.244.201.0/24',
      dataDir: join(dir, 'porin-ipam'),
      socket: join(dir, 'cni.sock'),
    },
    bridge: {
      cniVersion: '1.0.0',
      name: 'porin-bench-bridge',
      type: 'bridge',
      bridge: 'porinbr0',
      isGateway: true,
      ipMasq: false,
      ipam: {
        type: 'host-local',
        subnet: '10.244.200.0/24',
        dataDir: join(dir, 'host-local'),
        routes: [{ dst: '0.0.0.0/0' }],
      },
    },
  };
}

async function plugin(
  kind: Kind,
  command: 'ADD' | 'DEL' | 'VERSION',
  job: WorkerJob,
  id: string,
  netns: string,
  conf: object,
) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_PATH: job.cniPath,
  };
  const path = kind === 'porin' ? join(job.dir, 'bin', 'porin') : '/usr/lib/cni/bridge';
  const r = await spawnWithInput(path, [], env, JSON.stringify(conf), 30_000);
  if (r.exitCode !== 0) throw new Error(`${kind} ${command} ${id}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Resolves when a TCP connect to ip:9 is answered (accepted or refused by the pod's kernel). */
async function untilAnswered(ip: string, deadline: number): Promise<void> {
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const s = connect({ host: ip, port: 9 });
      s.setTimeout(200);
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
      s.on('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (answered) return;
    if (performance.now() > deadline) throw new Error(`${ip} never answered`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function worker(job: WorkerJob): Promise<void> {
  const conf = configs(job.dir);
  const agent: AgentSide = await startAgentSide(join(job.dir, 'cni.sock'), join(job.dir, 'agent'));
  const samples: Report['samples'] = { porin: [], bridge: [] };
  const pods: Array<{ kind: Kind; i: number; ns: string; id: string; sample: Sample }> = [];
  const warmup = 3;
  for (let i = 0; i < job.pods + warmup; i++) {
    // Interleaved, alternating which goes first, so drift and noise hit both alike.
    for (const kind of i % 2 ? [...KINDS].reverse() : KINDS) {
      const ns = `porin-bench-${kind}-${i}`;
      const id = `porin-bench-${kind}-${i}`;
      const t0 = performance.now();
      await sh('ip', ['netns', 'add', ns]);
      const a0 = performance.now();
      const out = await plugin(kind, 'ADD', job, id, `/var/run/netns/${ns}`, conf[kind]);
      const a1 = performance.now();
      const ip = String(JSON.parse(out).ips[0].address).split('/')[0]!;
      if (kind === 'porin') await agent.ready(id, ns, ip);
      const e1 = performance.now();
      await untilAnswered(ip, e1 + 5000);
      const t1 = performance.now();
      const v0 = performance.now();
      await plugin(kind, 'VERSION', job, id, '', { cniVersion: '1.0.0' });
      const sample = {
        create: a1 - t0,
        ready: t1 - t0,
        add: a1 - a0,
        endpoint: e1 - a1,
        del: 0,
        version: performance.now() - v0,
      };
      pods.push({ kind, i, ns, id, sample });
    }
  }
  for (const p of [...pods].sort((a, b) => a.i - b.i || (a.i % 2 ? -1 : 1) * a.kind.localeCompare(b.kind))) {
    const d0 = performance.now();
    if (p.kind === 'porin') agent.gone(p.id, p.ns);
    await plugin(p.kind, 'DEL', job, p.id, `/var/run/netns/${p.ns}`, conf[p.kind]);
    p.sample.del = performance.now() - d0;
    await sh('ip', ['netns', 'del', p.ns]);
    if (p.i >= warmup) samples[p.kind].push(p.sample);
  }
  await agent.close();
  const report: Report = {
    samples,
    serverMs: Object.fromEntries(agent.serverMs),
    ...(agent.datapathError ? { datapathError: agent.datapathError } : {}),
  };
  process.stdout.write(JSON.stringify(report));
}

// ---------------------------------------------------------------- orchestration (runs in the caller's namespace)

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function deleteBenchNamespaces(): Promise<void> {
  const { stdout } = await sh('ip', ['netns', 'list']);
  const names = stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('porin-bench-'));
  // Pods first, the host namespace (holding porinbr0, the veths and the routes) last.
  for (const n of names.sort((a, b) => Number(a === HOST_NS) - Number(b === HOST_NS))) {
    await sh('ip', ['netns', 'del', n]).catch(() => {});
  }
}

async function setUpHost(): Promise<void> {
  await sh('ip', ['netns', 'add', HOST_NS]);
  const lines = [
    'link set lo up',
    `addr add ${HOST_ADDRESS}/32 dev lo`,
    'rule add from 10.244.0.0/16 lookup 2004 pref 2004',
    // The bridge pods are not part of Porin's layout: their subnet stays in the main table.
    'rule add to 10.244.200.0/24 lookup main pref 2000',
    'route add blackhole default table 2004',
    'route add blackhole 10.244.0.0/16',
    'route add blackhole 10.96.0.0/16',
  ];
  for (const l of lines) await sh('ip', ['-n', HOST_NS, ...l.split(' ')]);
}

function runWorker(job: WorkerJob): Promise<Report> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    // As the agent of an isolated cluster runs: nsenter into the host namespace, no mount namespace of its own.
    const child = spawn(
      'nsenter',
      [`--net=/var/run/netns/${HOST_NS}`, process.execPath, self, WORKER_FLAG, JSON.stringify(job)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.on('close', (code, signal) => {
      try {
        resolve(JSON.parse(out) as Report);
      } catch {
        reject(new Error(`bench worker exited ${code ?? signal} without a report`));
      }
    });
  });
}

/** Runs the CNI latency benchmark, prints a table, and returns the measurements (bench/run.ts summarises them). */
export async function run(opts: { quick: boolean; log?: (line: string) => void }): Promise<Measurement[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  if (process.getuid?.() !== 0) {
    log('cni: skipped (needs root for network namespaces)');
    return [];
  }
  if (!existsSync('/usr/lib/cni/bridge') || !existsSync('/usr/lib/cni/host-local')) {
    log(
      'cni: skipped (the reference plugins are not installed: apt-get install containernetworking-plugins)',
    );
    return [];
  }
  const pods = opts.quick ? 20 : 100;
  const dir = mkdtempSync(join(tmpdir(), 'porin-cni-bench-'));
  let report: Report;
  try {
    await deleteBenchNamespaces(); // leftovers of an interrupted run (all named porin-bench-*)
    await setUpHost();
    linkPorinPlugin(join(dir, 'bin'));
    report = await runWorker({ pods, dir, cniPath: `${join(dir, 'bin')}:/usr/lib/cni` });
  } catch (e) {
    // Reported, not thrown: one failed bench must not abort the others in bench/run.ts.
    log(`cni: FAILED: ${(e as Error).message}`);
    return [];
  } finally {
    await deleteBenchNamespaces();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: Array<[string, keyof Sample, number]> = [
    ['netns + ADD', 'create', 50],
    ['netns + ADD', 'create', 99],
    ['create-to-ready', 'ready', 50],
    ['create-to-ready', 'ready', 99],
    ['ADD alone', 'add', 50],
    ['ADD alone', 'add', 99],
    ['tc + policy (agent)', 'endpoint', 50],
    ['tc + policy (agent)', 'endpoint', 99],
    ['DEL', 'del', 50],
    ['DEL', 'del', 99],
    ['VERSION (start-up)', 'version', 50],
  ];
  const { samples } = report;
  log(
    `cni: ${pods} pods per plugin, interleaved; porin (thin C plugin + server) vs bridge + host-local (Go)`,
  );
  if (report.datapathError)
    log(`cni: NOTE the datapath did not load (${report.datapathError}): create-to-ready lacks tc + policy`);
  log('measurement              porin      bridge     ratio');
  const measurements: Measurement[] = [];
  for (const [label, field, p] of rows) {
    const porin = percentile(
      samples.porin.map((s) => s[field]),
      p,
    );
    const bridge = percentile(
      samples.bridge.map((s) => s[field]),
      p,
    );
    const name = `${label} p${p}`;
    log(
      `${name.padEnd(24)} ${porin.toFixed(1).padStart(6)} ms ${bridge.toFixed(1).padStart(7)} ms  ${field !== 'endpoint' ? `${(porin / bridge).toFixed(2)}×` : ''}`,
    );
    measurements.push({
      name: `cni ${name}`,
      value: porin,
      unit: 'ms',
      // bridge has no step after ADD: no baseline for the agent's share.
      ...(field !== 'endpoint' ? { baseline: { name: 'bridge+host-local', value: bridge } } : {}),
      // Issue 14's target: ADD p50, and create-to-ready p50 (with tc + policy), at most the reference's.
      ...(p === 50 && (field === 'add' || field === 'ready')
        ? { target: { kind: 'max' as const, value: bridge } }
        : {}),
    });
  }
  for (const [command, ms] of Object.entries(report.serverMs)) {
    log(
      `cni: server time per ${command}: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms (${ms.length} calls; the plugin process and the socket are the rest)`,
    );
  }
  return measurements;
}

if (process.argv[2] === WORKER_FLAG) await worker(JSON.parse(process.argv[3]!) as WorkerJob);
