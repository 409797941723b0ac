// Runs containers' processes inside pod namespaces, restarts them when they die, and adopts them after a restart.
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export interface ContainerSpec {
  /** `<podUid>/<container>` */
  key: string;
  netns: string;
  argv: string[];
  env: Record<string, string>;
  logFile: string;
}

interface Running {
  spec: ContainerSpec;
  pid: number;
  restarts: number;
  startedAt: number;
  stopping: boolean;
}

const BACKOFF_MS = [200, 500, 1000, 2000, 5000];

export class ProcessSupervisor {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pidDir: string,
    private readonly onEvent: (key: string, message: string) => void = () => {},
  ) {
    mkdirSync(pidDir, { recursive: true });
  }

  start(): void {
    this.timer = setInterval(() => this.poll(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private pidFile(key: string): string {
    return join(this.pidDir, `${key.replace('/', '_')}.pid`);
  }

  /** Starts the container unless its recorded process is still alive (then it is adopted). */
  ensure(spec: ContainerSpec): void {
    const cur = this.running.get(spec.key);
    if (cur && alive(cur.pid)) return;
    const recorded = readPid(this.pidFile(spec.key));
    if (recorded && alive(recorded)) {
      this.running.set(spec.key, {
        spec,
        pid: recorded,
        restarts: cur?.restarts ?? 0,
        startedAt: Date.now(),
        stopping: false,
      });
      return;
    }
    this.launch(spec, cur?.restarts ?? 0);
  }

  private launch(spec: ContainerSpec, restarts: number): void {
    mkdirSync(join(spec.logFile, '..'), { recursive: true });
    const fd = openSync(spec.logFile, 'a');
    writeSync(
      fd,
      `--- ${new Date().toISOString()} starting ${spec.argv.join(' ')}${restarts ? ` (restart ${restarts})` : ''}\n`,
    );
    const child = spawn('ip', ['netns', 'exec', spec.netns, ...spec.argv], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...spec.env },
    });
    closeSync(fd);
    if (child.pid === undefined) {
      this.onEvent(spec.key, 'failed to start');
      return;
    }
    child.unref();
    // The agent learns of an exit at once when it is the parent; after an agent restart, poll() notices.
    child.on('exit', () => this.poll());
    writeFileSync(this.pidFile(spec.key), String(child.pid));
    this.running.set(spec.key, { spec, pid: child.pid, restarts, startedAt: Date.now(), stopping: false });
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  async kill(key: string, graceMs = 2000): Promise<void> {
    const r = this.running.get(key);
    const pid = r?.pid ?? readPid(this.pidFile(key));
    if (r) r.stopping = true;
    this.running.delete(key);
    rmSync(this.pidFile(key), { force: true });
    if (!pid || !alive(pid)) return;
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) signal(pid, 'SIGKILL');
  }

  status(key: string): { running: boolean; restarts: number; pid?: number } {
    const r = this.running.get(key);
    return r ? { running: alive(r.pid), restarts: r.restarts, pid: r.pid } : { running: false, restarts: 0 };
  }

  /** Every container key with a live process or a pid file (after a restart, pid files are all we have). */
  keysFor(uid: string): string[] {
    const keys = new Set([...this.running.keys()].filter((k) => k.startsWith(`${uid}/`)));
    for (const f of readdirSync(this.pidDir)) {
      if (f.startsWith(`${uid}_`) && f.endsWith('.pid')) keys.add(`${uid}/${f.slice(uid.length + 1, -4)}`);
    }
    return [...keys];
  }

  keys(): string[] {
    return [...this.running.keys()];
  }

  private poll(): void {
    for (const [key, r] of this.running) {
      if (r.stopping || alive(r.pid)) continue;
      const restarts = r.restarts + 1;
      const delay = BACKOFF_MS[Math.min(restarts - 1, BACKOFF_MS.length - 1)]!;
      this.onEvent(key, `exited; restarting in ${delay} ms (restart ${restarts})`);
      r.stopping = true;
      setTimeout(() => {
        if (this.running.get(key) === r) this.launch(r.spec, restarts);
      }, delay).unref();
    }
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}
