// Limits and timeouts of the HTTP handler, with the defaults it runs with.

export interface HttpProxyOptions {
  /** Longest request line or single header line (bytes); longer → 431. */
  readonly maxHeaderLineBytes: number;
  /** All request header bytes together, request line included; more → 431 (HTTP/2: the header list size). */
  readonly maxHeaderBytes: number;
  /** From the first byte of a request until its headers are complete; slower → 408 and close (slowloris). */
  readonly headersTimeoutMs: number;
  /** A connection with no request in progress (before its first byte, or between keep-alive requests) closes. */
  readonly idleTimeoutMs: number;
  /** A denied request's unread body is read and dropped up to this many bytes; beyond, the connection closes. */
  readonly maxDrainBytes: number;
  /** HTTP/2 streams a client may open at once on one connection. */
  readonly maxConcurrentStreams: number;
  /** The 403 body (Cilium's `http-403-msg`; CRLF is appended when missing). */
  readonly deniedBody: string;
}

export const DEFAULT_HTTP_PROXY_OPTIONS: HttpProxyOptions = Object.freeze({
  maxHeaderLineBytes: 8 * 1024,
  maxHeaderBytes: 64 * 1024,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxDrainBytes: 1024 * 1024,
  maxConcurrentStreams: 100,
  deniedBody: 'Access denied',
});

export function resolveOptions(o: Partial<HttpProxyOptions> = {}): HttpProxyOptions {
  const out = { ...DEFAULT_HTTP_PROXY_OPTIONS, ...o };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v > 0)) {
      throw new RangeError(`http proxy option ${k}: ${v} is not a positive integer`);
    }
  }
  if (!out.deniedBody.endsWith('\r\n')) out.deniedBody = `${out.deniedBody}\r\n`;
  return Object.freeze(out);
}
