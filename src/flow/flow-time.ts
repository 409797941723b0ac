// Flow timestamps: nanoseconds ↔ RFC 3339 with nanoseconds, and `--since/--until` values (5m, 1h30m, RFC 3339 …).
import { FlowError } from './flow-error.js';

let cachedStart = -1n;
let cachedEnd = -1n;
let cachedPrefix = '';

/** `2024-05-04T13:23:43.791234567Z` from Unix nanoseconds (the second is cached: events come in order). */
export function formatTimeNs(ns: bigint): string {
  if (ns < cachedStart || ns >= cachedEnd) {
    const sec = ns / 1_000_000_000n;
    cachedStart = sec * 1_000_000_000n;
    cachedEnd = cachedStart + 1_000_000_000n;
    cachedPrefix = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  }
  const frac = Number(ns - cachedStart);
  return `${cachedPrefix}.${frac < 100_000_000 ? String(frac).padStart(9, '0') : frac}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** Unix nanoseconds of an RFC 3339 timestamp (any fractional precision up to ns), or undefined. */
export function parseTimeNs(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const whole = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8] === 'z' ? 'Z' : m[8]}`);
  if (Number.isNaN(whole)) return undefined;
  const frac = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  return BigInt(whole) * 1_000_000n + frac;
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

/** A Go-style duration (`5m`, `1h43m`, `90s`, `1.5h`) in nanoseconds, or undefined. */
export function parseDurationNs(s: string): bigint | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;
  let pos = 0;
  let total = 0n;
  if (s.length === 0) return undefined;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    const [int, frac = ''] = m[1]!.split('.');
    const unit = UNIT_NS[m[2]!]!;
    total += BigInt(int!) * unit + (BigInt(frac.padEnd(18, '0').slice(0, 18) || '0') * unit) / 10n ** 18n;
    pos = re.lastIndex;
  }
  return total;
}

/**
 * `--since` / `--until`: a duration before `nowNs` (`5m`, `1h43m`), RFC 3339 (`2024-05-04T13:23:43Z`,
 * with optional fraction and offset), or Hubble's other layouts as far as Date.parse reads them
 * (`Jan  2 15:04:05` — StampMilli, current year — RFC 1123).
 */
export function resolveTimeSpec(spec: string, nowNs: bigint, path = 'time'): bigint {
  const s = spec.trim();
  const d = parseDurationNs(s);
  if (d !== undefined) return nowNs - d;
  const t = parseTimeNs(s);
  if (t !== undefined) return t;
  if (/^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(s)) {
    // StampMilli has no year: Hubble takes the current one.
    const year = new Date(Number(nowNs / 1_000_000n)).getUTCFullYear();
    const ms = Date.parse(`${s.replace(/\.\d+$/, '')} ${year} UTC`);
    const frac = /\.(\d+)$/.exec(s)?.[1] ?? '';
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9) || '0');
  }
  const ms = /[a-zA-Z]/.test(s) && /\d{4}/.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n;
  throw new FlowError(
    'PORIN_FLOW_TIME_INVALID',
    `"${spec}" is neither a duration (5m, 1h30m) nor a timestamp (RFC 3339, e.g. 2024-05-04T13:23:43Z)`,
    path,
  );
}

/** Nanoseconds since the Unix epoch, now. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
