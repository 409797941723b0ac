// `porin service list` and `porin bpf lb list`, as `cilium service list` / `cilium bpf lb list` show them.
import type { LbBackendRow, LbFrontendRow } from '../services/index.js';
import { CliError } from './cli-error.js';
import { agentClient } from './cluster-client.js';
import { type Out, paint, table } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags } from './parse-flags.js';

function backendCell(out: Out, b: LbBackendRow, i: number): string {
  const state =
    b.state === 'active'
      ? paint(out, 'green', 'active')
      : b.state === 'terminating'
        ? paint(out, 'yellow', 'terminating')
        : paint(out, 'red', 'missing');
  return `${i + 1} => ${b.address} (${state})`;
}

/** One row per backend (the frontend's columns on its first row only), as cilium prints it. */
export function serviceTable(out: Out, rows: LbFrontendRow[], wide: boolean): string {
  const lines: string[][] = [];
  for (const r of rows) {
    const head = [
      String(r.id),
      r.frontend,
      r.type,
      r.service ? `${r.service.namespace}/${r.service.name}` : '-',
      ...(wide ? [r.algorithm, r.affinityTimeout ? `ClientIP ${r.affinityTimeout}s` : '-'] : []),
    ];
    const blank = head.map(() => '');
    const cells = r.backends.map((b, i) => backendCell(out, b, i));
    if (cells.length === 0)
      cells.push(
        r.noLocalBackend
          ? paint(out, 'yellow', 'no local backend (dropped)')
          : paint(out, 'red', 'no backend (rejected)'),
      );
    if (r.internal) cells.push(...r.internal.map((b, i) => `internal ${backendCell(out, b, i)}`));
    cells.forEach((c, i) => {
      lines.push([...(i === 0 ? head : blank), c]);
    });
  }
  const headers = [
    'ID',
    'FRONTEND',
    'TYPE',
    'SERVICE',
    ...(wide ? ['ALGORITHM', 'AFFINITY'] : []),
    'BACKEND',
  ];
  return table(headers, lines);
}

export async function serviceCommand(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin service list [-o table|wide|json]';
  const [sub, ...rest] = args;
  if (sub !== 'list') throw new CliError(usage);
  const { values } = parseFlags(rest, COMMON_OPTIONS, usage);
  if (values.help) {
    out.write(`${usage}\n`);
    return 0;
  }
  const format = outputFormat(values, ['table', 'wide', 'json'], 'table');
  const res = await agentClient().request<{ items: LbFrontendRow[] }>('GET', '/v1/lb/services');
  if (format === 'json') out.write(`${JSON.stringify(res.items, null, 2)}\n`);
  else out.write(serviceTable(out, res.items, format === 'wide'));
  return 0;
}

interface MapsDump {
  services: Array<{
    frontend: string;
    scope: string;
    slot: number;
    count?: number;
    revNat: number;
    flags?: string[];
    algorithm?: string;
    affinityTimeout?: number;
    backendId?: number;
  }>;
  backends: Array<{ id: number; address: string; state: string }>;
  reverseNat: Array<{ id: number; frontend: string }>;
  maglev: Array<{ revNat: number; size: number; slotsPerBackend: Record<string, number> }>;
  netnsRegistered: number;
  socketReverseEntries: number;
  affinityEntries: number;
  conntrackEntries: number;
}

export async function bpfLbList(args: string[], out: Out): Promise<number> {
  const usage = 'usage: porin bpf lb list [-o table|json]';
  const { values } = parseFlags(args, COMMON_OPTIONS, usage);
  const format = outputFormat(values, ['table', 'json'], 'table');
  const d = await agentClient().request<MapsDump>('GET', '/v1/lb/maps');
  if (format === 'json') {
    out.write(`${JSON.stringify(d, null, 2)}\n`);
    return 0;
  }
  const backends = new Map(d.backends.map((b) => [b.id, b]));
  const rows = d.services.map((s) => [
    `${s.frontend} (${s.slot})${s.scope === 'internal' ? ' internal' : ''}`,
    s.slot === 0
      ? `0.0.0.0:0 (${s.revNat}) [${[`count ${s.count}`, s.algorithm, ...(s.flags ?? []), ...(s.affinityTimeout ? [`affinity ${s.affinityTimeout}s`] : [])].join(', ')}]`
      : `${backends.get(s.backendId ?? 0)?.address ?? `backend ${s.backendId} missing`} (${s.revNat}) [backend ${s.backendId}]`,
  ]);
  out.write('porin_lb4_services\n');
  out.write(table(['SERVICE ADDRESS (SLOT)', 'BACKEND ADDRESS (REVNAT_ID) [FLAGS]'], rows));
  out.write('\nporin_lb4_backends\n');
  out.write(
    table(
      ['ID', 'BACKEND', 'STATE'],
      d.backends.map((b) => [String(b.id), b.address, b.state]),
    ),
  );
  out.write('\nporin_lb4_reverse_nat\n');
  out.write(
    table(
      ['ID', 'FRONTEND'],
      d.reverseNat.map((r) => [String(r.id), r.frontend]),
    ),
  );
  if (d.maglev.length) {
    out.write('\nporin_lb4_maglev\n');
    out.write(
      table(
        ['REVNAT_ID', 'M', 'SLOTS PER BACKEND'],
        d.maglev.map((m) => [
          String(m.revNat),
          String(m.size),
          Object.entries(m.slotsPerBackend)
            .map(([b, n]) => `${b}:${n}`)
            .join(' '),
        ]),
      ),
    );
  }
  out.write(
    `\nnetwork namespaces: ${d.netnsRegistered}   socket reverse entries: ${d.socketReverseEntries}   ` +
      `affinity entries: ${d.affinityEntries}   packet-path conntrack entries: ${d.conntrackEntries}\n`,
  );
  return 0;
}
