// The DNS proxy's protocol side: judge each query, answer denials itself, forward the rest, enforce answers before release.
import type { Socket } from 'node:net';
import type { L7Verdict, SocketAddress } from '../l7-handler.js';
import { type DnsL7Event, requestEvent, responseEvent } from './dns-events.js';
import { DnsFrameReader, frameDnsMessage } from './dns-framing.js';
import type { DnsJudge } from './dns-judge.js';
import { type DnsMalformedReason, type DnsQuery, parseDnsQuery } from './dns-query.js';
import { errorResponse, RCODE, summarizeAnswer } from './dns-response.js';
import { connectTcp, DnsUpstreamError, exchangeUdp, TcpUpstream } from './upstream-exchange.js';

/** An allowed answer's addresses, for the FQDN layer (the agent maps the source address to its endpoint). */
export interface DnsAnswerObservation {
  readonly source: SocketAddress;
  readonly name: string;
  readonly ips: readonly string[];
  readonly ttl: number;
  readonly time: number;
}

/** Resolves once the addresses are enforced (identities, ipcache, policy maps); the proxy waits at most `responseMaxDelayMs`. */
export interface DnsFqdnSink {
  ensure(obs: DnsAnswerObservation): Promise<unknown>;
}

export type DnsCounter =
  | 'requests'
  | 'denied'
  | 'malformed'
  | 'timeout'
  | 'upstream-error'
  | 'upstream-malformed'
  | 'fqdn-delayed'
  | 'judge-error';

export interface DnsProxyOptions {
  readonly judge: DnsJudge;
  readonly fqdn?: DnsFqdnSink;
  readonly emit?: (ev: DnsL7Event) => void;
  readonly count?: (what: DnsCounter, n?: number) => void;
  /** Cilium's tofqdns-dns-reject-response-code: `refused` (default) or `nameError` (NXDOMAIN). */
  readonly rejectResponseCode?: 'refused' | 'nameError';
  /** tofqdns-proxy-response-max-delay: how long an allowed answer waits for its addresses to be enforced. */
  readonly responseMaxDelayMs?: number;
  /** Cilium's ProxyForwardTimeout (10 s): an upstream that does not answer gets the client no answer either. */
  readonly forwardTimeoutMs?: number;
  /** Sends a UDP query to the server the pod asked; default: a plain socket (the core passes a transparent one). */
  readonly forwardUdp?: (
    query: Buffer,
    destination: SocketAddress,
    source: SocketAddress,
    timeoutMs: number,
  ) => Promise<Buffer>;
  /** Idle TCP client connections are closed after this; default 10 s. */
  readonly tcpIdleTimeoutMs?: number;
  readonly now?: () => number;
}

/** A redirected TCP connection (the subset of the core's ProxiedConnection the DNS proxy uses). */
export interface DnsTcpConnection {
  readonly source: SocketAddress;
  readonly destination: SocketAddress;
  readonly client: Socket;
  connectUpstream(): Promise<Socket>;
}

export interface DnsProxyStats {
  counters: Record<DnsCounter, number>;
  malformed: Partial<Record<DnsMalformedReason, number>>;
  tcpConnections: number;
}

export interface DnsProxy {
  /** One datagram the redirect delivered: `reply` sends the answer back to the pod (from `originalDst`). Never rejects. */
  handleUdp(
    msg: Buffer,
    client: SocketAddress,
    originalDst: SocketAddress,
    reply: (answer: Buffer) => void,
  ): Promise<void>;
  /** Takes over a redirected TCP connection: every framed query in it is judged alone. */
  handleTcp(conn: DnsTcpConnection): void;
  stats(): DnsProxyStats;
}

const COUNTERS: readonly DnsCounter[] = [
  'requests',
  'denied',
  'malformed',
  'timeout',
  'upstream-error',
  'upstream-malformed',
  'fqdn-delayed',
  'judge-error',
];

export function createDnsProxy(o: DnsProxyOptions): DnsProxy {
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<DnsCounter, number>;
  const malformed: Partial<Record<DnsMalformedReason, number>> = {};
  let tcpConnections = 0;
  const now = o.now ?? Date.now;
  const rejectCode = o.rejectResponseCode === 'nameError' ? RCODE.NXDOMAIN : RCODE.REFUSED;
  const maxDelay = o.responseMaxDelayMs ?? 100;
  const timeout = o.forwardTimeoutMs ?? 10_000;
  const forwardUdp = o.forwardUdp ?? ((q, dst, _src, t) => exchangeUdp(dst, q, t));
  const count = (what: DnsCounter, n = 1) => {
    counters[what] += n;
    o.count?.(what, n);
  };
  const emit = (ev: DnsL7Event) => {
    try {
      o.emit?.(ev);
    } catch {
      // A broken flow channel must not break DNS.
    }
  };

  const judge = (
    q: DnsQuery,
    transport: 'udp' | 'tcp',
    src: SocketAddress,
    dst: SocketAddress,
  ): L7Verdict => {
    try {
      return o.judge({ type: 'dns', query: q.name, qtype: q.qtype, transport }, src, dst);
    } catch {
      count('judge-error');
      return { verdict: 'DROPPED', rules: [] };
    }
  };

  /** One parsed query, start to finish; undefined means: send nothing (malformed, or the upstream timed out). */
  async function serve(
    q: DnsQuery,
    transport: 'udp' | 'tcp',
    src: SocketAddress,
    dst: SocketAddress,
    send: (raw: Buffer) => Promise<Buffer>,
  ): Promise<Buffer | undefined> {
    count('requests');
    const v = judge(q, transport, src, dst);
    emit(requestEvent(q, v, src, dst, now()));
    if (v.verdict === 'DROPPED') {
      count('denied');
      return errorResponse(q, rejectCode);
    }
    const t0 = process.hrtime.bigint();
    let resp: Buffer;
    try {
      resp = await send(q.raw);
    } catch (e) {
      if (e instanceof DnsUpstreamError && e.code === 'PORIN_ERR_DNS_TIMEOUT') {
        count('timeout');
        return undefined;
      }
      count('upstream-error');
      return errorResponse(q, RCODE.SERVFAIL);
    }
    const a = summarizeAnswer(resp, q.name);
    if (!a) {
      count('upstream-malformed');
      return errorResponse(q, RCODE.SERVFAIL);
    }
    if (o.fqdn && a.rcode === RCODE.NOERROR && a.ips.length > 0) {
      // Hold the answer until its addresses are enforced, at most maxDelay (then release it anyway, as Cilium).
      const obs: DnsAnswerObservation = { source: src, name: q.name, ips: a.ips, ttl: a.ttl, time: now() };
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), maxDelay);
      });
      const done = o.fqdn.ensure(obs).then(
        () => 'done' as const,
        () => 'late' as const,
      );
      if ((await Promise.race([done, late])) === 'late') count('fqdn-delayed');
      clearTimeout(timer);
    }
    emit(responseEvent(q, v, a, process.hrtime.bigint() - t0, src, dst, now()));
    return resp;
  }

  const drop = (reason: DnsMalformedReason) => {
    count('malformed');
    malformed[reason] = (malformed[reason] ?? 0) + 1;
  };

  return {
    async handleUdp(msg, client, originalDst, reply) {
      try {
        const p = parseDnsQuery(msg);
        if (!p.ok) {
          drop(p.reason);
          return;
        }
        const out = await serve(p.query, 'udp', client, originalDst, (raw) =>
          forwardUdp(raw, originalDst, client, timeout),
        );
        if (out) reply(out);
      } catch {
        count('upstream-error');
      }
    },

    handleTcp(conn) {
      tcpConnections++;
      const upstream = new TcpUpstream(() => conn.connectUpstream());
      const reader = new DnsFrameReader();
      const sock = conn.client;
      sock.setTimeout(o.tcpIdleTimeoutMs ?? 10_000, () => sock.destroy());
      sock.on('error', () => sock.destroy());
      sock.on('close', () => {
        tcpConnections--;
        upstream.close();
      });
      sock.on('data', (chunk) => {
        for (const msg of reader.push(chunk)) {
          const p = parseDnsQuery(msg);
          if (!p.ok) {
            // A stream that does not parse cannot be resynchronised: drop the connection.
            drop(p.reason);
            sock.destroy();
            return;
          }
          serve(p.query, 'tcp', conn.source, conn.destination, (raw) => upstream.exchange(raw, timeout)).then(
            (out) => {
              if (out && !sock.destroyed) sock.write(frameDnsMessage(out));
            },
            () => count('upstream-error'),
          );
        }
      });
    },

    stats() {
      return { counters: { ...counters }, malformed: { ...malformed }, tcpConnections };
    },
  };
}

/** For tests and hosts without the redirect: the connection's upstream is a plain TCP connection to `destination`. */
export function plainTcpConnection(
  client: Socket,
  source: SocketAddress,
  destination: SocketAddress,
): DnsTcpConnection {
  return { client, source, destination, connectUpstream: () => connectTcp(destination) };
}
