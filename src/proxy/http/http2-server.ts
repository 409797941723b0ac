// The HTTP/2 (h2c) side: Node's nghttp2 server driven by the proxy's accepted sockets, one upstream per connection.
import http2, { type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { ProxiedConnection } from '../l7-handler.js';
import { type Http2Conn, handleStream } from './http2-exchange.js';
import { Http2Upstream } from './http2-upstream.js';
import type { HttpProxyOptions } from './options.js';

const kConn = Symbol('porin.http2.conn');
type Tagged = { [kConn]?: Http2Conn };

export interface Http2Server {
  /** Takes over a socket whose buffered bytes start with the client preface. */
  accept(conn: ProxiedConnection, socket: Socket): void;
  close(): void;
}

export function createHttp2Server(opts: HttpProxyOptions): Http2Server {
  const server = http2.createServer({
    settings: {
      enablePush: false,
      maxConcurrentStreams: opts.maxConcurrentStreams,
      maxHeaderListSize: opts.maxHeaderBytes,
    },
    maxHeaderListPairs: 4096,
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    // 'session' is emitted while the socket is handed over, so the tag set in accept() is there.
    const c = (session.socket as unknown as Tagged)[kConn];
    if (!c) {
      session.destroy();
      return;
    }
    (session as unknown as Tagged)[kConn] = c;
    sessions.add(session);
    // Protocol errors Node reports (bad preface, invalid frames); a peer that vanished (ECONNRESET) is not one.
    session.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code?.startsWith('ERR_HTTP2')) c.conn.count('malformed');
    });
    // Idle means no stream open (like Envoy's idle_timeout): a quiet gRPC Watch keeps its connection.
    let open = 0;
    session.on('stream', (stream: ServerHttp2Stream) => {
      open++;
      stream.once('close', () => open--);
    });
    session.setTimeout(opts.idleTimeoutMs, () => {
      if (open > 0) return;
      c.conn.count('timeout');
      session.close();
      setTimeout(() => session.destroy(), 1000).unref();
    });
    session.on('close', () => {
      sessions.delete(session);
      c.upstream.close();
    });
  });
  server.on(
    'stream',
    (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: unknown) => {
      const c = (stream.session as unknown as Tagged | undefined)?.[kConn];
      try {
        if (c) handleStream(c, stream, headers, flags, rawHeaders as unknown as string[]);
        else stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      } catch {
        // A bug here must cost one stream, never the proxy.
        c?.conn.count('malformed');
        stream.destroy();
      }
    },
  );
  return {
    accept(conn, socket) {
      (socket as unknown as Tagged)[kConn] = { conn, opts, upstream: new Http2Upstream(conn) };
      server.emit('connection', socket);
    },
    close() {
      for (const s of sessions) s.destroy();
      server.close();
    },
  };
}
