// Which labels are identity-relevant: Cilium's label-prefix filter (longest match wins).
import type { Label } from './label.js';

export interface LabelFilterConfig {
  /** Patterns (regular expressions matched anywhere in the key) whose labels count. */
  include: readonly string[];
  /** Patterns whose labels are ignored (high-cardinality or controller-generated). */
  exclude: readonly string[];
  /** When true, only labels matching an include pattern count (Cilium: a user-configured inclusive list). */
  onlyIncluded: boolean;
}

/** Cilium's default filter (`pkg/labelsfilter`): keep user labels, drop controller-generated ones. */
export const DEFAULT_LABEL_FILTER: LabelFilterConfig = Object.freeze({
  include: [
    'io\\.kubernetes\\.pod\\.namespace',
    'io\\.cilium\\.k8s\\.namespace\\.labels',
    'app\\.kubernetes\\.io',
  ],
  exclude: [
    'io\\.kubernetes',
    'kubernetes\\.io',
    '.*beta\\.kubernetes\\.io',
    'k8s\\.io',
    'pod-template-generation',
    'pod-template-hash',
    'controller-revision-hash',
    'annotation.*',
    'etcd_node',
  ],
  onlyIncluded: false,
});

export class LabelFilter {
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];

  constructor(private readonly config: LabelFilterConfig = DEFAULT_LABEL_FILTER) {
    this.include = config.include.map((p) => new RegExp(p));
    this.exclude = config.exclude.map((p) => new RegExp(p));
  }

  /** Reserved labels always count; others by the longest include vs exclude match. */
  isRelevant(label: Label): boolean {
    if (label.source === 'reserved' || label.source === 'cidr' || label.source === 'fqdn') return true;
    const inc = longestMatch(this.include, label.key);
    const exc = longestMatch(this.exclude, label.key);
    if (this.config.onlyIncluded && inc === 0) return false;
    return exc === 0 || inc > exc;
  }

  filter(labels: Iterable<Label>): Label[] {
    return [...labels].filter((l) => this.isRelevant(l));
  }
}

function longestMatch(patterns: RegExp[], key: string): number {
  let best = 0;
  for (const p of patterns) {
    const m = p.exec(key);
    if (m && m[0].length > best) best = m[0].length;
  }
  return best;
}
