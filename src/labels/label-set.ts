// An immutable set of labels, indexed by key for selector matching; its canonical string is its identity key.
import { formatLabel, type Label, type LabelSource } from './label.js';

export class LabelSet {
  readonly labels: readonly Label[];
  /** Canonical, sorted `source:key=value` list joined by `;` — equal sets have equal keys. */
  readonly key: string;
  private readonly byKey: Map<string, Label[]>;

  constructor(labels: Iterable<Label>) {
    const uniq = new Map<string, Label>();
    for (const l of labels) uniq.set(`${l.source}:${l.key}`, l);
    this.labels = [...uniq.values()].sort((a, b) => cmp(formatLabel(a), formatLabel(b)));
    this.key = this.labels.map(formatLabel).join(';');
    this.byKey = new Map();
    for (const l of this.labels) {
      const list = this.byKey.get(l.key);
      if (list) list.push(l);
      else this.byKey.set(l.key, [l]);
    }
  }

  static fromRecord(rec: Record<string, string> | undefined, source: LabelSource): LabelSet {
    return new LabelSet(Object.entries(rec ?? {}).map(([key, value]) => ({ source, key, value })));
  }

  /** Labels with this key; `source` `any` matches every source. */
  get(key: string, source: LabelSource = 'any'): readonly Label[] {
    const list = this.byKey.get(key);
    if (!list) return EMPTY;
    return source === 'any' ? list : list.filter((l) => l.source === source);
  }

  has(key: string, source: LabelSource = 'any'): boolean {
    return this.get(key, source).length > 0;
  }

  /** The value of `key` from any source, or undefined. */
  value(key: string, source: LabelSource = 'any'): string | undefined {
    return this.get(key, source)[0]?.value;
  }

  hasSource(source: LabelSource): boolean {
    return this.labels.some((l) => l.source === source);
  }

  toStrings(): string[] {
    return this.labels.map(formatLabel);
  }

  toString(): string {
    return this.key;
  }
}

const EMPTY: readonly Label[] = Object.freeze([]);

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
