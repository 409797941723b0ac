// The HTTP protocol handler: tells HTTP/2 prior knowledge from HTTP/1.x by the first bytes and dispatches.
import type { L7Handler, ProxiedConnection } from '../l7-handler.js';
import { prefaceState } from './h2-frames.js';
import { canUpgradeToH2c, upgradeToH2c } from './h2c-upgrade.js';
import { createHttp1Server, type Http1Server } from './http1-server.js';
import { createHttp2Server, type Http2Server } from './http2-server.js';
import { type HttpProxyOptions, resolveOptions } from './options.js';

export interface HttpHandler {
  /** Takes over one redirected connection (HTTP/1.0, HTTP/1.1, h2c prior knowledge or Upgrade). */
  readonly handle: L7Handler;
  /** Closes every connection it still holds. */
  close(): void;
}

function ignore(): void {}

/** Builds a handler with its own limits; `handleHttp` is one with the defaults. */
export function createHttpHandler(options: Partial<HttpProxyOptions> = {}): HttpHandler {
  const opts = resolveOptions(options);
  const h2: Http2Server = createHttp2Server(opts);
  const h1: Http1Server = createHttp1Server(opts, (s, req, socket, head) => {
    if (canUpgradeToH2c(req)) upgradeToH2c(s, req, socket, head, opts, (sock) => h2.accept(s.conn, sock));
    else h1.replayWithoutUpgrade(req, socket, head);
  });
  const handle: L7Handler = (conn) => {
    try {
      sniff(conn, opts, h1, h2);
    } catch {
      conn.count('malformed');
      conn.client.destroy();
    }
  };
  return {
    handle,
    close() {
      h1.close();
      h2.close();
    },
  };
}

/** Reads until the bytes are, or cannot be, the HTTP/2 client preface, then hands the socket over. */
function sniff(conn: ProxiedConnection, opts: HttpProxyOptions, h1: Http1Server, h2: Http2Server): void {
  const sock = conn.client;
  sock.on('error', ignore); // an error before a server owns the socket must not go unhandled
  sock.setNoDelay(true); // small responses must not wait for Nagle + delayed ACK (40 ms each)
  let buf: Buffer = Buffer.alloc(0);
  const done = () => {
    sock.removeListener('data', onData);
    sock.removeListener('timeout', onTimeout);
    sock.removeListener('end', onEnd);
    sock.setTimeout(0);
  };
  const onTimeout = () => {
    done();
    conn.count('timeout');
    sock.destroy();
  };
  const onEnd = () => {
    done();
    sock.destroy();
  };
  const onData = (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const state = prefaceState(buf);
    if (state === 'maybe') return;
    done();
    sock.pause();
    sock.unshift(buf);
    if (state === 'yes') h2.accept(conn, sock);
    else h1.accept(conn, sock);
  };
  sock.setTimeout(opts.idleTimeoutMs);
  sock.on('timeout', onTimeout);
  sock.on('end', onEnd);
  sock.on('data', onData);
}
