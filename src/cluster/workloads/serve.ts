// The `serve` workload: HTTP echo servers and UDP echo sockets reporting the pod, like agnhost netexec / serve-hostname.
import type dgram from 'node:dgram';
import http from 'node:http';
import { bindUdp, closeHttp, closeUdp, listenHttp } from './listen.js';
import { type Listener, type PodIdentity, plainAddress, type RunningWorkload } from './running-workload.js';

export interface ServeOptions {
  readonly pod: PodIdentity;
  readonly tcpPorts: readonly number[];
  readonly udpPorts: readonly number[];
  /** Bind address; default `0.0.0.0`. */
  readonly bind?: string;
  /** agnhost serve-hostname behaviour: every HTTP request and every datagram is answered with the pod name. */
  readonly hostnameOnly?: boolean;
}

/** The JSON body `serve` answers to any HTTP request other than its fixed endpoints. */
export interface EchoReport {
  pod: string;
  namespace: string;
  client: { address: string; port: number };
  server: { address: string; port: number };
  method: string;
  path: string;
  host: string | undefined;
}

/**
 * HTTP (every `tcpPorts` entry): `GET /healthz` → `ok`; `/hostname` (or `/hostName`) → the pod name;
 * `/clientip` → `<ip>:<port>` of the caller; `/echo?msg=x` → `x`; anything else → 200 with an `EchoReport`.
 * UDP (every `udpPorts` entry): `hostname` → the pod name, `clientip` → `<ip>:<port>`, `echo <msg>` → `<msg>`,
 * anything else is echoed back unchanged.
 */
export async function startServe(o: ServeOptions): Promise<RunningWorkload> {
  const bind = o.bind ?? '0.0.0.0';
  const servers: http.Server[] = [];
  const sockets: dgram.Socket[] = [];
  const listeners: Listener[] = [];
  const close = async () => {
    await Promise.all([...servers.map(closeHttp), ...sockets.map(closeUdp)]);
  };
  try {
    for (const port of o.tcpPorts) {
      const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => handleHttp(o, req, res));
      servers.push(server);
      listeners.push(await listenHttp(server, bind, port));
    }
    for (const port of o.udpPorts) {
      const { socket, listener } = await bindUdp(bind, port);
      socket.on('message', (msg, rinfo) => socket.send(udpReply(o, msg, rinfo), rinfo.port, rinfo.address));
      sockets.push(socket);
      listeners.push(listener);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { kind: 'serve', listeners, close };
}

function handleHttp(o: ServeOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const client = { address: plainAddress(req.socket.remoteAddress), port: req.socket.remotePort ?? 0 };
    const url = new URL(req.url ?? '/', 'http://pod');
    const text = (status: number, body: string) => {
      res.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (o.hostnameOnly) return text(200, o.pod.name);
    switch (url.pathname) {
      case '/healthz':
        return text(200, 'ok');
      case '/hostname':
      case '/hostName':
        return text(200, o.pod.name);
      case '/clientip':
        return text(200, `${client.address}:${client.port}`);
      case '/echo':
        return text(200, url.searchParams.get('msg') ?? '');
    }
    const report: EchoReport = {
      pod: o.pod.name,
      namespace: o.pod.namespace,
      client,
      server: { address: plainAddress(req.socket.localAddress), port: req.socket.localPort ?? 0 },
      method: req.method ?? '',
      path: req.url ?? '/',
      host: req.headers.host,
    };
    const body = `${JSON.stringify(report)}\n`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

function udpReply(o: ServeOptions, msg: Buffer, rinfo: dgram.RemoteInfo): Buffer | string {
  if (o.hostnameOnly) return o.pod.name;
  const text = msg.toString('utf8').trim();
  if (text === 'hostname') return o.pod.name;
  if (text === 'clientip') return `${plainAddress(rinfo.address)}:${rinfo.port}`;
  if (text.startsWith('echo ')) return text.slice(5);
  return msg;
}
