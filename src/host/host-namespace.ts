// A cluster's host: the machine's own network namespace, or a private one (with its own cgroup) that plays it.
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_ROOT, type ClusterConfig } from '../config/cluster-config.js';
import { HostSafetyError } from './host-safety-error.js';
import { ipBatch, runSync } from './run-command.js';

export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return join(NETNS_DIR, name);
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

/** Every named network namespace on the machine. */
export function namedNamespaces(): string[] {
  return runSync(['ip', 'netns', 'list'], { allowFail: true })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

/**
 * Creates the private host namespace of an isolated cluster (idempotent): loopback up and nothing else, so
 * the only ways out of it are the ones Porin adds (none reach the machine's uplink). Also its cgroup, where
 * the agent and everything it starts run, so that the cluster's socket programs see them.
 */
export function ensureClusterHost(c: ClusterConfig): void {
  if (c.hostNetns) {
    if (!netnsExists(c.hostNetns)) runSync(['ip', 'netns', 'add', c.hostNetns]);
    ipBatch(['link set lo up', ...(c.nodeAddress ? [`addr replace ${c.nodeAddress}/32 dev lo`] : [])], {
      netns: c.hostNetns,
    });
  }
  if (c.cgroupDir !== CGROUP_ROOT) {
    if (!existsSync(join(CGROUP_ROOT, 'cgroup.procs')))
      throw new HostSafetyError(`no cgroup v2 hierarchy at ${CGROUP_ROOT}: cannot give the cluster a cgroup`);
    mkdirSync(c.cgroupDir, { recursive: true });
  }
}

/**
 * argv that runs `command` on the cluster's host: inside its private network namespace and its cgroup
 * (processes started from there inherit both). For the machine's own cluster the command runs as is.
 */
export function onClusterHost(c: ClusterConfig, command: readonly string[]): string[] {
  if (!c.hostNetns && c.cgroupDir === CGROUP_ROOT) return [...command];
  const script = c.hostNetns
    ? 'echo $$ > "$0/cgroup.procs" && ns="$1" && shift && exec nsenter "--net=$ns" -- "$@"'
    : 'echo $$ > "$0/cgroup.procs" && shift && exec "$@"';
  return ['sh', '-c', script, c.cgroupDir, c.hostNetns ? netnsPath(c.hostNetns) : '-', ...command];
}

/** argv that runs `command` in the cluster's cgroup (for commands that enter a pod's namespace themselves). */
export function inClusterCgroup(c: ClusterConfig, command: readonly string[]): string[] {
  if (c.cgroupDir === CGROUP_ROOT) return [...command];
  return ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', c.cgroupDir, ...command];
}

/** Removes the cluster's cgroup once it is empty (a few tries: killed processes leave it asynchronously). */
export async function removeClusterCgroup(c: ClusterConfig): Promise<void> {
  if (c.cgroupDir === CGROUP_ROOT || !existsSync(c.cgroupDir)) return;
  // The agent sweeping its own cluster is still inside: the CLI's sweep after it exits removes the cgroup.
  const own = readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1];
  if (own !== undefined && join(CGROUP_ROOT, own) === c.cgroupDir) return;
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(c.cgroupDir);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
