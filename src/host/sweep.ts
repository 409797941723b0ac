// Finds and removes every host object the embedded cluster made: processes, namespaces, links, routes, rules, NAT chains.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../config/cluster-config.js';
import { teardownHostNetwork } from './host-network.js';
import { ipBatch, runSync } from './run-command.js';
import { flushServiceNat } from './service-nat.js';
import { sweepWorlds } from './world-network.js';

export interface SweepReport {
  processes: number[];
  namespaces: string[];
  links: string[];
}

/** The cluster's own objects only: pod sandboxes, pod host veths (`porin` + 10 hex), the DNS device pair. */
export const NETNS_PREFIX = 'porin-';
export const POD_NETNS = /^porin-pod-[0-9a-f]{10}$/;
export const CLUSTER_LINK = /^porin([0-9a-f]{10}|0|0p)$/;

export function porinNamespaces(): string[] {
  return runSync(['ip', 'netns', 'list'], { allowFail: true })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NETNS_PREFIX));
}

export function clusterNamespaces(): string[] {
  return porinNamespaces().filter((n) => POD_NETNS.test(n));
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
    return /porin|dist\/src\/(cluster\/workloads|agent)/.test(cmd);
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

export function sweepHost(c: ClusterConfig): SweepReport {
  const report: SweepReport = { processes: [], namespaces: [], links: [] };
  // 1. Processes we recorded (pid files), then anything still running inside our namespaces.
  const podsDir = join(c.runDir, 'pods');
  if (existsSync(podsDir)) {
    for (const f of readdirSync(podsDir, { recursive: true }) as string[]) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(readFileSync(join(podsDir, f), 'utf8').trim());
      if (pid > 1 && isPorinProcess(pid)) killPid(pid, report.processes);
    }
  }
  for (const ns of clusterNamespaces()) {
    for (const p of runSync(['ip', 'netns', 'pids', ns], { allowFail: true }).split('\n')) {
      const pid = Number(p);
      if (pid > 1) killPid(pid, report.processes);
    }
  }
  // 2. Namespaces (their veth peers go with them), remaining links, resolv.conf dirs.
  for (const ns of clusterNamespaces()) {
    ipBatch([`netns del ${ns}`], { force: true });
    rmSync(join('/etc/netns', ns), { recursive: true, force: true });
    report.namespaces.push(ns);
  }
  for (const l of clusterLinks()) {
    ipBatch([`link del ${l}`], { force: true });
    report.links.push(l);
  }
  if (existsSync('/etc/netns')) {
    for (const d of readdirSync('/etc/netns'))
      if (d.startsWith(NETNS_PREFIX)) rmSync(join('/etc/netns', d), { recursive: true, force: true });
  }
  // The outside world (ExternalHosts): its namespace, processes and veth.
  const world = sweepWorlds();
  report.namespaces.push(...world.namespaces);
  report.processes.push(...world.processes);
  // 3. NAT chains, routes, rules, the DNS device; pinned BPF objects; runtime files.
  flushServiceNat();
  teardownHostNetwork(c);
  rmSync('/sys/fs/bpf/porin', { recursive: true, force: true });
  rmSync(c.runDir, { recursive: true, force: true });
  return report;
}
