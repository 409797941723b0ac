// `porin get KIND [NAME] [-n NS | -A] [-o yaml|json|wide]`: kubectl-style listings from the agent's store.
import { stringify } from 'yaml';
import { resolveKind } from '../api/index.js';
import type {
  Deployment,
  EndpointSlice,
  Event,
  ExternalHost,
  Node,
  Pod,
  Resource,
  Service,
} from '../resources/index.js';
import { NAMESPACED_KINDS } from '../resources/index.js';
import { CliError } from './cli-error.js';
import { age, agentClient } from './cluster-client.js';
import { type Out, paint, table } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags } from './parse-flags.js';

const USAGE = 'usage: porin get KIND [NAME] [-n NAMESPACE | -A] [-o table|wide|yaml|json]';

export async function clusterGet(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { ...COMMON_OPTIONS, 'all-namespaces': { type: 'boolean', short: 'A' } } as const,
    USAGE,
  );
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const [kindArg, name] = positionals;
  const kind = kindArg ? resolveKind(kindArg) : undefined;
  if (!kind)
    throw new CliError(
      `${kindArg ? `unknown kind "${kindArg}"` : 'no kind given'}: use pods, services, deployments, endpointslices, namespaces, nodes, networkpolicies, cnp, ccnp, events, externalhosts\n${USAGE}`,
    );
  const format = outputFormat(values, ['table', 'wide', 'yaml', 'json'], 'table');
  const namespaced = NAMESPACED_KINDS.has(kind);
  const ns = values['all-namespaces'] || !namespaced ? undefined : (values.namespace ?? 'default');
  let items: Resource[];
  if (name) {
    const one = await agentClient().get(kind, ns, name);
    if (!one)
      throw new CliError(`${kind.toLowerCase()} "${name}" not found${ns ? ` in namespace "${ns}"` : ''}`, 1);
    items = [one];
  } else items = (await agentClient().list(kind, ns)).items;
  if (format === 'json') {
    out.write(`${JSON.stringify(name ? items[0] : { apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
    return 0;
  }
  if (format === 'yaml') {
    out.write(stringify(name ? items[0] : { apiVersion: 'v1', kind: 'List', items }));
    return 0;
  }
  if (items.length === 0) {
    out.write(ns ? `No resources found in ${ns} namespace.\n` : 'No resources found.\n');
    return 0;
  }
  const wide = format === 'wide';
  const showNs = namespaced && values['all-namespaces'] === true;
  const { headers, rows } = columns(kind, items, wide, out);
  out.write(
    table(
      showNs ? ['NAMESPACE', ...headers] : headers,
      rows.map((r, i) => (showNs ? [items[i]!.metadata.namespace ?? '', ...r] : r)),
    ),
  );
  return 0;
}

function columns(
  kind: string,
  items: Resource[],
  wide: boolean,
  out: Out,
): { headers: string[]; rows: string[][] } {
  const created = (r: Resource) => age(r.metadata.creationTimestamp);
  switch (kind) {
    case 'Pod': {
      const headers = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE'] : [])];
      const rows = (items as Pod[]).map((p) => {
        const cs = p.status?.containerStatuses ?? [];
        const ready = cs.filter((c) => c.ready).length;
        const isReady = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        const phase = p.status?.phase ?? 'Pending';
        const status = isReady
          ? paint(out, 'green', phase)
          : paint(out, 'yellow', phase === 'Running' ? 'NotReady' : phase);
        return [
          p.metadata.name,
          `${ready}/${p.spec.containers.length}`,
          status,
          String(cs.reduce((n, c) => n + c.restartCount, 0)),
          created(p),
          ...(wide ? [p.status?.podIP ?? '<none>', p.spec.nodeName ?? '<none>'] : []),
        ];
      });
      return { headers, rows };
    }
    case 'Service':
      return {
        headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)', 'AGE', ...(wide ? ['SELECTOR'] : [])],
        rows: (items as Service[]).map((s) => [
          s.metadata.name,
          s.spec.type ?? 'ClusterIP',
          s.spec.clusterIP ?? '<pending>',
          (s.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
          created(s),
          ...(wide
            ? [
                Object.entries(s.spec.selector ?? {})
                  .map(([k, v]) => `${k}=${v}`)
                  .join(',') || '<none>',
              ]
            : []),
        ]),
      };
    case 'Deployment':
      return {
        headers: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
        rows: (items as Deployment[]).map((d) => {
          const st = (
            d as Deployment & {
              status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
            }
          ).status;
          return [
            d.metadata.name,
            `${st?.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
            String(st?.updatedReplicas ?? 0),
            String(st?.availableReplicas ?? st?.readyReplicas ?? 0),
            created(d),
          ];
        }),
      };
    case 'EndpointSlice':
      return {
        headers: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
        rows: (items as EndpointSlice[]).map((e) => [
          e.metadata.name,
          e.addressType,
          (e.ports ?? []).map((p) => String(p.port)).join(',') || '<unset>',
          e.endpoints.flatMap((x) => x.addresses).join(',') || '<none>',
          created(e),
        ]),
      };
    case 'Node':
      return {
        headers: ['NAME', 'STATUS', 'AGE', ...(wide ? ['INTERNAL-IP', 'POD-CIDR'] : [])],
        rows: (items as Node[]).map((n) => [
          n.metadata.name,
          paint(out, 'green', 'Ready'),
          created(n),
          ...(wide
            ? [
                n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '<none>',
                n.spec?.podCIDR ?? '<none>',
              ]
            : []),
        ]),
      };
    case 'ExternalHost':
      return {
        headers: ['NAME', 'HOSTNAMES', 'ADDRESSES', 'PORTS', 'AGE', ...(wide ? ['TTL'] : [])],
        rows: (items as ExternalHost[]).map((h) => [
          h.metadata.name,
          h.spec.hostnames.join(',') || '<none>',
          h.spec.addresses.join(','),
          h.spec.ports.map((p) => `${p.port}/${p.protocol}`).join(',') || '<none>',
          created(h),
          ...(wide ? [String(h.spec.ttl ?? 60)] : []),
        ]),
      };
    case 'Event':
      return {
        headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
        rows: (items as Event[]).map((e) => [
          age(e.lastTimestamp ?? e.metadata.creationTimestamp),
          e.type === 'Warning' ? paint(out, 'yellow', e.type) : e.type,
          e.reason,
          `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`,
          e.message,
        ]),
      };
    default:
      return { headers: ['NAME', 'AGE'], rows: items.map((r) => [r.metadata.name, created(r)]) };
  }
}
