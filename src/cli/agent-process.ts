// Starting, finding and stopping the agent daemon (by the pid it recorded, checked against /proc).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterConfig, clusterEnv, paths } from '../config/cluster-config.js';
import { ensureClusterHost, isPorinProcess, onClusterHost } from '../host/index.js';

const AGENT_MAIN = fileURLToPath(new URL('../agent/main.js', import.meta.url));

export function agentPid(c: ClusterConfig): number | undefined {
  try {
    const pid = Number(readFileSync(paths(c).pidFile, 'utf8').trim());
    return pid > 1 && isPorinProcess(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the agent detached from this terminal, on the cluster's host (its private network namespace and
 * cgroup, when it has them); its output goes to the agent log.
 */
export function startAgent(c: ClusterConfig): number {
  const p = paths(c);
  mkdirSync(dirname(p.agentLog), { recursive: true });
  mkdirSync(c.runDir, { recursive: true });
  ensureClusterHost(c);
  const argv = onClusterHost(c, [process.execPath, AGENT_MAIN]);
  const fd = openSync(p.agentLog, 'a');
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...clusterEnv(c) },
  });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the agent');
  return child.pid;
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!existsSync(`/proc/${pid}`) || !isPorinProcess(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
