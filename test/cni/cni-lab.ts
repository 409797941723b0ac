// Test fixture: a throwaway "host" network namespace laid out like a Porin node, with a CNI server in it, pod namespaces, and plugin runs.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type PluginExec, spawnWithInput } from '../../src/cni/exec-plugin.js';
import { linkPorinPlugin, porinCniBinary, porinCniServerEntry } from '../../src/cni/porin-plugin-path.js';

const run = promisify(execFile);

/** The fake host's own address (on lo): ARP and host-originated traffic need an IPv4 address. */
export const HOST_ADDRESS = '10.244.255.254';

export const IS_ROOT = process.getuid?.() === 0;
export const SKIP_UNLESS_ROOT = IS_ROOT ? false : 'needs root (network namespaces)';

export interface PluginRun {
  exitCode: number;
  stdout: string;
  // biome-ignore lint/suspicious/noExplicitAny: test code reads arbitrary result fields
  json: any;
}

export interface PluginCall {
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  /** Replaces the computed environment entirely when given (for bad-environment tests). */
  env?: Record<string, string>;
  stdin: string | object;
}

/** Runs `cmd args…`, resolving with stdout; rejects with stderr on a non-zero exit. */
export async function sh(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { maxBuffer: 64 << 20 });
  return r.stdout;
}

/** Like `sh` but never rejects. */
export async function shQuiet(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const r = await run(cmd, args, { maxBuffer: 64 << 20 });
    return { ok: true, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return { ok: false, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

/** A CNI server process started by a lab (in a namespace of the lab's). */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** What it wrote to stderr so far (one line per call). */
  log(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * One isolated node: the host namespace `porin-t<hex>-host` gets lo up with HOST_ADDRESS, the policy rule
 * `from 10.244.0.0/16 lookup 2004`, `blackhole default` in 2004 and the main-table blackholes, so nothing a
 * test does can reach the machine's real interfaces; a CNI server runs in it (`lab.socket`). `dispose()`
 * stops the servers and deletes every namespace (and with them every veth, route, rule and iptables rule
 * inside) and the temporary directories.
 */
export class CniLab {
  readonly prefix = `porin-t${randomBytes(3).toString('hex')}`;
  readonly hostNs = `${this.prefix}-host`;
  readonly hostNsPath = `/var/run/netns/${this.hostNs}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'porin-cni-test-'));
  readonly dataDir = join(this.dir, 'ipam');
  readonly cacheDir = join(this.dir, 'cache');
  /** The CNI server's socket (the `socket` of every configuration the lab makes). */
  readonly socket = join(this.dir, 'cni.sock');
  /** The server started by create() (undefined once a test stopped it). */
  server: ServerProcess | undefined;
  private readonly servers = new Set<ServerProcess>();
  /** CNI_PATH: a directory offering `porin`, then the reference plugins. */
  readonly cniPath = [linkPorinPlugin(join(this.dir, 'bin')), '/usr/lib/cni'];
  private readonly pods = new Set<string>();
  private readonly pids = new Set<number>();

  /** Runs a plugin inside the host namespace (libcni's Exec, wrapped in nsenter). */
  readonly exec: PluginExec = (pluginPath, env, stdin, timeoutMs) =>
    spawnWithInput('nsenter', [`--net=${this.hostNsPath}`, pluginPath], env, stdin, timeoutMs);

  static async create(): Promise<CniLab> {
    const lab = new CniLab();
    try {
      await sh('ip', ['netns', 'add', lab.hostNs]);
      await lab.ipBatch([
        'link set lo up',
        `addr add ${HOST_ADDRESS}/32 dev lo`,
        'rule add from 10.244.0.0/16 lookup 2004 pref 2004',
        'route add blackhole default table 2004',
        'route add blackhole 10.244.0.0/16',
        'route add blackhole 10.96.0.0/16',
      ]);
      lab.server = await lab.startServer();
    } catch (e) {
      await lab.dispose();
      throw e;
    }
    return lab;
  }

  /**
   * Starts `porin cni-server` (its entry point, without the CLI's start-up) in `netns` (default: the lab's
   * host) on `socket`, resolving once it listens.
   */
  startServer(opts: { netns?: string; socket?: string; argv?: string[] } = {}): Promise<ServerProcess> {
    const netns = opts.netns ?? this.hostNsPath;
    const argv = opts.argv ?? [process.execPath, porinCniServerEntry()];
    return new Promise((resolve, reject) => {
      const child = spawn('nsenter', [`--net=${netns}`, ...argv, '--socket', opts.socket ?? this.socket], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.track(child.pid);
      let out = '';
      let err = '';
      const exited = new Promise<void>((done) => child.once('close', () => done()));
      const server: ServerProcess = {
        child,
        log: () => err,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            await exited;
            clearTimeout(timer);
          }
          this.untrack(child.pid);
          this.servers.delete(server);
        },
      };
      this.servers.add(server);
      child.stderr.on('data', (b) => {
        err += b;
      });
      child.stdout.on('data', (b) => {
        out += b;
        if (out.includes('listening on')) resolve(server);
      });
      child.once('close', (code) => reject(new Error(`cni-server exited ${code} before listening: ${err}`)));
    });
  }

  /** `ip -batch` inside the host namespace. */
  ipBatch(lines: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = spawn('ip', ['-n', this.hostNs, '-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      c.stdout.on('data', (b) => {
        out += b;
      });
      c.stderr.on('data', (b) => {
        err += b;
      });
      c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ip -batch: ${err}`))));
      c.stdin.end(`${lines.join('\n')}\n`);
    });
  }

  /** `ip ARGS` in the host namespace. */
  ip(...args: string[]): Promise<string> {
    return sh('ip', ['-n', this.hostNs, ...args]);
  }

  /** Creates a pod namespace and returns its path. */
  async addPod(name: string): Promise<string> {
    const ns = `${this.prefix}-${name}`;
    this.pods.add(ns);
    await sh('ip', ['netns', 'add', ns]);
    return `/var/run/netns/${ns}`;
  }

  async deletePod(name: string): Promise<void> {
    const ns = `${this.prefix}-${name}`;
    await shQuiet('ip', ['netns', 'del', ns]);
    this.pods.delete(ns);
  }

  podNsName(name: string): string {
    return `${this.prefix}-${name}`;
  }

  /** Remembers a process to kill (by pid) on dispose. */
  track(pid: number | undefined): void {
    if (pid) this.pids.add(pid);
  }

  untrack(pid: number | undefined): void {
    if (pid) this.pids.delete(pid);
  }

  /** The `porin` plugin's network configuration for this lab. */
  conf(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: '1.1.0',
      name: 'porin',
      type: 'porin',
      podCIDR: '10.244.0.0/24',
      dataDir: this.dataDir,
      socket: this.socket,
      ...extra,
    };
  }

  /** Runs `bin/porin-cni` inside the host namespace, as a runtime would. */
  async plugin(command: string, call: PluginCall): Promise<PluginRun> {
    const env: Record<string, string> = call.env ?? {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_PATH: this.cniPath.join(':'),
      ...(call.containerId !== undefined ? { CNI_CONTAINERID: call.containerId } : {}),
      ...(call.netns !== undefined ? { CNI_NETNS: call.netns } : {}),
      ...(call.ifname !== undefined ? { CNI_IFNAME: call.ifname } : {}),
      ...(call.args !== undefined ? { CNI_ARGS: call.args } : {}),
    };
    const stdin = typeof call.stdin === 'string' ? call.stdin : JSON.stringify(call.stdin);
    const r = await this.exec(porinCniBinary(), env, stdin, 30_000);
    let json: unknown;
    try {
      json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
    } catch {
      json = undefined;
    }
    return { exitCode: r.exitCode, stdout: r.stdout, json };
  }

  /** Every namespace, process and file this lab made goes away; safe to call twice. */
  async dispose(): Promise<void> {
    for (const s of [...this.servers]) await s.stop();
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.pids.clear();
    // Every namespace with the prefix, including ones made by worker processes (the host one last).
    const all = new Set([...this.pods, ...(await namespacesWithPrefix(`${this.prefix}-`))]);
    all.delete(this.hostNs);
    for (const ns of all) await shQuiet('ip', ['netns', 'del', ns]);
    this.pods.clear();
    await shQuiet('ip', ['netns', 'del', this.hostNs]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Names of leftover namespaces of this lab (for assertions after dispose or at the end of a test). */
export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  const out = await sh('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}
