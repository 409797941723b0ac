// `porin down [--keep-state] [--all]`: deletes the cluster's pods and every host object it made, even if the agent is gone.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { clusterConfig } from '../config/cluster-config.js';
import { type SweepReport, sweepAll, sweepCluster } from '../host/index.js';
import { agentPid, waitForExit } from './agent-process.js';
import { agentClient, requireRoot } from './cluster-client.js';
import { type Out, paint } from './output.js';
import { parseFlags } from './parse-flags.js';

const USAGE = `usage: porin down [--keep-state] [--all]
  removes this cluster (the machine's own, or the one --host-netns NAME selects) and only its objects;
  --all removes every Porin object on the machine: every cluster, test leftovers included`;

export async function clusterDown(args: string[], out: Out): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      'keep-state': { type: 'boolean' },
      all: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    } as const,
    USAGE,
  );
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  requireRoot('porin down');
  const c = clusterConfig();
  const keep = values['keep-state'] === true;
  const pid = agentPid(c);
  if (pid) {
    out.write(`stopping the agent (pid ${pid}) and deleting its pods…\n`);
    try {
      await agentClient(10_000).request('POST', '/v1/teardown', { keepState: keep });
    } catch (e) {
      out.write(
        `${paint(out, 'yellow', 'warning:')} the agent did not answer (${(e as Error).message}); cleaning up without it\n`,
      );
    }
    if (!(await waitForExit(pid, 60_000))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  // A second pass finds whatever a crashed agent left behind.
  const report = values.all ? await sweepAll() : await sweepCluster(c);
  if (!keep) {
    rmSync(c.stateDir, { recursive: true, force: true });
    if (values.all)
      for (const d of readdirSync('/var/lib'))
        if (d.startsWith('porin')) rmSync(join('/var/lib', d), { recursive: true, force: true });
  }
  const what = values.all
    ? 'every Porin cluster on this machine is down'
    : `${describe(c.hostNetns)} is down`;
  out.write(
    `${paint(out, 'green', '✓')} ${what}${leftovers(report)}; routes, rules, pins (the load balancer's hooks with them)${keep ? '' : ' and state'} removed\n`,
  );
  return 0;
}

function describe(hostNetns: string | undefined): string {
  return hostNetns ? `the cluster in network namespace ${hostNetns}` : 'Porin';
}

function leftovers(r: SweepReport): string {
  const parts = [
    r.processes.length ? `${r.processes.length} process(es)` : '',
    r.namespaces.length ? `${r.namespaces.length} namespace(s)` : '',
    r.links.length ? `${r.links.length} link(s)` : '',
  ].filter(Boolean);
  return parts.length ? ` (removed: ${parts.join(', ')})` : '';
}
