// Hubble's l7.dns records for the proxy's queries and answers (observation_source "proxy").
import type { Layer7 } from '../../flow/flow.js';
import type { L7Event, L7Verdict, SocketAddress } from '../l7-handler.js';
import type { DnsQuery } from './dns-query.js';
import type { AnswerSummary } from './dns-response.js';

/** An L7 event with the endpoints it is about (the DNS proxy serves many clients on one socket). */
export interface DnsL7Event extends L7Event {
  /** The pod (the client); for a RESPONSE still the pod (`reply` says the direction). */
  readonly source: SocketAddress;
  /** The DNS server the pod asked. */
  readonly destination: SocketAddress;
}

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);

export function requestEvent(
  q: DnsQuery,
  v: L7Verdict,
  source: SocketAddress,
  destination: SocketAddress,
  time: number,
): DnsL7Event {
  const l7: Layer7 = {
    type: 'REQUEST',
    dns: { query: fqdn(q.name), qtypes: [q.qtype], observation_source: 'proxy' },
  };
  return { l7, verdict: v.verdict, rules: v.rules, time, reply: false, source, destination };
}

export function responseEvent(
  q: DnsQuery,
  v: L7Verdict,
  a: AnswerSummary,
  latencyNs: bigint,
  source: SocketAddress,
  destination: SocketAddress,
  time: number,
): DnsL7Event {
  const l7: Layer7 = {
    type: 'RESPONSE',
    latency_ns: String(latencyNs),
    dns: {
      query: fqdn(q.name),
      ips: a.ips,
      ttl: a.ttl,
      cnames: a.cnames.map(fqdn),
      observation_source: 'proxy',
      rcode: a.rcode,
      qtypes: [q.qtype],
      rrtypes: a.rrtypes,
    },
  };
  return { l7, verdict: v.verdict, rules: v.rules, time, reply: true, source, destination };
}
