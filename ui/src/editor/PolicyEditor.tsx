// The policy editor: visual and YAML views kept in sync through the YAML text, checks as you type, impact preview, trace, generate, apply.
import type { Diagnostic } from '@codemirror/lint';
import { useEffect, useMemo, useState } from 'react';
import { apiPost, describeError } from '../api/client.js';
import type { CheckResponse, ImpactResponse } from '../api/types.js';
import { POLICY_KINDS, useCluster } from '../common/cluster-state.js';
import { ApplyDialog } from './ApplyDialog.js';
import { editableYaml } from './editable-yaml.js';
import { GeneratePanel } from './GeneratePanel.js';
import { ImpactPanel } from './ImpactPanel.js';
import * as edits from './policy-edits.js';
import { TracePanel } from './TracePanel.js';
import { NEW_CILIUM, NEW_NETWORK_POLICY } from './templates.js';
import { type VisualActions, VisualPolicyView } from './VisualPolicy.js';
import { visualPolicy } from './visual-model.js';
import { type FocusRequest, YamlEditor } from './YamlEditor.js';
import { lineOf, parsePolicyYaml, pathSegments, rangeOfPath } from './yaml-doc.js';

interface Problem {
  severity: 'error' | 'warning' | 'info';
  path: string;
  message: string;
  from: number;
  to: number;
  line: number;
}

type Tab = 'problems' | 'impact' | 'trace' | 'generate';

export function PolicyEditor({
  text,
  onText,
  impact,
  onImpact,
  onShowImpactOnMap,
  generateTarget,
  notify,
}: {
  text: string;
  onText(t: string): void;
  impact: ImpactResponse | undefined;
  onImpact(r: ImpactResponse | undefined): void;
  onShowImpactOnMap(): void;
  generateTarget?: string | undefined;
  notify(message: string): void;
}) {
  const cluster = useCluster();
  const parsed = useMemo(() => parsePolicyYaml(text), [text]);
  // The last answer, and the text it was for: an answer for older text still marks problems, but never says "valid".
  const [checked, setChecked] = useState<{ for: typeof parsed; r: CheckResponse } | undefined>();
  const check = checked?.r;
  const fresh = checked !== undefined && checked.for === parsed;
  const [checkError, setCheckError] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>(generateTarget ? 'generate' : 'problems');
  const [focus, setFocus] = useState<FocusRequest | undefined>();
  const [applying, setApplying] = useState(false);
  const [editError, setEditError] = useState<string | undefined>();

  useEffect(() => {
    if (generateTarget) setTab('generate');
  }, [generateTarget]);

  // Check as you type (debounced); an older answer never replaces a newer one.
  useEffect(() => {
    if (parsed.object === undefined) {
      setChecked(undefined);
      return;
    }
    const ctl = new AbortController();
    const t = window.setTimeout(() => {
      apiPost<CheckResponse>('/api/policy/check', { object: parsed.object }, ctl.signal)
        .then((r) => {
          setChecked({ for: parsed, r });
          setCheckError(undefined);
        })
        .catch((e) => {
          if (!ctl.signal.aborted) setCheckError(describeError(e));
        });
    }, 250);
    return () => {
      window.clearTimeout(t);
      ctl.abort();
    };
  }, [parsed]);

  const problems = useMemo((): Problem[] => {
    const out: Problem[] = parsed.problems.map((p) => ({
      severity: 'error',
      path: '',
      message: `YAML: ${p.message}`,
      from: p.from,
      to: p.to,
      line: lineOf(parsed, p.from),
    }));
    if (parsed.object === undefined || !check) return out;
    const at = (path: string) => rangeOfPath(parsed.doc, pathSegments(path));
    for (const i of check.issues) {
      const r = at(i.path);
      out.push({
        severity: i.severity,
        path: i.path,
        message: i.message,
        from: r.from,
        to: r.to,
        line: lineOf(parsed, r.from),
      });
    }
    for (const a of check.advice) {
      const r = at(a.path);
      out.push({
        severity: a.severity,
        path: a.path,
        message: a.message,
        from: r.from,
        to: r.to,
        line: lineOf(parsed, r.from),
      });
    }
    return out;
  }, [parsed, check]);

  const diagnostics = useMemo(
    (): Diagnostic[] =>
      problems.map((p) => ({
        from: p.from,
        to: p.to,
        severity: p.severity,
        message: p.path ? `${p.path}: ${p.message}` : p.message,
        source: p.path ? 'porin' : 'yaml',
      })),
    [problems],
  );
  const visual = useMemo(() => visualPolicy(parsed.object), [parsed]);
  const valid =
    fresh && check && !check.issues.some((i) => i.severity === 'error') && parsed.problems.length === 0
      ? check.object
      : undefined;
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;

  const edit = (fn: (t: string) => string) => {
    try {
      onText(fn(text));
      setEditError(undefined);
    } catch (e) {
      setEditError(describeError(e));
    }
  };
  const actions: VisualActions | undefined = visual && {
    addPeer: (dir, p) => edit((t) => edits.addPeer(t, visual, dir, p)),
    removePeer: (rule, peer) => edit((t) => edits.removePeer(t, rule, peer.path)),
    removeRule: (rule) => edit((t) => edits.removeRule(t, rule)),
    setDefaultDeny: (dir, on) => edit((t) => edits.setDefaultDeny(t, visual, dir, on)),
    allowKubeDns: () => edit((t) => edits.allowKubeDns(t, visual)),
    allowSameNamespace: () => edit((t) => edits.allowSameNamespace(t, visual)),
    setSelector: (labels) => edit((t) => edits.setSelector(t, visual, labels)),
  };
  const policies = [...cluster.objects.values()].filter((o) => POLICY_KINDS.has(o.kind));
  const download = () => {
    const name = String(
      (parsed.object as { metadata?: { name?: string } } | undefined)?.metadata?.name ?? 'policy',
    );
    const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${name}.yaml`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="view editor-view">
      <div className="toolbar" role="toolbar" aria-label="Policy editor">
        <button type="button" onClick={() => onText(NEW_CILIUM)}>
          New CiliumNetworkPolicy
        </button>
        <button type="button" onClick={() => onText(NEW_NETWORK_POLICY)}>
          New NetworkPolicy
        </button>
        <label>
          Open{' '}
          <select
            value=""
            onChange={(e) => {
              const o = cluster.objects.get(e.target.value);
              if (o) onText(editableYaml(o));
            }}
          >
            <option value="">a policy of the cluster…</option>
            {policies.map((p) => {
              const k = `${p.kind}/${p.metadata.namespace ?? ''}/${p.metadata.name}`;
              return (
                <option key={k} value={k}>
                  {p.kind} {p.metadata.namespace ? `${p.metadata.namespace}/` : ''}
                  {p.metadata.name}
                </option>
              );
            })}
          </select>
        </label>
        <span className={`check-state ${errors ? 'bad' : 'good'}`} role="status" data-testid="check-state">
          {parsed.object === undefined && parsed.problems.length === 0
            ? 'empty'
            : !fresh && parsed.problems.length === 0
              ? 'checking…'
              : errors
                ? `${errors} error${errors === 1 ? '' : 's'}`
                : 'valid'}
          {warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}
          {check && !check.agent && !errors ? ' (agent not reachable: validation only)' : ''}
        </span>
        <button type="button" onClick={download} disabled={!text.trim()}>
          Download YAML
        </button>
        <button type="button" className="primary" onClick={() => setApplying(true)} disabled={!valid}>
          Apply…
        </button>
      </div>
      {checkError && (
        <p className="error" role="alert">
          Check failed: {checkError}
        </p>
      )}
      {editError && (
        <p className="error" role="alert">
          {editError}
        </p>
      )}
      <div className="editor-panes">
        <div className="pane visual-pane">
          {visual && actions ? (
            <VisualPolicyView v={visual} selected={check?.selected} actions={actions} />
          ) : (
            <p className="muted">
              The visual view draws NetworkPolicy and CiliumNetworkPolicy objects
              {parsed.problems.length ? ' once the YAML parses' : ''}.
            </p>
          )}
        </div>
        <div className="pane yaml-pane">
          <YamlEditor value={text} onChange={onText} diagnostics={diagnostics} focus={focus} />
        </div>
      </div>
      <div className="editor-tabs" role="tablist" aria-label="Editor tools">
        {(
          [
            ['problems', `Problems (${problems.length})`],
            ['impact', 'Impact preview'],
            ['trace', 'Trace'],
            ['generate', 'Generate from traffic'],
          ] as [Tab, string][]
        ).map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            onClick={() => setTab(id)}
            onKeyDown={(e) => {
              const order: Tab[] = ['problems', 'impact', 'trace', 'generate'];
              const i = order.indexOf(tab);
              if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                const n = order[(i + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length]!;
                setTab(n);
                document.getElementById(`tab-${n}`)?.focus();
              }
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="editor-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'problems' &&
          (problems.length === 0 ? (
            <p className="muted">
              {check ? 'No problems.' : parsed.object === undefined ? 'Nothing to check.' : 'Checking…'}
            </p>
          ) : (
            <ul className="problems" data-testid="problems">
              {problems.map((p) => (
                <li key={`${p.severity}|${p.path}|${p.from}|${p.message}`} className={p.severity}>
                  <button
                    type="button"
                    className="link"
                    onClick={() => setFocus({ from: p.from, to: p.to, seq: Date.now() })}
                  >
                    <span className="sev">{p.severity}</span> line {p.line}
                    {p.path ? (
                      <>
                        {' '}
                        <code>{p.path}</code>
                      </>
                    ) : null}
                    : {p.message}
                  </button>
                </li>
              ))}
            </ul>
          ))}
        {tab === 'impact' && (
          <ImpactPanel policy={valid} impact={impact} onImpact={onImpact} onShowOnMap={onShowImpactOnMap} />
        )}
        {tab === 'trace' && <TracePanel policy={valid} />}
        {tab === 'generate' && (
          <GeneratePanel
            initialTarget={generateTarget}
            onGenerated={(yaml) => {
              onText(yaml);
              notify(
                'Generated a policy from the recorded traffic: review it, preview its impact, then apply it.',
              );
            }}
          />
        )}
      </div>
      {applying && valid && (
        <ApplyDialog
          object={valid}
          onClose={() => setApplying(false)}
          onApplied={(m) => {
            setApplying(false);
            notify(m);
          }}
        />
      )}
    </div>
  );
}
