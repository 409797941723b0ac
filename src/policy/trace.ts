// `policy trace`: the verdict for one connection, egress side and ingress side, and which rules decided it.
import { IDENTITY_WORLD, reservedName } from '../identity/index.js';
import { apiKeyName } from '../kafka/api-keys.js';
import type { Decision, Remote } from './direction-policy.js';
import type { Endpoint } from './endpoint.js';
import type { PolicyEngine } from './engine.js';
import { type HttpRequest, matchHttp } from './l7-match.js';
import { matchDns } from './l7-match-dns.js';
import { type KafkaRequestFacts, matchKafka } from './l7-match-kafka.js';
import { PolicyEngineError } from './policy-engine-errors.js';
import { type L4Protocol, type PolicyRef, PROTOCOL_NUMBER, type RuleOrigin } from './rule.js';
import { type DnsLookupTrace, traceDnsLookup } from './trace-dns.js';

export interface TraceQuery {
  from: string;
  to: string;
  port: number;
  protocol: L4Protocol;
  http?: HttpRequest;
  dnsQuery?: string;
  /** A Kafka request: API key number, version, client id, topics (see l7-match-kafka.ts). */
  kafka?: KafkaRequestFacts;
}

export interface TracePeer {
  kind: 'pod' | 'deployment' | 'node' | 'ip' | 'fqdn';
  name: string;
  namespace?: string;
  ip?: string;
  identity: number;
  labels: string[];
}

export interface SideTrace {
  /** `not-applicable` when that side is not a Porin endpoint (an external address). */
  verdict: 'allowed' | 'denied' | 'redirected' | 'not-applicable';
  reason: Decision['reason'] | 'not-an-endpoint' | 'loopback';
  enforced: boolean;
  allowedBy: RuleOrigin[];
  deniedBy: RuleOrigin[];
  defaultDenyBy: PolicyRef[];
  redirectedBy: RuleOrigin[];
  summary: string;
}

export interface L7Trace {
  type: 'http' | 'dns' | 'kafka';
  side: 'egress' | 'ingress';
  verdict: 'allowed' | 'denied' | 'not-evaluated';
  /** The rule that matched, as JSON, when allowed. */
  matchedRule?: unknown;
  rules: unknown[];
  summary: string;
}

export interface TraceResult {
  verdict: 'allowed' | 'denied';
  from: TracePeer;
  to: TracePeer;
  port: number;
  protocol: string;
  egress: SideTrace;
  ingress: SideTrace;
  l7?: L7Trace[];
  /** `--to NAME`: the DNS lookup that must come first (toFQDNs allows only addresses the DNS proxy saw). */
  dns?: DnsLookupTrace;
}

interface Party {
  peer: TracePeer;
  endpoint?: Endpoint;
  remote: Remote;
}

function resolveParty(engine: PolicyEngine, spec: string, allowName: boolean): Party {
  const ep = engine.endpoint(spec.includes('/') ? spec : `default/${spec}`);
  if (ep) {
    return {
      endpoint: ep,
      remote: engine.remoteForEndpoint(ep),
      peer: {
        kind: ep.kind,
        name: ep.name,
        ...(ep.namespace ? { namespace: ep.namespace } : {}),
        ...(ep.address ? { ip: ep.address.text } : {}),
        identity: ep.identity.id,
        labels: ep.labels.toStrings(),
      },
    };
  }
  if (/^[0-9.]+$/.test(spec) || spec.includes(':')) {
    const remote = engine.remoteForIP(spec);
    const byIp = engine.listEndpoints({ includeNodes: true }).find((e) => e.address?.text === spec);
    if (byIp) return { ...resolveParty(engine, byIp.key, false), remote };
    const identity = engine.identity(remote.identity);
    return {
      remote,
      peer: {
        kind: 'ip',
        name: spec,
        ip: spec,
        identity: remote.identity,
        labels: identity?.labels.toStrings() ?? [],
      },
    };
  }
  if (allowName && /^[a-zA-Z0-9_.-]+$/.test(spec) && spec.includes('.')) {
    return {
      remote: { identity: IDENTITY_WORLD, name: spec },
      peer: { kind: 'fqdn', name: spec, identity: IDENTITY_WORLD, labels: ['reserved:world'] },
    };
  }
  throw new PolicyEngineError(
    'PORIN_ERR_UNKNOWN_ENDPOINT',
    `"${spec}" is not a known pod (use NAMESPACE/POD), an IP address${allowName ? ' or a DNS name' : ''}`,
  );
}

function sideOf(d: Decision | undefined, direction: 'egress' | 'ingress', who: string): SideTrace {
  if (!d) {
    return {
      verdict: 'not-applicable',
      reason: 'not-an-endpoint',
      enforced: false,
      allowedBy: [],
      deniedBy: [],
      defaultDenyBy: [],
      redirectedBy: [],
      summary: `${who} is not a Porin endpoint: no ${direction} policy applies`,
    };
  }
  const origins = d.entries.flatMap((e) => e.origins);
  const uniq = (o: RuleOrigin[]) => [...new Set(o)];
  const s: SideTrace = {
    verdict: d.verdict,
    reason: d.reason,
    enforced: d.defaultDenyBy.length > 0,
    allowedBy: d.verdict === 'allowed' ? uniq(origins) : [],
    deniedBy: d.reason === 'policy-deny' ? uniq(origins) : [],
    defaultDenyBy: d.defaultDenyBy,
    redirectedBy: d.verdict === 'redirected' ? uniq(origins) : [],
    summary: '',
  };
  s.summary = summarize(d, direction, who);
  return s;
}

const ref = (p: PolicyRef) =>
  `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}${p.spec !== undefined ? ` specs[${p.spec}]` : ''}`;
const rule = (o: RuleOrigin) => `${ref(o)} ${o.section}[${o.rule}]`;

function summarize(d: Decision, direction: string, who: string): string {
  const origins = [...new Set(d.entries.flatMap((e) => e.origins))];
  switch (d.reason) {
    case 'policy-deny':
      return `denied on ${direction} of ${who} by ${origins.map(rule).join(', ')}`;
    case 'policy-allow':
      return `allowed on ${direction} of ${who} by ${origins.map(rule).join(', ')}`;
    case 'l7-redirect':
      return `redirected to the L7 proxy on ${direction} of ${who} by ${origins.map(rule).join(', ')}`;
    case 'default-deny':
      return `denied on ${direction} of ${who}: default deny (selected by ${d.defaultDenyBy.map(ref).join(', ')}) and no rule allows it`;
    case 'no-policy':
      return `allowed on ${direction} of ${who}: no policy selects it for ${direction}`;
    case 'not-default-deny':
      return `allowed on ${direction} of ${who}: selected only by policies with enableDefaultDeny.${direction}: false`;
    case 'allow-localhost':
      return `allowed on ${direction} of ${who}: the local host may always reach its pods (allow-localhost)`;
    case 'enforcement-never':
      return `allowed on ${direction} of ${who}: policy enforcement is "never"`;
  }
}

function evaluateL7(d: Decision, side: 'egress' | 'ingress', q: TraceQuery): L7Trace[] {
  const out: L7Trace[] = [];
  for (const type of ['http', 'dns', 'kafka'] as const) {
    const sets = (d.l7 ?? []).filter((r) => r.type === type);
    if (sets.length === 0) continue;
    const rules: unknown[] = sets.flatMap((r): unknown[] =>
      r.type === 'http' ? r.http : r.type === 'dns' ? r.dns : r.kafka,
    );
    if (type === 'http' && q.http) {
      const i = matchHttp(rules as Parameters<typeof matchHttp>[0], q.http);
      out.push({
        type,
        side,
        verdict: i >= 0 ? 'allowed' : 'denied',
        ...(i >= 0 ? { matchedRule: rules[i] } : {}),
        rules,
        summary:
          i >= 0
            ? `HTTP ${q.http.method ?? 'GET'} ${q.http.path ?? '/'} matches ${JSON.stringify(rules[i])}`
            : `HTTP ${q.http.method ?? 'GET'} ${q.http.path ?? '/'} matches no rule: 403 Access denied`,
      });
    } else if (type === 'dns' && q.dnsQuery !== undefined) {
      const i = matchDns(rules as Parameters<typeof matchDns>[0], q.dnsQuery);
      out.push({
        type,
        side,
        verdict: i >= 0 ? 'allowed' : 'denied',
        ...(i >= 0 ? { matchedRule: rules[i] } : {}),
        rules,
        summary:
          i >= 0
            ? `DNS query ${q.dnsQuery} matches ${JSON.stringify(rules[i])}`
            : `DNS query ${q.dnsQuery} matches no rule: REFUSED`,
      });
    } else if (type === 'kafka' && q.kafka) {
      const m = matchKafka(rules as Parameters<typeof matchKafka>[0], q.kafka);
      const what = `Kafka ${describeKafka(q.kafka)}`;
      out.push({
        type,
        side,
        verdict: m.allowed ? 'allowed' : 'denied',
        ...(m.allowed && m.matched.length > 0 ? { matchedRule: m.matched.map((i) => rules[i]) } : {}),
        rules,
        summary: m.allowed
          ? `${what} matches ${m.matched.map((i) => JSON.stringify(rules[i])).join(' + ') || 'the empty rule list'}`
          : `${what} matches no rule${m.deniedTopics.length ? ` for topic ${m.deniedTopics.join(', ')}` : ''}: refused with an authorization error`,
      });
    } else {
      out.push({
        type,
        side,
        verdict: 'not-evaluated',
        rules,
        summary: `${type.toUpperCase()} rules apply; give the request (--http-method/--http-path, --dns-query or --kafka-api-key/--kafka-topic) to evaluate them`,
      });
    }
  }
  return out;
}

export function tracePolicy(engine: PolicyEngine, q: TraceQuery): TraceResult {
  const from = resolveParty(engine, q.from, false);
  const to = resolveParty(engine, q.to, true);
  const proto = PROTOCOL_NUMBER[q.protocol];
  const loopback = from.endpoint !== undefined && from.endpoint === to.endpoint;
  const egressD =
    from.endpoint && !loopback
      ? engine.policyOf(from.endpoint.key).egress.decide(to.remote, proto, q.port)
      : undefined;
  const ingressD =
    to.endpoint && !loopback
      ? engine.policyOf(to.endpoint.key).ingress.decide(from.remote, proto, q.port)
      : undefined;
  const egress = sideOf(egressD, 'egress', describe(from.peer));
  if (
    to.peer.kind === 'fqdn' &&
    egressD?.verdict === 'allowed' &&
    egressD.entries.every((e) => e.peer.kind === 'fqdn')
  )
    egress.summary += ` (toFQDNs: the addresses of DNS answers for ${to.peer.name} that the DNS proxy saw)`;
  const ingress = sideOf(ingressD, 'ingress', describe(to.peer));
  if (loopback) {
    for (const s of [egress, ingress]) {
      s.verdict = 'allowed';
      s.reason = 'loopback';
      s.summary = 'a pod talking to itself never leaves its network namespace: policy does not apply';
    }
  }
  const l7: L7Trace[] = [];
  if (egressD?.verdict === 'redirected') l7.push(...evaluateL7(egressD, 'egress', q));
  if (ingressD?.verdict === 'redirected') l7.push(...evaluateL7(ingressD, 'ingress', q));
  const dns =
    to.peer.kind === 'fqdn' && from.endpoint
      ? traceDnsLookup(engine, from.endpoint, to.peer.name)
      : undefined;
  // The verdict is the connection's once the name resolved; `dns` says whether the lookup itself can happen.
  const denied =
    egress.verdict === 'denied' || ingress.verdict === 'denied' || l7.some((x) => x.verdict === 'denied');
  return {
    verdict: denied ? 'denied' : 'allowed',
    from: from.peer,
    to: to.peer,
    port: q.port,
    protocol: q.protocol,
    egress,
    ingress,
    ...(l7.length ? { l7 } : {}),
    ...(dns ? { dns } : {}),
  };
}

function describeKafka(k: KafkaRequestFacts): string {
  const topics = k.topics.length ? ` topic ${k.topics.join(',')}` : '';
  return `${apiKeyName(k.apiKey)} v${k.apiVersion}${k.clientId ? ` client ${k.clientId}` : ''}${topics}`;
}

function describe(p: TracePeer): string {
  if (p.kind === 'ip' || p.kind === 'fqdn')
    return `${p.name} (identity ${p.identity}${reservedName(p.identity) ? ` ${reservedName(p.identity)}` : ''})`;
  return p.namespace ? `${p.namespace}/${p.name}` : p.name;
}

/**
 * The verdict alone, for matrices and differential tests: no explanation is built. A connection either end
 * sends to the L7 proxy is `redirected`; given a request (`http`), the proxy's L7 verdict instead.
 */
export function quickVerdict(
  engine: PolicyEngine,
  from: Endpoint,
  to: Endpoint,
  protocol: L4Protocol,
  port: number,
  http?: HttpRequest,
): 'allowed' | 'denied' | 'redirected' {
  if (from === to) return 'allowed';
  const proto = PROTOCOL_NUMBER[protocol];
  const e = engine.policyOf(from.key).egress.decide(engine.remoteForEndpoint(to), proto, port);
  if (e.verdict === 'denied') return 'denied';
  const i = engine.policyOf(to.key).ingress.decide(engine.remoteForEndpoint(from), proto, port);
  if (i.verdict === 'denied') return 'denied';
  const redirected = [e, i].filter((d) => d.verdict === 'redirected');
  if (redirected.length === 0) return 'allowed';
  if (!http || protocol !== 'TCP') return 'redirected';
  // Both redirecting ends must allow the request; within an end, any HTTP rule set may.
  for (const d of redirected) {
    const sets = (d.l7 ?? []).filter((r) => r.type === 'http');
    if (!sets.some((r) => r.type === 'http' && matchHttp(r.http, http) >= 0)) return 'denied';
  }
  return 'allowed';
}
