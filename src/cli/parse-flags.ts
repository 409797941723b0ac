// Shared flag parsing (node:util parseArgs) with kubectl-style short flags and clear errors.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  filename: { type: 'string', short: 'f', multiple: true },
  namespace: { type: 'string', short: 'n' },
  output: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export function parseFlags<O extends Options>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${usage}`);
  }
}

/** `-o json` or `--json` → 'json'; otherwise the -o value or the default. */
export function outputFormat(
  values: { output?: string; json?: boolean },
  allowed: string[],
  fallback: string,
): string {
  const o = values.json ? 'json' : (values.output ?? fallback);
  if (!allowed.includes(o))
    throw new CliError(`unknown output format "${o}": use one of ${allowed.join(', ')}`);
  return o;
}

/** `80/TCP` (protocol defaults to TCP). */
export function parsePortProtocol(s: string): { port: number; protocol: 'TCP' | 'UDP' | 'SCTP' | 'ICMP' } {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp|icmp))?$/i.exec(s.trim());
  const port = m ? Number(m[1]) : Number.NaN;
  if (!m || port > 65535)
    throw new CliError(`"${s}" is not a port: use PORT[/PROTOCOL], e.g. 80/TCP, 53/UDP`);
  return { port, protocol: (m[2]?.toUpperCase() ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP' | 'ICMP' };
}
