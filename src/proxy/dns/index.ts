// The DNS proxy's protocol side: parse, judge (Cilium DNS rules), forward, enforce answers (FQDN), Hubble l7.dns events.

export { agentFqdnSender } from './agent-fqdn-sender.js';
export type { DnsL7Event } from './dns-events.js';
export { DnsFrameReader, frameDnsMessage } from './dns-framing.js';
export { configureDnsHandlers, dnsHandlerStats, handleDnsDatagram, handleDnsStream } from './dns-handlers.js';
export type { DnsJudge, DnsRequest } from './dns-judge.js';
export {
  type CoreCounter,
  type CoreDnsRequest,
  createDnsProxy,
  type DnsAnswerObservation,
  type DnsConnection,
  type DnsCounter,
  type DnsDatagram,
  type DnsFqdnSink,
  type DnsProxy,
  type DnsProxyOptions,
  type DnsProxyStats,
  type DnsTcpConnection,
  plainTcpConnection,
} from './dns-proxy.js';
export { type DnsMalformedReason, type DnsQuery, MAX_QUERY_BYTES, parseDnsQuery } from './dns-query.js';
export { type AnswerSummary, errorResponse, RCODE, summarizeAnswer } from './dns-response.js';
export { endpointKeyOf, engineDnsJudge } from './engine-dns-judge.js';
export { FqdnRelay, type FqdnRelayOptions } from './fqdn-relay.js';
export {
  connectTcp,
  DnsUpstreamError,
  exchangeUdp,
  TcpUpstream,
  UdpUpstreamPool,
} from './upstream-exchange.js';
