// One HTTP/1.x request through the proxy: check, judge, then forward it upstream or answer 403 and drain it.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { ProxiedConnection } from '../l7-handler.js';
import { type ExchangeInfo, requestEvent, responseEvent, secretHeaderNames } from './events.js';
import { applyHeaderActions, endToEnd, flatten, type HeaderPair, pairsOf } from './headers.js';
import { upstreamAgent } from './http1-upstream.js';
import { UPSTREAM_FAILURE_BODY } from './local-reply.js';
import type { HttpProxyOptions } from './options.js';
import { checkRequestHead, type RequestHead } from './request-head.js';

/** A client connection's HTTP/1 state. */
export interface Http1Session {
  readonly conn: ProxiedConnection;
  readonly opts: HttpProxyOptions;
  agent: http.Agent | undefined;
  /** Forwarded requests wait here for the one upstream exchange before them to finish (see `enqueue`). */
  readonly queue: Array<() => void>;
  busy: boolean;
  /** A request head was refused: the connection closes after the answer, and llhttp's late errors are not recounted. */
  rejected: boolean;
}

/**
 * Runs `start` when the upstream connection is free. One exchange at a time: requests reach the server in the
 * client's order and its responses return in that order (the agent alone would open a second connection while
 * the first is still being dialled).
 */
function enqueue(s: Http1Session, start: () => void): void {
  if (s.busy) s.queue.push(start);
  else {
    s.busy = true;
    start();
  }
}

function next(s: Http1Session): void {
  const start = s.queue.shift();
  if (start) start();
  else s.busy = false;
}

type Head = Extract<RequestHead, { ok: true }>;

function authorityOf(a: { address: string; port: number }): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Answers with the proxy's own response; `close` ends the connection after it. */
function localReply(res: ServerResponse, status: number, body: string, close: boolean, extra: string[] = []) {
  const headers = ['content-length', String(Buffer.byteLength(body)), 'content-type', 'text/plain', ...extra];
  if (close) headers.push('connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}

/** Handles one parsed request (`expectContinue`: the client waits for 100 Continue before sending the body). */
export function handleRequest(
  s: Http1Session,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
) {
  const pairs = pairsOf(req.rawHeaders);
  const head = checkRequestHead(req, pairs, s.opts);
  if (!head.ok) {
    s.rejected = true;
    s.conn.count(head.counter);
    localReply(res, head.status, '', true);
    return;
  }
  if (head.redirect) {
    localReply(res, 307, '', !req.complete, ['location', head.target]);
    return;
  }
  const method = req.method ?? 'GET';
  const { conn } = s;
  // HTTP/1.0 may omit Host: like Envoy's default_host_for_http_10, the original destination stands in for it.
  const host = head.host || authorityOf(conn.destination);
  conn.count('requests');
  const verdict = conn.judge({ type: 'http', method, path: head.target, host, headers: pairs });
  const info: ExchangeInfo = {
    method,
    url: `http://${host}${head.target === '*' ? '' : head.target}`,
    protocol: req.httpVersionMinor === 0 ? 'HTTP/1' : 'HTTP/1.1',
    start: process.hrtime.bigint(),
    verdict: verdict.verdict,
    rules: verdict.rules,
  };
  if (verdict.verdict === 'DROPPED') {
    conn.emit(requestEvent(info, pairs));
    deny(s, req, res, head, info, expectContinue);
    return;
  }
  const out = applyHeaderActions(endToEnd(pairs), verdict.headerActions);
  if (!head.host) out.push(['host', host]);
  conn.emit(requestEvent(info, out, secretHeaderNames(verdict.headerActions)));
  if (expectContinue) res.writeContinue();
  enqueue(s, () => forward(s, req, res, head, out, info, false));
}

/** Cilium's 403; the request's body is read and dropped so the connection serves the next request. */
function deny(
  s: Http1Session,
  req: IncomingMessage,
  res: ServerResponse,
  head: Head,
  info: ExchangeInfo,
  expect: boolean,
) {
  s.conn.count('denied');
  const hasBody = head.chunked || (head.contentLength ?? 0) > 0;
  // A client waiting for 100 Continue may or may not send its body now: only a close leaves no doubt.
  const close =
    hasBody &&
    !req.complete &&
    (expect || (head.contentLength !== undefined && head.contentLength > s.opts.maxDrainBytes));
  localReply(res, 403, s.opts.deniedBody, close);
  s.conn.emit(responseEvent(info, 403, []));
  if (hasBody && !req.complete && !close) drain(req, s.opts.maxDrainBytes);
}

function drain(req: IncomingMessage, max: number) {
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > max) req.socket.destroy();
  });
}

/** Sends the request upstream and the response back; calls `next(s)` once when this exchange is over. */
function forward(
  s: Http1Session,
  req: IncomingMessage,
  res: ServerResponse,
  head: Head,
  headers: HeaderPair[],
  info: ExchangeInfo,
  retry: boolean,
) {
  let over = false;
  const done = () => {
    if (over) return;
    over = true;
    next(s);
  };
  if (res.destroyed || req.socket.destroyed) {
    done();
    return;
  }
  const upHeaders = head.hostFromTarget
    ? [...headers.filter((p) => p[0] !== 'host'), ['host', head.host] as const]
    : headers;
  if (head.chunked) upHeaders.push(['transfer-encoding', 'chunked']);
  const hasBody = head.chunked || (head.contentLength ?? 0) > 0;
  s.agent ??= upstreamAgent(s.conn);
  let up: http.ClientRequest;
  try {
    up = http.request({
      agent: s.agent,
      host: s.conn.destination.address,
      port: s.conn.destination.port,
      method: info.method,
      path: head.target,
      headers: flatten(upHeaders.filter((p) => p[0] !== 'expect')),
      setHost: false,
    });
  } catch {
    // A header value an action put in that Node refuses to send: Envoy's filter errors are 500s.
    s.conn.count('malformed');
    localReply(res, 500, '', true);
    done();
    return;
  }
  up.on('response', (upRes) => {
    const rpairs = pairsOf(upRes.rawHeaders);
    s.conn.emit(responseEvent(info, upRes.statusCode ?? 0, rpairs));
    res.sendDate = false;
    try {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, flatten(endToEnd(rpairs)));
    } catch {
      res.destroy();
      up.destroy();
      done();
      return;
    }
    upRes.pipe(res, { end: false });
    upRes.on('end', () => {
      if (upRes.rawTrailers.length > 0) {
        res.addTrailers(endToEnd(pairsOf(upRes.rawTrailers)) as [string, string][]);
      }
      res.end();
      done();
    });
    upRes.on('error', () => {
      res.destroy();
      done();
    });
    upRes.on('aborted', () => {
      res.destroy();
      done();
    });
  });
  up.on('error', (err: NodeJS.ErrnoException) => {
    if (over) return;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      done();
      return;
    }
    // A kept-alive upstream socket the server closed just as it was reused: one retry for a bodyless request.
    if (!retry && !hasBody && up.reusedSocket && err.code === 'ECONNRESET') {
      over = true;
      forward(s, req, res, head, headers, info, true);
      return;
    }
    s.conn.count('upstream-error');
    req.unpipe(up);
    localReply(res, 503, UPSTREAM_FAILURE_BODY, !req.complete);
    s.conn.emit(responseEvent(info, 503, []));
    done();
  });
  res.on('close', () => {
    if (res.writableFinished) return;
    up.destroy();
    done();
  });
  if (!hasBody) {
    up.end();
    return;
  }
  req.pipe(up, { end: false });
  req.on('end', () => {
    if (req.rawTrailers.length > 0) up.addTrailers(endToEnd(pairsOf(req.rawTrailers)) as [string, string][]);
    up.end();
  });
}
