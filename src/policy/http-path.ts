// HTTP request-target normalization as Cilium's Envoy listener does it before policy: dot segments, slashes, escapes.

/** The result of normalizing a request target; `escapedSlash` means `%2F`/`%5C` were decoded (Envoy redirects). */
export interface NormalizedTarget {
  /** Normalized path plus the untouched `?query` (the value rules see and the upstream receives). */
  readonly target: string;
  /** True when the path held an escaped `/` or `\` (`%2F`, `%5C`); the target has them decoded. */
  readonly escapedSlash: boolean;
}

const HEX = '0123456789ABCDEF';

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x7e // ~
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Normalizes an origin-form request target the way Envoy's `normalize_path` + `merge_slashes` +
 * `UNESCAPE_AND_REDIRECT` do (RFC 3986 §6.2.2): percent-escapes of unreserved characters are decoded and the
 * others upper-cased, `\` becomes `/`, runs of `/` merge, `.` and `..` segments are removed (never above the
 * root), `%2F`/`%5C` are decoded and reported. The query string is kept as sent.
 * Returns undefined for a target that is not origin-form (`*`, absolute-form, empty).
 */
export function normalizeRequestTarget(raw: string): NormalizedTarget | undefined {
  if (raw.length === 0 || raw.charCodeAt(0) !== 0x2f) return undefined;
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q);
  // Fast path: nothing to decode, no backslash, no dot segment, no doubled slash.
  if (!/[%\\]|\/\/|\/\.\.?(?:\/|$)/.test(path)) return { target: raw, escapedSlash: false };
  let decoded = '';
  let escapedSlash = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25 && i + 2 < path.length) {
      const hi = hexValue(path.charCodeAt(i + 1));
      const lo = hexValue(path.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const v = hi * 16 + lo;
        if (v === 0x2f || v === 0x5c) {
          escapedSlash = true;
          decoded += '/';
        } else if (isUnreserved(v)) decoded += String.fromCharCode(v);
        else decoded += `%${HEX[hi]}${HEX[lo]}`;
        i += 2;
        continue;
      }
    }
    decoded += c === 0x5c ? '/' : path[i];
  }
  const out: string[] = [];
  const segments = decoded.split('/');
  // segments[0] is '' (the target starts with '/'); empty segments are merged slashes.
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      if (last) out.push('');
      continue;
    }
    if (s === '' && !last) continue;
    out.push(s);
  }
  return { target: `/${out.join('/')}${query}`, escapedSlash };
}
