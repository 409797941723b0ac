// Worker process of the IPAM churn test: ADD/DEL cycles through the thin plugin (→ the lab's CNI server) or through
// the plugin's code in-process (its own flock per call), in the lab's host namespace.
// Started as `nsenter --net=<host ns> node churn-worker.js '<json>'`; prints one JSON report on stdout.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnWithInput } from '../../src/cni/exec-plugin.js';
import { porinCniBinary } from '../../src/cni/porin-plugin-path.js';
import { runCni } from '../../src/cni/run-cni.js';

const run = promisify(execFile);

export interface ChurnJob {
  /** `plugin`: execute bin/porin-cni (the server does the work); `in-process`: call runCni here. */
  mode: 'plugin' | 'in-process';
  prefix: string;
  worker: number;
  cycles: number;
  concurrency: number;
  conf: Record<string, unknown> & { dataDir: string; name: string };
  cniPath: string;
}

export interface ChurnRecord {
  containerId: string;
  ip: string;
  /** When ADD had returned (the address is certainly held from here)… */
  heldFrom: number;
  /** …until DEL was started. */
  heldUntil: number;
}

export interface ChurnReport {
  worker: number;
  records: ChurnRecord[];
  failures: string[];
}

const now = () => performance.timeOrigin + performance.now();

async function call(job: ChurnJob, env: Record<string, string | undefined>, stdin: string) {
  if (job.mode === 'in-process') return runCni(env, stdin);
  const r = await spawnWithInput(porinCniBinary(), [], env as Record<string, string>, stdin, 60_000);
  return { exitCode: r.exitCode, stdout: r.stdout };
}

async function cycle(job: ChurnJob, i: number, report: ChurnReport): Promise<void> {
  const ns = `${job.prefix}-w${job.worker}c${i}`;
  const netns = `/var/run/netns/${ns}`;
  const containerId = `churn-${job.prefix}-${job.worker}-${i}`;
  const env = {
    PATH: process.env.PATH,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_PATH: job.cniPath,
  };
  const stdin = JSON.stringify(job.conf);
  await run('ip', ['netns', 'add', ns]);
  try {
    const add = await call(job, { ...env, CNI_COMMAND: 'ADD' }, stdin);
    if (add.exitCode !== 0) {
      report.failures.push(`ADD ${containerId}: ${add.stdout}`);
      return;
    }
    const heldFrom = now();
    const ip = String(JSON.parse(add.stdout).ips[0].address).replace('/32', '');
    const owner = readFileSync(join(job.conf.dataDir, job.conf.name, ip), 'utf8');
    if (owner !== `${containerId}\r\neth0`)
      report.failures.push(`${ip} is recorded for ${JSON.stringify(owner)}, not ${containerId}`);
    const heldUntil = now();
    report.records.push({ containerId, ip, heldFrom, heldUntil });
    const del = await call(job, { ...env, CNI_COMMAND: 'DEL' }, stdin);
    if (del.exitCode !== 0) report.failures.push(`DEL ${containerId}: ${del.stdout}`);
  } finally {
    await run('ip', ['netns', 'del', ns]);
  }
}

async function main(job: ChurnJob): Promise<void> {
  const report: ChurnReport = { worker: job.worker, records: [], failures: [] };
  let next = 0;
  const lane = async () => {
    while (next < job.cycles) {
      const i = next++;
      try {
        await cycle(job, i, report);
      } catch (e) {
        report.failures.push(`cycle ${i}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  process.stdout.write(JSON.stringify(report));
}

if (process.argv[2]) await main(JSON.parse(process.argv[2]) as ChurnJob);
