// The policy feed between the agent and the proxy: newline-delimited JSON messages over a unix socket, version 1.
import type { Layer7 } from '../flow/flow.js';
import type { L7Rules, PolicyRef, RuleOrigin } from '../policy/index.js';
import type { L7RuleRef, L7Verdict, SocketAddress } from './l7-handler.js';

/*
 * The proxy listens on `<run dir>/proxy.sock`; the agent connects (again after each of its restarts).
 *
 *   proxy → agent  hello     on connect: pid, start time, the revision it enforces (restored from disk
 *                            after a proxy restart, 0 when it has none)
 *   agent → proxy  snapshot  the whole L7 policy at a revision (sent on connect and on every change)
 *   proxy → agent  ack       the snapshot is in force: listeners open, new requests judged by it
 *                 | nack      the snapshot was refused (malformed: the error names the field); the proxy
 *                            keeps enforcing its previous revision
 *   agent → proxy  status    a status request (id echoed in the answer)
 *   proxy → agent  status    listeners, connections, counters, revision
 *   proxy → agent  events    L7 events, batched; while no agent is connected they wait in a bounded
 *                            buffer and what does not fit is counted as dropped
 *   proxy → agent  error     a line that is not a message (bad JSON, unknown type, too long)
 *
 * Full snapshots, not deltas: the embedded cluster's L7 policy is small (entries only for ports that
 * have L7 rules), a snapshot is applied atomically, and a reconnecting agent needs no replay logic.
 */
export const FEED_VERSION = 1;
/** The longest line either side accepts (a snapshot is one line). */
export const FEED_MAX_LINE = 32 * 1024 * 1024;

export type ParserType = 'http' | 'kafka' | 'dns';
export const PARSER_TYPES: readonly ParserType[] = ['http', 'kafka', 'dns'];

/** One listener the proxy must hold: TCP on `port` (and UDP on the same port for dns). */
export interface ListenerSpec {
  readonly type: ParserType;
  readonly port: number;
}

/** A policy entry as the proxy needs it (src/policy's PolicyEntry without DNS-name peers). */
export interface WireEntry {
  readonly peer: { readonly identity: number } | { readonly prefix: string };
  readonly protocol: number;
  readonly portLo: number;
  readonly portHi: number;
  readonly deny: boolean;
  readonly l7?: readonly L7Rules[];
  readonly origins: readonly RuleOrigin[];
}

/**
 * One direction of an endpoint's policy, restricted to the ports that have L7 rules (`l7Ports`): within
 * those the entries are complete (denies, plain allows, L7 allows), so the proxy can decide L3/L4 there
 * as the engine does; outside them the proxy does not judge this direction (the kernel did).
 */
export interface WireDirection {
  readonly defaultDeny: boolean;
  readonly defaultDenyBy: readonly PolicyRef[];
  readonly allowLocalhost: boolean;
  readonly enforcement: 'default' | 'always' | 'never';
  readonly entries: readonly WireEntry[];
}

export interface WireEndpointPolicy {
  readonly ingress: WireDirection;
  readonly egress: WireDirection;
}

export interface WireEndpoint {
  /** `namespace/name`. */
  readonly name: string;
  readonly ip: string;
  readonly identity: number;
  readonly endpointId: number;
  /** What is enforced. */
  readonly policy: WireEndpointPolicy;
  /** Every policy, audit-mode ones included: a request only these deny is forwarded as AUDIT. */
  readonly audit?: WireEndpointPolicy;
}

export interface PolicySnapshot {
  readonly revision: number;
  readonly listeners: readonly ListenerSpec[];
  readonly endpoints: readonly WireEndpoint[];
  /** Address prefix → identity (the agent's ipcache, IPv4). */
  readonly ipcache: ReadonlyArray<readonly [string, number]>;
}

/** An L7 event with the connection it belongs to, as the agent turns it into a flow. */
export interface WireL7Event {
  readonly time: number;
  readonly parser: ParserType;
  readonly proxyPort: number;
  /** 6 (TCP) or 17 (UDP). */
  readonly protocol: number;
  /** The client and the original destination (for a response: still client → server). */
  readonly source: SocketAddress;
  readonly destination: SocketAddress;
  readonly srcIdentity: number;
  readonly dstIdentity: number;
  /** Which policies judged it: the source's egress, the destination's ingress, or both. */
  readonly directions: ReadonlyArray<'ingress' | 'egress'>;
  readonly l7: Layer7;
  readonly verdict: L7Verdict['verdict'];
  readonly rules: readonly L7RuleRef[];
  readonly reply: boolean;
}

export interface ListenerStatus extends ListenerSpec {
  readonly open: boolean;
  /** The protocol handler is loaded (without one, connections are closed and counted). */
  readonly handler: boolean;
  readonly udp?: boolean;
  readonly error?: string;
}

export interface ProxyStatus {
  readonly pid: number;
  readonly startedAt: string;
  readonly revision: number;
  readonly agentConnected: boolean;
  readonly listeners: readonly ListenerStatus[];
  readonly connections: { readonly open: number; readonly total: number };
  /** The handlers' counters (requests, denied, malformed...) and the core's. */
  readonly counters: Readonly<Record<string, number>>;
  readonly events: { readonly buffered: number; readonly dropped: number; readonly sent: number };
}

export type AgentMessage =
  | { readonly type: 'snapshot'; readonly snapshot: PolicySnapshot }
  | { readonly type: 'status'; readonly id: number };

export type ProxyMessage =
  | {
      readonly type: 'hello';
      readonly version: number;
      readonly pid: number;
      readonly startedAt: string;
      readonly revision: number;
    }
  | { readonly type: 'ack'; readonly revision: number; readonly listeners: readonly ListenerStatus[] }
  | { readonly type: 'nack'; readonly revision: number; readonly error: string }
  | { readonly type: 'status'; readonly id: number; readonly status: ProxyStatus }
  | { readonly type: 'events'; readonly events: readonly WireL7Event[]; readonly dropped: number }
  | { readonly type: 'error'; readonly error: string };
