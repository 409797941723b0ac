// A flow's detail panel: its verdict explained (allow rule, matching deny, or the policies behind default deny), a live trace, every field.
import { useEffect, useState } from 'react';
import { apiPost, describeError } from '../api/client.js';
import type { Flow, TraceResult } from '../api/types.js';
import {
  destinationPort,
  endpointName,
  explainFlow,
  flowPolicies,
  l4Of,
  l7Summary,
  policyRef,
  shortTime,
  tcpFlags,
} from './format.js';

export interface PolicyTarget {
  kind: string;
  namespace?: string;
  name: string;
}

function partySpec(ep: Flow['source'], ip: string | undefined): string | undefined {
  if (ep?.pod_name && ep.namespace) return `${ep.namespace}/${ep.pod_name}`;
  return ip;
}

function VerdictBadge({ verdict }: { verdict: string | undefined }) {
  return (
    <span className={`verdict verdict-${(verdict ?? 'unknown').toLowerCase()}`}>{verdict ?? 'UNKNOWN'}</span>
  );
}

export { VerdictBadge };

function CurrentTrace({ flow }: { flow: Flow }) {
  const [trace, setTrace] = useState<TraceResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const from = partySpec(flow.source, flow.IP?.source);
    const to = partySpec(flow.destination, flow.IP?.destination);
    const l = l4Of(flow);
    setTrace(undefined);
    setError(undefined);
    if (!from || !to || l.dport === undefined) return;
    const ctl = new AbortController();
    apiPost<{ current: TraceResult }>(
      '/api/policy/trace',
      { from, to, port: l.dport, protocol: l.proto },
      ctl.signal,
    )
      .then((r) => setTrace(r.current))
      .catch((e) => {
        if (!ctl.signal.aborted) setError(describeError(e));
      });
    return () => ctl.abort();
  }, [flow]);
  if (error) return <p className="muted">Trace with the current policies: {error}</p>;
  if (!trace) return null;
  const recorded =
    flow.verdict === 'DROPPED' ? 'denied' : flow.verdict === 'FORWARDED' ? 'allowed' : undefined;
  return (
    <section aria-label="Trace with the current policies" className="trace">
      <h4>With the policies in place now: {trace.verdict}</h4>
      {recorded && recorded !== trace.verdict && (
        <p className="warn">The policies changed since this flow was recorded ({recorded} then).</p>
      )}
      <ul>
        {trace.egress.verdict !== 'not-applicable' && (
          <li data-testid="trace-egress">{trace.egress.summary}</li>
        )}
        {trace.ingress.verdict !== 'not-applicable' && (
          <li data-testid="trace-ingress">{trace.ingress.summary}</li>
        )}
        {trace.l7?.map((x) => (
          <li key={`${x.side}-${x.type}`}>{x.summary}</li>
        ))}
      </ul>
    </section>
  );
}

export function FlowDetail({
  flow,
  onClose,
  onOpenPolicy,
}: {
  flow: Flow;
  onClose(): void;
  onOpenPolicy?(p: PolicyTarget): void;
}) {
  const src = endpointName(flow.source, flow.IP?.source);
  const dst = endpointName(flow.destination, flow.IP?.destination);
  const policies = flowPolicies(flow);
  const rows: [string, string][] = [
    ['Time', shortTime(flow.time)],
    ['Verdict', flow.verdict ?? ''],
    ['Drop reason', flow.drop_reason_desc ? `${flow.drop_reason_desc} (${flow.drop_reason ?? ''})` : ''],
    ['Direction', flow.traffic_direction ?? ''],
    ['Reply', flow.is_reply === undefined ? 'unknown' : String(flow.is_reply)],
    [
      'Type',
      `${flow.Type ?? ''} event ${flow.event_type?.type ?? ''}${flow.event_type?.sub_type ? `:${flow.event_type.sub_type}` : ''}`,
    ],
    [
      'Source',
      `${src}${flow.IP?.source ? ` (${flow.IP.source}${l4Of(flow).sport ? `:${l4Of(flow).sport}` : ''})` : ''}`,
    ],
    ['Source identity', `${flow.source?.identity ?? ''}`],
    ['Source labels', (flow.source?.labels ?? []).join(' ')],
    ['Destination', `${dst}${flow.IP?.destination ? ` (${flow.IP.destination})` : ''}`],
    ['Destination port', destinationPort(flow)],
    ['Destination identity', `${flow.destination?.identity ?? ''}`],
    ['Destination labels', (flow.destination?.labels ?? []).join(' ')],
    ['TCP flags', tcpFlags(flow)],
    ['L7', l7Summary(flow)],
    ['Node', flow.node_name ?? ''],
    ['Summary', flow.Summary ?? ''],
    ['UUID', flow.uuid ?? ''],
  ];
  return (
    <aside className="detail-panel" aria-label="Flow details" data-testid="flow-detail">
      <header>
        <h3>
          <VerdictBadge verdict={flow.verdict} /> {src} → {dst} {destinationPort(flow)}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close the flow details">
          ×
        </button>
      </header>
      <section aria-label="Verdict explanation">
        <h4>Why</h4>
        <p data-testid="flow-explanation">{explainFlow(flow)}</p>
        {policies.length > 0 && (
          <ul className="policy-list">
            {policies.map((p) => (
              <li key={`${p.how}-${p.side}-${policyRef(p.policy)}`}>
                <span className="muted">
                  {p.side} {p.how}
                </span>{' '}
                {onOpenPolicy && p.policy.name ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() =>
                      onOpenPolicy({
                        kind: p.policy.kind ?? 'CiliumNetworkPolicy',
                        name: p.policy.name ?? '',
                        ...(p.policy.namespace ? { namespace: p.policy.namespace } : {}),
                      })
                    }
                  >
                    {policyRef(p.policy)}
                  </button>
                ) : (
                  policyRef(p.policy)
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <CurrentTrace flow={flow} />
      <table className="fields">
        <tbody>
          {rows
            .filter(([, v]) => v !== '')
            .map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{v}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <details>
        <summary>JSON</summary>
        <pre>{JSON.stringify(flow, null, 2)}</pre>
      </details>
    </aside>
  );
}
