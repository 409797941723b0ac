// Starts the L7 proxy as a process of its own (detached: an agent crash or restart leaves it running) or adopts the running one.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { proxyPaths } from '../proxy/proxy-process.js';

export const PROXY_MAIN = fileURLToPath(new URL('../proxy/main.js', import.meta.url));

export interface ProxySupervisorOptions {
  runDir: string;
  /** Where the datapath pins its maps (UDP original destinations). */
  pinDir: string;
  logFile: string;
  /** Extra arguments for src/proxy/main.ts (tests: handlers). */
  extraArgs?: readonly string[];
}

/** Is `pid` a live Porin proxy (not a stranger that reused the number)? */
export function isProxyProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('proxy/main.js');
  } catch {
    return false;
  }
}

export class ProxySupervisor {
  private pid: number | undefined;

  constructor(private readonly opts: ProxySupervisorOptions) {}

  /** The running proxy of this run dir, by its pid file. */
  running(): number | undefined {
    const file = proxyPaths(this.opts.runDir).pidFile;
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 1 && isProxyProcess(pid)) return pid;
    }
    if (this.pid !== undefined && isProxyProcess(this.pid)) return this.pid;
    return undefined;
  }

  /** Adopts the running proxy, or starts one (it writes its pid file once it is ready). */
  ensure(): { pid: number; adopted: boolean } {
    const running = this.running();
    if (running !== undefined) {
      this.pid = running;
      return { pid: running, adopted: true };
    }
    const log = openSync(this.opts.logFile, 'a');
    try {
      const args = [PROXY_MAIN, '--run-dir', this.opts.runDir, '--pin-dir', this.opts.pinDir];
      const child = spawn(process.execPath, [...args, ...(this.opts.extraArgs ?? [])], {
        detached: true,
        stdio: ['ignore', log, log],
      });
      child.unref();
      this.pid = child.pid;
      return { pid: child.pid ?? 0, adopted: false };
    } finally {
      closeSync(log);
    }
  }

  /** Stops the proxy (teardown only: an agent that merely stops leaves it running). */
  async stop(): Promise<void> {
    const pid = this.running();
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 40 && isProxyProcess(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (isProxyProcess(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
