// Finds and removes every host object a cluster made — processes, namespaces, links, routes, rules, pins (with them the LB's cgroup links).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BPFFS_ROOT, CGROUP_ROOT, type ClusterConfig, clusterConfig } from '../config/cluster-config.js';
import { namedNamespaces, netnsExists, removeClusterCgroup } from './host-namespace.js';
import { teardownHostNetwork } from './host-network.js';
import { teardownProxyRouting } from './proxy-routing.js';
import { ipBatch, runSync } from './run-command.js';
import { worldNetnsName } from './world-network.js';

export interface SweepReport {
  processes: number[];
  namespaces: string[];
  links: string[];
}

/** Pod host veths (`porin` + 10 hex) and the DNS device pair, in the machine's namespace. */
export const CLUSTER_LINK = /^porin([0-9a-f]{10}|0|0p)$/;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pod namespaces of one cluster: `<podNetnsPrefix><10 hex>`. */
export function podNamespaces(c: ClusterConfig): string[] {
  const re = new RegExp(`^${escapeRegExp(c.podNetnsPrefix)}[0-9a-f]{10}$`);
  return namedNamespaces().filter((n) => re.test(n));
}

export function clusterLinks(): string[] {
  return runSync(['ip', '-o', 'link', 'show'], { allowFail: true })
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((n) => CLUSTER_LINK.test(n));
}

/** Is `pid` alive and one of ours (its command line mentions porin's code)? Guards against reused pids. */
export function isPorinProcess(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /porin|dist\/src\/(cluster\/workloads|agent|proxy)/.test(cmd);
  } catch {
    return false;
  }
}

function killPid(pid: number, out: number[]): void {
  try {
    process.kill(pid, 'SIGKILL');
    out.push(pid);
  } catch {
    // already gone
  }
}

/** Every process inside a namespace that Porin made is Porin's (a pod's workload, an agent, a proxy). */
function killNamespaceProcesses(ns: string, out: number[]): void {
  for (const p of runSync(['ip', 'netns', 'pids', ns], { allowFail: true }).split('\n')) {
    const pid = Number(p);
    if (pid > 1 && pid !== process.pid) killPid(pid, out);
  }
}

function deleteNamespace(ns: string, report: SweepReport): void {
  ipBatch([`netns del ${ns}`], { force: true });
  rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  report.namespaces.push(ns);
}

/**
 * Removes one cluster's objects, and only its own: the processes it recorded or that run in its
 * namespaces, its pod namespaces, then either its private host namespace (with every link, route and
 * rule inside) or, for the machine's own cluster, those objects on the machine; then its
 * pins, run directory and cgroup. Works with or without a live agent.
 */
export async function sweepCluster(c: ClusterConfig): Promise<SweepReport> {
  const report: SweepReport = { processes: [], namespaces: [], links: [] };
  const podsDir = join(c.runDir, 'pods');
  if (existsSync(podsDir)) {
    for (const f of readdirSync(podsDir, { recursive: true }) as string[]) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(readFileSync(join(podsDir, f), 'utf8').trim());
      if (pid > 1 && isPorinProcess(pid)) killPid(pid, report.processes);
    }
  }
  // The L7 proxy runs apart from the agent (src/proxy/main.ts) and records its own pid.
  const proxyPid = join(c.runDir, 'proxy.pid');
  if (existsSync(proxyPid)) {
    const pid = Number(readFileSync(proxyPid, 'utf8').trim());
    if (pid > 1 && isPorinProcess(pid)) killPid(pid, report.processes);
  }
  const pods = podNamespaces(c);
  const host = c.hostNetns && netnsExists(c.hostNetns) ? [c.hostNetns] : [];
  // The outside world (ExternalHosts): its process, then its namespace (the veth pair goes with it).
  const world = netnsExists(worldNetnsName(c.prefix)) ? [worldNetnsName(c.prefix)] : [];
  for (const ns of [...pods, ...world, ...host]) killNamespaceProcesses(ns, report.processes);
  for (const ns of [...pods, ...world]) deleteNamespace(ns, report);
  if (c.hostNetns) {
    for (const ns of host) deleteNamespace(ns, report);
  } else {
    for (const l of clusterLinks()) {
      ipBatch([`link del ${l}`], { force: true });
      report.links.push(l);
    }
    teardownHostNetwork(c);
    teardownProxyRouting(undefined, { savedSysctls: join(c.runDir, 'proxy-sysctls.json') });
  }
  if (existsSync('/etc/netns')) {
    for (const d of readdirSync('/etc/netns'))
      if (d.startsWith(c.podNetnsPrefix)) rmSync(join('/etc/netns', d), { recursive: true, force: true });
  }
  rmSync(c.pinDir, { recursive: true, force: true });
  rmSync(c.runDir, { recursive: true, force: true });
  await removeClusterCgroup(c);
  return report;
}

/**
 * `porin down --all`: every Porin object on the machine, whichever cluster (or test) made it — the
 * machine's own cluster, then every namespace, pin directory, cgroup and run directory named `porin*`.
 */
export async function sweepAll(): Promise<SweepReport> {
  const report = await sweepCluster(clusterConfig({}));
  const ours = namedNamespaces().filter((n) => n.startsWith('porin'));
  for (const ns of ours) killNamespaceProcesses(ns, report.processes);
  // Pods before hosts: a pod's veth peer lives in its host namespace.
  for (const ns of ours.sort((a, b) => Number(b.includes('-pod-')) - Number(a.includes('-pod-'))))
    deleteNamespace(ns, report);
  for (const [root, dirs] of [
    [BPFFS_ROOT, true],
    ['/run', true],
    [CGROUP_ROOT, false],
  ] as const) {
    if (!existsSync(root)) continue;
    for (const d of readdirSync(root)) {
      if (!d.startsWith('porin')) continue;
      if (dirs) rmSync(join(root, d), { recursive: true, force: true });
      else await removeClusterCgroup({ ...clusterConfig({}), cgroupDir: join(root, d) });
    }
  }
  return report;
}
