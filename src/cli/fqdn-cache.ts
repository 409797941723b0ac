// `porin fqdn cache list`: the agent's DNS caches as `cilium fqdn cache list` shows them (-o table|json).
import type { FqdnCacheRow, FqdnStats } from '../fqdn/index.js';
import { CliError } from './cli-error.js';
import { agentClient } from './cluster-client.js';
import { type Out, paint, table } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags } from './parse-flags.js';

const USAGE = 'usage: porin fqdn cache list [--endpoint NS/POD] [--name NAME] [-o table|json]';

export interface FqdnCacheResponse {
  entries: FqdnCacheRow[];
  stats: FqdnStats;
}

export async function fqdnCommand(args: string[], out: Out): Promise<number> {
  const [sub, verb, ...rest] = args;
  if (sub !== 'cache' || verb !== 'list') throw new CliError(USAGE);
  const { values } = parseFlags(
    rest,
    { ...COMMON_OPTIONS, endpoint: { type: 'string' }, name: { type: 'string' } } as const,
    USAGE,
  );
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const format = outputFormat(values, ['table', 'json'], 'table');
  const q = new URLSearchParams();
  if (values.endpoint)
    q.set(
      'endpoint',
      values.endpoint.includes('/') ? values.endpoint : `${values.namespace ?? 'default'}/${values.endpoint}`,
    );
  if (values.name) q.set('name', values.name);
  const res = await agentClient().request<FqdnCacheResponse>('GET', `/v1/fqdn/cache${q.size ? `?${q}` : ''}`);
  out.write(
    format === 'json' ? `${JSON.stringify(res.entries, null, 2)}\n` : renderFqdnCache(res.entries, out),
  );
  return 0;
}

export function renderFqdnCache(rows: readonly FqdnCacheRow[], out: Out): string {
  if (rows.length === 0) return 'No DNS lookups cached.\n';
  return table(
    ['ENDPOINT', 'SOURCE', 'FQDN', 'TTL', 'EXPIRATIONTIME', 'IPS'],
    rows.map((r) => [
      r.endpoint,
      r.source === 'lookup' ? 'lookup' : paint(out, 'yellow', 'connection'),
      r.fqdn,
      String(r.ttl),
      r.expiresAt,
      r.ips.join(','),
    ]),
  );
}
