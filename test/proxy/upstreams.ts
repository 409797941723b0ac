// Real servers the proxy tests forward to: an HTTP/1.1 echo and an h2c echo on loopback.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';

export interface EchoReply {
  method: string;
  url: string;
  httpVersion: string;
  /** Lower-cased names, in order. */
  headers: [string, string][];
  trailers: [string, string][];
  bodyBytes: number;
  bodySha256: string;
  /** The peer as the server saw it. */
  peerPort: number;
}

export interface Upstream {
  readonly port: number;
  /** Requests seen, in order. */
  readonly seen: EchoReply[];
  /** Upstream TCP connections accepted. */
  connections: number;
  /** 'body' (bytes so far) as request body arrives; 'gated' when a `/gate` response waits for `openGate()`. */
  readonly events: EventEmitter;
  /** Lets the `/gate` responses finish. */
  openGate(): void;
  close(): Promise<void>;
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

/**
 * HTTP/1.1 echo. Paths: `/stream/N` answers N chunks of 1 KiB with a pause between, `/trailers` answers with a
 * trailer, `/status/N` answers status N, `/bytes/N` answers N bytes, `/gate` sends one chunk and finishes only
 * after `openGate()`; anything else echoes the request as JSON.
 */
export async function startHttpEcho(): Promise<Upstream> {
  const seen: EchoReply[] = [];
  const events = new EventEmitter();
  let gateOpen = false;
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
      events.emit('body', bytes);
    });
    req.on('end', () => {
      const reply: EchoReply = {
        method: req.method ?? '',
        url: req.url ?? '',
        httpVersion: req.httpVersion,
        headers: pairs(req.rawHeaders),
        trailers: pairs(req.rawTrailers),
        bodyBytes: bytes,
        bodySha256: hash.digest('hex'),
        peerPort: req.socket.remotePort ?? 0,
      };
      seen.push(reply);
      const url = req.url ?? '';
      let m = /^\/stream\/(\d+)$/.exec(url);
      if (m) {
        let left = Number(m[1]);
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const tick = () => {
          if (left-- <= 0) return res.end();
          res.write(Buffer.alloc(1024, 0x61));
          setTimeout(tick, 5);
        };
        tick();
        return;
      }
      if (url === '/gate') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        const finish = () => res.end('last');
        if (gateOpen) finish();
        else {
          events.once('open', finish);
          events.emit('gated');
        }
        return;
      }
      if (url === '/trailers') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
        res.write('body');
        res.addTrailers({ 'x-checksum': 'abc123' });
        res.end();
        return;
      }
      m = /^\/status\/(\d+)$/.exec(url);
      if (m) {
        res.writeHead(Number(m[1]), { 'content-type': 'text/plain' });
        res.end(`status ${m[1]}`);
        return;
      }
      m = /^\/bytes\/(\d+)$/.exec(url);
      if (m) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': m[1] });
        res.end(Buffer.alloc(Number(m[1]), 0x62));
        return;
      }
      const body = JSON.stringify(reply);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const up: Upstream = {
    port: (server.address() as AddressInfo).port,
    seen,
    connections: 0,
    events,
    openGate() {
      gateOpen = true;
      events.emit('open');
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  Object.defineProperty(up, 'connections', { get: () => connections });
  return up;
}

/** h2c echo (prior knowledge): answers JSON of the request, or `/stream/N` as N DATA chunks with a trailer. */
export async function startH2Echo(): Promise<Upstream> {
  const seen: EchoReply[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  let connections = 0;
  const server = http2.createServer();
  server.on('session', (s) => {
    connections++;
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on(
    'stream',
    (
      stream: http2.ServerHttp2Stream,
      headers: http2.IncomingHttpHeaders,
      _f: number,
      rawHeaders: unknown,
    ) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let trailers: [string, string][] = [];
      stream.on('trailers', (t: http2.IncomingHttpHeaders) => {
        trailers = Object.entries(t).map(([k, v]) => [k, String(v)]);
      });
      stream.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      stream.on('error', () => {});
      stream.on('end', () => {
        const reply: EchoReply = {
          method: String(headers[':method']),
          url: String(headers[':path']),
          httpVersion: '2.0',
          headers: pairs(rawHeaders as unknown as string[]),
          trailers,
          bodyBytes: bytes,
          bodySha256: hash.digest('hex'),
          peerPort: stream.session?.socket.remotePort ?? 0,
        };
        seen.push(reply);
        const m = /^\/stream\/(\d+)$/.exec(reply.url);
        if (m) {
          stream.respond(
            { ':status': 200, 'content-type': 'application/octet-stream' },
            { waitForTrailers: true },
          );
          stream.on('wantTrailers', () => stream.sendTrailers({ 'x-chunks': m[1]! }));
          let left = Number(m[1]);
          const tick = () => {
            if (left-- <= 0) return stream.end();
            stream.write(Buffer.alloc(1024, 0x61));
            setTimeout(tick, 2);
          };
          tick();
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(JSON.stringify(reply));
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const up: Upstream = {
    port: (server.address() as AddressInfo).port,
    seen,
    connections: 0,
    events: new EventEmitter(),
    openGate() {},
    async close() {
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  Object.defineProperty(up, 'connections', { get: () => connections });
  return up;
}
