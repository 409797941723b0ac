// The `porin` command: routes subcommands, prints errors without stack traces, returns the exit status.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveCni } from '../cni/index.js';
import { clusterConfig } from '../config/cluster-config.js';
import { CliError } from './cli-error.js';
import { clusterApply, clusterDelete } from './cluster-apply.js';
import { clusterDown } from './cluster-down.js';
import { clusterExec } from './cluster-exec.js';
import { clusterGet } from './cluster-get.js';
import { clusterLogs } from './cluster-logs.js';
import { clusterProbe } from './cluster-probe.js';
import { clusterStatus } from './cluster-status.js';
import { clusterUp } from './cluster-up.js';
import { bpfCommand, endpointCommand } from './debug-commands.js';
import { fqdnCommand } from './fqdn-cache.js';
import { serviceCommand } from './lb-commands.js';
import { observeCommand } from './observe.js';
import { type Out, paint, stdoutOut } from './output.js';
import { policyGet } from './policy-get.js';
import { policyMatrixCommand } from './policy-matrix.js';
import { policyTrace } from './policy-trace.js';
import { policyValidate } from './policy-validate.js';
import { uiCommand } from './ui.js';

const HELP = `porin: eBPF networking, security and observability for Kubernetes

Usage: porin COMMAND [flags]

Policy (works on manifests, no cluster needed):
  policy validate -f FILE…      check manifests: OK, or every error with file#document and field path
  policy trace -f FILE…         --from NS/POD|IP --to NS/POD|IP|FQDN --port 80/TCP: verdict and why
  policy matrix -f FILE…        every pod to every pod on each port (-o table|json)
  policy get -f FILE… [POD]     the computed policy of endpoints, as the datapath would hold it

Embedded cluster (root; pods are network namespaces running real processes):
  up [-f FILE…]                 start the agent (idempotent), apply manifests, wait for pods to be ready
  down [--keep-state]           delete every pod and every host object Porin made
  status [--json]               components, node, pods, errors
  apply -f FILE…                validate, then apply all or nothing
  delete -f FILE… | KIND NAME   delete objects
  get KIND [NAME] [-n NS|-A]    list objects (-o wide|yaml|json)
  exec POD [-n NS] -- CMD…      run a command inside the pod's network namespace
  logs POD [-c C] [-f]          a container's output
  probe [--ports 80/TCP,…]      real connections from every pod to every pod (-o table|json, as policy matrix)

Observability (root):
  observe [filters] [-f]        flows with verdicts and the policies behind them (Hubble's flags and
                                output: --pod, --verdict DROPPED, --print-policy-names, -o compact|json|table)

Web UI:
  ui [--port 12000]             the service map, live flows and the policy editor on http://127.0.0.1:12000/

Datapath (root):
  endpoint list                 endpoints, identities, enforcement and datapath status
  bpf policy get POD            the policy map entries of a pod, with the rules behind each
  bpf ct list                   connection tracking entries
  bpf ipcache list              address/prefix → identity
  bpf lb list                   load-balancer map entries (frontends, slots, backends, Maglev tables)
  fqdn cache list               DNS names and addresses learned by the DNS proxy, per endpoint (-o json)

Services (root):
  service list [-o wide|json]   frontends and their backends with state, read from the LB maps

Clusters: one per machine by default (its host is the machine's network namespace). Add
  --host-netns NAME (or set PORIN_HOST_NETNS) to any cluster command to run or use an isolated cluster
  whose host is the private network namespace porin-NAME: it shares nothing with other clusters.
  down --all                    remove every Porin cluster and object on this machine

CNI:
  cni-server [--socket PATH]    serve the thin CNI plugin in this network namespace, without an agent
                                (the agent serves it itself on $PORIN_RUN_DIR/cni.sock)

Other:
  version                       print the version
  help                          this text

-f takes files, directories and - (stdin), and may be repeated. Add -h to any command for its flags.
`;

type Command = (args: string[], out: Out) => Promise<number>;

/**
 * Takes the global `--host-netns NAME` out of argv (anywhere before a `--`) and selects that cluster for
 * every later read of the configuration, the agent's included.
 */
function selectCluster(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--host-netns' || a.startsWith('--host-netns=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new CliError('--host-netns needs a NAME');
      process.env.PORIN_HOST_NETNS = v;
      continue;
    }
    out.push(a);
  }
  return out;
}

const POLICY: Record<string, Command> = {
  validate: policyValidate,
  trace: policyTrace,
  matrix: policyMatrixCommand,
  get: policyGet,
};

const CLUSTER: Record<string, Command> = {
  up: clusterUp,
  down: clusterDown,
  status: clusterStatus,
  apply: clusterApply,
  delete: clusterDelete,
  get: clusterGet,
  exec: clusterExec,
  logs: clusterLogs,
  probe: clusterProbe,
  endpoint: endpointCommand,
  observe: observeCommand,
  bpf: bpfCommand,
  service: serviceCommand,
  fqdn: fqdnCommand,
  'cni-server': (args) => serveCni(args, { defaultSocket: join(clusterConfig().runDir, 'cni.sock') }),
  ui: uiCommand,
};

export async function main(
  argv: string[],
  out: Out = stdoutOut(),
  err: Out = stdoutOut(process.stderr),
): Promise<number> {
  try {
    const [cmd, ...rest] = selectCluster(argv);
    switch (cmd) {
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        out.write(HELP);
        return 0;
      case 'version':
      case '--version': {
        const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
          version: string;
        };
        out.write(`porin ${pkg.version}\n`);
        return 0;
      }
      case 'policy': {
        const [sub, ...args] = rest;
        const run = sub ? POLICY[sub] : undefined;
        if (!run)
          throw new CliError(
            `unknown policy command "${sub ?? ''}": use one of ${Object.keys(POLICY).join(', ')}`,
          );
        return await run(args, out);
      }
      default: {
        const run = cmd ? CLUSTER[cmd] : undefined;
        if (!run) throw new CliError(`unknown command "${cmd}": run "porin help"`);
        return await run(rest, out);
      }
    }
  } catch (e) {
    if (e instanceof CliError) {
      err.write(`${paint(err, 'red', 'Error:')} ${e.message}\n`);
      return e.exitCode;
    }
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('PORIN_ERR_')) {
      const details = (e as { details?: { issues?: unknown[] } }).details;
      if (details?.issues)
        err.write(
          `${details.issues.map((i) => `  ${typeof i === 'string' ? i : JSON.stringify(i)}`).join('\n')}\n`,
        );
      err.write(`${paint(err, 'red', 'Error:')} ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
