// Runs the real `porin` command against a throwaway state directory and inspects what is left on the host.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'bin', 'porin.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export class ClusterHarness {
  readonly stateDir: string;
  readonly runDir: string;

  constructor(private readonly extraEnv: Record<string, string> = {}) {
    const base = mkdtempSync(join(tmpdir(), 'porin-test-'));
    this.stateDir = join(base, 'state');
    this.runDir = join(base, 'run');
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.extraEnv,
      PORIN_STATE_DIR: this.stateDir,
      PORIN_RUN_DIR: this.runDir,
      NO_COLOR: '1',
    };
  }

  porin(args: string[], timeoutMs = 180_000): Promise<Run> {
    return new Promise((resolve, reject) => {
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

  /** Always runs: `porin down`, then removes the temporary directories. */
  async cleanup(): Promise<void> {
    await this.porin(['down']).catch(() => undefined);
    rmSync(join(this.stateDir, '..'), { recursive: true, force: true });
  }
}

/** Every host object with a Porin name, for "the host is clean" checks. */
export interface HostState {
  namespaces: string[];
  links: string[];
  rules: string[];
  table2004: string[];
  blackholes: string[];
  natChains: string[];
  processes: string[];
  pins: string[];
}

export function porinHostState(): HostState {
  const sh = (cmd: string) => {
    try {
      return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return {
    namespaces: sh("ip netns list | grep '^porin' || true"),
    links: sh("ip -o link show | grep -o 'porin[^:@ ]*' || true"),
    rules: sh("ip rule show | grep 'lookup 2004' || true"),
    table2004: sh('ip route show table 2004 || true'),
    blackholes: sh("ip route show | grep -E 'blackhole (10.244.0.0/16|10.96.0.0/16)' || true"),
    natChains: sh("iptables-save -t nat | grep -E '^:PORIN|PORIN-SERVICES' || true"),
    processes: sh("pgrep -af 'dist/src/(agent|cluster/workloads)/main.js' || true"),
    pins: sh('ls /sys/fs/bpf/porin 2>/dev/null || true'),
  };
}

export const CLEAN_HOST: HostState = {
  namespaces: [],
  links: [],
  rules: [],
  table2004: [],
  blackholes: [],
  natChains: [],
  processes: [],
  pins: [],
};
