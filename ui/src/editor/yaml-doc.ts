// The editor's YAML: parsed with positions, field paths (`spec.ingress[0].from[1]`) → text ranges, and edits that keep comments.
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

export type Seg = string | number;

export interface YamlProblem {
  from: number;
  to: number;
  message: string;
}

export interface ParsedPolicy {
  doc: Document.Parsed;
  object: unknown;
  problems: YamlProblem[];
  lines: LineCounter;
}

export function parsePolicyYaml(text: string): ParsedPolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: YamlProblem[] = doc.errors.map((e) => ({
    from: e.pos[0],
    to: Math.max(e.pos[1], e.pos[0] + 1),
    message: e.message.split('\n')[0] ?? e.message,
  }));
  let object: unknown;
  try {
    object = problems.length === 0 ? doc.toJS({ maxAliasCount: 50 }) : undefined;
  } catch (e) {
    problems.push({ from: 0, to: 1, message: (e as Error).message });
  }
  return { doc, object, problems, lines };
}

/** `spec.ingress[0].from[1].podSelector`, `metadata.labels["app.kubernetes.io/name"]` → segments. */
export function pathSegments(path: string): Seg[] {
  const out: Seg[] = [];
  const re = /(?:^|\.)([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null = re.exec(path);
  while (m) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
    if (re.lastIndex >= path.length) break;
    m = re.exec(path);
  }
  return out;
}

/**
 * The text range a path names: the deepest node the document has on that path (a missing field points at
 * its parent). For a map entry, the range covers the key and its value's first line.
 */
export function rangeOfPath(
  doc: Document.Parsed,
  segs: readonly Seg[],
): { from: number; to: number; exact: boolean } {
  let node: Node | null | undefined = doc.contents;
  let range: [number, number] = node?.range ? [node.range[0], node.range[1]] : [0, 0];
  let exact = true;
  for (const s of segs) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(s));
      if (!pair) {
        exact = false;
        break;
      }
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      const start = key.range?.[0] ?? range[0];
      const end = value?.range
        ? isScalar(value)
          ? value.range[1]
          : value.range[0]
        : (key.range?.[1] ?? start);
      range = [start, Math.max(end, start + 1)];
      node = value;
    } else if (isSeq(node) && typeof s === 'number') {
      const item = node.items[s] as Node | undefined;
      if (!item?.range) {
        exact = false;
        break;
      }
      range = [item.range[0], item.range[1]];
      node = item;
    } else {
      exact = false;
      break;
    }
  }
  return { from: range[0], to: Math.max(range[1], range[0] + 1), exact };
}

/** 1-based line of an offset. */
export function lineOf(p: ParsedPolicy, offset: number): number {
  return p.lines.linePos(offset).line;
}

/** Applies edits to a fresh parse of `text` (comments kept) and returns the new text. */
export function editYaml(text: string, edit: (doc: Document.Parsed) => void): string {
  const doc = parseDocument(text);
  edit(doc);
  return doc.toString({ indentSeq: true, lineWidth: 0 });
}

export function getIn(doc: Document.Parsed, segs: readonly Seg[]): unknown {
  const v = doc.getIn(segs as Seg[], false);
  return v && typeof v === 'object' && 'toJSON' in (v as object) ? (v as { toJSON(): unknown }).toJSON() : v;
}

/** Appends to the list at `segs`, creating it when missing. */
export function appendIn(doc: Document.Parsed, segs: readonly Seg[], value: unknown): void {
  const list = doc.getIn(segs as Seg[], true);
  if (isSeq(list)) list.add(doc.createNode(value));
  else doc.setIn(segs as Seg[], doc.createNode([value]));
}

/** Deletes the node at `segs` when it exists (yaml's deleteIn throws on a missing parent). */
export function deleteIn(doc: Document.Parsed, segs: readonly Seg[]): void {
  if (doc.hasIn(segs as Seg[])) doc.deleteIn(segs as Seg[]);
}
