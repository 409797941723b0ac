// The flows view: live (history, then new flows over SSE) or a time range from the durable store, filtered by the agent with observe's filter.
import { useEffect, useMemo, useRef, useState } from 'react';
import { apiPost, describeError, openEvents } from '../api/client.js';
import type { Flow, FlowsResponse } from '../api/types.js';
import { type Chip, chipFlags, FilterBar } from './FilterBar.js';
import { FlowDetail, type PolicyTarget } from './FlowDetail.js';
import { COLUMNS, FlowTable } from './FlowTable.js';

const MAX_ROWS = 5000;

export interface FlowFilterState {
  chips: Chip[];
  verdict: string;
  httpStatus: string;
}

export function FlowsView({
  filter,
  onFilter,
  selected,
  onSelect,
  onOpenPolicy,
}: {
  filter: FlowFilterState;
  onFilter(f: FlowFilterState): void;
  selected?: Flow | undefined;
  onSelect(f: Flow | undefined): void;
  onOpenPolicy(p: PolicyTarget): void;
}) {
  const [mode, setMode] = useState<'live' | 'history'>('live');
  const [since, setSince] = useState('1h');
  const [until, setUntil] = useState('');
  const [flows, setFlows] = useState<Flow[]>([]);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [lost, setLost] = useState(0);
  const [columns, setColumns] = useState(COLUMNS);
  const flags = useMemo(() => chipFlags(filter.chips, filter.verdict, filter.httpStatus), [filter]);
  const [debounced, setDebounced] = useState(flags);
  useEffect(() => {
    const t = window.setTimeout(() => setDebounced(flags), 300);
    return () => window.clearTimeout(t);
  }, [flags]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    setFlows([]);
    setError(undefined);
    setLost(0);
    if (mode === 'history') {
      const ctl = new AbortController();
      apiPost<{ items: FlowsResponse[] }>(
        '/api/flows',
        { flags: debounced, number: 2000, since, until },
        ctl.signal,
      )
        .then((r) => setFlows(r.items.flatMap((i) => ('flow' in i ? [i.flow] : [])).reverse()))
        .catch((e) => {
          if (!ctl.signal.aborted) setError(describeError(e));
        });
      return () => ctl.abort();
    }
    const q = new URLSearchParams({ flags: JSON.stringify(debounced), last: '200' });
    let buffer: Flow[] = [];
    let timer: number | undefined;
    let closed = false;
    const commit = () => {
      timer = undefined;
      // A stream replaced by another (new filters) must not add what it still held.
      if (closed || pausedRef.current || buffer.length === 0) return;
      const incoming = buffer.reverse();
      buffer = [];
      setFlows((old) => [...incoming, ...old].slice(0, MAX_ROWS));
    };
    const close = openEvents(`/api/flows/stream?${q}`, {
      ready: () => setError(undefined),
      flows: (data) => {
        for (const r of data as FlowsResponse[]) {
          if ('flow' in r) buffer.push(r.flow);
          else setLost((n) => n + Number(r.lost_events.num_events_lost));
        }
        if (buffer.length > MAX_ROWS) buffer = buffer.slice(-MAX_ROWS);
        timer ??= window.setTimeout(commit, 250);
      },
      dropped: (n) => setLost((x) => x + Number(n)),
      failure: (e) => setError((e as { message?: string }).message ?? 'the flow stream failed'),
    });
    return () => {
      closed = true;
      if (timer !== undefined) window.clearTimeout(timer);
      close();
    };
  }, [mode, debounced, since, until]);

  return (
    <div className="view flows-view">
      <FilterBar
        chips={filter.chips}
        verdict={filter.verdict}
        httpStatus={filter.httpStatus}
        onChange={(n) => onFilter({ ...filter, ...n })}
      />
      <div className="toolbar" role="toolbar" aria-label="Flow controls">
        <fieldset className="segmented">
          <legend className="sr-only">Source of flows</legend>
          <label>
            <input type="radio" name="flow-mode" checked={mode === 'live'} onChange={() => setMode('live')} />{' '}
            Live
          </label>
          <label>
            <input
              type="radio"
              name="flow-mode"
              checked={mode === 'history'}
              onChange={() => setMode('history')}
            />{' '}
            History
          </label>
        </fieldset>
        {mode === 'live' ? (
          <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        ) : (
          <>
            <label>
              Since{' '}
              <input
                value={since}
                onChange={(e) => setSince(e.target.value)}
                size={22}
                placeholder="1h or 2024-05-04T13:00:00Z"
              />
            </label>
            <label>
              Until{' '}
              <input value={until} onChange={(e) => setUntil(e.target.value)} size={22} placeholder="now" />
            </label>
          </>
        )}
        <details className="columns">
          <summary>Columns</summary>
          <fieldset>
            <legend className="sr-only">Shown columns</legend>
            {columns.map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  checked={c.shown}
                  onChange={() =>
                    setColumns(columns.map((x) => (x.id === c.id ? { ...x, shown: !x.shown } : x)))
                  }
                />
                {c.title}
              </label>
            ))}
          </fieldset>
        </details>
        <span className="muted" data-testid="flow-count" aria-live="polite">
          {flows.length} flow{flows.length === 1 ? '' : 's'}
          {lost > 0 ? `, ${lost} lost` : ''}
        </span>
        <code className="muted flags" title="The same filter as porin observe">
          porin observe{' '}
          {debounced
            .map((f) =>
              f[1] === undefined ? `--${f[0]}` : `--${f[0]} ${/\s/.test(f[1]) ? JSON.stringify(f[1]) : f[1]}`,
            )
            .join(' ')}
        </code>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="flows-body">
        <FlowTable flows={flows} columns={columns} selected={selected?.uuid} onSelect={onSelect} />
        {selected && (
          <FlowDetail flow={selected} onClose={() => onSelect(undefined)} onOpenPolicy={onOpenPolicy} />
        )}
      </div>
    </div>
  );
}
