// `porin endpoint list` and `porin bpf policy get | ct list | ipcache list`, as `cilium endpoint list` / `cilium bpf …`.
import { clusterConfig } from '../config/cluster-config.js';
import { protocolName } from '../policy/index.js';
import { CliError } from './cli-error.js';
import { agentClient, requireRoot } from './cluster-client.js';
import { bpfLbList } from './lb-commands.js';
import { type Out, paint, table } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags } from './parse-flags.js';

interface EndpointRow {
  key: string;
  identity: number;
  labels: string[];
  ip?: string;
  ingressEnforced: boolean;
  egressEnforced: boolean;
  endpointId?: number;
  hostVeth?: string;
  attached?: boolean;
  policyEntries?: number;
  policyOk?: boolean;
  policyError?: string;
}

const onOff = (out: Out, b: boolean) => (b ? paint(out, 'yellow', 'Enabled') : paint(out, 'dim', 'Disabled'));

export async function endpointCommand(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin endpoint list [-o table|json]';
  const [sub, ...rest] = args;
  if (sub !== 'list') throw new CliError(usage);
  const { values } = parseFlags(rest, COMMON_OPTIONS, usage);
  const format = outputFormat(values, ['table', 'json'], 'table');
  const res = await agentClient().request<{ items: EndpointRow[] }>('GET', '/v1/endpoints');
  if (format === 'json') {
    out.write(`${JSON.stringify(res.items, null, 2)}\n`);
    return 0;
  }
  const rows = res.items.map((e) => [
    e.endpointId === undefined ? '-' : String(e.endpointId),
    onOff(out, e.ingressEnforced),
    onOff(out, e.egressEnforced),
    String(e.identity),
    e.key,
    e.ip ?? '-',
    e.endpointId === undefined
      ? paint(out, 'dim', 'not local')
      : e.policyOk
        ? paint(out, 'green', `ready (${e.policyEntries} entries)`)
        : paint(out, 'red', `not-ready: ${e.policyError ?? 'no policy'}`),
  ]);
  out.write(
    table(['ENDPOINT', 'POLICY (ingress)', 'POLICY (egress)', 'IDENTITY', 'POD', 'IPv4', 'STATUS'], rows),
  );
  return 0;
}

interface KernelEntry {
  direction: string;
  remote: { identity?: number; labels?: string[]; addressClass?: number };
  protocol: string;
  ports: { from: number; to: number };
  verdict: string;
  proxyPort: number;
  origins: { kind: string; namespace?: string; name: string; section: string; rule: number }[];
}

async function bpfPolicyGet(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin bpf policy get POD [-n NAMESPACE] [-o table|json]';
  const { values, positionals } = parseFlags(args, COMMON_OPTIONS, usage);
  const pod = positionals[0];
  if (!pod) throw new CliError(usage);
  const [ns, name] = pod.includes('/')
    ? (pod.split('/', 2) as [string, string])
    : [values.namespace ?? 'default', pod];
  const format = outputFormat(values, ['table', 'json'], 'table');
  const res = await agentClient().request<{ endpointId?: number; kernel: KernelEntry[] }>(
    'GET',
    `/v1/endpoints/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/policy`,
  );
  if (format === 'json') {
    out.write(`${JSON.stringify(res, null, 2)}\n`);
    return 0;
  }
  if (res.endpointId === undefined)
    throw new CliError(`${ns}/${name} has no endpoint on this node's datapath`, 1);
  const rows = res.kernel
    .sort(
      (a, b) =>
        (a.direction + a.protocol).localeCompare(b.direction + b.protocol) || a.ports.from - b.ports.from,
    )
    .map((e) => [
      e.verdict === 'deny'
        ? paint(out, 'red', 'Deny')
        : e.verdict === 'redirect'
          ? paint(out, 'cyan', 'Redirect')
          : paint(out, 'green', 'Allow'),
      e.direction === 'ingress' ? 'Ingress' : 'Egress',
      e.remote.addressClass !== undefined
        ? `address class ${e.remote.addressClass}`
        : e.remote.identity === 0
          ? 'reserved:all'
          : `${e.remote.identity} ${(e.remote.labels ?? []).filter((l) => !l.includes('io.cilium.k8s')).join(' ')}`,
      e.protocol === 'ANY'
        ? 'ANY'
        : `${e.ports.from === 0 && e.ports.to === 65535 ? 'ANY' : e.ports.from === e.ports.to ? e.ports.from : `${e.ports.from}-${e.ports.to}`}/${e.protocol}`,
      e.proxyPort ? String(e.proxyPort) : '-',
      e.origins
        .map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} ${o.section}[${o.rule}]`)
        .join('; ') || '-',
    ]);
  out.write(`Endpoint ${res.endpointId} (${ns}/${name}): ${rows.length} entries in porin_policy\n`);
  out.write(table(['POLICY', 'DIRECTION', 'IDENTITY', 'PORT/PROTO', 'PROXY PORT', 'RULES'], rows));
  return 0;
}

async function bpfCtList(args: string[], out: Out): Promise<number> {
  const { values } = parseFlags(args, COMMON_OPTIONS, 'usage: porin bpf ct list [-o table|json]');
  const format = outputFormat(values, ['table', 'json'], 'table');
  const dp = await import('../datapath/index.js');
  const map = dp.BpfMap.fromPin(
    `${clusterConfig().pinDir}/${dp.CONNTRACK_MAP}`,
    dp.CtKeyCodec,
    dp.CtEntryCodec,
  );
  const rows = map.entries().map(([k, v]) => ({
    protocol: protocolName(k.protocol),
    source: `${k.saddr}:${k.sport}`,
    destination: `${k.daddr}:${k.dport}`,
    scope: k.scope === dp.CT_SCOPE_EGRESS ? 'egress' : 'ingress',
    state: k.protocol === 6 ? (dp.CT_TCP_STATES[v.tcpState] ?? String(v.tcpState)) : '-',
    remoteIdentity: v.remoteIdentity,
    packets: `${v.fwdPackets}/${v.revPackets}`,
    bytes: `${v.fwdBytes}/${v.revBytes}`,
  }));
  if (format === 'json')
    out.write(`${JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`);
  else
    out.write(
      table(
        [
          'PROTO',
          'SOURCE',
          'DESTINATION',
          'SCOPE',
          'STATE',
          'REMOTE ID',
          'PACKETS (fwd/rev)',
          'BYTES (fwd/rev)',
        ],
        rows.map((r) => [
          r.protocol,
          r.source,
          r.destination,
          r.scope,
          r.state,
          String(r.remoteIdentity),
          r.packets,
          r.bytes,
        ]),
      ),
    );
  return 0;
}

async function bpfIpcacheList(args: string[], out: Out): Promise<number> {
  const { values } = parseFlags(args, COMMON_OPTIONS, 'usage: porin bpf ipcache list [-o table|json]');
  const format = outputFormat(values, ['table', 'json'], 'table');
  const dp = await import('../datapath/index.js');
  const map = dp.BpfMap.fromPin(
    `${clusterConfig().pinDir}/${dp.IPCACHE_MAP}`,
    dp.IpcacheKeyCodec,
    dp.IpcacheValueCodec,
  );
  const rows = map
    .entries()
    .map(([k, v]) => ({
      prefix: `${k.addr}/${k.prefixlen}`,
      identity: v.identity,
      flags: v.flags & dp.IPCACHE_F_LOCAL_ENDPOINT ? 'local-endpoint' : '',
    }))
    .sort((a, b) => a.prefix.localeCompare(b.prefix, undefined, { numeric: true }));
  if (format === 'json') out.write(`${JSON.stringify(rows, null, 2)}\n`);
  else
    out.write(
      table(
        ['IP PREFIX/ADDRESS', 'IDENTITY', 'FLAGS'],
        rows.map((r) => [r.prefix, String(r.identity), r.flags]),
      ),
    );
  return 0;
}

export async function bpfCommand(args: string[], out: Out): Promise<number> {
  const usage =
    'usage: porin bpf policy get POD | porin bpf ct list | porin bpf ipcache list | porin bpf lb list';
  const [group, verb, ...rest] = args;
  requireRoot('porin bpf');
  if (group === 'policy' && verb === 'get') return bpfPolicyGet(rest, out);
  if (group === 'ct' && verb === 'list') return bpfCtList(rest, out);
  if (group === 'ipcache' && verb === 'list') return bpfIpcacheList(rest, out);
  if (group === 'lb' && verb === 'list') return bpfLbList(rest, out);
  throw new CliError(usage);
}
