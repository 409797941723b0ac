// `porin down [--keep-state]`: deletes every pod and every host object Porin made, even if the agent is gone.
import { rmSync } from 'node:fs';
import { clusterConfig } from '../config/cluster-config.js';
import { sweepHost } from '../host/index.js';
import { agentPid, waitForExit } from './agent-process.js';
import { agentClient, requireRoot } from './cluster-client.js';
import { type Out, paint } from './output.js';
import { parseFlags } from './parse-flags.js';

export async function clusterDown(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin down [--keep-state]';
  const { values } = parseFlags(
    args,
    { 'keep-state': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const,
    usage,
  );
  if (values.help) {
    out.write(`${usage}\n`);
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
  const report = sweepHost(c);
  if (!keep) rmSync(c.stateDir, { recursive: true, force: true });
  const parts = [
    report.processes.length ? `${report.processes.length} process(es)` : '',
    report.namespaces.length ? `${report.namespaces.length} namespace(s)` : '',
    report.links.length ? `${report.links.length} link(s)` : '',
  ].filter(Boolean);
  out.write(
    `${paint(out, 'green', '✓')} Porin is down${parts.length ? ` (also removed leftovers: ${parts.join(', ')})` : ''}; routes, rules, NAT chains${keep ? '' : ' and state'} removed\n`,
  );
  return 0;
}
