// `porin exec POD [-n NS] -- CMD…`: runs a host command inside the pod's network namespace.
import { spawn } from 'node:child_process';
import { SandboxRegistry } from '../cluster/runtime/index.js';
import { clusterConfig, paths } from '../config/cluster-config.js';
import { inClusterCgroup } from '../host/index.js';
import { CliError } from './cli-error.js';
import type { Out } from './output.js';
import { parseFlags } from './parse-flags.js';

const USAGE = 'usage: porin exec POD [-n NAMESPACE] -- COMMAND [ARGS…]';

export function findSandbox(namespace: string, name: string) {
  const c = clusterConfig();
  const all = new SandboxRegistry(paths(c).sandboxes).all();
  const rec = all.find((r) => r.namespace === namespace && r.name === name);
  if (!rec) {
    const known = all.filter((r) => r.namespace === namespace).map((r) => r.name);
    throw new CliError(
      `pod "${namespace}/${name}" has no sandbox on this node${known.length ? ` (pods in ${namespace}: ${known.sort().join(', ')})` : ''}; is the cluster up (porin up)?`,
      1,
    );
  }
  return rec;
}

export async function clusterExec(args: string[], out: Out): Promise<number> {
  const dash = args.indexOf('--');
  const own = dash >= 0 ? args.slice(0, dash) : args;
  const cmd = dash >= 0 ? args.slice(dash + 1) : [];
  const { values, positionals } = parseFlags(
    own,
    { namespace: { type: 'string', short: 'n' }, help: { type: 'boolean', short: 'h' } } as const,
    USAGE,
  );
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const pod = positionals[0];
  if (!pod || cmd.length === 0) throw new CliError(USAGE);
  const [ns, name] = pod.includes('/')
    ? (pod.split('/', 2) as [string, string])
    : [values.namespace ?? 'default', pod];
  const rec = findSandbox(ns, name);
  return await new Promise<number>((resolve, reject) => {
    // In the cluster's cgroup, so that its socket programs (service load balancing) see the command.
    const argv = inClusterCgroup(clusterConfig(), ['ip', 'netns', 'exec', rec.netns, ...cmd]);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
