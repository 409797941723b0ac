// `porin up [-f …]`: starts the agent if needed (idempotent), applies manifests, waits for pods to be ready.
import { existsSync } from 'node:fs';
import { clusterConfig, paths } from '../config/cluster-config.js';
import type { Deployment, Pod } from '../resources/index.js';
import { agentPid, startAgent } from './agent-process.js';
import { CliError } from './cli-error.js';
import { applyObjects, loadOrFail, waitEnforced } from './cluster-apply.js';
import { agentClient, progress, requireRoot } from './cluster-client.js';
import { type Out, paint, table } from './output.js';
import { COMMON_OPTIONS, parseFlags } from './parse-flags.js';

const USAGE = 'usage: porin up [-f FILE|DIR …] [--timeout SECONDS]';

export async function clusterUp(args: string[], out: Out): Promise<number> {
  const { values } = parseFlags(args, { ...COMMON_OPTIONS, timeout: { type: 'string' } } as const, USAGE);
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  requireRoot('porin up');
  const timeoutMs = Number(values.timeout ?? 120) * 1000;
  // Validate before touching the host: a bad manifest changes nothing.
  const objects = values.filename?.length ? await loadOrFail(values.filename, values.namespace, out) : [];
  const c = clusterConfig();
  const tty = process.stdout.isTTY === true;
  const line = progress(out, tty);
  const client = agentClient(10_000);
  let pid = agentPid(c);
  if (
    pid &&
    (await client.healthz().then(
      () => true,
      () => false,
    ))
  ) {
    line.done(`${paint(out, 'green', '✓')} agent already running (pid ${pid})`);
  } else {
    line.update('starting the agent (blackhole routes, pod routing table, store, DNS, controllers)…');
    pid = startAgent(c);
    const deadline = Date.now() + 30_000;
    while (
      !(await client.healthz().then(
        () => true,
        () => false,
      ))
    ) {
      if (Date.now() > deadline || !existsSync(`/proc/${pid}`)) {
        throw new CliError(`the agent did not come up; see ${paths(c).agentLog}`, 1);
      }
      await sleep(100);
    }
    line.done(`${paint(out, 'green', '✓')} agent running (pid ${pid}); log: ${paths(c).agentLog}`);
  }
  const revision = await applyObjects(objects, out);
  const ok = await waitForPods(out, tty, timeoutMs);
  const notEnforced = ok ? await waitEnforced(revision, timeoutMs) : undefined;
  const pods = (await client.list('Pod')).items as Pod[];
  if (pods.length > 0) {
    out.write(
      `\n${table(
        ['NAMESPACE', 'NAME', 'READY', 'IP'],
        pods.map((p) => [
          p.metadata.namespace ?? '',
          p.metadata.name,
          ready(p) ? paint(out, 'green', 'yes') : paint(out, 'red', 'no'),
          p.status?.podIP ?? '-',
        ]),
      )}`,
    );
  }
  if (!ok) {
    out.write(
      `${paint(out, 'red', 'some pods are not ready')}: see \`porin logs POD\` and ${paths(c).agentLog}\n`,
    );
    return 1;
  }
  if (notEnforced) {
    out.write(`${paint(out, 'red', 'error:')} ${notEnforced}\n`);
    return 1;
  }
  out.write(
    `\nThe cluster is up. Try:\n  porin get pods -A -o wide\n  porin exec POD -- curl -s SERVICE.NAMESPACE.svc.cluster.local\n  porin probe\n  porin status\n  porin down\n`,
  );
  return 0;
}

function ready(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

async function waitForPods(out: Out, tty: boolean, timeoutMs: number): Promise<boolean> {
  const client = agentClient();
  const line = progress(out, tty);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [pods, deps] = await Promise.all([client.list('Pod'), client.list('Deployment')]);
    const wanted = (deps.items as Deployment[]).reduce((n, d) => n + (d.spec.replicas ?? 1), 0);
    const bare = (pods.items as Pod[]).filter((p) => !p.metadata.ownerReferences?.length).length;
    const total = Math.max(pods.items.length, wanted + bare);
    const readyCount = (pods.items as Pod[]).filter(ready).length;
    if (readyCount >= total) {
      if (total > 0) line.done(`${paint(out, 'green', '✓')} pods ready ${readyCount}/${total}`);
      return true;
    }
    if (Date.now() > deadline) {
      line.done(
        `${paint(out, 'red', '✗')} pods ready ${readyCount}/${total} after ${Math.round(timeoutMs / 1000)}s`,
      );
      return false;
    }
    line.update(`waiting for pods: ${readyCount}/${total} ready…`);
    await sleep(250);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
