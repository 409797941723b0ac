// Typed reads of decoded YAML values: a wrong type becomes an error at its path, never an exception.
import { parseIP } from '../net/cidr.js';
import type { IssueCollector } from './issue-collector.js';

export type PlainObject = Record<string, unknown>;

/** `spec` + `ingress` → `spec.ingress`; the empty base is the document itself. */
export function fieldPath(base: string, key: string): string {
  const k = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (!base) return k;
  return k.startsWith('[') ? `${base}${k}` : `${base}.${k}`;
}

export function itemPath(base: string, index: number): string {
  return `${base}[${index}]`;
}

export function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A short description of a value for "got ..." messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isPlainObject(v)) return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Absent (undefined or YAML null) values read as undefined without an error. */
export function readObject(v: unknown, path: string, c: IssueCollector): PlainObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (isPlainObject(v)) return v;
  c.error(path, `must be an object, got ${describeValue(v)}`);
  return undefined;
}

export function readList(v: unknown, path: string, c: IssueCollector): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  c.error(path, `must be a list, got ${describeValue(v)}`);
  return undefined;
}

export function readString(v: unknown, path: string, c: IssueCollector): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  c.error(path, `must be a string, got ${describeValue(v)}`);
  return undefined;
}

export function readBool(v: unknown, path: string, c: IssueCollector): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  c.error(path, `must be a boolean (true or false), got ${describeValue(v)}`);
  return undefined;
}

/** An integer within [min, max]; the range message follows the apiserver's wording. */
export function readInt(
  v: unknown,
  path: string,
  c: IssueCollector,
  range?: { min?: number; max?: number },
): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    c.error(path, `must be an integer, got ${describeValue(v)}`);
    return undefined;
  }
  const { min, max } = range ?? {};
  if (min !== undefined && max !== undefined && (v < min || v > max)) {
    c.error(path, `${v} is out of range: must be between ${min} and ${max}, inclusive`);
    return undefined;
  }
  if (min !== undefined && v < min) {
    c.error(path, `${v} is out of range: must be greater than or equal to ${min}`);
    return undefined;
  }
  if (max !== undefined && v > max) {
    c.error(path, `${v} is out of range: must be less than or equal to ${max}`);
    return undefined;
  }
  return v;
}

/** A list whose every item is a string; bad items are reported and skipped. */
export function readStringList(v: unknown, path: string, c: IssueCollector): string[] | undefined {
  const list = readList(v, path, c);
  if (!list) return undefined;
  const out: string[] = [];
  list.forEach((item, i) => {
    const s = readString(item, itemPath(path, i), c);
    if (s !== undefined) out.push(s);
    else if (item === null || item === undefined) c.error(itemPath(path, i), 'must be a string, got null');
  });
  return out;
}

/** A map of string to string (labels, annotations, selectors). */
export function readStringMap(
  v: unknown,
  path: string,
  c: IssueCollector,
): Record<string, string> | undefined {
  const obj = readObject(v, path, c);
  if (!obj) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj)) {
    if (typeof val === 'string') {
      out[k] = val;
      continue;
    }
    const hint = typeof val === 'number' || typeof val === 'boolean' ? ` (quote it: "${String(val)}")` : '';
    c.error(fieldPath(path, k), `must be a string, got ${describeValue(val)}${hint}`);
  }
  return out;
}

/** `value` must be one of `allowed` (case-sensitive), in the apiserver's "Unsupported value" words. */
export function readEnum<T extends string>(
  v: unknown,
  allowed: readonly T[],
  path: string,
  c: IssueCollector,
): T | undefined {
  const s = readString(v, path, c);
  if (s === undefined) return undefined;
  if ((allowed as readonly string[]).includes(s)) return s as T;
  c.error(path, unsupportedValue(s, allowed));
  return undefined;
}

export function unsupportedValue(value: string, allowed: readonly string[]): string {
  return `unsupported value ${JSON.stringify(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
}

/**
 * Reports every key of `obj` not in `known` (kubectl's strict field validation), with a
 * did-you-mean hint when a known field is one or two edits away.
 */
export function checkKnownFields(
  obj: PlainObject,
  known: readonly string[],
  path: string,
  c: IssueCollector,
): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    c.error(
      path,
      `unknown field ${JSON.stringify(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
    );
  }
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const cand of candidates) {
    const d = editDistance(word.toLowerCase(), cand.toLowerCase());
    if (d < bestDist) {
      best = cand;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** An IP address, parsed strictly (no leading zeros, no IPv4-mapped IPv6); empty reads as absent. */
export function readIP(v: unknown, path: string, c: IssueCollector): string | undefined {
  const s = readString(v, path, c);
  if (s === undefined || s === '') return undefined;
  const r = parseIP(s, true);
  if (!r.ok) {
    c.error(path, `${JSON.stringify(s)} is not a valid IP address: ${r.error}`);
    return undefined;
  }
  return s;
}
