// A Cilium label: source, key and value (`k8s:app=web`, `reserved:host`).

export type LabelSource =
  | 'k8s'
  | 'reserved'
  | 'any'
  | 'cidr'
  | 'fqdn'
  | 'unspec'
  | 'container'
  | 'cilium-generated';

const SOURCES: ReadonlySet<string> = new Set([
  'k8s',
  'reserved',
  'any',
  'cidr',
  'fqdn',
  'unspec',
  'container',
  'cilium-generated',
]);

export interface Label {
  readonly source: LabelSource;
  readonly key: string;
  readonly value: string;
}

/**
 * Splits `source:key` into its parts. Keys without a known source get `defaultSource`
 * (Cilium: `any` in policy selectors, `k8s` for Kubernetes objects).
 */
export function splitSourceKey(
  raw: string,
  defaultSource: LabelSource,
): { source: LabelSource; key: string } {
  const colon = raw.indexOf(':');
  if (colon > 0) {
    const src = raw.slice(0, colon);
    if (SOURCES.has(src)) return { source: src as LabelSource, key: raw.slice(colon + 1) };
  }
  return { source: defaultSource, key: raw };
}

/** Parses `source:key=value` (or `key=value`, `key`). */
export function parseLabel(raw: string, defaultSource: LabelSource = 'any'): Label {
  const eq = raw.indexOf('=');
  const sk = eq >= 0 ? raw.slice(0, eq) : raw;
  const value = eq >= 0 ? raw.slice(eq + 1) : '';
  const { source, key } = splitSourceKey(sk, defaultSource);
  return { source, key, value };
}

export function formatLabel(l: Label): string {
  return l.value === '' ? `${l.source}:${l.key}` : `${l.source}:${l.key}=${l.value}`;
}
