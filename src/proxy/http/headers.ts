// Header lists as the proxy handles them: raw pairs, hop-by-hop filtering, headerMatches actions.
import type { HeaderAction } from '../l7-handler.js';

/** [name, value] with the name lower-cased. */
export type HeaderPair = readonly [string, string];

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the HTTP/2-forbidden connection-specific ones. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'http2-settings',
]);

/** `rawHeaders` (Node's flat [name, value, …]) → lower-cased pairs. */
export function pairsOf(raw: readonly string[]): HeaderPair[] {
  const out: HeaderPair[] = new Array(raw.length >> 1);
  for (let i = 0, j = 0; i + 1 < raw.length; i += 2, j++) out[j] = [raw[i]!.toLowerCase(), raw[i + 1]!];
  return out;
}

/** Names listed in Connection headers: also hop-by-hop for this message. */
function connectionTokens(pairs: readonly HeaderPair[]): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const [k, v] of pairs) {
    if (k !== 'connection') continue;
    for (const t of v.split(',')) {
      const n = t.trim().toLowerCase();
      if (!n) continue;
      out ??= new Set();
      out.add(n);
    }
  }
  return out;
}

/**
 * The end-to-end headers of a message: hop-by-hop ones dropped (`te: trailers` kept when `keepTeTrailers`, as
 * gRPC needs it), and `host` dropped when `dropHost` (HTTP/2 carries it as `:authority`).
 */
export function endToEnd(
  pairs: readonly HeaderPair[],
  opts: { keepTeTrailers?: boolean; dropHost?: boolean } = {},
): HeaderPair[] {
  const listed = connectionTokens(pairs);
  const out: HeaderPair[] = [];
  for (const p of pairs) {
    const k = p[0];
    if (k.charCodeAt(0) === 0x3a) continue; // HTTP/2 pseudo-headers are rebuilt by the caller
    if (HOP_BY_HOP.has(k) || listed?.has(k)) {
      if (k === 'te' && opts.keepTeTrailers && p[1].trim().toLowerCase() === 'trailers') out.push(p);
      continue;
    }
    if (k === 'host' && opts.dropHost) continue;
    out.push(p);
  }
  return out;
}

/** Applies the mismatch actions of `headerMatches` in order (LOG does nothing). */
export function applyHeaderActions(
  pairs: HeaderPair[],
  actions: readonly HeaderAction[] | undefined,
): HeaderPair[] {
  if (!actions || actions.length === 0) return pairs;
  let out = pairs;
  for (const a of actions) {
    const name = a.name.toLowerCase();
    switch (a.action) {
      case 'LOG':
        break;
      case 'ADD':
        out.push([name, a.value ?? '']);
        break;
      case 'DELETE':
        out = out.filter((p) => p[0] !== name);
        break;
      case 'REPLACE':
        out = out.filter((p) => p[0] !== name);
        out.push([name, a.value ?? '']);
        break;
    }
  }
  return out;
}

/** Pairs → Node's flat raw-header array (what `http.request` and `writeHead` accept). */
export function flatten(pairs: readonly HeaderPair[]): string[] {
  const out: string[] = new Array(pairs.length * 2);
  for (let i = 0; i < pairs.length; i++) {
    out[2 * i] = pairs[i]![0];
    out[2 * i + 1] = pairs[i]![1];
  }
  return out;
}

/** The first value of `name` (lower-case), or undefined. */
export function firstValue(pairs: readonly HeaderPair[], name: string): string | undefined {
  for (const p of pairs) if (p[0] === name) return p[1];
  return undefined;
}
