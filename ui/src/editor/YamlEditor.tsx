// The YAML side of the editor: CodeMirror 6 with YAML highlighting and the check's diagnostics at their lines; Tab leaves the editor.
import { yaml } from '@codemirror/lang-yaml';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

export interface FocusRequest {
  from: number;
  to: number;
  /** Bumped to focus the same range again. */
  seq: number;
}

export function YamlEditor({
  value,
  onChange,
  diagnostics,
  focus,
}: {
  value: string;
  onChange(text: string): void;
  diagnostics: readonly Diagnostic[];
  focus?: FocusRequest | undefined;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const changed = useRef(onChange);
  changed.current = onChange;

  // biome-ignore lint/correctness/useExhaustiveDependencies: created once; later values arrive through the effects below
  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      doc: value,
      parent: host.current,
      extensions: [
        basicSetup,
        yaml(),
        lintGutter(),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': 'Policy YAML', 'aria-multiline': 'true' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) changed.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = undefined;
    };
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const cur = v.state.doc.toString();
    if (cur === value) return;
    const head = Math.min(v.state.selection.main.head, value.length);
    v.dispatch({ changes: { from: 0, to: cur.length, insert: value }, selection: { anchor: head } });
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const len = v.state.doc.length;
    const clamp = (d: Diagnostic): Diagnostic => ({
      ...d,
      from: Math.min(d.from, len),
      to: Math.min(Math.max(d.to, d.from), len),
    });
    v.dispatch(setDiagnostics(v.state, diagnostics.map(clamp)));
  }, [diagnostics]);

  useEffect(() => {
    const v = view.current;
    if (!v || !focus) return;
    const len = v.state.doc.length;
    const from = Math.min(focus.from, len);
    v.dispatch({
      selection: { anchor: from, head: Math.min(focus.to, len) },
      effects: EditorView.scrollIntoView(from, { y: 'center' }),
    });
    v.focus();
  }, [focus]);

  return <div className="yaml-editor" ref={host} data-testid="yaml-editor" />;
}
