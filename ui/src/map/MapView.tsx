// The service map's canvas: SVG with pan and zoom (mouse, wheel, keyboard), drawing only what is in view, details by zoom level.
//
// Panning moves one transform attribute (no React render per frame); when the gesture ends, the view
// is committed and the visible set recomputed. Far out, nodes lose their text and edges their labels,
// so 1,000 nodes and 5,000 edges stay cheap to paint.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { GraphEdge, GraphNode, ImpactEdge } from '../api/types.js';
import type { Box, Layout } from './layout.js';
import {
  EdgeLabel,
  EdgeShape,
  edgeAriaLabel,
  ImpactShape,
  mergedEdgePaths,
  NodeShape,
  VERDICT_COLOR,
} from './map-shapes.js';

interface View {
  x: number;
  y: number;
  k: number;
}

export interface MapViewProps {
  nodes: readonly GraphNode[];
  edges: readonly GraphEdge[];
  layout: Layout;
  impact?: readonly ImpactEdge[];
  selected?: string;
  onSelect(sel: { kind: 'edge' | 'node'; id: string } | undefined): void;
}

const intersects = (a: Box, b: Box) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

export function MapView({ nodes, edges, layout, impact, selected, onSelect }: MapViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const world = useRef<SVGGElement>(null);
  const live = useRef<View>({ x: 0, y: 0, k: 1 });
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 });
  const [size, setSize] = useState({ w: 800, h: 600 });
  const fitted = useRef<Layout | undefined>(undefined);
  const commitTimer = useRef<number | undefined>(undefined);

  const apply = useCallback((v: View, commit: 'now' | 'later' | 'no') => {
    live.current = v;
    world.current?.setAttribute('transform', `translate(${v.x},${v.y}) scale(${v.k})`);
    if (commitTimer.current !== undefined) window.clearTimeout(commitTimer.current);
    if (commit === 'now') setView(v);
    else if (commit === 'later')
      commitTimer.current = window.setTimeout(() => setView({ ...live.current }), 120);
  }, []);

  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth || 800, h: el.clientHeight || 600 }));
    ro.observe(el);
    setSize({ w: el.clientWidth || 800, h: el.clientHeight || 600 });
    return () => ro.disconnect();
  }, []);

  const fit = useCallback(() => {
    const b = layout.bounds;
    if (b.w === 0 || b.h === 0) return;
    const k = Math.min(1.4, (size.w - 40) / b.w, (size.h - 40) / b.h);
    apply({ k, x: (size.w - b.w * k) / 2, y: Math.max(20, (size.h - b.h * k) / 2) }, 'now');
  }, [layout, size, apply]);

  useEffect(() => {
    if (fitted.current === layout) return;
    // A new graph of the same shape keeps the view; a different one is fitted.
    const prev = fitted.current;
    fitted.current = layout;
    if (prev && prev.bounds.w === layout.bounds.w && prev.bounds.h === layout.bounds.h) return;
    fit();
  }, [layout, fit]);

  const zoomAt = useCallback(
    (factor: number, cx: number, cy: number, commit: 'now' | 'later') => {
      const v = live.current;
      const k = Math.min(4, Math.max(0.05, v.k * factor));
      const f = k / v.k;
      apply({ k, x: cx - (cx - v.x) * f, y: cy - (cy - v.y) * f }, commit);
    },
    [apply],
  );

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const onWheel = (ev: WheelEvent) => {
      ev.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top, 'later');
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | undefined>(
    undefined,
  );
  const onPointerDown = (ev: React.PointerEvent) => {
    if (ev.button !== 0) return;
    drag.current = { x: ev.clientX, y: ev.clientY, vx: live.current.x, vy: live.current.y, moved: false };
  };
  const onPointerMove = (ev: React.PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const dx = ev.clientX - d.x;
    const dy = ev.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!d.moved) {
      (ev.currentTarget as HTMLElement).setPointerCapture(ev.pointerId);
      // No hit testing of thousands of curves while the map moves.
      world.current?.setAttribute('pointer-events', 'none');
    }
    d.moved = true;
    apply({ ...live.current, x: d.vx + dx, y: d.vy + dy }, 'no');
  };
  const onPointerUp = (ev: React.PointerEvent) => {
    const d = drag.current;
    drag.current = undefined;
    if (d?.moved) {
      (ev.currentTarget as HTMLElement).releasePointerCapture?.(ev.pointerId);
      world.current?.removeAttribute('pointer-events');
      apply({ ...live.current }, 'now');
    }
  };
  const onKeyDown = (ev: React.KeyboardEvent) => {
    if (ev.target !== host.current) return;
    const step = 80;
    const v = live.current;
    switch (ev.key) {
      case 'ArrowLeft':
        apply({ ...v, x: v.x + step }, 'later');
        break;
      case 'ArrowRight':
        apply({ ...v, x: v.x - step }, 'later');
        break;
      case 'ArrowUp':
        apply({ ...v, y: v.y + step }, 'later');
        break;
      case 'ArrowDown':
        apply({ ...v, y: v.y - step }, 'later');
        break;
      case '+':
      case '=':
        zoomAt(1.25, size.w / 2, size.h / 2, 'later');
        break;
      case '-':
        zoomAt(0.8, size.w / 2, size.h / 2, 'later');
        break;
      case '0':
        fit();
        break;
      case 'Escape':
        onSelect(undefined);
        break;
      default:
        return;
    }
    ev.preventDefault();
  };
  const zoomButton = (factor: number) => (ev: React.MouseEvent) => {
    ev.stopPropagation();
    zoomAt(factor, size.w / 2, size.h / 2, 'now');
  };

  // What is in view (with a margin of half a screen), and how much detail.
  const visible = useMemo(() => {
    const m = 0.5;
    const r: Box = {
      x: (-view.x - size.w * m) / view.k,
      y: (-view.y - size.h * m) / view.k,
      w: (size.w * (1 + 2 * m)) / view.k,
      h: (size.h * (1 + 2 * m)) / view.k,
    };
    const ns = nodes.filter((n) => {
      const b = layout.nodes.get(n.id);
      return b && intersects(b, r);
    });
    const es = edges.filter((e) => {
      const a = layout.nodes.get(e.source);
      const b = layout.nodes.get(e.target);
      if (!a || !b) return false;
      const x = Math.min(a.x, b.x);
      const y = Math.min(a.y, b.y);
      return intersects(
        { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y },
        r,
      );
    });
    return { nodes: ns, edges: es };
  }, [nodes, edges, layout, view, size]);

  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  // After the first paint of a layout: the map is drawn and takes input.
  useEffect(() => {
    if (layout.nodes.size === 0) return;
    const id = requestAnimationFrame(() =>
      performance.mark('porin:map-drawn', { detail: { nodes: layout.nodes.size } }),
    );
    return () => cancelAnimationFrame(id);
  }, [layout]);
  const detail = view.k >= 0.45;
  // Far out on a big map, edges are three paths (one per verdict), not thousands of elements: cheap to pan.
  const overview = !detail && edges.length > 300;
  const merged = useMemo(
    () => (overview ? mergedEdgePaths(edges, layout) : undefined),
    [overview, edges, layout],
  );
  const labels = view.k >= 0.7 && visible.edges.length <= 400;
  const focusable = visible.edges.length + visible.nodes.length <= 2500;
  const selectEdge = useCallback((id: string) => onSelect({ kind: 'edge', id }), [onSelect]);
  const selectNode = useCallback((id: string) => onSelect({ kind: 'node', id }), [onSelect]);

  return (
    <div
      ref={host}
      className="map-canvas"
      role="application"
      aria-roledescription="service map"
      aria-label="Service map: arrow keys pan, + and - zoom, 0 fits; Tab reaches the edges and nodes"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the map takes keys (pan, zoom, fit) once focused
      tabIndex={0}
      onKeyDown={onKeyDown}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onClick={() => onSelect(undefined)}
      data-testid="service-map"
      data-zoom={view.k.toFixed(3)}
    >
      <svg width={size.w} height={size.h}>
        <title>Service map</title>
        <defs>
          {(Object.keys(VERDICT_COLOR) as (keyof typeof VERDICT_COLOR)[]).map((v) => (
            <marker
              key={v}
              id={`arrow-${v}`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerUnits="userSpaceOnUse"
              markerWidth="10"
              markerHeight="10"
              orient="auto-start-reverse"
            >
              <path d="M0,0 L10,5 L0,10 z" fill={VERDICT_COLOR[v]} />
            </marker>
          ))}
        </defs>
        <g ref={world} transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          {layout.islands.map((i) => (
            <g key={i.id} className="island">
              <rect x={i.x} y={i.y} width={i.w} height={i.h} rx={14} />
              <text x={i.x + 16} y={i.y + 22}>
                {i.title}
              </text>
            </g>
          ))}
          {merged
            ? (Object.keys(merged) as (keyof typeof merged)[]).map((v) => (
                <path key={v} className={`edge-line merged ${v}`} d={merged[v]} stroke={VERDICT_COLOR[v]} />
              ))
            : visible.edges.map((e) => (
                <EdgeShape
                  key={e.id}
                  edge={e}
                  a={layout.nodes.get(e.source)!}
                  b={layout.nodes.get(e.target)!}
                  selected={selected === e.id}
                  focusable={focusable}
                  aria={focusable ? edgeAriaLabel(e, byId) : ''}
                  onSelect={selectEdge}
                />
              ))}
          {impact?.map((e) => {
            const a = layout.nodes.get(e.source);
            const b = layout.nodes.get(e.target);
            return a && b ? <ImpactShape key={`${e.source}->${e.target}`} e={e} a={a} b={b} /> : null;
          })}
          {visible.nodes.map((n) => (
            <NodeShape
              key={n.id}
              node={n}
              box={layout.nodes.get(n.id)!}
              selected={selected === n.id}
              detail={detail}
              focusable={focusable}
              onSelect={selectNode}
            />
          ))}
          {!merged &&
            visible.edges
              .filter((e) => labels || selected === e.id)
              .map((e) => (
                <EdgeLabel
                  key={e.id}
                  edge={e}
                  a={layout.nodes.get(e.source)!}
                  b={layout.nodes.get(e.target)!}
                />
              ))}
        </g>
      </svg>
      <div className="map-zoom">
        {overview && <span className="map-hint">zoom in to pick edges</span>}
        <button type="button" onClick={zoomButton(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={zoomButton(0.8)} aria-label="Zoom out">
          −
        </button>
        <button
          type="button"
          onClick={(ev) => {
            ev.stopPropagation();
            fit();
          }}
          aria-label="Fit the map to the window"
        >
          Fit
        </button>
      </div>
    </div>
  );
}
