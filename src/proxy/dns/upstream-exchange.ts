// Forwarding a query to the server the pod asked: UDP per query, TCP on one connection per client connection.
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net, { type Socket } from 'node:net';
import type { SocketAddress } from '../l7-handler.js';
import { DnsFrameReader, frameDnsMessage } from './dns-framing.js';

export class DnsUpstreamError extends Error {
  constructor(
    readonly code: 'PORIN_ERR_DNS_TIMEOUT' | 'PORIN_ERR_DNS_UPSTREAM',
    message: string,
  ) {
    super(message);
  }
}

/** Is `resp` the answer to `query` (sent with `id`)? QR set, same ID, same question (names compared case-insensitively). */
export function answers(resp: Buffer, query: Buffer, id: number): boolean {
  if (resp.length < 12 || (resp.readUInt16BE(2) & 0x8000) === 0 || resp.readUInt16BE(0) !== id) return false;
  const end = questionEnd(query);
  if (end < 0 || resp.length < end || resp.readUInt16BE(4) !== 1) return false;
  return (
    resp.subarray(12, end).toString('latin1').toLowerCase() ===
    query.subarray(12, end).toString('latin1').toLowerCase()
  );
}

function questionEnd(msg: Buffer): number {
  let off = 12;
  for (;;) {
    const len = msg[off];
    if (len === undefined || (len & 0xc0) !== 0) return -1;
    off += len + 1;
    if (len === 0) return off + 4 <= msg.length ? off + 4 : -1;
  }
}

function withId(msg: Buffer, id: number): Buffer {
  const out = Buffer.from(msg);
  out.writeUInt16BE(id, 0);
  return out;
}

interface PendingUdp {
  readonly dst: SocketAddress;
  readonly query: Buffer;
  readonly clientId: number;
  readonly resolve: (b: Buffer) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Queries over UDP from a few long-lived sockets (a socket per query costs more than the query). Each query
 * gets a random ID unused on its socket (restored on the answer); only a datagram from the server asked,
 * with that ID and the same question, is taken as the answer — late or spoofed ones are ignored.
 */
export class UdpUpstreamPool {
  private readonly sockets: {
    type: 'udp4' | 'udp6';
    sock: dgram.Socket;
    pending: Map<number, PendingUdp>;
  }[] = [];
  private next = 0;

  constructor(private readonly size = 4) {}

  exchange(dst: SocketAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const slot = this.slot(net.isIPv6(dst.address) ? 'udp6' : 'udp4');
      let id = randomInt(0, 0x10000);
      for (let tries = 0; slot.pending.has(id) && tries < 0x10000; tries++) id = (id + 1) & 0xffff;
      if (slot.pending.has(id)) {
        reject(new DnsUpstreamError('PORIN_ERR_DNS_UPSTREAM', 'too many queries in flight'));
        return;
      }
      const out = withId(query, id);
      const timer = setTimeout(() => {
        slot.pending.delete(id);
        reject(
          new DnsUpstreamError(
            'PORIN_ERR_DNS_TIMEOUT',
            `no answer from ${dst.address}:${dst.port} in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      slot.pending.set(id, { dst, query: out, clientId: query.readUInt16BE(0), resolve, timer });
      slot.sock.send(out, dst.port, dst.address, (e) => {
        if (!e || !slot.pending.delete(id)) return;
        clearTimeout(timer);
        reject(new DnsUpstreamError('PORIN_ERR_DNS_UPSTREAM', `${dst.address}:${dst.port}: ${e.message}`));
      });
    });
  }

  close(): void {
    for (const s of this.sockets.splice(0)) {
      for (const p of s.pending.values()) clearTimeout(p.timer);
      s.sock.close();
    }
  }

  private slot(type: 'udp4' | 'udp6') {
    const mine = this.sockets.filter((s) => s.type === type);
    if (mine.length < this.size) {
      const sock = dgram.createSocket({ type, recvBufferSize: 1 << 20 });
      const pending = new Map<number, PendingUdp>();
      sock.on('error', () => {});
      sock.on('message', (msg, rinfo) => {
        if (msg.length < 12) return;
        const id = msg.readUInt16BE(0);
        const p = pending.get(id);
        if (!p || rinfo.port !== p.dst.port || rinfo.address !== p.dst.address || !answers(msg, p.query, id))
          return;
        pending.delete(id);
        clearTimeout(p.timer);
        p.resolve(withId(msg, p.clientId));
      });
      sock.unref();
      const s = { type, sock, pending };
      this.sockets.push(s);
      return s;
    }
    return mine[this.next++ % mine.length]!;
  }
}

const sharedPool = new UdpUpstreamPool();

/** One query over UDP through the process's shared socket pool; rejects with PORIN_ERR_DNS_TIMEOUT after `timeoutMs`. */
export function exchangeUdp(dst: SocketAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return sharedPool.exchange(dst, query, timeoutMs);
}

/** One query on a socket already connected to the server (the core's marked upstream socket); random ID, restored. */
export function exchangeOnSocket(sock: dgram.Socket, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const id = randomInt(0, 0x10000);
    const out = withId(query, id);
    let finished = false;
    const done = (err?: Error, msg?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.off('message', onMessage);
      if (err) reject(err);
      else resolve(withId(msg!, query.readUInt16BE(0)));
    };
    const onMessage = (msg: Buffer) => {
      if (answers(msg, out, id)) done(undefined, msg);
    };
    const timer = setTimeout(
      () => done(new DnsUpstreamError('PORIN_ERR_DNS_TIMEOUT', `no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('message', onMessage);
    sock.send(out, (e) => e && done(new DnsUpstreamError('PORIN_ERR_DNS_UPSTREAM', e.message)));
  });
}

/**
 * One TCP connection to the server, opened on first use, carrying every query of one client connection
 * (pipelined; answers matched by a per-connection ID, so clients may reuse IDs).
 */
export class TcpUpstream {
  private sock: Promise<Socket> | undefined;
  private readonly waiting = new Map<
    number,
    {
      query: Buffer;
      clientId: number;
      resolve: (b: Buffer) => void;
      reject: (e: Error) => void;
      timer: NodeJS.Timeout;
    }
  >();
  private nextId = randomInt(0, 0x10000);
  private closed = false;

  constructor(private readonly connect: () => Promise<Socket>) {}

  exchange(query: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new DnsUpstreamError('PORIN_ERR_DNS_UPSTREAM', 'connection closed'));
        return;
      }
      let id = this.nextId;
      while (this.waiting.has(id)) id = (id + 1) & 0xffff;
      this.nextId = (id + 1) & 0xffff;
      const out = withId(query, id);
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new DnsUpstreamError('PORIN_ERR_DNS_TIMEOUT', `no answer over TCP in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { query: out, clientId: query.readUInt16BE(0), resolve, reject, timer });
      this.socket().then(
        (s) => s.write(frameDnsMessage(out)),
        (e: Error) => this.fail(new DnsUpstreamError('PORIN_ERR_DNS_UPSTREAM', e.message)),
      );
    });
  }

  close(): void {
    this.closed = true;
    this.fail(new DnsUpstreamError('PORIN_ERR_DNS_UPSTREAM', 'connection closed'));
    void this.sock?.then(
      (s) => s.destroy(),
      () => {},
    );
  }

  private socket(): Promise<Socket> {
    if (!this.sock) {
      this.sock = this.connect().then((s) => {
        const reader = new DnsFrameReader();
        s.on('data', (chunk) => {
          for (const msg of reader.push(chunk)) {
            if (msg.length < 12) continue;
            const w = this.waiting.get(msg.readUInt16BE(0));
            if (!w || !answers(msg, w.query, msg.readUInt16BE(0))) continue;
            this.waiting.delete(msg.readUInt16BE(0));
            clearTimeout(w.timer);
            w.resolve(withId(msg, w.clientId));
          }
        });
        s.on('error', () => {});
        s.on('close', () => {
          this.sock = undefined;
          this.fail(new DnsUpstreamError('PORIN_ERR_DNS_UPSTREAM', 'the server closed the TCP connection'));
        });
        return s;
      });
      this.sock.catch(() => {
        this.sock = undefined;
      });
    }
    return this.sock;
  }

  private fail(err: Error): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(err);
      this.waiting.delete(id);
    }
  }
}

/** A plain (non-transparent) TCP connection to the server, for tests and hosts without the redirect. */
export function connectTcp(dst: SocketAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: dst.address, port: dst.port });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
