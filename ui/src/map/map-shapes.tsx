// One map node and one map edge as SVG: verdict-coloured lanes, labels with ports and policies, focusable and labelled for keyboards.
import { memo } from 'react';
import type { GraphEdge, GraphNode, ImpactEdge } from '../api/types.js';
import { type Box, edgePath, type Layout } from './layout.js';

export const VERDICT_COLOR = { forwarded: '#2f855a', dropped: '#c53030', audit: '#c05621' } as const;

const KIND_LABEL: Record<string, string> = {
  workload: 'Deployment',
  label: 'app',
  pod: 'pod',
  'kube-dns': 'cluster DNS',
  world: 'world',
  external: 'external host',
  host: 'host',
  'remote-node': 'remote node',
  reserved: 'reserved',
  unknown: 'address',
};

export function nodeTitle(n: GraphNode): string {
  return n.kind === 'workload' ? n.name : n.name;
}

export function nodeSubtitle(n: GraphNode): string {
  const kind =
    n.kind === 'workload' ? (n.match.workload?.[0]?.kind ?? 'Deployment') : (KIND_LABEL[n.kind] ?? n.kind);
  if (n.kind === 'world' || n.kind === 'external' || n.kind === 'unknown')
    return `${kind} · ${n.members} address${n.members === 1 ? '' : 'es'}`;
  if (n.kind === 'host' || n.kind === 'remote-node' || n.kind === 'reserved') return kind;
  return `${kind} · ${n.members} pod${n.members === 1 ? '' : 's'}`;
}

/** "80/TCP, 53/UDP" for an edge's links. */
export function edgePorts(e: GraphEdge): string {
  return [...new Set(e.links.map((l) => (l.port ? `${l.port}/${l.protocol}` : l.protocol)))].join(', ');
}

export function edgePolicies(e: GraphEdge, verdict?: string): string[] {
  const names = new Set<string>();
  for (const l of e.links)
    if (!verdict || l.verdict === verdict) for (const p of l.policies) names.add(p.name);
  return [...names];
}

export function edgeLabel(e: GraphEdge): string {
  const parts = [edgePorts(e)];
  const pol = edgePolicies(e);
  if (pol.length) parts.push(pol.join(', '));
  if (e.l7.length)
    parts.push(
      e.l7
        .slice(0, 2)
        .map((s) => s.label)
        .join(', ') + (e.l7.length > 2 ? ', …' : ''),
    );
  return parts.filter(Boolean).join(' · ');
}

export function edgeAriaLabel(e: GraphEdge, names: Map<string, GraphNode>): string {
  const s = names.get(e.source)?.name ?? e.source;
  const t = names.get(e.target)?.name ?? e.target;
  const counts: string[] = [];
  if (e.counts.forwarded) counts.push(`${e.counts.forwarded} forwarded`);
  if (e.counts.dropped) {
    const by = edgePolicies(e, 'dropped');
    counts.push(`${e.counts.dropped} dropped${by.length ? ` by ${by.join(', ')}` : ''}`);
  }
  if (e.counts.audit) counts.push(`${e.counts.audit} audit`);
  return `Edge ${s} to ${t}: ${counts.join(', ')} on ${edgePorts(e) || 'no port'}`;
}

interface EdgeProps {
  edge: GraphEdge;
  a: Box;
  b: Box;
  selected: boolean;
  focusable: boolean;
  aria: string;
  onSelect(id: string): void;
}

export const EdgeShape = memo(function EdgeShape({
  edge,
  a,
  b,
  selected,
  focusable,
  aria,
  onSelect,
}: EdgeProps) {
  const lanes = (['forwarded', 'dropped', 'audit'] as const).filter((v) => edge.counts[v] > 0);
  if (lanes.length === 0) lanes.push('forwarded');
  const mid = edgePath(a, b, 0);
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; the group is one, for mouse and keyboard
    <g
      className={`edge${selected ? ' selected' : ''}`}
      data-edge={edge.id}
      data-verdicts={lanes.join(' ')}
      role="button"
      tabIndex={focusable ? 0 : -1}
      aria-label={aria}
      onClick={(ev) => {
        ev.stopPropagation();
        onSelect(edge.id);
      }}
      onKeyDown={(ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          onSelect(edge.id);
        }
      }}
    >
      <path className="edge-hit" d={mid.d} />
      {lanes.map((v, i) => {
        const p = edgePath(a, b, (i - (lanes.length - 1) / 2) * 5);
        return (
          <path
            key={v}
            className={`edge-line ${v}`}
            d={p.d}
            stroke={VERDICT_COLOR[v]}
            markerEnd={`url(#arrow-${v})`}
          />
        );
      })}
    </g>
  );
});

interface NodeProps {
  node: GraphNode;
  box: Box;
  selected: boolean;
  detail: boolean;
  focusable: boolean;
  onSelect(id: string): void;
}

export const NodeShape = memo(function NodeShape({
  node,
  box,
  selected,
  detail,
  focusable,
  onSelect,
}: NodeProps) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; the group is one, for mouse and keyboard
    <g
      className={`node kind-${node.kind}${selected ? ' selected' : ''}`}
      data-node={node.id}
      transform={`translate(${box.x},${box.y})`}
      role="button"
      tabIndex={focusable ? 0 : -1}
      aria-label={`${nodeSubtitle(node).split(' · ')[0]} ${node.name}${node.namespace ? ` in ${node.namespace}` : ''}`}
      onClick={(ev) => {
        ev.stopPropagation();
        onSelect(node.id);
      }}
      onKeyDown={(ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          onSelect(node.id);
        }
      }}
    >
      <rect width={box.w} height={box.h} rx={8} />
      {detail && (
        <>
          <text className="node-name" x={12} y={23}>
            {node.name.length > 24 ? `${node.name.slice(0, 23)}…` : node.name}
          </text>
          <text className="node-sub" x={12} y={42}>
            {nodeSubtitle(node)}
          </text>
        </>
      )}
    </g>
  );
});

export function ImpactShape({ e, a, b }: { e: ImpactEdge; a: Box; b: Box }) {
  const p = edgePath(a, b, 9);
  const drops = e.newDrops > 0;
  return (
    <g
      className={`impact-edge ${drops ? 'new-drops' : 'new-allows'}`}
      data-impact-edge={`${e.source}->${e.target}`}
    >
      <path d={p.d} />
      <text x={p.mx} y={p.my + 16} textAnchor="middle">
        {[
          drops ? `${e.newDrops} new drop${e.newDrops === 1 ? '' : 's'}` : '',
          e.newAllows ? `${e.newAllows} new allow${e.newAllows === 1 ? '' : 's'}` : '',
        ]
          .filter(Boolean)
          .join(', ')}
      </text>
    </g>
  );
}

/** Every edge as one path per verdict (sub-paths), for the overview of a big map. */
export function mergedEdgePaths(
  edges: readonly GraphEdge[],
  layout: Layout,
): Record<keyof typeof VERDICT_COLOR, string> {
  const out = { forwarded: [] as string[], dropped: [] as string[], audit: [] as string[] };
  for (const e of edges) {
    const a = layout.nodes.get(e.source);
    const b = layout.nodes.get(e.target);
    if (!a || !b) continue;
    const lanes = (['forwarded', 'dropped', 'audit'] as const).filter((v) => e.counts[v] > 0);
    lanes.forEach((v, i) => {
      out[v].push(edgePath(a, b, (i - (lanes.length - 1) / 2) * 5).d);
    });
  }
  return { forwarded: out.forwarded.join(''), dropped: out.dropped.join(''), audit: out.audit.join('') };
}

/** Edge labels, drawn above the nodes so that none hides behind a card. */
export function EdgeLabel({ edge, a, b }: { edge: GraphEdge; a: Box; b: Box }) {
  const mid = edgePath(a, b, 0);
  return (
    <text className="edge-label" x={mid.mx} y={mid.my - 6} textAnchor="middle">
      {edgeLabel(edge)}
    </text>
  );
}
