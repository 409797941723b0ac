// Checks a parsed HTTP/1.x request head beyond llhttp (versions, Host, line limits, framing, target form).
import type { IncomingMessage } from 'node:http';
import { normalizeRequestTarget } from '../../policy/http-path.js';
import type { L7Counter } from '../l7-handler.js';
import type { HeaderPair } from './headers.js';
import type { HttpProxyOptions } from './options.js';

export type RequestHead =
  | {
      readonly ok: true;
      /** Normalized origin-form target (or `*`), what rules see and the upstream receives. */
      readonly target: string;
      /** Host header, or the authority of an absolute-form target; '' when absent (HTTP/1.0). */
      readonly host: string;
      /** The authority came from an absolute-form target: the forwarded Host must say the same. */
      readonly hostFromTarget: boolean;
      readonly chunked: boolean;
      /** Declared Content-Length (undefined when chunked or absent). */
      readonly contentLength: number | undefined;
      /** `%2F`/`%5C` were decoded: Envoy answers a redirect to the decoded path. */
      readonly redirect: boolean;
    }
  | { readonly ok: false; readonly status: number; readonly counter: L7Counter; readonly reason: string };

function fail(status: number, counter: L7Counter, reason: string): RequestHead {
  return { ok: false, status, counter, reason };
}

/** Validates what llhttp accepts but the proxy must not forward: it never throws. */
export function checkRequestHead(
  req: IncomingMessage,
  pairs: readonly HeaderPair[],
  o: HttpProxyOptions,
): RequestHead {
  if (req.httpVersionMajor !== 1) return fail(505, 'malformed', `HTTP/${req.httpVersion} is not supported`);
  const url = req.url ?? '';
  const method = req.method ?? '';
  if (method.length + url.length + 10 > o.maxHeaderLineBytes) {
    return fail(431, 'header-too-large', 'request line too long');
  }
  let host: string | undefined;
  let hosts = 0;
  let te: string | undefined;
  let cl: string | undefined;
  for (const [k, v] of pairs) {
    if (k.length + v.length + 2 > o.maxHeaderLineBytes)
      return fail(431, 'header-too-large', `header ${k} too long`);
    if (k === 'host') {
      hosts++;
      host = v;
    } else if (k === 'transfer-encoding') te = te === undefined ? v : `${te},${v}`;
    else if (k === 'content-length') cl = v;
  }
  if (hosts > 1) return fail(400, 'malformed', 'more than one Host header');
  if (hosts === 0 && req.httpVersionMinor >= 1)
    return fail(400, 'malformed', 'HTTP/1.1 request without Host');
  // llhttp already refuses TE+CL, duplicate CL and a TE that does not end in chunked; codings before chunked
  // are not implemented here (RFC 9112 §6.1: 501), so the upstream never has to agree on them.
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') {
    return fail(501, 'smuggling', `Transfer-Encoding "${te}" is not supported`);
  }
  let target = url;
  let hostFromTarget = false;
  if (/^https?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail(400, 'malformed', 'bad absolute-form target');
    }
    target = `${parsed.pathname}${parsed.search}`;
    host = parsed.host;
    hostFromTarget = true;
  }
  let redirect = false;
  if (target === '*') {
    if (method !== 'OPTIONS')
      return fail(400, 'malformed', 'asterisk-form target with a method other than OPTIONS');
  } else {
    const n = normalizeRequestTarget(target);
    if (!n) return fail(400, 'malformed', 'request target is not origin-form');
    target = n.target;
    redirect = n.escapedSlash;
  }
  return {
    ok: true,
    target,
    host: host ?? '',
    hostFromTarget,
    chunked: te !== undefined,
    contentLength: cl === undefined || te !== undefined ? undefined : Number(cl),
    redirect,
  };
}
