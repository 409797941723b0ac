// The visual side of the editor (the network-policy-editor model): selected pods in the middle, ingress left, egress right, peers in zones.
import { useId, useState } from 'react';
import type { SelectedEndpoint } from '../api/types.js';
import type { NewPeer } from './policy-edits.js';
import type { Dir, VisualDirection, VisualPeer, VisualPolicy, VisualRule, Zone } from './visual-model.js';

const ZONES: [Zone, string][] = [
  ['namespace', 'In namespace'],
  ['cluster', 'In cluster'],
  ['outside', 'Outside cluster'],
];

export interface VisualActions {
  addPeer(dir: Dir, p: NewPeer): void;
  removePeer(rule: VisualRule, peer: VisualPeer): void;
  removeRule(rule: VisualRule): void;
  setDefaultDeny(dir: Dir, on: boolean): void;
  allowKubeDns(): void;
  allowSameNamespace(): void;
  setSelector(labels: string): void;
}

function AddPeerForm({
  dir,
  zone,
  cilium,
  onAdd,
  onCancel,
}: {
  dir: Dir;
  zone: Zone;
  cilium: boolean;
  onAdd(p: NewPeer): void;
  onCancel(): void;
}) {
  const id = useId();
  const [labels, setLabels] = useState('');
  const [namespace, setNamespace] = useState('');
  const [target, setTarget] = useState('');
  const [ports, setPorts] = useState('');
  const what = dir === 'ingress' ? 'source' : 'destination';
  return (
    <form
      className="add-peer"
      aria-label={`Add a ${what} ${zone === 'namespace' ? 'in this namespace' : zone === 'cluster' ? 'in the cluster' : 'outside the cluster'}`}
      onSubmit={(e) => {
        e.preventDefault();
        onAdd({ zone, labels, namespace, target, ports });
      }}
    >
      {zone === 'cluster' && (
        <label htmlFor={`${id}-ns`}>
          Namespace
          <input
            id={`${id}-ns`}
            value={namespace}
            onChange={(e) => setNamespace(e.target.value)}
            placeholder="empty: every namespace"
          />
        </label>
      )}
      {zone !== 'outside' ? (
        <label htmlFor={`${id}-labels`}>
          Pod labels
          <input
            id={`${id}-labels`}
            value={labels}
            onChange={(e) => setLabels(e.target.value)}
            placeholder="app=web (empty: all pods)"
          />
        </label>
      ) : (
        <label htmlFor={`${id}-target`}>
          {cilium ? (dir === 'egress' ? 'CIDR, DNS name or world' : 'CIDR or world') : 'CIDR'}
          <input
            id={`${id}-target`}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder={cilium ? '203.0.113.0/24' : '203.0.113.0/24'}
          />
        </label>
      )}
      <label htmlFor={`${id}-ports`}>
        Ports
        <input
          id={`${id}-ports`}
          value={ports}
          onChange={(e) => setPorts(e.target.value)}
          placeholder="80/TCP (empty: every port)"
        />
      </label>
      <div className="row">
        <button type="submit">Add</button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DirectionColumn({ v, d, actions }: { v: VisualPolicy; d: VisualDirection; actions: VisualActions }) {
  const [adding, setAdding] = useState<Zone | undefined>();
  const title = d.dir === 'ingress' ? 'Ingress' : 'Egress';
  const toggleId = useId();
  return (
    <section className={`direction ${d.dir}`} aria-label={`${title} rules`}>
      <header>
        <h3>{title}</h3>
        <label className="toggle" htmlFor={toggleId}>
          <input
            id={toggleId}
            type="checkbox"
            checked={d.defaultDeny}
            disabled={d.defaultDeny && d.locked !== undefined}
            onChange={(e) => actions.setDefaultDeny(d.dir, e.target.checked)}
            {...(d.locked ? { 'aria-describedby': `${toggleId}-why` } : {})}
          />
          Default deny {d.dir}
        </label>
        {d.locked && d.defaultDeny && (
          <span id={`${toggleId}-why`} className="hint">
            {d.locked}
          </span>
        )}
      </header>
      {!d.defaultDeny && d.rules.length === 0 && (
        <p className="muted">
          Not isolated: every {d.dir === 'ingress' ? 'source' : 'destination'} is allowed.
        </p>
      )}
      {d.defaultDeny && d.rules.length === 0 && <p className="muted">Everything denied: add peers below.</p>}
      {ZONES.map(([zone, label]) => {
        const items = d.rules.flatMap((r) => r.peers.filter((p) => p.zone === zone).map((p) => ({ r, p })));
        return (
          <fieldset key={zone} className={`zone zone-${zone}`}>
            <legend>
              <span className="sr-only">{title}: </span>
              {label}
            </legend>
            <ul>
              {items.map(({ r, p }) => (
                <li
                  key={JSON.stringify(p.path)}
                  className={`peer${r.deny ? ' deny' : ''}`}
                  data-testid="peer"
                >
                  <span>
                    {r.deny && <strong>deny </strong>}
                    {p.text}
                  </span>
                  <span className="ports">{r.ports.join(', ')}</span>
                  <button
                    type="button"
                    aria-label={`Remove ${d.dir} peer ${p.text}`}
                    onClick={() => actions.removePeer(r, p)}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
            {adding === zone ? (
              <AddPeerForm
                dir={d.dir}
                zone={zone}
                cilium={v.kind !== 'NetworkPolicy'}
                onAdd={(p) => {
                  actions.addPeer(d.dir, p);
                  setAdding(undefined);
                }}
                onCancel={() => setAdding(undefined)}
              />
            ) : (
              <button
                type="button"
                className="add"
                onClick={() => setAdding(zone)}
                aria-label={`Add ${d.dir} peer: ${label.toLowerCase()}`}
              >
                +
              </button>
            )}
          </fieldset>
        );
      })}
      {d.rules
        .filter((r) => r.peers.length === 0)
        .map((r) => (
          <div
            key={JSON.stringify(r.path)}
            className={`peer anyone${r.deny ? ' deny' : ''}`}
            data-testid="peer"
          >
            <span>
              {r.deny && <strong>deny </strong>}
              {r.anyone}
            </span>
            <span className="ports">{r.ports.join(', ')}</span>
            <button
              type="button"
              aria-label={`Remove ${d.dir} rule allowing ${r.anyone}`}
              onClick={() => actions.removeRule(r)}
            >
              ×
            </button>
          </div>
        ))}
    </section>
  );
}

export function VisualPolicyView({
  v,
  selected,
  actions,
}: {
  v: VisualPolicy;
  selected?: SelectedEndpoint[] | undefined;
  actions: VisualActions;
}) {
  const [editing, setEditing] = useState(false);
  const [labels, setLabels] = useState('');
  const id = useId();
  return (
    <div className="visual" data-testid="visual-editor">
      <DirectionColumn v={v} d={v.ingress} actions={actions} />
      <section className="subject" aria-label="Selected pods">
        <h3 className="subject-title">
          {v.kind === 'CiliumClusterwideNetworkPolicy'
            ? 'Selected endpoints (all namespaces)'
            : `Selected pods in ${v.namespace}`}
        </h3>
        <p className="selector">
          {v.selector.length ? (
            v.selector.map((s) => <code key={s}>{s}</code>)
          ) : (
            <em>every pod{v.namespace ? ' of the namespace' : ''}</em>
          )}
        </p>
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              actions.setSelector(labels);
              setEditing(false);
            }}
          >
            <label htmlFor={`${id}-sel`}>Pod labels</label>
            <input
              id={`${id}-sel`}
              value={labels}
              onChange={(e) => setLabels(e.target.value)}
              placeholder="app=web, tier=db"
            />
            <button type="submit">Set</button>
          </form>
        ) : (
          <button
            type="button"
            onClick={() => {
              setLabels(v.selector.filter((s) => s.includes('=')).join(', '));
              setEditing(true);
            }}
          >
            Edit selector
          </button>
        )}
        {selected && (
          <>
            <p className="muted" data-testid="selected-count">
              {selected.length} pod{selected.length === 1 ? '' : 's'} selected now
            </p>
            <ul className="members">
              {selected.slice(0, 12).map((s) => (
                <li key={`${s.namespace}/${s.name}`}>{s.namespace ? `${s.namespace}/${s.name}` : s.name}</li>
              ))}
              {selected.length > 12 && <li className="muted">… {selected.length - 12} more</li>}
            </ul>
          </>
        )}
        <div className="quick">
          <h4>Quick add</h4>
          <button type="button" onClick={actions.allowKubeDns}>
            Allow DNS to kube-dns
          </button>
          <button type="button" onClick={actions.allowSameNamespace}>
            Allow from the same namespace
          </button>
        </div>
      </section>
      <DirectionColumn v={v} d={v.egress} actions={actions} />
    </div>
  );
}
