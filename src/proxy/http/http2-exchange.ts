// One HTTP/2 stream through the proxy: judge it, then forward it on the upstream session or answer it locally.
import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { normalizeRequestTarget } from '../../policy/http-path.js';
import type { ProxiedConnection } from '../l7-handler.js';
import { type ExchangeInfo, requestEvent, responseEvent, secretHeaderNames } from './events.js';
import { applyHeaderActions, endToEnd, type HeaderPair, pairsOf } from './headers.js';
import type { Http2Upstream } from './http2-upstream.js';
import {
  encodeGrpcMessage,
  grpcStatusForHttp,
  isGrpcContentType,
  UPSTREAM_FAILURE_BODY,
} from './local-reply.js';
import type { HttpProxyOptions } from './options.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR } = http2.constants;
/** The END_STREAM bit of the HEADERS frame that opened a stream (RFC 9113 §6.2). */
const FLAG_END_STREAM = 0x1;

/** A client connection's HTTP/2 state. */
export interface Http2Conn {
  readonly conn: ProxiedConnection;
  readonly opts: HttpProxyOptions;
  readonly upstream: Http2Upstream;
}

interface Exchange {
  readonly c: Http2Conn;
  readonly stream: ServerHttp2Stream;
  readonly info: ExchangeInfo;
  readonly grpc: boolean;
  readonly headers: OutgoingHttpHeaders;
  readonly endStream: boolean;
  /** The request announces trailers (`trailer:` header): keep its stream open for them. */
  readonly requestTrailers: boolean;
}

function ignore(): void {}

/** The proxy's own answer on a stream: gRPC calls get a trailers-only response with the mapped grpc-status. */
export function localReply(
  stream: ServerHttp2Stream,
  status: number,
  body: string,
  grpc: boolean,
  extra = {},
) {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    stream.close(NGHTTP2_INTERNAL_ERROR);
    return;
  }
  try {
    if (grpc) {
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': String(grpcStatusForHttp(status)),
          'grpc-message': encodeGrpcMessage(body),
        },
        { endStream: true },
      );
    } else {
      const len = Buffer.byteLength(body);
      stream.respond({
        ':status': status,
        'content-length': String(len),
        'content-type': 'text/plain',
        ...extra,
      });
      stream.end(body);
    }
  } catch {
    stream.close(NGHTTP2_INTERNAL_ERROR);
    return;
  }
  // Whatever the client still sends for this stream is read and dropped (flow control keeps it bounded).
  if (!stream.readableEnded) stream.resume();
}

export function handleStream(
  c: Http2Conn,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
  rawHeaders: string[],
): void {
  stream.on('error', ignore);
  const grpc = isGrpcContentType(headers['content-type']);
  const method = headers[':method'] ?? '';
  const rawPath = headers[':path'];
  const authority = headers[':authority'] ?? headers.host ?? '';
  const { conn } = c;
  if (method === 'CONNECT' || rawPath === undefined) {
    conn.count('malformed');
    localReply(stream, 405, '', grpc);
    return;
  }
  const norm =
    rawPath === '*' && method === 'OPTIONS'
      ? { target: '*', escapedSlash: false }
      : normalizeRequestTarget(rawPath);
  if (!norm) {
    conn.count('malformed');
    localReply(stream, 400, '', grpc);
    return;
  }
  if (norm.escapedSlash) {
    // Envoy's UNESCAPE_AND_REDIRECT: a redirect to the decoded path; gRPC gets INTERNAL.
    if (grpc) localReply(stream, 400, '', true);
    else localReply(stream, 307, '', false, { location: norm.target });
    return;
  }
  const pairs = pairsOf(rawHeaders);
  if (tooLarge(pairs, c.opts)) {
    // nghttp2 refuses a header list over the advertised SETTINGS_MAX_HEADER_LIST_SIZE itself; single fields over
    // the line limit get the same 431 as on HTTP/1.1.
    conn.count('header-too-large');
    localReply(stream, 431, '', grpc);
    return;
  }
  const requestHeaders = endToEnd(pairs, { keepTeTrailers: true });
  conn.count('requests');
  const verdict = conn.judge({
    type: 'http',
    method,
    path: norm.target,
    host: authority,
    headers: requestHeaders,
  });
  const info: ExchangeInfo = {
    method,
    url: `http://${authority}${norm.target === '*' ? '' : norm.target}`,
    protocol: 'HTTP/2',
    start: process.hrtime.bigint(),
    verdict: verdict.verdict,
    rules: verdict.rules,
  };
  if (verdict.verdict === 'DROPPED') {
    conn.emit(requestEvent(info, requestHeaders));
    conn.count('denied');
    localReply(stream, 403, c.opts.deniedBody, grpc);
    conn.emit(responseEvent(info, grpc ? 200 : 403, []));
    return;
  }
  const out = applyHeaderActions(requestHeaders, verdict.headerActions);
  conn.emit(requestEvent(info, out, secretHeaderNames(verdict.headerActions)));
  const x: Exchange = {
    c,
    stream,
    info,
    grpc,
    headers: toHeaderObject(out, {
      ':method': method,
      ':path': norm.target,
      ':scheme': headers[':scheme'] ?? 'http',
      ':authority': authority,
    }),
    endStream: (flags & FLAG_END_STREAM) !== 0,
    requestTrailers: headers.trailer !== undefined,
  };
  const session = c.upstream.ready();
  if (session) openUpstream(x, session);
  else
    c.upstream.connect().then(
      (s) => openUpstream(x, s),
      () => upstreamFailed(x),
    );
}

function tooLarge(pairs: readonly HeaderPair[], o: HttpProxyOptions): boolean {
  let total = 0;
  for (const [k, v] of pairs) {
    const n = k.length + v.length + 2;
    if (n > o.maxHeaderLineBytes) return true;
    total += n;
  }
  return total > o.maxHeaderBytes;
}

function toHeaderObject(pairs: readonly HeaderPair[], base: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = base;
  for (const [k, v] of pairs) {
    const prev = h[k];
    if (prev === undefined) h[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else h[k] = [String(prev), v];
  }
  return h;
}

function upstreamFailed(x: Exchange): void {
  x.c.conn.count('upstream-error');
  localReply(x.stream, 503, UPSTREAM_FAILURE_BODY, x.grpc);
  x.c.conn.emit(responseEvent(x.info, x.grpc ? 200 : 503, []));
}

function openUpstream(x: Exchange, session: ClientHttp2Session): void {
  const { stream } = x;
  if (stream.destroyed || stream.closed) return;
  let up: ClientHttp2Stream;
  try {
    up = session.request(x.headers, {
      endStream: x.endStream,
      waitForTrailers: !x.endStream && x.requestTrailers,
    });
  } catch {
    upstreamFailed(x);
    return;
  }
  let responded = false;
  let trailers: IncomingHttpHeaders | undefined;
  up.on('error', ignore);
  up.on('response', (rh, rflags) => {
    responded = true;
    onResponse(x, up, rh, rflags, () => trailers);
  });
  up.on('trailers', (t) => {
    trailers = t;
  });
  up.on('close', () => {
    if (!responded) upstreamFailed(x);
    else if (!stream.destroyed && !stream.closed && !stream.writableEnded)
      stream.close(up.rstCode || NGHTTP2_INTERNAL_ERROR);
  });
  stream.on('close', () => {
    if (!up.closed && !up.destroyed) up.close(NGHTTP2_CANCEL);
  });
  if (x.endStream) return;
  let reqTrailers: IncomingHttpHeaders | undefined;
  if (x.requestTrailers) {
    stream.on('trailers', (t) => {
      reqTrailers = t;
    });
    up.on('wantTrailers', () => up.sendTrailers(endToEndObject(reqTrailers ?? {})));
  }
  stream.pipe(up);
}

function endToEndObject(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || k.charCodeAt(0) === 0x3a) continue;
    if (k === 'connection' || k === 'keep-alive' || k === 'transfer-encoding' || k === 'upgrade') continue;
    out[k] = v;
  }
  return out;
}

function responsePairs(h: IncomingHttpHeaders): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || k.charCodeAt(0) === 0x3a) continue;
    if (Array.isArray(v)) for (const e of v) out.push([k, e]);
    else out.push([k, String(v)]);
  }
  return out;
}

function onResponse(
  x: Exchange,
  up: ClientHttp2Stream,
  rh: IncomingHttpHeaders,
  rflags: number,
  trailers: () => IncomingHttpHeaders | undefined,
): void {
  const { stream } = x;
  const status = Number(rh[':status'] ?? 0);
  x.c.conn.emit(responseEvent(x.info, status, responsePairs(rh)));
  if (stream.destroyed || stream.closed) {
    up.close(NGHTTP2_CANCEL);
    return;
  }
  const out = endToEndObject(rh);
  out[':status'] = status;
  const trailersOnly = (rflags & FLAG_END_STREAM) !== 0;
  // Whether trailers follow is known only at the end: keep the stream open for them. With none, Node ends the
  // stream with an empty DATA frame carrying END_STREAM.
  try {
    stream.respond(out, { endStream: trailersOnly, waitForTrailers: !trailersOnly });
  } catch {
    stream.close(NGHTTP2_INTERNAL_ERROR);
    up.close(NGHTTP2_CANCEL);
    return;
  }
  if (trailersOnly) return;
  stream.on('wantTrailers', () => stream.sendTrailers(endToEndObject(trailers() ?? {})));
  up.pipe(stream);
}
