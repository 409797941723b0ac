// Runs the real `porin` command against an isolated cluster of the test's own (a private host netns) and inspects it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsName } from '../../src/cluster/runtime/index.js';
import { type ClusterConfig, clusterConfig } from '../../src/config/cluster-config.js';
import { sweepCluster } from '../../src/host/index.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'bin', 'porin.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Test clusters are named `t<pid of the test process, base 36>-<4 hex>`: a dead owner marks a leftover. */
const TEST_CLUSTER = /^porin-(t([0-9a-z]+)-[0-9a-f]{4})$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what test clusters of dead test processes left behind (a killed run): their namespaces, pins and
 * cgroups. Clusters of live test processes — another test file running concurrently — are left alone.
 */
export async function sweepStaleTestClusters(): Promise<string[]> {
  const names = new Set<string>();
  const consider = (n: string) => {
    const m = TEST_CLUSTER.exec(n.replace(/-pod-[0-9a-f]{10}$/, ''));
    if (m && !alive(Number.parseInt(m[2]!, 36))) names.add(m[1]!);
  };
  for (const l of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n'))
    consider(l.split(' ')[0] ?? '');
  for (const dir of ['/sys/fs/bpf', '/sys/fs/cgroup/unified'])
    if (existsSync(dir))
      for (const d of execFileSync('ls', [dir], { encoding: 'utf8' }).split('\n')) consider(d);
  for (const name of names) await sweepCluster(clusterConfig({ PORIN_HOST_NETNS: name }));
  return [...names];
}

/** Once per test process, before its first cluster: leftovers of killed runs go (by prefix, dead owners only). */
let stale: Promise<unknown> | undefined;

export class ClusterHarness {
  readonly stateDir: string;
  readonly runDir: string;
  /** The cluster's name: its host is the private network namespace `porin-<name>`. */
  readonly name = `t${process.pid.toString(36)}-${Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
  readonly config: ClusterConfig;

  constructor(private readonly extraEnv: Record<string, string> = {}) {
    const base = mkdtempSync(join(tmpdir(), 'porin-test-'));
    this.stateDir = join(base, 'state');
    this.runDir = join(base, 'run');
    this.config = clusterConfig(this.env);
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.extraEnv,
      PORIN_HOST_NETNS: this.name,
      PORIN_STATE_DIR: this.stateDir,
      PORIN_RUN_DIR: this.runDir,
      NO_COLOR: '1',
    };
  }

  /** The cluster's private host network namespace. */
  get hostNetns(): string {
    return this.config.hostNetns!;
  }

  /** A pod's network namespace, from its uid. */
  podNetns(uid: string): string {
    return netnsName(this.config.podNetnsPrefix, uid);
  }

  async porin(args: string[], timeoutMs = 180_000): Promise<Run> {
    stale ??= sweepStaleTestClusters().catch(() => undefined);
    await stale;
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: REPO,
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  async ok(args: string[]): Promise<string> {
    const r = await this.porin(args);
    if (r.code !== 0) throw new Error(`porin ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** `ip ARGS` inside the cluster's host namespace. */
  hostIp(...args: string[]): string {
    return execFileSync('ip', ['-n', this.hostNetns, ...args], { encoding: 'utf8' });
  }

  /** What of this cluster exists on the machine (all empty once it is down). */
  state(): ClusterState {
    return clusterState(this.config);
  }

  /** Always runs: `porin down` (this cluster only), then removes the temporary directories. */
  async cleanup(): Promise<void> {
    await this.porin(['down']).catch(() => undefined);
    // Belt and braces: a cluster whose agent hung is still swept by prefix.
    await sweepCluster(this.config).catch(() => undefined);
    rmSync(join(this.stateDir, '..'), { recursive: true, force: true });
  }
}

/** One cluster's objects on the machine, for "nothing leaked" checks. */
export interface ClusterState {
  hostNetns: string[];
  podNamespaces: string[];
  processes: string[];
  pins: string[];
  cgroup: boolean;
}

export function clusterState(c: ClusterConfig): ClusterState {
  const sh = (cmd: string) => {
    try {
      return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const netns = sh('ip netns list').map((l) => l.split(' ')[0]!);
  const host = c.hostNetns!;
  return {
    hostNetns: netns.filter((n) => n === host),
    podNamespaces: netns.filter((n) => n.startsWith(c.podNetnsPrefix)),
    // `pid command line` of every process whose network namespace is one of this cluster's
    processes: [host, ...netns.filter((n) => n.startsWith(c.podNetnsPrefix))].flatMap((n) =>
      sh(`ip netns pids ${n} 2>/dev/null || true`).map((pid) => `${pid} ${commandLine(pid)}`),
    ),
    pins: sh(`ls ${c.pinDir} 2>/dev/null || true`),
    cgroup: existsSync(c.cgroupDir),
  };
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

export const GONE: ClusterState = {
  hostNetns: [],
  podNamespaces: [],
  processes: [],
  pins: [],
  cgroup: false,
};

/**
 * The machine's own network state that an isolated cluster must never change: routes of every table,
 * rules, iptables, links named porin*. Compared before and after a test.
 */
export function machineNetworkState(): string {
  const sh = (argv: string[]) => {
    try {
      return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  };
  return [
    sh(['ip', 'route', 'show', 'table', 'all']),
    sh(['ip', 'rule', 'show']),
    sh(['iptables-save', '-t', 'nat'])
      .replace(/^#.*$/gm, '')
      .replace(/\[\d+:\d+\]/g, ''),
    sh(['ip', '-o', 'link', 'show'])
      .split('\n')
      .filter((l) => / porin/.test(l))
      .map((l) => l.replace(/^\d+:\s+/, '').split(':')[0])
      .join('\n'),
  ].join('\n---\n');
}
