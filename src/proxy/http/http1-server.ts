// The HTTP/1.x side: Node's llhttp server driven by the proxy's accepted sockets, with errors mapped and counted.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { L7Counter, ProxiedConnection } from '../l7-handler.js';
import { type Http1Session, handleRequest } from './http1-exchange.js';
import { rawErrorResponse } from './local-reply.js';
import type { HttpProxyOptions } from './options.js';

const kSession = Symbol('porin.http1.session');
type SessionSocket = Socket & { [kSession]?: Http1Session };

/** llhttp errors that are request-smuggling attempts (framing the proxy and the server could read differently). */
const SMUGGLING: ReadonlySet<string> = new Set([
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'HPE_INVALID_CONTENT_LENGTH',
  'HPE_INVALID_TRANSFER_ENCODING',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_CR_EXPECTED',
  'HPE_LF_EXPECTED',
]);

export interface Http1Server {
  /** Takes over a paused socket whose first bytes (not the HTTP/2 preface) were unshifted back. */
  accept(conn: ProxiedConnection, socket: Socket): void;
  /** Parses an Upgrade request again without its upgrade (the server may ignore an Upgrade), then continues. */
  replayWithoutUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void;
  close(): void;
}

export type UpgradeHandler = (
  s: Http1Session,
  req: http.IncomingMessage,
  socket: Socket,
  head: Buffer,
) => void;

function sessionOf(socket: Socket): Http1Session | undefined {
  return (socket as SessionSocket)[kSession];
}

export function createHttp1Server(opts: HttpProxyOptions, onUpgrade: UpgradeHandler): Http1Server {
  const server = http.createServer({
    insecureHTTPParser: false,
    requireHostHeader: false, // checked in request-head.ts, so the 400 is counted
    maxHeaderSize: opts.maxHeaderBytes,
    headersTimeout: opts.headersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: opts.idleTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, opts.headersTimeoutMs >> 2)),
    noDelay: true,
  });
  server.maxHeadersCount = 0; // the byte limit bounds them; a count limit would hide headers from the policy
  // A client that sends its requests and then half-closes (FIN) still gets its answers, then the close.
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse, expectContinue: boolean) => {
    const s = sessionOf(req.socket);
    try {
      if (s) handleRequest(s, req, res, expectContinue);
      else res.destroy();
    } catch {
      // A bug here must cost one connection, never the proxy.
      s?.conn.count('malformed');
      req.socket.destroy();
    }
  };
  server.on('request', (req, res) => onRequest(req, res, false));
  server.on('checkContinue', (req, res) => onRequest(req, res, true));
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const s = sessionOf(socket);
    try {
      if (s) onUpgrade(s, req, socket, head);
      else socket.destroy();
    } catch {
      s?.conn.count('malformed');
      socket.destroy();
    }
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => {
    sessionOf(socket)?.conn.count('malformed');
    socket.end(rawErrorResponse(405, 'Method Not Allowed'));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => onClientError(err, socket));
  // A kept-alive connection idle past keepAliveTimeout (no request in progress): closed, and counted.
  server.on('timeout', (socket: Socket) => {
    sessionOf(socket)?.conn.count('timeout');
    socket.destroy();
  });
  // Connections reach this server by `emit('connection')`, never by listening: start the header-timeout
  // sweep (Node starts it on 'listening') so slowloris clients get their 408.
  server.emit('listening');
  return {
    accept(conn, socket) {
      (socket as SessionSocket)[kSession] = {
        conn,
        opts,
        agent: undefined,
        queue: [],
        busy: false,
        rejected: false,
      };
      socket.once('close', () => sessionOf(socket)?.agent?.destroy());
      server.emit('connection', socket);
      // The server consumes the socket natively from now on; the unshifted bytes flow once it resumes.
      process.nextTick(() => socket.resume());
    },
    replayWithoutUpgrade(req, socket, head) {
      socket.unshift(Buffer.concat([Buffer.from(headWithoutUpgrade(req), 'latin1'), head]));
      server.emit('connection', socket);
    },
    close() {
      server.closeAllConnections();
      server.close(() => {});
    },
  };
}

/** The request head as sent, minus `Upgrade`, `HTTP2-Settings` and their Connection tokens. */
function headWithoutUpgrade(req: http.IncomingMessage): string {
  let out = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    let value = raw[i + 1]!;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t && !/^(upgrade|http2-settings)$/i.test(t))
        .join(', ');
      if (!value) continue;
    }
    out += `${name}: ${value}\r\n`;
  }
  return `${out}\r\n`;
}

function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const s = sessionOf(socket);
  const conn = s?.conn;
  const code = err.code ?? '';
  if (s?.rejected) {
    // The request head was already refused (and counted) by the proxy; llhttp only noticed later.
    socket.destroy();
    return;
  }
  if (code === 'HPE_INVALID_EOF_STATE') {
    // The client closed in the middle of a request: nobody is left to read an answer.
    conn?.count('malformed');
    socket.destroy();
    return;
  }
  let status = 400;
  let reason = 'Bad Request';
  let counter: L7Counter | undefined = 'malformed';
  if (code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    reason = 'Request Header Fields Too Large';
    counter = 'header-too-large';
  } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    reason = 'Request Timeout';
    counter = 'timeout';
  } else if (SMUGGLING.has(code)) {
    counter = 'smuggling';
  } else if (!code.startsWith('HPE_')) {
    counter = undefined; // the peer went away (ECONNRESET, EPIPE…): nothing malformed
  }
  if (counter) conn?.count(counter);
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (counter && socket.writable && !inFlight?.headersSent) {
    socket.end(rawErrorResponse(status, reason));
    socket.destroySoon();
  } else {
    socket.destroy();
  }
}
