// The contract between the proxy's connection core (listeners, redirect, policy) and a protocol handler (HTTP, Kafka, DNS).
import type { Socket as DgramSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import type { Layer7, Verdict } from '../flow/flow.js';

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

/** The policy rule behind an L7 verdict, as flows name it ("the rule that decided"). */
export interface L7RuleRef {
  /** Whose policy: the source endpoint's egress or the destination endpoint's ingress. */
  readonly direction: 'ingress' | 'egress';
  /** `CiliumNetworkPolicy default/rule1` */
  readonly policy: string;
  /** `spec.ingress[0].toPorts[0].rules.http[1]`; absent for a whole-port (L4-only) allow or a denial. */
  readonly rule?: string;
}

/** One request as a protocol handler parsed it; the core judges it against both ends' policies. */
export type L7Request =
  | {
      readonly type: 'http';
      readonly method: string;
      /**
       * The request target as it is forwarded: origin form (path and query; HTTP/2 `:path`), normalized like
       * Envoy's `normalize_path` + `merge_slashes` (dot segments removed, slashes merged, unreserved escapes
       * decoded; see policy/http-path.ts).
       */
      readonly path: string;
      /** Host header or `:authority` as sent (port kept); an HTTP/1.0 request without one: the original destination. */
      readonly host: string;
      /** Header names lower-cased, in order, repeated names kept. */
      readonly headers: ReadonlyArray<readonly [string, string]>;
    }
  | {
      readonly type: 'kafka';
      readonly apiKey: number;
      readonly apiVersion: number;
      readonly clientId: string;
      /** Topic names the request addresses (empty for APIs that name none). */
      readonly topics: readonly string[];
    }
  | {
      readonly type: 'dns';
      /** The query name as asked (any case, with or without the trailing dot). */
      readonly query: string;
      /** Query types (`A`, `AAAA`...), for events; DNS rules match the name only. */
      readonly qtypes?: readonly string[];
    };

/** An HTTP `headerMatches` mismatch action the handler applies to the request before forwarding it. */
export interface HeaderAction {
  readonly action: 'LOG' | 'ADD' | 'DELETE' | 'REPLACE';
  readonly name: string;
  readonly value?: string;
  /** The value came from a Secret: flows show `[redacted]` instead. */
  readonly secret?: boolean;
}

export interface L7Verdict {
  /** FORWARDED, DROPPED, or AUDIT (an audit-mode policy would have denied it: forwarded anyway). */
  readonly verdict: Extract<Verdict, 'FORWARDED' | 'DROPPED' | 'AUDIT'>;
  /** The rules that allowed it, or (DROPPED/AUDIT) the policies whose rules it failed. */
  readonly rules: readonly L7RuleRef[];
  /** HTTP: mismatch actions of `headerMatches` to apply before forwarding. */
  readonly headerActions?: readonly HeaderAction[];
  /** Kafka: the topics that were refused (the request is denied if any is). */
  readonly deniedTopics?: readonly string[];
}

/** One L7 observation for flows: Hubble's Layer7 record plus the verdict and the rules behind it. */
export interface L7Event {
  readonly l7: Layer7;
  readonly verdict: L7Verdict['verdict'];
  readonly rules: readonly L7RuleRef[];
  /** Wall-clock time of the observation (ms since the epoch). */
  readonly time: number;
  /** REQUEST events: client → server; RESPONSE events: server → client (source and destination swapped). */
  readonly reply: boolean;
}

/** Things a handler counts for `porin status` and metrics. */
export type L7Counter =
  | 'requests'
  | 'denied'
  | 'malformed'
  | 'header-too-large'
  | 'timeout'
  | 'upstream-error'
  | 'smuggling';

/** One redirected connection, as the core hands it to a protocol handler. */
export interface ProxiedConnection {
  readonly id: number;
  /** The client as the proxy sees it: the pod's real address. */
  readonly source: SocketAddress;
  /** The original destination (the accepted socket's local address, thanks to the transparent redirect). */
  readonly destination: SocketAddress;
  /** The accepted client socket. The handler owns it (and the upstream socket) until both close. */
  readonly client: Socket;
  /**
   * Opens a connection to the original destination; the server sees `source` as its peer. A handler may call it
   * again for the same client connection (HTTP dials anew after the server closed a kept-alive connection).
   */
  connectUpstream(): Promise<Socket>;
  /** Judges one request against the policy in force now (the proxy's latest revision). Never throws. */
  judge(req: L7Request): L7Verdict;
  /** Hands an event to the flow channel; never blocks (events are dropped and counted when it is full). */
  emit(ev: L7Event): void;
  count(what: L7Counter, n?: number): void;
}

/** A protocol handler: takes over one connection. It must never throw, and must close both sockets on error. */
export type L7Handler = (conn: ProxiedConnection) => void;

/**
 * One datagram the redirect handed to the proxy's UDP socket (DNS over UDP). Node cannot read a
 * datagram's original destination, so the core takes it from the datapath's record; a reply goes back
 * from the proxy's socket and the datapath rewrites its source to `destination` on the way into the pod.
 */
export interface ProxiedDatagram {
  readonly id: number;
  /** The client pod. */
  readonly source: SocketAddress;
  /** Where the client sent the datagram (the server it asked). */
  readonly destination: SocketAddress;
  readonly data: Buffer;
  /** Sends `data` to the client, which sees it come from `destination`. */
  reply(data: Uint8Array): void;
  /**
   * A UDP socket for asking `destination` (connected to it), carrying the proxy's mark so the datapath
   * neither redirects nor enforces it again. The handler closes it.
   */
  openUpstream(): Promise<DgramSocket>;
  judge(req: L7Request): L7Verdict;
  emit(ev: L7Event): void;
  count(what: L7Counter, n?: number): void;
}

/** A datagram handler (DNS): must never throw. */
export type L7DatagramHandler = (dgram: ProxiedDatagram) => void;
