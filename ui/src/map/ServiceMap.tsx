// The service map view: every namespace at once (with a filter), grouping and time range, live refresh, edge and node panels, impact overlay.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { apiGet, describeError, openEvents } from '../api/client.js';
import type { Flow, GraphNode, GraphResponse, ImpactResponse } from '../api/types.js';
import { EdgePanel } from './EdgePanel.js';
import { layoutGraph } from './layout.js';
import { MapView } from './MapView.js';
import { NodePanel } from './NodePanel.js';

export const TIME_RANGES: [string, string][] = [
  ['5m', 'last 5 minutes'],
  ['1h', 'last hour'],
  ['24h', 'last 24 hours'],
  ['168h', 'last 7 days'],
  ['', 'everything stored'],
];

export interface ServiceMapProps {
  impact?: ImpactResponse | undefined;
  onClearImpact(): void;
  onOpenFlow(f: Flow): void;
  onShowFlows(node: GraphNode): void;
  onGenerate(node: GraphNode): void;
}

export function ServiceMap({ impact, onClearImpact, onOpenFlow, onShowFlows, onGenerate }: ServiceMapProps) {
  const [grouping, setGrouping] = useState('workload');
  const [labelKey, setLabelKey] = useState('app');
  const [since, setSince] = useState('1h');
  const [live, setLive] = useState(true);
  const [graph, setGraph] = useState<GraphResponse | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<{ kind: 'edge' | 'node'; id: string } | undefined>();
  const group = grouping === 'label' ? `label:${labelKey || 'app'}` : grouping;

  const load = useCallback(async () => {
    try {
      const q = new URLSearchParams({ group });
      if (since) q.set('since', since);
      const g = await apiGet<GraphResponse>(`/api/graph?${q}`);
      // Marks for the benchmark (bench/ui.bench.ts reads them with the performance API).
      performance.mark('porin:graph-received');
      setGraph(g);
      setError(undefined);
    } catch (e) {
      setError(describeError(e));
    }
  }, [group, since]);

  useEffect(() => {
    void load();
  }, [load]);

  // Live: new flows (any) trigger a refresh, at most every 2 s.
  const pending = useRef(false);
  useEffect(() => {
    if (!live) return;
    let timer: number | undefined;
    const close = openEvents('/api/flows/stream?last=0', {
      flows: () => {
        if (pending.current) return;
        pending.current = true;
        timer = window.setTimeout(() => {
          pending.current = false;
          void load();
        }, 2000);
      },
    });
    return () => {
      close();
      if (timer) window.clearTimeout(timer);
      pending.current = false;
    };
  }, [live, load]);

  const view = useMemo(() => {
    if (!graph) return undefined;
    const extra = (impact?.nodes ?? []).filter((n) => !graph.nodes.some((g) => g.id === n.id));
    const all = [...graph.nodes, ...extra];
    const shown = all.filter((n) => !n.namespace || !hidden.has(n.namespace));
    const ids = new Set(shown.map((n) => n.id));
    const edges = graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
    // Nodes outside every namespace stay only while something visible talks to them.
    const linked = new Set(edges.flatMap((e) => [e.source, e.target]));
    for (const e of impact?.edges ?? []) {
      linked.add(e.source);
      linked.add(e.target);
    }
    const nodes = shown.filter((n) => n.namespace || linked.has(n.id) || hidden.size === 0);
    return { nodes, edges, layout: layoutGraph(nodes, edges) };
  }, [graph, hidden, impact]);

  const namespaces = useMemo(() => {
    const set = new Set(graph?.namespaces ?? []);
    for (const n of impact?.nodes ?? []) if (n.namespace) set.add(n.namespace);
    return [...set].sort();
  }, [graph, impact]);
  const byId = useMemo(() => new Map((view?.nodes ?? []).map((n) => [n.id, n])), [view]);
  const edge = selected?.kind === 'edge' ? view?.edges.find((e) => e.id === selected.id) : undefined;
  const node = selected?.kind === 'node' ? byId.get(selected.id) : undefined;
  const onSelect = useCallback((s: { kind: 'edge' | 'node'; id: string } | undefined) => setSelected(s), []);

  return (
    <div className="view map-view">
      <div className="toolbar" role="toolbar" aria-label="Map controls">
        <fieldset className="ns-filter">
          <legend>Namespaces</legend>
          <label>
            <input
              type="checkbox"
              checked={hidden.size === 0}
              onChange={() => setHidden(hidden.size === 0 ? new Set(namespaces) : new Set())}
            />
            all
          </label>
          {namespaces.map((ns) => (
            <label key={ns}>
              <input
                type="checkbox"
                checked={!hidden.has(ns)}
                onChange={() => {
                  const h = new Set(hidden);
                  if (h.has(ns)) h.delete(ns);
                  else h.add(ns);
                  setHidden(h);
                }}
              />
              {ns}
            </label>
          ))}
        </fieldset>
        <label>
          Group by{' '}
          <select value={grouping} onChange={(e) => setGrouping(e.target.value)}>
            <option value="workload">workload (Deployment)</option>
            <option value="label">pod label</option>
            <option value="pod">pod</option>
          </select>
        </label>
        {grouping === 'label' && (
          <label>
            Label key <input value={labelKey} onChange={(e) => setLabelKey(e.target.value)} size={14} />
          </label>
        )}
        <label>
          Time range{' '}
          <select value={since} onChange={(e) => setSince(e.target.value)}>
            {TIME_RANGES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> live
        </label>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
        <span className="legend">
          <span className="swatch forwarded" /> forwarded <span className="swatch dropped" /> dropped{' '}
          <span className="swatch audit" /> audit
        </span>
        {graph && (
          <span className="muted" data-testid="map-stats">
            {view?.nodes.length ?? 0} nodes, {view?.edges.length ?? 0} edges, {graph.flows} flows (
            {graph.elapsedMs} ms)
          </span>
        )}
      </div>
      {impact && (
        <div className="impact-banner" role="status" data-testid="impact-banner">
          Impact preview of {impact.policy}: <strong>{impact.newDrops} new drops</strong>,{' '}
          <strong>{impact.newAllows} new allows</strong> on {impact.edges.length} edge
          {impact.edges.length === 1 ? '' : 's'} (dashed).{' '}
          <button type="button" onClick={onClearImpact}>
            Clear
          </button>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="map-body">
        {view && view.nodes.length === 0 && !error && (
          <p className="empty">
            No flows recorded in this time range yet. Generate some traffic (for example `porin exec
            tiefighter -- curl …`).
          </p>
        )}
        {view && (
          <MapView
            nodes={view.nodes}
            edges={view.edges}
            layout={view.layout}
            {...(impact ? { impact: impact.edges } : {})}
            {...(selected ? { selected: selected.id } : {})}
            onSelect={onSelect}
          />
        )}
        {edge && (
          <EdgePanel
            edge={edge}
            {...(byId.get(edge.source) ? { source: byId.get(edge.source)! } : {})}
            {...(byId.get(edge.target) ? { target: byId.get(edge.target)! } : {})}
            onClose={() => setSelected(undefined)}
            onOpenFlow={onOpenFlow}
          />
        )}
        {node && (
          <NodePanel
            node={node}
            onClose={() => setSelected(undefined)}
            onShowFlows={onShowFlows}
            onGenerate={onGenerate}
          />
        )}
      </div>
    </div>
  );
}
