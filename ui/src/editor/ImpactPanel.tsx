// Impact preview: recorded connections (a chosen window of the durable store) whose verdict the edited policy changes, per edge and one by one.
import { useState } from 'react';
import { apiPost, describeError } from '../api/client.js';
import type { ImpactResponse } from '../api/types.js';
import { TIME_RANGES } from '../map/ServiceMap.js';

export function ImpactPanel({
  policy,
  impact,
  onImpact,
  onShowOnMap,
}: {
  policy: Record<string, unknown> | undefined;
  impact: ImpactResponse | undefined;
  onImpact(r: ImpactResponse | undefined): void;
  onShowOnMap(): void;
}) {
  const [since, setSince] = useState('1h');
  const [remove, setRemove] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = async () => {
    if (!policy) return;
    setBusy(true);
    setError(undefined);
    try {
      onImpact(await apiPost<ImpactResponse>('/api/policy/impact', { policy, since, remove }));
    } catch (e) {
      setError(describeError(e));
      onImpact(undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="impact" aria-label="Impact preview">
      <div className="row">
        <label>
          Recorded flows from{' '}
          <select value={since} onChange={(e) => setSince(e.target.value)}>
            {TIME_RANGES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={remove} onChange={(e) => setRemove(e.target.checked)} /> preview
          deleting this policy
        </label>
        <button type="button" onClick={() => void run()} disabled={!policy || busy}>
          {busy ? 'Evaluating…' : 'Preview impact'}
        </button>
        {impact && (
          <button type="button" onClick={onShowOnMap}>
            Show on the map
          </button>
        )}
      </div>
      {!policy && <p className="muted">Fix the errors first: the preview needs a valid policy.</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {impact && (
        <div data-testid="impact-result">
          <p role="status">
            {impact.policy}: <strong data-testid="impact-drops">{impact.newDrops} new drops</strong>,{' '}
            <strong data-testid="impact-allows">{impact.newAllows} new allows</strong> among {impact.flows}{' '}
            recorded flows ({impact.evaluated} distinct connections evaluated twice in {impact.elapsedMs} ms)
            {impact.unknown > 0 ? `; ${impact.unknown} flows of pods that no longer exist were skipped` : ''}.
          </p>
          {impact.changes.length > 0 && (
            <table className="changes">
              <caption>
                Connections whose verdict changes
                {impact.truncated ? ' (the busiest; counts above cover all)' : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Port</th>
                  <th scope="col">Flows</th>
                  <th scope="col">Change</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {impact.changes.map((c) => (
                  <tr
                    key={`${c.from}|${c.to}|${c.port}|${c.protocol}`}
                    className={c.after === 'denied' ? 'new-drop' : 'new-allow'}
                    data-testid="impact-change"
                  >
                    <td>{c.from}</td>
                    <td>{c.to}</td>
                    <td>
                      {c.port}/{c.protocol}
                    </td>
                    <td>{c.count}</td>
                    <td className={`change ${c.after === 'denied' ? 'drop' : 'allow'}`}>
                      {c.after === 'denied'
                        ? 'new drop'
                        : c.before === 'denied'
                          ? 'new allow'
                          : `${c.before} → ${c.after}`}
                    </td>
                    <td>{c.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
