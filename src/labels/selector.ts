// Label selectors (matchLabels + matchExpressions) compiled once and matched against LabelSets.
import type { LabelSelector, SelectorOperator } from '../resources/types/index.js';
import { type LabelSource, splitSourceKey } from './label.js';
import type { LabelSet } from './label-set.js';

export interface Requirement {
  readonly source: LabelSource;
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

export class Selector {
  readonly requirements: readonly Requirement[];
  /** Canonical text: equal selectors have equal keys (used by the selector cache). */
  readonly key: string;

  constructor(requirements: Iterable<Requirement>) {
    const reqs = [...requirements].map((r) => ({ ...r, values: [...new Set(r.values)].sort() }));
    reqs.sort((a, b) => (reqText(a) < reqText(b) ? -1 : reqText(a) > reqText(b) ? 1 : 0));
    const seen = new Set<string>();
    this.requirements = reqs.filter((r) => {
      const t = reqText(r);
      if (seen.has(t)) return false;
      seen.add(t);
      return true;
    });
    this.key = this.requirements.map(reqText).join(',');
  }

  /**
   * Compiles a Kubernetes/Cilium LabelSelector. Keys carry an optional source prefix
   * (`k8s:app`); keys without one get `defaultSource`.
   */
  static from(sel: LabelSelector | undefined, defaultSource: LabelSource = 'any'): Selector {
    const reqs: Requirement[] = [];
    for (const [raw, value] of Object.entries(sel?.matchLabels ?? {})) {
      const { source, key } = splitSourceKey(raw, defaultSource);
      reqs.push({ source, key, operator: 'In', values: [value] });
    }
    for (const e of sel?.matchExpressions ?? []) {
      const { source, key } = splitSourceKey(e.key, defaultSource);
      reqs.push({ source, key, operator: e.operator, values: e.values ?? [] });
    }
    return new Selector(reqs);
  }

  /** This selector with more requirements ANDed in. */
  and(...more: Requirement[]): Selector {
    return new Selector([...this.requirements, ...more]);
  }

  get isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** Requirements on `key` (any source), e.g. to see whether a selector already pins a namespace. */
  requirementsOn(key: string): Requirement[] {
    return this.requirements.filter((r) => r.key === key);
  }

  matches(labels: LabelSet): boolean {
    for (const r of this.requirements) {
      if (!matchesRequirement(r, labels)) return false;
    }
    return true;
  }

  toString(): string {
    return this.key === '' ? '{}' : this.key;
  }
}

export function matchesRequirement(r: Requirement, labels: LabelSet): boolean {
  const found = labels.get(r.key, r.source);
  switch (r.operator) {
    case 'In':
      return found.some((l) => r.values.includes(l.value));
    case 'NotIn':
      return !found.some((l) => r.values.includes(l.value));
    case 'Exists':
      return found.length > 0;
    case 'DoesNotExist':
      return found.length === 0;
  }
}

function reqText(r: Requirement): string {
  const k = `${r.source}:${r.key}`;
  switch (r.operator) {
    case 'In':
      return r.values.length === 1 ? `${k}=${r.values[0]}` : `${k} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${k} notin (${r.values.join(',')})`;
    case 'Exists':
      return k;
    case 'DoesNotExist':
      return `!${k}`;
  }
}
