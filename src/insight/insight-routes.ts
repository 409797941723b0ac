// The agent's insight routes: the service graph, impact preview, generate from traffic, policy lint and what-if trace.
//
//   GET  /v1/flows/graph?since=1h&until=…&group=workload|pod|label:KEY   → GraphResponse
//   POST /v1/policy/impact   {policy, since?, until?, group?, remove?, limit?} → ImpactResponse
//   POST /v1/policy/generate {target, kind?, since?, until?, directions?, includeDropped?, name?} → GenerateResponse
//   POST /v1/policy/lint     {policy}                                      → {advice, selected}
//   POST /v1/policy/trace    {from, to, port, protocol?, http?, dnsQuery?, policy?} → {current, edited?}
// A policy in a body is validated as `porin apply` would (422 with the issues when it is not valid).
import { ApiError } from '../api/api-error.js';
import type { RouteTable } from '../api/route-handler.js';
import { aggregateFlows, aggregateL7 } from '../flow/flow-aggregate.js';
import type { FlowStore } from '../flow/flow-store.js';
import { nowNs, resolveTimeSpec } from '../flow/flow-time.js';
import { type L4Protocol, PolicyEngineError, tracePolicy } from '../policy/index.js';
import { type Deployment, validateResource } from '../resources/index.js';
import { generatePolicy } from './generate-policy.js';
import { previewImpact } from './impact.js';
import type { GraphResponse, TimeWindow } from './insight-types.js';
import { lintPolicy } from './lint-policy.js';
import { type ExternalRef, externalsByAddress, parseGrouping } from './node-grouping.js';
import { buildServiceGraph } from './service-graph.js';
import { isPolicyObject, type PolicyObject, type WhatIfEngine } from './what-if-engine.js';

export interface InsightSources {
  /** The durable flow store (undefined: no history, the graph is empty). */
  flows(): FlowStore | undefined;
  whatIf: WhatIfEngine;
  deployments(): Promise<Deployment[]>;
  /** The cluster's pod network, for the ipBlock-on-pods warning. */
  podCIDRs: readonly string[];
  /** ExternalHost objects (nodes of their own on the map). */
  externalHosts?(): Promise<ExternalRef[]>;
}

const bad = (message: string, details?: unknown) =>
  new ApiError('PORIN_ERR_BAD_REQUEST', message, 400, details);

function window(since: unknown, until: unknown): { sinceNs?: bigint; untilNs?: bigint; window: TimeWindow } {
  const now = nowNs();
  const out: { sinceNs?: bigint; untilNs?: bigint; window: TimeWindow } = { window: {} };
  try {
    if (typeof since === 'string' && since) {
      out.sinceNs = resolveTimeSpec(since, now, 'since');
      out.window.since = since;
    }
    if (typeof until === 'string' && until) {
      out.untilNs = resolveTimeSpec(until, now, 'until');
      out.window.until = until;
    }
  } catch (e) {
    throw bad((e as Error).message, { path: (e as { path?: string }).path });
  }
  return out;
}

function policyFrom(value: unknown): PolicyObject {
  if (value === undefined) throw bad('"policy" is required: a NetworkPolicy or CiliumNetworkPolicy object');
  const r = validateResource(value, {
    source: { file: 'request', document: 1 },
    namespace: 'default',
    pathPrefix: 'policy',
  });
  const errors = r.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0 || !r.object) {
    throw new ApiError(
      'PORIN_ERR_INVALID',
      `the policy is not valid: ${errors[0]?.path ?? ''}: ${errors[0]?.message ?? 'unknown kind'}`,
      422,
      {
        issues: r.issues.map((i) => i.toJSON()),
      },
    );
  }
  if (!isPolicyObject(r.object)) throw bad(`policy: ${r.object.kind} is not a policy kind`);
  return r.object;
}

async function body(req: { json(): Promise<unknown> }): Promise<Record<string, unknown>> {
  const b = await req.json();
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw bad('the body must be a JSON object');
  return b as Record<string, unknown>;
}

export function registerInsightRoutes(api: RouteTable, src: InsightSources): void {
  const externals = async () => externalsByAddress((await src.externalHosts?.()) ?? []);
  api.route('GET', '/v1/flows/graph', async (req): Promise<GraphResponse> => {
    const t0 = performance.now();
    const grouping = parseGrouping(req.query.get('group'));
    if (!grouping) throw bad('group must be workload, pod or label:KEY', { path: 'group' });
    const w = window(req.query.get('since'), req.query.get('until'));
    const store = src.flows();
    const q = {
      ...(w.sinceNs !== undefined ? { sinceNs: w.sinceNs } : {}),
      ...(w.untilNs !== undefined ? { untilNs: w.untilNs } : {}),
    };
    const tuples = store ? aggregateFlows(store, { ...q, eventTypes: [1, 5] }) : [];
    const l7 = store ? aggregateL7(store, q) : [];
    const g = buildServiceGraph(tuples, l7, grouping, await externals());
    return { ...g, window: w.window, elapsedMs: Math.round(performance.now() - t0) };
  });

  api.route('POST', '/v1/policy/impact', async (req) => {
    const t0 = performance.now();
    const b = await body(req);
    const policy = policyFrom(b.policy);
    const grouping = parseGrouping(typeof b.group === 'string' ? b.group : undefined);
    if (!grouping) throw bad('group must be workload, pod or label:KEY', { path: 'group' });
    const w = window(b.since, b.until);
    const store = src.flows();
    const tuples = store
      ? aggregateFlows(store, {
          ...(w.sinceNs !== undefined ? { sinceNs: w.sinceNs } : {}),
          ...(w.untilNs !== undefined ? { untilNs: w.untilNs } : {}),
          times: false,
        })
      : [];
    const limit = typeof b.limit === 'number' && b.limit > 0 ? Math.min(b.limit, 5000) : 500;
    const r = await previewImpact(src.whatIf, {
      tuples,
      policy,
      remove: b.remove === true,
      grouping,
      limit,
      externals: await externals(),
    });
    return { ...r, window: w.window, elapsedMs: Math.round(performance.now() - t0) };
  });

  api.route('POST', '/v1/policy/generate', async (req) => {
    const b = await body(req);
    if (typeof b.target !== 'string' || !b.target)
      throw bad('"target" is required: a map node id such as default/Deployment/deathstar', {
        path: 'target',
      });
    const kind = b.kind ?? 'CiliumNetworkPolicy';
    if (kind !== 'NetworkPolicy' && kind !== 'CiliumNetworkPolicy')
      throw bad('kind must be NetworkPolicy or CiliumNetworkPolicy', { path: 'kind' });
    const dirs = b.directions ?? ['ingress', 'egress'];
    if (!Array.isArray(dirs) || dirs.some((d) => d !== 'ingress' && d !== 'egress'))
      throw bad('directions must be a list of ingress and egress', { path: 'directions' });
    const w = window(b.since, b.until);
    const store = src.flows();
    const tuples = store
      ? aggregateFlows(store, {
          ...(w.sinceNs !== undefined ? { sinceNs: w.sinceNs } : {}),
          ...(w.untilNs !== undefined ? { untilNs: w.untilNs } : {}),
        })
      : [];
    return generatePolicy({
      tuples,
      target: b.target,
      kind,
      directions: dirs as ('ingress' | 'egress')[],
      includeDropped: b.includeDropped === true,
      deployments: await src.deployments(),
      externals: await externals(),
      ...(typeof b.name === 'string' && b.name ? { name: b.name } : {}),
    });
  });

  api.route('POST', '/v1/policy/lint', async (req) => {
    const b = await body(req);
    const policy = policyFrom(b.policy);
    return src.whatIf.with(policy, (engine) => {
      const { advice, selected } = lintPolicy(policy, { engine, podCIDRs: src.podCIDRs });
      return {
        advice,
        selected: selected.map((e) => ({
          ...(e.namespace ? { namespace: e.namespace } : {}),
          name: e.name,
          labels: e.labels.toStrings(),
        })),
      };
    });
  });

  api.route('POST', '/v1/policy/trace', async (req) => {
    const b = await body(req);
    if (typeof b.from !== 'string' || typeof b.to !== 'string' || !b.from || !b.to)
      throw bad('"from" and "to" are required (NAMESPACE/POD, an IP address, or a DNS name for "to")');
    const port = Number(b.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw bad('port must be 0-65535', { path: 'port' });
    const protocol = typeof b.protocol === 'string' ? b.protocol.toUpperCase() : 'TCP';
    if (!['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPV6'].includes(protocol))
      throw bad('protocol must be TCP, UDP, SCTP, ICMP or ICMPv6', { path: 'protocol' });
    const http =
      b.http && typeof b.http === 'object' ? (b.http as { method?: string; path?: string }) : undefined;
    const q = {
      from: b.from,
      to: b.to,
      port,
      protocol: (protocol === 'ICMPV6' ? 'ICMPv6' : protocol) as L4Protocol,
      ...(http ? { http } : {}),
      ...(typeof b.dnsQuery === 'string' ? { dnsQuery: b.dnsQuery } : {}),
    };
    const run = (engine: Parameters<typeof tracePolicy>[0]) => {
      try {
        return tracePolicy(engine, q);
      } catch (e) {
        if (e instanceof PolicyEngineError) throw bad(e.message);
        throw e;
      }
    };
    const current = run(await src.whatIf.current());
    if (b.policy === undefined) return { current };
    const policy = policyFrom(b.policy);
    return { current, edited: await src.whatIf.with(policy, run) };
  });
}
