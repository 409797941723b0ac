// The DNS proxy's protocol side: judge each query, answer denials itself, forward the rest, enforce answers before release.
import type { Socket } from 'node:net';
import type { L7Verdict, SocketAddress } from '../l7-handler.js';
import { type DnsL7Event, requestEvent, responseEvent } from './dns-events.js';
import { DnsFrameReader, frameDnsMessage } from './dns-framing.js';
import type { DnsJudge } from './dns-judge.js';
import { type DnsMalformedReason, type DnsQuery, parseDnsQuery } from './dns-query.js';
import { errorResponse, RCODE, summarizeAnswer } from './dns-response.js';
import {
  connectTcp,
  DnsUpstreamError,
  exchangeOnSocket,
  exchangeUdp,
  TcpUpstream,
} from './upstream-exchange.js';

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
  /** For handleUdp/handleTcp; the core's datagrams and connections bring their own judge. None: every query is refused. */
  readonly judge?: DnsJudge;
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

/** A query as the proxy core's judge takes it (the core's `L7Request` of type `dns`). */
export interface CoreDnsRequest {
  readonly type: 'dns';
  readonly query: string;
  readonly qtypes?: readonly string[];
}

/** What the core gives a handler along with each datagram or connection (its ProxiedDatagram/ProxiedConnection). */
interface CoreBindings {
  readonly source: SocketAddress;
  readonly destination: SocketAddress;
  /** Judges against the policy the proxy holds now (both ends); never throws. */
  judge(req: CoreDnsRequest): L7Verdict;
  emit(ev: DnsL7Event): void;
  /** The core's counters (its status and metrics); the proxy keeps its own finer ones too. */
  count?(what: CoreCounter, n?: number): void;
}

/** The core's L7 counters the DNS proxy reports into. */
export type CoreCounter = 'requests' | 'denied' | 'malformed' | 'timeout' | 'upstream-error';

const TO_CORE: Partial<Record<DnsCounter, CoreCounter>> = {
  requests: 'requests',
  denied: 'denied',
  malformed: 'malformed',
  timeout: 'timeout',
  'upstream-error': 'upstream-error',
  'upstream-malformed': 'upstream-error',
  'judge-error': 'upstream-error',
};

/** A redirected datagram (the core's ProxiedDatagram, structurally). */
export interface DnsDatagram extends CoreBindings {
  readonly data: Buffer;
  /** Sends an answer to the pod, which sees it come from `destination`. */
  reply(data: Uint8Array): void;
  /** A UDP socket connected to `destination`, carrying the proxy's mark; the handler closes it. */
  openUpstream(): Promise<import('node:dgram').Socket>;
}

/** A redirected TCP connection (the core's ProxiedConnection, structurally). */
export interface DnsConnection extends CoreBindings {
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
  /** The core's datagram handler (L7DatagramHandler): judge, emit and upstream come with the datagram. */
  handleDatagram(d: DnsDatagram): void;
  /** The core's stream handler (L7Handler) for DNS over TCP. */
  handleConnection(c: DnsConnection): void;
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
  const countOwn = (what: DnsCounter, n = 1) => {
    counters[what] += n;
    o.count?.(what, n);
  };
  const count = countOwn;
  const optEmit = (ev: DnsL7Event) => o.emit?.(ev);

  /** The options' judge as the per-exchange one; no judge refuses (fail closed). */
  const ownJudge =
    (transport: 'udp' | 'tcp', src: SocketAddress, dst: SocketAddress) =>
    (req: CoreDnsRequest): L7Verdict =>
      o.judge
        ? o.judge({ type: 'dns', query: req.query, qtype: req.qtypes?.[0] ?? 'A', transport }, src, dst)
        : { verdict: 'DROPPED', rules: [] };

  const safeJudge = (judge: (req: CoreDnsRequest) => L7Verdict, q: DnsQuery): L7Verdict => {
    try {
      return judge({ type: 'dns', query: q.name, qtypes: [q.qtype] });
    } catch {
      count('judge-error');
      return { verdict: 'DROPPED', rules: [] };
    }
  };

  /** One parsed query, start to finish; undefined means: send nothing (malformed, or the upstream timed out). */
  async function serve(
    q: DnsQuery,
    ctx: {
      src: SocketAddress;
      dst: SocketAddress;
      judge: (req: CoreDnsRequest) => L7Verdict;
      emit: (ev: DnsL7Event) => void;
      send: (raw: Buffer) => Promise<Buffer>;
      count?: (what: CoreCounter, n?: number) => void;
    },
  ): Promise<Buffer | undefined> {
    const { src, dst, send } = ctx;
    const count = (what: DnsCounter) => {
      countOwn(what);
      const core = TO_CORE[what];
      if (core) ctx.count?.(core);
    };
    const emit = (ev: DnsL7Event) => {
      try {
        ctx.emit(ev);
      } catch {
        // A broken flow channel must not break DNS.
      }
    };
    count('requests');
    const v = safeJudge(ctx.judge, q);
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
        const out = await serve(p.query, {
          src: client,
          dst: originalDst,
          judge: ownJudge('udp', client, originalDst),
          emit: optEmit,
          send: (raw) => forwardUdp(raw, originalDst, client, timeout),
        });
        if (out) reply(out);
      } catch {
        count('upstream-error');
      }
    },

    handleTcp(conn) {
      serveStream(conn, ownJudge('tcp', conn.source, conn.destination), optEmit);
    },

    handleConnection(c) {
      serveStream(
        c,
        (req) => c.judge(req),
        (ev) => c.emit(ev),
        (what, n) => c.count?.(what, n),
      );
    },

    handleDatagram(d) {
      const p = parseDnsQuery(d.data);
      if (!p.ok) {
        drop(p.reason);
        d.count?.('malformed');
        return;
      }
      serve(p.query, {
        src: d.source,
        dst: d.destination,
        judge: (req) => d.judge(req),
        emit: (ev) => d.emit(ev),
        count: (what, n) => d.count?.(what, n),
        send: async (raw) => {
          const sock = await d.openUpstream();
          try {
            return await exchangeOnSocket(sock, raw, timeout);
          } finally {
            sock.close();
          }
        },
      }).then(
        (out) => {
          if (out) d.reply(out);
        },
        () => count('upstream-error'),
      );
    },

    stats() {
      return { counters: { ...counters }, malformed: { ...malformed }, tcpConnections };
    },
  };

  function serveStream(
    conn: Pick<DnsTcpConnection, 'source' | 'destination' | 'client' | 'connectUpstream'>,
    judge: (req: CoreDnsRequest) => L7Verdict,
    emit: (ev: DnsL7Event) => void,
    coreCount?: (what: CoreCounter, n?: number) => void,
  ): void {
    {
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
            coreCount?.('malformed');
            sock.destroy();
            return;
          }
          serve(p.query, {
            src: conn.source,
            dst: conn.destination,
            judge,
            emit,
            send: (raw) => upstream.exchange(raw, timeout),
            ...(coreCount ? { count: coreCount } : {}),
          }).then(
            (out) => {
              if (out && !sock.destroyed) sock.write(frameDnsMessage(out));
            },
            () => count('upstream-error'),
          );
        }
      });
    }
  }
}

/** For tests and hosts without the redirect: the connection's upstream is a plain TCP connection to `destination`. */
export function plainTcpConnection(
  client: Socket,
  source: SocketAddress,
  destination: SocketAddress,
): DnsTcpConnection {
  return { client, source, destination, connectUpstream: () => connectTcp(destination) };
}
