// `porin policy get -f … [POD]`: the computed policy of endpoints, entry by entry, with the rules behind each.

import { reservedName } from '../identity/index.js';
import { formatPrefix } from '../net/cidr.js';
import type { DirectionPolicy, EndpointPolicy, PolicyEngine, PolicyEntry } from '../policy/index.js';
import { formatPolicyRef, formatRuleOrigin, protocolName } from '../policy/index.js';
import { CliError } from './cli-error.js';
import { loadEngine } from './load-engine.js';
import { type Out, paint, table } from './output.js';
import { COMMON_OPTIONS, outputFormat, parseFlags } from './parse-flags.js';

const USAGE = 'usage: porin policy get -f FILE… [NAMESPACE/POD | POD -n NS] [-o table|json]';

export async function policyGet(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMON_OPTIONS, USAGE);
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const format = outputFormat(values, ['table', 'json'], 'table');
  const { engine } = await loadEngine(values.filename ?? []);
  let keys = engine.listEndpoints().map((e) => e.key);
  if (positionals[0]) {
    const want = positionals[0].includes('/')
      ? positionals[0]
      : `${values.namespace ?? 'default'}/${positionals[0]}`;
    if (!engine.endpoint(want))
      throw new CliError(`no pod "${want}" in the manifests; pods: ${keys.join(', ') || 'none'}`, 1);
    keys = [want];
  } else if (values.namespace) keys = keys.filter((k) => k.startsWith(`${values.namespace}/`));
  const policies = keys.map((k) => engine.policyOf(k));
  if (format === 'json')
    out.write(
      `${JSON.stringify(
        policies.map((p) => toJSON(engine, p)),
        null,
        2,
      )}\n`,
    );
  else for (const p of policies) out.write(render(engine, p, out));
  return 0;
}

function remote(engine: PolicyEngine, e: PolicyEntry): { id: string; labels: string } {
  if (e.peer.kind === 'prefix')
    return { id: '-', labels: `cidr ${formatPrefix(e.peer.prefix)} (any address)` };
  if (e.peer.kind === 'fqdn') return { id: '-', labels: `fqdn ${e.peer.matchName ?? e.peer.matchPattern}` };
  if (e.peer.id === 0) return { id: '0', labels: 'reserved:all (any)' };
  const id = engine.identity(e.peer.id);
  return {
    id: String(e.peer.id),
    labels: id ? id.labels.toStrings().join(' ') : (reservedName(e.peer.id) ?? '?'),
  };
}

function ports(e: PolicyEntry): string {
  if (e.protocol === 0) return 'ANY';
  const range =
    e.portLo === 0 && e.portHi === 65535
      ? 'ANY'
      : e.portLo === e.portHi
        ? `${e.portLo}`
        : `${e.portLo}-${e.portHi}`;
  return `${range}/${protocolName(e.protocol)}${e.portName ? ` (${e.portName})` : ''}`;
}

function state(d: DirectionPolicy): string {
  if (d.enforcement === 'never') return 'not enforced (enforcement never)';
  if (d.defaultDeny)
    return `default deny (${d.defaultDenyBy.map(formatPolicyRef).join(', ') || 'enforcement always'})`;
  return d.selected ? 'allow by default (enableDefaultDeny: false)' : 'no policy: everything allowed';
}

function render(engine: PolicyEngine, p: EndpointPolicy, out: Out): string {
  const ep = p.endpoint;
  let s = `${paint(out, 'bold', `Endpoint ${ep.key}`)}  identity ${ep.identity.id}  ${ep.address?.text ?? ''}\n  labels: ${ep.labels.toStrings().join(' ')}\n`;
  for (const d of [p.ingress, p.egress]) {
    s += `\n${paint(out, 'bold', d.direction === 'ingress' ? 'Ingress' : 'Egress')}: ${state(d)}\n`;
    if (d.entries.length === 0) continue;
    const rows = d.entries.map((e) => {
      const r = remote(engine, e);
      const verdict = e.deny
        ? paint(out, 'red', 'deny')
        : e.l7
          ? paint(out, 'cyan', 'redirect')
          : paint(out, 'green', 'allow');
      return [
        verdict,
        r.id,
        r.labels,
        ports(e),
        e.l7 ? e.l7.map((x) => x.type).join(',') : '-',
        e.origins.map(formatRuleOrigin).join('; '),
      ];
    });
    s += table(['VERDICT', 'IDENTITY', 'REMOTE', 'PORT/PROTO', 'L7', 'POLICY'], rows).replace(/^/gm, '  ');
  }
  for (const w of p.warnings) s += `${paint(out, 'yellow', 'warning:')} ${w}\n`;
  return `${s}\n`;
}

function toJSON(engine: PolicyEngine, p: EndpointPolicy): unknown {
  const dir = (d: DirectionPolicy) => ({
    enforcement: d.enforcement,
    defaultDeny: d.defaultDeny,
    defaultDenyBy: d.defaultDenyBy,
    entries: d.entries.map((e) => ({
      verdict: e.deny ? 'deny' : e.l7 ? 'redirect' : 'allow',
      remote:
        e.peer.kind === 'identity'
          ? { identity: e.peer.id, labels: engine.identity(e.peer.id)?.labels.toStrings() ?? [] }
          : e.peer.kind === 'prefix'
            ? { cidr: formatPrefix(e.peer.prefix) }
            : { fqdn: e.peer.matchName ?? e.peer.matchPattern },
      protocol: protocolName(e.protocol),
      ports: { from: e.portLo, to: e.portHi, ...(e.portName ? { name: e.portName } : {}) },
      ...(e.l7 ? { l7: e.l7 } : {}),
      origins: e.origins,
    })),
  });
  const ep = p.endpoint;
  return {
    endpoint: ep.key,
    identity: ep.identity.id,
    labels: ep.labels.toStrings(),
    ...(ep.address ? { ip: ep.address.text } : {}),
    ingress: dir(p.ingress),
    egress: dir(p.egress),
    warnings: p.warnings,
  };
}
