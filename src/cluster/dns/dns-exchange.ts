// One DNS request/response exchange with one server over UDP or TCP, with a timeout (used by the forwarder and tests).
import dgram from 'node:dgram';
import net from 'node:net';
import { DnsError } from './dns-error.js';
import { frameTcp, isResponse, messageId, sameQuestion, TcpMessageReader } from './dns-wire.js';

export interface DnsServerAddress {
  readonly address: string;
  readonly port: number;
}

const MAX_UDP_RESPONSE = 65535;

/** Sends `query` over a connected UDP socket and resolves with the first response carrying its ID and question. */
export function exchangeUdp(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({
      type: net.isIPv6(server.address) ? 'udp6' : 'udp4',
      recvBufferSize: MAX_UDP_RESPONSE,
    });
    let done = false;
    const finish = (err: Error | undefined, msg?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new DnsError(
            'PORIN_ERR_DNS_TIMEOUT',
            `no answer from ${hostPort(server)} over UDP in ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    sock.on('error', (err) =>
      finish(
        new DnsError('PORIN_ERR_DNS_UPSTREAM', `${hostPort(server)} over UDP: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    sock.on('message', (msg) => {
      // Anything that is not the answer to this question (late answers, spoofing attempts) is ignored.
      if (
        msg.length >= 12 &&
        isResponse(msg) &&
        messageId(msg) === messageId(query) &&
        sameQuestion(msg, query)
      ) {
        finish(undefined, msg);
      }
    });
    sock.connect(server.port, server.address, () => {
      sock.send(query, (err) => {
        if (err)
          finish(
            new DnsError('PORIN_ERR_DNS_UPSTREAM', `${hostPort(server)} over UDP: ${err.message}`, {
              cause: err,
            }),
          );
      });
    });
  });
}

/** Sends `query` over a new TCP connection and resolves with the response. */
export function exchangeTcp(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: server.address, port: server.port });
    const reader = new TcpMessageReader();
    let done = false;
    const finish = (err: Error | undefined, msg?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(msg!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new DnsError(
            'PORIN_ERR_DNS_TIMEOUT',
            `no answer from ${hostPort(server)} over TCP in ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    sock.on('error', (err) =>
      finish(
        new DnsError('PORIN_ERR_DNS_UPSTREAM', `${hostPort(server)} over TCP: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    sock.on('connect', () => sock.write(frameTcp(query)));
    sock.on('data', (chunk) => {
      for (const msg of reader.push(chunk)) {
        if (isResponse(msg) && messageId(msg) === messageId(query) && sameQuestion(msg, query))
          finish(undefined, msg);
      }
    });
    sock.on('end', () =>
      finish(
        new DnsError(
          'PORIN_ERR_DNS_UPSTREAM',
          `${hostPort(server)} closed the TCP connection without an answer`,
        ),
      ),
    );
  });
}

export function hostPort(s: DnsServerAddress): string {
  return net.isIPv6(s.address) ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
}
