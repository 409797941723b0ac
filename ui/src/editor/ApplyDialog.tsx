// Apply with a confirmation: the diff between what the cluster holds and the editor's YAML, then the agent's all-or-nothing apply.
import { useEffect, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { ApiFailure, apiGet, apiPost, describeError } from '../api/client.js';
import type { KubeObject } from '../api/types.js';
import { lineDiff } from './line-diff.js';

/** The fields the store adds (resourceVersion, uid, timestamps, status) are not part of what the user wrote. */
function comparable(o: KubeObject): unknown {
  const {
    resourceVersion: _r,
    uid: _u,
    creationTimestamp: _c,
    generation: _g,
    ...meta
  } = o.metadata as Record<string, unknown>;
  const { status: _s, ...rest } = o as unknown as Record<string, unknown>;
  return { ...rest, metadata: meta };
}

export function ApplyDialog({
  object,
  onClose,
  onApplied,
}: {
  object: Record<string, unknown>;
  onClose(): void;
  onApplied(message: string): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [current, setCurrent] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const meta = object.metadata as { name: string; namespace?: string };
  const kind = String(object.kind);
  useEffect(() => {
    dialog.current?.showModal();
    const ns = kind === 'CiliumClusterwideNetworkPolicy' ? '_' : (meta.namespace ?? 'default');
    apiGet<KubeObject>(
      `/api/objects/${encodeURIComponent(kind)}/${encodeURIComponent(ns)}/${encodeURIComponent(meta.name)}`,
    )
      .then((o) => setCurrent(stringify(comparable(o))))
      .catch((e) =>
        setCurrent(
          e instanceof ApiFailure && e.status === 404
            ? ''
            : `# could not read the current object: ${describeError(e)}\n`,
        ),
      );
  }, [kind, meta.name, meta.namespace]);
  const next = stringify(object);
  const diff = current === undefined ? [] : lineDiff(current, next);
  const apply = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await apiPost<{ results: { result?: string; object?: KubeObject }[] }>('/api/apply', {
        objects: [object],
      });
      const action = r.results[0]?.result ?? 'applied';
      onApplied(`${kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name} ${action}`);
      dialog.current?.close();
    } catch (e) {
      const issues =
        (e instanceof ApiFailure
          ? (e.details as { issues?: { path?: string; message: string }[] } | undefined)?.issues
          : undefined) ?? [];
      setError([describeError(e), ...issues.map((i) => `${i.path ?? ''}: ${i.message}`)].join('\n'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={dialog}
      className="apply-dialog"
      aria-labelledby="apply-title"
      onClose={onClose}
      data-testid="apply-dialog"
    >
      <h2 id="apply-title">
        Apply {kind} {meta.namespace ? `${meta.namespace}/` : ''}
        {meta.name}?
      </h2>
      {current === undefined ? (
        <p className="muted">Reading the cluster's copy…</p>
      ) : current === '' ? (
        <p>This creates a new object:</p>
      ) : (
        <p>Changes against the cluster's copy:</p>
      )}
      <pre className="diff">
        {diff.map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: diff lines have no identity but their position
          <span key={i} className={l.op === '+' ? 'add' : l.op === '-' ? 'del' : ''}>
            {l.op} {l.text}
            {'\n'}
          </span>
        ))}
      </pre>
      {current !== undefined && current !== '' && diff.every((l) => l.op === ' ') && (
        <p className="muted">No change.</p>
      )}
      {error && (
        <pre className="error" role="alert">
          {error}
        </pre>
      )}
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => void apply()}
          disabled={busy || current === undefined}
        >
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
