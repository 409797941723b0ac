// The world process: started detached inside the world namespace, adopted by pid after an agent restart.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorldProcessPaths {
  readonly dir: string;
  readonly config: string;
  readonly status: string;
  readonly pid: string;
  readonly log: string;
}

export function worldProcessPaths(dir: string): WorldProcessPaths {
  return {
    dir,
    config: join(dir, 'world.json'),
    status: join(dir, 'world-status.json'),
    pid: join(dir, 'world.pid'),
    log: join(dir, 'world.log'),
  };
}

const MAIN = fileURLToPath(new URL('./world-main.js', import.meta.url));

/** The recorded pid, if that process is alive and is the world server (pids get reused). */
export function runningWorldPid(p: WorldProcessPaths): number | undefined {
  if (!existsSync(p.pid)) return undefined;
  const pid = Number(readFileSync(p.pid, 'utf8').trim());
  if (!(pid > 1)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('world-main.js') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `world-main.js` inside `netns` (ip netns exec execs node: the pid is the server's). */
export function spawnWorld(netns: string, p: WorldProcessPaths): number {
  mkdirSync(p.dir, { recursive: true });
  const log = openSync(p.log, 'a');
  try {
    const child = spawn(
      'ip',
      ['netns', 'exec', netns, process.execPath, MAIN, '--config', p.config, '--status', p.status],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    if (!child.pid) throw new Error('cannot start the world process');
    writeFileSync(p.pid, String(child.pid));
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Stops the recorded world process (by its pid only) and forgets it. */
export function stopWorld(p: WorldProcessPaths): void {
  const pid = runningWorldPid(p);
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(p.pid, { force: true });
}

export function readWorldStatus(
  p: WorldProcessPaths,
): { generation: number; errors: string[]; listeners: string[] } | undefined {
  try {
    return JSON.parse(readFileSync(p.status, 'utf8'));
  } catch {
    return undefined;
  }
}
