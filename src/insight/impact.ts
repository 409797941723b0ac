// Impact preview: which recorded connections an edited policy would newly drop or newly allow, counted per map edge.
//
// Flows are first grouped in SQL (flow-aggregate.ts), then folded into connections (source, destination,
// protocol, port): a connection's two reports (egress and ingress verdict) count once. Each distinct
// connection is decided twice by the real engine — on the current policy set, and with the edited
// policy — so a million stored flows cost one GROUP BY and a few thousand decisions.
import type { FlowTuple } from '../flow/flow-aggregate.js';
import type { PolicyEngine } from '../policy/index.js';
import {
  type ConnectionDecision,
  decideConnection,
  explainConnection,
  PartyResolver,
  PROTOCOL_NUMBERS,
} from './flow-parties.js';
import type { Grouping, ImpactChange, ImpactEdge, ImpactResponse } from './insight-types.js';
import { type ExternalRef, NodeTable } from './node-grouping.js';
import { protocolLabel } from './service-graph.js';
import type { PolicyObject, WhatIfEngine } from './what-if-engine.js';

export interface Connection {
  sample: FlowTuple;
  source: string;
  target: string;
  /** Reports per side (INGRESS, EGRESS, UNKNOWN). */
  counts: Map<string, number>;
  /** Some report of it was a drop (or an error). */
  dropped: boolean;
}

export function sideKey(ep: FlowTuple['source'], ip: string | undefined): string {
  if (ep?.pod_name && ep.namespace) return `${ep.namespace}/${ep.pod_name}`;
  return `${ep?.identity ?? 0}@${ip ?? ''}`;
}

function describeSide(ep: FlowTuple['source'], ip: string | undefined): string {
  if (ep?.pod_name && ep.namespace) return `${ep.namespace}/${ep.pod_name}`;
  const reserved = ep?.labels?.find((l) => l.startsWith('reserved:'))?.slice(9);
  return ip
    ? reserved && reserved !== 'world'
      ? `${reserved} ${ip}`
      : ip
    : (reserved ?? `identity ${ep?.identity ?? 0}`);
}

/** Folds policy-verdict tuples into connections; a connection's count is its busiest side's. */
export function foldConnections(
  tuples: readonly FlowTuple[],
  grouping: Grouping,
  nodes: NodeTable,
): Connection[] {
  const conns = new Map<string, Connection>();
  for (const t of tuples) {
    if (t.eventType !== 5) continue;
    const k = `${sideKey(t.source, t.sourceIp)}|${sideKey(t.destination, t.destinationIp)}|${t.l4 ?? ''}|${t.port}`;
    let c = conns.get(k);
    if (!c) {
      c = {
        sample: t,
        source: nodes.add(t.source, t.sourceIp, grouping),
        target: nodes.add(t.destination, t.destinationIp, grouping),
        counts: new Map(),
        dropped: false,
      };
      conns.set(k, c);
    }
    const side = t.direction ?? 'UNKNOWN';
    c.counts.set(side, (c.counts.get(side) ?? 0) + t.count);
    if (t.verdict === 'DROPPED' || t.verdict === 'ERROR') c.dropped = true;
  }
  return [...conns.values()];
}

function decideAll(engine: PolicyEngine, conns: readonly Connection[]): ConnectionDecision[] {
  const parties = new PartyResolver(engine);
  return conns.map((c) => {
    const t = c.sample;
    const proto = t.l4 ? PROTOCOL_NUMBERS[t.l4] : 0;
    return decideConnection(
      engine,
      parties.resolve(t.source, t.sourceIp),
      parties.resolve(t.destination, t.destinationIp),
      proto,
      t.port,
    );
  });
}

export interface ImpactInput {
  tuples: readonly FlowTuple[];
  policy: PolicyObject;
  /** Preview deleting the policy instead of applying it. */
  remove?: boolean;
  grouping: Grouping;
  /** Most changes listed (default 500; the counts cover all). */
  limit?: number;
  /** ExternalHost objects by address (their own map nodes). */
  externals?: ReadonlyMap<string, ExternalRef>;
}

export async function previewImpact(
  whatIf: WhatIfEngine,
  input: ImpactInput,
): Promise<Omit<ImpactResponse, 'window' | 'elapsedMs'>> {
  const nodes = new NodeTable(input.externals);
  const conns = foldConnections(input.tuples, input.grouping, nodes);
  const [before, after] = await whatIf.compare(input.policy, (e) => decideAll(e, conns), input.remove);
  const changes: ImpactChange[] = [];
  const edges = new Map<string, ImpactEdge>();
  let newDrops = 0;
  let newAllows = 0;
  let unknown = 0;
  let flows = 0;
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i]!;
    const count = Math.max(...c.counts.values());
    flows += [...c.counts.values()].reduce((a, b) => a + b, 0);
    const b = before[i]!;
    const a = after[i]!;
    if (b.verdict === 'unknown' || a.verdict === 'unknown') {
      unknown += count;
      continue;
    }
    if (b.verdict === a.verdict) continue;
    const drop = a.verdict === 'denied';
    const allow = b.verdict === 'denied';
    if (drop) newDrops += count;
    if (allow) newAllows += count;
    const ek = `${c.source}->${c.target}`;
    let e = edges.get(ek);
    if (!e) {
      e = { source: c.source, target: c.target, newDrops: 0, newAllows: 0 };
      edges.set(ek, e);
    }
    if (drop) e.newDrops += count;
    if (allow) e.newAllows += count;
    const t = c.sample;
    changes.push({
      source: c.source,
      target: c.target,
      from: describeSide(t.source, t.sourceIp),
      to: describeSide(t.destination, t.destinationIp),
      port: t.port,
      protocol: protocolLabel(t.l4),
      count,
      before: b.verdict,
      after: a.verdict,
      reason: explainConnection(a),
    });
  }
  changes.sort((x, y) => y.count - x.count || (x.from < y.from ? -1 : 1));
  const limit = input.limit ?? 500;
  const edgeList = [...edges.values()].sort((x, y) => y.newDrops + y.newAllows - (x.newDrops + x.newAllows));
  const used = new Set(edgeList.flatMap((e) => [e.source, e.target]));
  const p = input.policy;
  return {
    policy: `${p.kind} ${p.metadata.namespace ? `${p.metadata.namespace}/` : ''}${p.metadata.name}`,
    flows,
    tuples: input.tuples.length,
    evaluated: conns.length,
    newDrops,
    newAllows,
    unknown,
    changes: changes.slice(0, limit),
    truncated: changes.length > limit,
    edges: edgeList,
    nodes: nodes.list(used),
  };
}
