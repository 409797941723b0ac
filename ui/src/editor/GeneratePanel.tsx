// Generate from traffic: a least-privilege policy for a workload, from its recorded connections, loaded into the editor.
import { useEffect, useState } from 'react';
import { apiGet, apiPost, describeError } from '../api/client.js';
import type { GenerateResponse, GraphResponse } from '../api/types.js';
import { TIME_RANGES } from '../map/ServiceMap.js';

export function GeneratePanel({
  initialTarget,
  onGenerated,
}: {
  initialTarget?: string | undefined;
  onGenerated(yaml: string, notes: string[]): void;
}) {
  const [targets, setTargets] = useState<{ id: string; label: string }[]>([]);
  const [target, setTarget] = useState(initialTarget ?? '');
  const [kind, setKind] = useState('CiliumNetworkPolicy');
  const [since, setSince] = useState('');
  const [ingress, setIngress] = useState(true);
  const [egress, setEgress] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [notes, setNotes] = useState<string[]>([]);
  useEffect(() => {
    apiGet<GraphResponse>(`/api/graph?group=workload${since ? `&since=${since}` : ''}`)
      .then((g) => {
        const list = g.nodes
          .filter((n) => n.kind === 'workload' || n.kind === 'label' || n.kind === 'pod')
          .map((n) => ({ id: n.id, label: `${n.namespace}/${n.name}` }));
        setTargets(list);
        setTarget((t) => t || list[0]?.id || '');
      })
      .catch((e) => setError(describeError(e)));
  }, [since]);
  useEffect(() => {
    if (initialTarget) setTarget(initialTarget);
  }, [initialTarget]);
  const run = async () => {
    setError(undefined);
    try {
      const directions = [...(ingress ? ['ingress'] : []), ...(egress ? ['egress'] : [])];
      const r = await apiPost<GenerateResponse>('/api/policy/generate', { target, kind, since, directions });
      setNotes(r.notes);
      onGenerated(r.yaml, r.notes);
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <section className="generate" aria-label="Generate a policy from traffic">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label>
          Workload{' '}
          <select value={target} onChange={(e) => setTarget(e.target.value)}>
            {targets.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="CiliumNetworkPolicy">CiliumNetworkPolicy</option>
            <option value="NetworkPolicy">NetworkPolicy</option>
          </select>
        </label>
        <label>
          From{' '}
          <select value={since} onChange={(e) => setSince(e.target.value)}>
            {TIME_RANGES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={ingress} onChange={(e) => setIngress(e.target.checked)} /> ingress
        </label>
        <label>
          <input type="checkbox" checked={egress} onChange={(e) => setEgress(e.target.checked)} /> egress
        </label>
        <button type="submit" disabled={!target || (!ingress && !egress)}>
          Generate
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notes.length > 0 && (
        <ul className="notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
