// `porin status [--json]`: components, node, pods and endpoints, errors — as `cilium status` shows them.
import type { AgentStatus } from '../api/index.js';
import { clusterConfig } from '../config/cluster-config.js';
import type { Node, Pod } from '../resources/index.js';
import { agentPid } from './agent-process.js';
import { age, agentClient } from './cluster-client.js';
import { type Out, paint } from './output.js';
import { parseFlags } from './parse-flags.js';

export async function clusterStatus(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin status [--json]';
  const { values } = parseFlags(
    args,
    {
      json: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    } as const,
    usage,
  );
  if (values.help) {
    out.write(`${usage}\n`);
    return 0;
  }
  const json = values.json || values.output === 'json';
  const c = clusterConfig();
  const pid = agentPid(c);
  let status: AgentStatus | undefined;
  let pods: Pod[] = [];
  let nodes: Node[] = [];
  let error: string | undefined;
  if (pid) {
    try {
      const client = agentClient(5000);
      status = await client.status<AgentStatus>();
      pods = (await client.list('Pod')).items as Pod[];
      nodes = (await client.list('Node')).items as Node[];
    } catch (e) {
      error = (e as Error).message;
    }
  } else error = 'the Porin agent is not running: start it with `porin up`';
  const readyPods = pods.filter((p) =>
    p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
  );
  if (json) {
    out.write(
      `${JSON.stringify(
        {
          agent: status ? { ok: true, pid: status.pid, startedAt: status.startedAt } : { ok: false, error },
          components: status?.components ?? [],
          ...(status?.proxy ? { proxy: status.proxy } : {}),
          nodes: nodes.map((n) => ({
            name: n.metadata.name,
            podCIDR: n.spec?.podCIDR,
            addresses: n.status?.addresses ?? [],
          })),
          pods: { total: pods.length, ready: readyPods.length },
          errors: status?.errors ?? (error ? [error] : []),
        },
        null,
        2,
      )}\n`,
    );
    return status ? 0 : 1;
  }
  const ok = (b: boolean) => (b ? paint(out, 'green', 'OK') : paint(out, 'red', 'error'));
  const row = (k: string, v: string) => out.write(`${k.padEnd(15)} ${v}\n`);
  row(
    'Agent:',
    status ? `${ok(true)}   pid ${status.pid}, up ${age(status.startedAt)}` : `${ok(false)}   ${error}`,
  );
  for (const comp of status?.components ?? []) row(`  ${comp.name}:`, `${ok(comp.ok)}   ${comp.message}`);
  row(
    'Nodes:',
    nodes.map((n) => `${n.metadata.name} (pod CIDR ${n.spec?.podCIDR ?? '?'})`).join(', ') || '-',
  );
  const pc = `${readyPods.length}/${pods.length} ready`;
  row('Pods:', readyPods.length === pods.length ? paint(out, 'green', pc) : paint(out, 'yellow', pc));
  row('Endpoints:', `${pods.filter((p) => p.status?.podIP).length} with an address`);
  const errs = status?.errors ?? [];
  row('Errors:', errs.length ? paint(out, 'red', `${errs.length}`) : paint(out, 'green', 'none'));
  for (const e of errs.slice(-5)) out.write(`  ${e}\n`);
  return status ? 0 : 1;
}
