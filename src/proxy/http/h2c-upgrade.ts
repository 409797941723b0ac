// HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2): answer 101, then hand the connection to the HTTP/2 side with the
// upgraded request injected as stream 1, so it is judged and answered like any other stream.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  FRAME_HEADER_BYTES,
  FRAME_SETTINGS,
  H2_PREFACE,
  headersFrames,
  literalHeaderBlock,
  prefaceState,
  readFrameHeader,
} from './h2-frames.js';
import { endToEnd, type HeaderPair, pairsOf } from './headers.js';
import type { Http1Session } from './http1-exchange.js';
import type { HttpProxyOptions } from './options.js';

/** Whether this Upgrade request can switch: h2c offered, one HTTP2-Settings, and no body to carry over. */
export function canUpgradeToH2c(req: IncomingMessage): boolean {
  if (req.httpVersion !== '1.1') return false;
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (!upgrade.split(',').some((t) => t.trim() === 'h2c')) return false;
  const settings = req.headersDistinct['http2-settings'];
  if (settings?.length !== 1) return false;
  // A body would have to be replayed as DATA frames on stream 1: such requests stay on HTTP/1.1 (the server may
  // ignore an Upgrade, RFC 9110 §7.8).
  const cl = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (cl === undefined || cl === '0');
}

/** The upgraded request as HTTP/2 header fields (pseudo-headers first, connection-specific ones dropped). */
function streamOneHeaders(req: IncomingMessage): HeaderPair[] {
  const pairs = pairsOf(req.rawHeaders);
  const host = pairs.find((p) => p[0] === 'host')?.[1] ?? '';
  return [
    [':method', req.method ?? 'GET'],
    [':scheme', 'http'],
    [':authority', host],
    [':path', req.url ?? '/'],
    ...endToEnd(pairs, { dropHost: true, keepTeTrailers: true }),
  ];
}

/**
 * Switches `socket` to HTTP/2: writes 101, waits for the client preface and its SETTINGS frame, then replays
 * them followed by a synthetic HEADERS frame for stream 1 (END_STREAM) and hands the socket over. The
 * HTTP2-Settings header is not applied: the client's SETTINGS frame carries the same values.
 */
export function upgradeToH2c(
  s: Http1Session,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  opts: HttpProxyOptions,
  handOver: (socket: Socket) => void,
): void {
  const stream1 = headersFrames(1, literalHeaderBlock(streamOneHeaders(req)), true);
  socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n');
  let buf = head;
  const timer = setTimeout(() => {
    s.conn.count('timeout');
    socket.destroy();
  }, opts.headersTimeoutMs);
  const fail = () => {
    clearTimeout(timer);
    socket.removeListener('data', onData);
    s.conn.count('malformed');
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    tryHandOver();
  };
  const tryHandOver = () => {
    const state = prefaceState(buf);
    if (state === 'no') return fail();
    if (state === 'maybe') return;
    const f = readFrameHeader(buf, H2_PREFACE.length);
    if (!f) return;
    if (f.type !== FRAME_SETTINGS || f.streamId !== 0 || f.length > 16_384) return fail();
    const end = H2_PREFACE.length + FRAME_HEADER_BYTES + f.length;
    if (buf.length < end) return;
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('error', onError);
    socket.pause();
    socket.unshift(Buffer.concat([buf.subarray(0, end), stream1, buf.subarray(end)]));
    handOver(socket);
  };
  const onError = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  socket.on('error', onError);
  socket.on('data', onData);
  socket.once('close', () => clearTimeout(timer));
  if (buf.length > 0) tryHandOver();
}
