// What the DNS proxy asks the policy: may this source ask this server this name? (The core answers from its feed.)
import type { L7Verdict, SocketAddress } from '../l7-handler.js';

/** One DNS question as the proxy judges it (Cilium polices the name only; the type is for flows). */
export interface DnsRequest {
  readonly type: 'dns';
  /** The name as asked (no trailing dot; escaped where not a plain DNS name, so no pattern but `*` matches it). */
  readonly query: string;
  readonly qtype: string;
  readonly transport: 'udp' | 'tcp';
}

/**
 * Judges one query of `source` (the pod) to `destination` (the DNS server it asked, the original destination):
 * the DNS rules of the source's egress policy on that server's identity and port. Must never throw, and must
 * fail closed (DROPPED) when it does not know the source.
 */
export type DnsJudge = (req: DnsRequest, source: SocketAddress, destination: SocketAddress) => L7Verdict;
