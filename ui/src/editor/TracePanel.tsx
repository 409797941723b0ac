// Trace one connection from the editor: its verdict with the policies in place, and with the edited policy.
import { useId, useState } from 'react';
import { apiPost, describeError } from '../api/client.js';
import type { TraceResult } from '../api/types.js';
import { useCluster } from '../common/cluster-state.js';

function Result({ title, t }: { title: string; t: TraceResult }) {
  return (
    <div className={`trace-result ${t.verdict}`}>
      <h4>
        {title}:{' '}
        <span className={`verdict verdict-${t.verdict === 'allowed' ? 'forwarded' : 'dropped'}`}>
          {t.verdict}
        </span>
      </h4>
      <ul>
        {t.egress.verdict !== 'not-applicable' && <li>{t.egress.summary}</li>}
        {t.ingress.verdict !== 'not-applicable' && <li>{t.ingress.summary}</li>}
        {t.l7?.map((x) => (
          <li key={`${x.side}${x.type}`}>{x.summary}</li>
        ))}
      </ul>
    </div>
  );
}

export function TracePanel({ policy }: { policy: Record<string, unknown> | undefined }) {
  const cluster = useCluster();
  const id = useId();
  const [from, setFrom] = useState('default/xwing');
  const [to, setTo] = useState('');
  const [port, setPort] = useState('80/TCP');
  const [method, setMethod] = useState('');
  const [path, setPath] = useState('');
  const [result, setResult] = useState<{ current: TraceResult; edited?: TraceResult } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const pods = [...cluster.objects.values()]
    .filter((o) => o.kind === 'Pod')
    .map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`);
  const run = async () => {
    setError(undefined);
    const m = /^(\d+)(?:\/(\w+))?$/.exec(port.trim());
    if (!m) {
      setError('port is PORT[/PROTOCOL], e.g. 80/TCP');
      return;
    }
    try {
      setResult(
        await apiPost('/api/policy/trace', {
          from,
          to,
          port: Number(m[1]),
          protocol: m[2] ?? 'TCP',
          ...(method || path ? { http: { ...(method ? { method } : {}), ...(path ? { path } : {}) } } : {}),
          ...(policy ? { policy } : {}),
        }),
      );
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <section className="trace-panel" aria-label="Trace a connection">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <datalist id={`${id}-pods`}>
          {pods.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <label>
          From{' '}
          <input
            list={`${id}-pods`}
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            placeholder="namespace/pod or IP"
          />
        </label>
        <label>
          To{' '}
          <input
            list={`${id}-pods`}
            value={to}
            onChange={(e) => setTo(e.target.value)}
            placeholder="namespace/pod, IP or DNS name"
          />
        </label>
        <label>
          Port <input value={port} onChange={(e) => setPort(e.target.value)} size={8} />
        </label>
        <label>
          HTTP method{' '}
          <input value={method} onChange={(e) => setMethod(e.target.value)} size={6} placeholder="GET" />
        </label>
        <label>
          HTTP path{' '}
          <input value={path} onChange={(e) => setPath(e.target.value)} size={16} placeholder="/v1/…" />
        </label>
        <button type="submit" disabled={!from || !to}>
          Trace
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div className="trace-results" data-testid="trace-result">
          <Result title="With the policies in place" t={result.current} />
          {result.edited ? (
            <Result title="With the edited policy" t={result.edited} />
          ) : (
            <p className="muted">The edited policy is not valid: only the current verdict.</p>
          )}
        </div>
      )}
    </section>
  );
}
