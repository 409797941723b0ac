// JSON with sorted keys (for comparing objects) and JSON-faithful deep copies.

/** The same text for values that are equal as JSON, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  // JSON.stringify calls toJSON (e.g. Date) before looking at keys; do the same.
  if (typeof (source as { toJSON?: unknown }).toJSON === 'function') {
    return sortKeys((source as { toJSON: () => unknown }).toJSON());
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) {
    if (source[key] !== undefined) out[key] = sortKeys(source[key]);
  }
  return out;
}

/** A deep copy through JSON: drops `undefined`, turns dates into strings, rejects cycles. */
export function jsonClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
