// The app shell: navigation between the map, the flows and the editor, the agent's status, and what the views share.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { apiGet } from './api/client.js';
import type { Flow, GraphNode, ImpactResponse, StatusResponse } from './api/types.js';
import { ClusterContext, objectKey, useClusterObjects } from './common/cluster-state.js';
import { NEW_CILIUM } from './editor/templates.js';
import type { Chip } from './flows/FilterBar.js';
import type { PolicyTarget } from './flows/FlowDetail.js';
import { type FlowFilterState, FlowsView } from './flows/FlowsView.js';
import { ServiceMap } from './map/ServiceMap.js';

// The editor (CodeMirror, the YAML library) loads when first opened: the map does not wait for it.
const PolicyEditor = lazy(() =>
  import('./editor/PolicyEditor.js').then((m) => ({ default: m.PolicyEditor })),
);

type Route = 'map' | 'flows' | 'policy';
const ROUTES: [Route, string][] = [
  ['map', 'Service map'],
  ['flows', 'Flows'],
  ['policy', 'Policy editor'],
];

function routeOf(path: string): Route {
  const r = path.replace(/^\//, '');
  return r === 'flows' || r === 'policy' ? r : 'map';
}

function chipsOfNode(n: GraphNode): Chip[] {
  const c: Chip[] = [];
  const side = 'either' as const;
  for (const v of n.match.workload ?? [])
    c.push({
      negate: false,
      side,
      kind: 'workload',
      value: v.kind ? `${v.kind}/${v.name ?? ''}` : (v.name ?? ''),
    });
  for (const v of n.match.label ?? []) c.push({ negate: false, side, kind: 'label', value: v });
  if (n.kind === 'pod')
    for (const v of n.match.pod ?? []) c.push({ negate: false, side, kind: 'pod', value: v });
  else if (n.namespace && (n.match.workload || n.match.label))
    c.push({ negate: false, side, kind: 'namespace', value: n.namespace });
  for (const v of n.match.identity ?? []) c.push({ negate: false, side, kind: 'identity', value: String(v) });
  for (const v of n.match.ip ?? []) c.push({ negate: false, side, kind: 'ip', value: v });
  return c;
}

export function App() {
  const cluster = useClusterObjects();
  const [route, setRoute] = useState<Route>(routeOf(location.pathname));
  const [status, setStatus] = useState<StatusResponse | undefined>();
  const [impact, setImpact] = useState<ImpactResponse | undefined>();
  const [text, setText] = useState(NEW_CILIUM);
  const [flowFilter, setFlowFilter] = useState<FlowFilterState>({ chips: [], verdict: '', httpStatus: '' });
  const [flow, setFlow] = useState<Flow | undefined>();
  const [generateTarget, setGenerateTarget] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const go = useCallback((r: Route) => {
    setRoute(r);
    if (location.pathname !== `/${r}`) history.pushState(null, '', `/${r}`);
  }, []);
  useEffect(() => {
    const onPop = () => setRoute(routeOf(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    const poll = () =>
      apiGet<StatusResponse>('/api/status')
        .then(setStatus)
        .catch(() => setStatus(undefined));
    void poll();
    const t = window.setInterval(poll, 5000);
    return () => window.clearInterval(t);
  }, []);
  useEffect(() => {
    if (!notice) return;
    const t = window.setTimeout(() => setNotice(undefined), 8000);
    return () => window.clearTimeout(t);
  }, [notice]);

  const openPolicy = (p: PolicyTarget) => {
    const o = cluster.objects.get(
      objectKey({
        kind: p.kind,
        metadata: { name: p.name, ...(p.namespace ? { namespace: p.namespace } : {}) },
      }),
    );
    if (o) {
      void import('./editor/editable-yaml.js').then((m) => {
        setText(m.editableYaml(o));
        go('policy');
      });
    } else
      setNotice(`${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name} is not in the cluster any more`);
  };

  return (
    <ClusterContext.Provider value={cluster}>
      <a className="skip" href="#main">
        Skip to the content
      </a>
      <header className="app-header">
        <h1>
          <span className="logo" aria-hidden="true">
            ◎
          </span>{' '}
          Porin
        </h1>
        <nav aria-label="Views">
          {ROUTES.map(([r, label]) => (
            <a
              key={r}
              href={`/${r}`}
              aria-current={route === r ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                go(r);
              }}
            >
              {label}
            </a>
          ))}
        </nav>
        <div className="status" role="status" aria-live="polite" data-testid="agent-status">
          {status?.agent ? (
            <>
              <span className="dot ok" aria-hidden="true" /> agent on {status.status?.node ?? 'node'} ·{' '}
              {status.flows?.seen_flows ?? 0} flows seen
              {status.flows?.store ? ` · ${status.flows.store.rows} stored` : ''}
            </>
          ) : (
            <>
              <span className="dot bad" aria-hidden="true" />{' '}
              {status?.error?.message ?? 'the UI server is not reachable'}
            </>
          )}
        </div>
      </header>
      {notice && (
        <div className="notice" role="status">
          {notice}{' '}
          <button type="button" onClick={() => setNotice(undefined)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <main id="main">
        {route === 'map' && (
          <ServiceMap
            impact={impact}
            onClearImpact={() => setImpact(undefined)}
            onOpenFlow={(f) => {
              setFlow(f);
              go('flows');
            }}
            onShowFlows={(n) => {
              setFlowFilter({ chips: chipsOfNode(n), verdict: '', httpStatus: '' });
              go('flows');
            }}
            onGenerate={(n) => {
              setGenerateTarget(n.id);
              go('policy');
            }}
          />
        )}
        {route === 'flows' && (
          <FlowsView
            filter={flowFilter}
            onFilter={setFlowFilter}
            selected={flow}
            onSelect={setFlow}
            onOpenPolicy={openPolicy}
          />
        )}
        {route === 'policy' && (
          <Suspense fallback={<p className="muted">Loading the editor…</p>}>
            <PolicyEditor
              text={text}
              onText={setText}
              impact={impact}
              onImpact={setImpact}
              onShowImpactOnMap={() => go('map')}
              generateTarget={generateTarget}
              notify={setNotice}
            />
          </Suspense>
        )}
      </main>
    </ClusterContext.Provider>
  );
}
