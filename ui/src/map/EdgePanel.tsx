// The panel of a selected edge: its links (port, protocol, verdict, count, policies), L7 requests, and its recent flows.
import { useEffect, useState } from 'react';
import { apiPost, describeError } from '../api/client.js';
import type { Flow, FlowsResponse, GraphEdge, GraphNode } from '../api/types.js';
import { VerdictBadge } from '../flows/FlowDetail.js';
import { destinationPort, endpointName, policyNames, shortTime } from '../flows/format.js';
import { matchFlags } from './node-flags.js';

export function EdgePanel({
  edge,
  source,
  target,
  onClose,
  onOpenFlow,
}: {
  edge: GraphEdge;
  source?: GraphNode;
  target?: GraphNode;
  onClose(): void;
  onOpenFlow(f: Flow): void;
}) {
  const [flows, setFlows] = useState<Flow[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setFlows(undefined);
    setError(undefined);
    if (!source || !target) return;
    const ctl = new AbortController();
    const flags = [
      ...matchFlags(source.match, 'from'),
      ...matchFlags(target.match, 'to'),
      ['type', 'policy-verdict'],
    ];
    apiPost<{ items: FlowsResponse[] }>('/api/flows', { flags, number: 100 }, ctl.signal)
      .then((r) => setFlows(r.items.flatMap((i) => ('flow' in i ? [i.flow] : [])).reverse()))
      .catch((e) => {
        if (!ctl.signal.aborted) setError(describeError(e));
      });
    return () => ctl.abort();
  }, [source, target]);
  return (
    <aside className="detail-panel" aria-label="Edge details" data-testid="edge-panel">
      <header>
        <h3>
          {source?.name ?? edge.source} → {target?.name ?? edge.target}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close the edge details">
          ×
        </button>
      </header>
      <table className="links">
        <caption>Connections by port and verdict</caption>
        <thead>
          <tr>
            <th scope="col">Port</th>
            <th scope="col">Verdict</th>
            <th scope="col">Count</th>
            <th scope="col">Policies</th>
          </tr>
        </thead>
        <tbody>
          {edge.links.map((l) => (
            <tr key={`${l.port}/${l.protocol}/${l.verdict}`} data-verdict={l.verdict}>
              <td>{l.port ? `${l.port}/${l.protocol}` : l.protocol}</td>
              <td>
                <VerdictBadge verdict={l.verdict.toUpperCase()} />
              </td>
              <td>{l.count}</td>
              <td>
                {l.policies
                  .map(
                    (p) =>
                      `${p.how === 'default-deny' ? 'default deny: ' : p.how === 'denied' ? 'deny: ' : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}`,
                  )
                  .join(', ') ||
                  (l.dropReason ?? '—')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {edge.l7.length > 0 && (
        <>
          <h4>L7 requests</h4>
          <ul className="l7-list">
            {edge.l7.map((s) => (
              <li key={`${s.verdict}-${s.label}`}>
                <VerdictBadge verdict={s.verdict.toUpperCase()} /> {s.label} × {s.count}
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>Recent flows</h4>
      {error && <p className="error">{error}</p>}
      {!flows && !error && <p className="muted">Loading…</p>}
      {flows && flows.length === 0 && (
        <p className="muted">No policy-verdict flows recorded for this edge.</p>
      )}
      {flows && flows.length > 0 && (
        <ul className="mini-flows">
          {flows.map((f) => (
            <li key={f.uuid}>
              <button type="button" className="link" onClick={() => onOpenFlow(f)}>
                <VerdictBadge verdict={f.verdict} /> {shortTime(f.time)}{' '}
                {endpointName(f.source, f.IP?.source)} → {endpointName(f.destination, f.IP?.destination)}{' '}
                {destinationPort(f)} {f.traffic_direction?.toLowerCase()} {policyNames(f)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
