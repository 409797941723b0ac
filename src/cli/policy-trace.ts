// `porin policy trace`: the verdict for one connection and the policies behind it.
import { apiKeyOfPolicyName, POLICY_API_KEY_NAMES } from '../kafka/api-keys.js';
import { type SideTrace, type TraceResult, tracePolicy } from '../policy/index.js';
import { CliError } from './cli-error.js';
import { loadEngine } from './load-engine.js';
import { type Out, paint } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags, parsePortProtocol } from './parse-flags.js';

const USAGE = `usage: porin policy trace -f FILE… --from NS/POD|IP --to NS/POD|IP|FQDN --port 80/TCP
       [--http-method M --http-path P --http-header K:V … | --dns-query NAME |
        --kafka-api-key NAME [--kafka-topic T …] [--kafka-client-id ID] [--kafka-api-version N]] [-o text|json]`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  port: { type: 'string' },
  'http-method': { type: 'string' },
  'http-path': { type: 'string' },
  'http-host': { type: 'string' },
  'http-header': { type: 'string', multiple: true },
  'dns-query': { type: 'string' },
  'kafka-api-key': { type: 'string' },
  'kafka-api-version': { type: 'string' },
  'kafka-client-id': { type: 'string' },
  'kafka-topic': { type: 'string', multiple: true },
} as const;

export async function policyTrace(args: string[], out: Out): Promise<number> {
  const { values } = parseFlags(args, OPTIONS, USAGE);
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const format = outputFormat(values, ['text', 'json'], 'text');
  if (!values.from || !values.to || !values.port)
    throw new CliError(`--from, --to and --port are required\n${USAGE}`);
  const { port, protocol } = parsePortProtocol(values.port);
  const ns = values.namespace ?? 'default';
  const qualify = (s: string) =>
    s.includes('/') || /^[0-9.:]+$/.test(s) || s.includes('.') ? s : `${ns}/${s}`;
  const headers: Record<string, string> = {};
  for (const h of values['http-header'] ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new CliError(`--http-header "${h}": use NAME:VALUE`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const wantsHttp =
    values['http-method'] || values['http-path'] || values['http-host'] || Object.keys(headers).length > 0;
  const kafka = kafkaQuery(values);
  const { engine, warnings } = await loadEngine(values.filename ?? []);
  const result = tracePolicy(engine, {
    from: qualify(values.from),
    to: qualify(values.to),
    port,
    protocol,
    ...(wantsHttp
      ? {
          http: {
            method: values['http-method'] ?? 'GET',
            path: values['http-path'] ?? '/',
            ...(values['http-host'] ? { host: values['http-host'] } : {}),
            headers,
          },
        }
      : {}),
    ...(values['dns-query'] ? { dnsQuery: values['dns-query'] } : {}),
    ...(kafka ? { kafka } : {}),
  });
  if (format === 'json') {
    out.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const w of warnings) out.write(`${paint(out, 'yellow', 'warning:')} ${w}\n`);
    out.write(renderTrace(result, out));
  }
  return 0;
}

/** `--kafka-api-key produce --kafka-topic empire-announce`: a Kafka request (API key by Cilium's name or number). */
function kafkaQuery(values: {
  'kafka-api-key'?: string;
  'kafka-api-version'?: string;
  'kafka-client-id'?: string;
  'kafka-topic'?: string[];
}) {
  const name = values['kafka-api-key'];
  if (name === undefined) {
    if (values['kafka-topic'] || values['kafka-client-id'] || values['kafka-api-version'])
      throw new CliError(
        `--kafka-topic, --kafka-client-id and --kafka-api-version need --kafka-api-key\n${USAGE}`,
      );
    return undefined;
  }
  const apiKey = /^\d+$/.test(name) ? Number(name) : apiKeyOfPolicyName(name);
  if (apiKey === undefined)
    throw new CliError(`--kafka-api-key "${name}": not a Kafka API key (${POLICY_API_KEY_NAMES.join(', ')})`);
  const version = values['kafka-api-version'] ?? '0';
  if (!/^\d+$/.test(version) || Number(version) > 32767)
    throw new CliError(`--kafka-api-version "${version}": not a version number`);
  return {
    apiKey,
    apiVersion: Number(version),
    clientId: values['kafka-client-id'] ?? '',
    topics: values['kafka-topic'] ?? [],
  };
}

function verdictWord(out: Out, v: string): string {
  const upper = v.toUpperCase();
  if (v === 'allowed') return paint(out, ['green', 'bold'], upper);
  if (v === 'denied') return paint(out, ['red', 'bold'], upper);
  if (v === 'redirected') return paint(out, ['cyan', 'bold'], upper);
  return paint(out, 'dim', upper);
}

function side(out: Out, title: string, s: SideTrace): string {
  return `${paint(out, 'bold', title.padEnd(9))}${verdictWord(out, s.verdict).padEnd(out.color ? 24 : 15)} ${s.summary}\n`;
}

export function renderTrace(r: TraceResult, out: Out): string {
  const name = (p: TraceResult['from']) =>
    `${p.namespace ? `${p.namespace}/` : ''}${p.name}${p.ip && p.kind !== 'ip' ? ` (${p.ip})` : ''}`;
  let s = `Tracing ${name(r.from)} → ${name(r.to)} on ${r.port}/${r.protocol}\n`;
  s += `  from identity ${r.from.identity}: ${r.from.labels.join(' ') || '-'}\n`;
  s += `  to   identity ${r.to.identity}: ${r.to.labels.join(' ') || '-'}\n\n`;
  s += side(out, 'Egress', r.egress);
  s += side(out, 'Ingress', r.ingress);
  for (const l of r.l7 ?? [])
    s += side(out, `L7 ${l.type.toUpperCase()}`, { summary: l.summary, verdict: l.verdict } as SideTrace);
  if (r.dns) s += side(out, 'DNS', { summary: r.dns.summary, verdict: r.dns.verdict } as SideTrace);
  s += `\nVerdict: ${verdictWord(out, r.verdict)}\n`;
  return s;
}
