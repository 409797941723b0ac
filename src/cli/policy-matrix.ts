// `porin policy matrix`: every pod to every pod on each port, as JSON or a coloured grid.
import { type MatrixResult, type PortProtocol, policyMatrix } from '../policy/index.js';
import { CliError } from './cli-error.js';
import { loadEngine } from './load-engine.js';
import { type Out, paint, table } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags, parsePortProtocol } from './parse-flags.js';

const USAGE =
  'usage: porin policy matrix -f FILE… [--ports 80/TCP,81/TCP,80/UDP] [--http-method M --http-path P] [-o table|json]';

/** --http-method / --http-path: the request whose L7 verdict redirected pairs get (matrix and probe alike). */
export const HTTP_OPTIONS = {
  'http-method': { type: 'string' },
  'http-path': { type: 'string' },
} as const;

export function httpRequestOf(values: { 'http-method'?: string; 'http-path'?: string }) {
  if (values['http-method'] === undefined && values['http-path'] === undefined) return undefined;
  const path = values['http-path'] ?? '/';
  if (!path.startsWith('/')) throw new CliError(`--http-path must start with "/" (got "${path}")`);
  return { method: values['http-method'] ?? 'GET', path };
}

export function parsePortList(s: string): PortProtocol[] {
  return s.split(',').map((p) => {
    const pp = parsePortProtocol(p);
    if (pp.protocol === 'ICMP') throw new CliError('--ports takes TCP, UDP or SCTP ports');
    return pp as PortProtocol;
  });
}

export async function policyMatrixCommand(args: string[], out: Out): Promise<number> {
  const { values } = parseFlags(
    args,
    { ...COMMON_OPTIONS, ports: { type: 'string' }, ...HTTP_OPTIONS } as const,
    USAGE,
  );
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const format = outputFormat(values, ['table', 'json'], 'table');
  const ports = values.ports ? parsePortList(values.ports) : undefined;
  const { engine } = await loadEngine(values.filename ?? []);
  const http = httpRequestOf(values);
  const result = policyMatrix(engine, { ...(ports ? { ports } : {}), ...(http ? { http } : {}) });
  out.write(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderMatrix(result, out));
  return 0;
}

/** One grid per port: rows are sources, columns destinations; ✓ allowed, ↪ redirected to the L7 proxy, ✗ denied, · loopback. */
export function renderMatrix(m: MatrixResult, out: Out): string {
  const pods = [...new Set(m.results.flatMap((r) => [r.from, r.to]))].sort();
  const ports = [...new Set(m.results.map((r) => `${r.port}/${r.protocol}`))];
  if (pods.length === 0) return 'no pods in the manifests\n';
  let s = '';
  for (const port of ports) {
    const cell = new Map<string, string>();
    let allowed = 0;
    let redirected = 0;
    for (const r of m.results) {
      if (`${r.port}/${r.protocol}` !== port) continue;
      if (r.verdict === 'allowed') allowed++;
      if (r.verdict === 'redirected') redirected++;
      const mark = r.loopback
        ? paint(out, 'dim', '·')
        : r.verdict === 'allowed'
          ? paint(out, 'green', '✓')
          : r.verdict === 'redirected'
            ? paint(out, 'yellow', '↪')
            : paint(out, 'red', '✗');
      cell.set(`${r.from}\u0000${r.to}`, mark);
    }
    const l7 = redirected > 0 ? `, ${redirected} redirected to the L7 proxy` : '';
    s += `${paint(out, 'bold', port)}  (${allowed}/${pods.length * pods.length} allowed${l7}; rows: from, columns: to)\n`;
    s += table(
      ['FROM \\ TO', ...pods],
      pods.map((f) => [f, ...pods.map((t) => cell.get(`${f}\u0000${t}`) ?? '?')]),
    );
    s += '\n';
  }
  return s;
}
