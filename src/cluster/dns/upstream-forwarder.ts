// Forwards queries outside the cluster zone to upstream servers: UDP with timeout and retry, TCP when truncated.
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { DnsError } from './dns-error.js';
import { type DnsServerAddress, exchangeTcp, exchangeUdp, hostPort } from './dns-exchange.js';
import { isTruncated, messageId, rcodeOf, withId } from './dns-wire.js';

export interface UpstreamForwarderOptions {
  readonly upstreams: readonly (DnsServerAddress | string)[];
  /** Per attempt; default 2000 ms. */
  readonly timeoutMs?: number;
  /** Rounds over the upstream list; default 2. */
  readonly attempts?: number;
}

const SERVFAIL = 2;
const REFUSED = 5;

export class UpstreamForwarder {
  readonly upstreams: readonly DnsServerAddress[];
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(options: UpstreamForwarderOptions) {
    this.upstreams = options.upstreams.map((u) => (typeof u === 'string' ? parseUpstream(u) : u));
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.attempts = options.attempts ?? 2;
    if (!(this.timeoutMs > 0) || !(this.attempts >= 1)) {
      throw new DnsError('PORIN_ERR_DNS_CONFIG', 'upstream timeoutMs must be > 0 and attempts >= 1');
    }
  }

  /**
   * Sends the raw query (EDNS0 and all, unchanged but for a fresh random ID) to each upstream in turn, `attempts`
   * rounds. Over UDP a truncated answer is retried over TCP with the same upstream; a TCP client is forwarded
   * over TCP. SERVFAIL/REFUSED moves on to the next upstream and is returned only if nothing better arrives.
   * Resolves with the response carrying the client's ID; rejects with PORIN_ERR_DNS_UPSTREAM when all fail.
   */
  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    if (this.upstreams.length === 0)
      throw new DnsError('PORIN_ERR_DNS_UPSTREAM', 'no upstream DNS servers configured');
    const clientId = messageId(query);
    const errors: string[] = [];
    let fallback: Buffer | undefined;
    for (let round = 0; round < this.attempts; round++) {
      for (const upstream of this.upstreams) {
        const out = withId(query, randomInt(0, 0x10000));
        try {
          let resp =
            transport === 'tcp'
              ? await exchangeTcp(upstream, out, this.timeoutMs)
              : await exchangeUdp(upstream, out, this.timeoutMs);
          if (transport === 'udp' && isTruncated(resp))
            resp = await exchangeTcp(upstream, out, this.timeoutMs);
          const rcode = rcodeOf(resp);
          if (rcode === SERVFAIL || rcode === REFUSED) {
            fallback = withId(resp, clientId);
            errors.push(`${hostPort(upstream)}: rcode ${rcode}`);
            continue;
          }
          return withId(resp, clientId);
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    }
    if (fallback) return fallback;
    throw new DnsError('PORIN_ERR_DNS_UPSTREAM', `all upstream DNS servers failed: ${errors.join('; ')}`);
  }
}

/** `203.0.113.53`, `203.0.113.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353` → address and port (default 53). */
export function parseUpstream(spec: string): DnsServerAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  let address = spec;
  let port = 53;
  if (bracketed) {
    address = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (net.isIPv4(spec.split(':')[0] ?? '') && spec.includes(':')) {
    const [a, p] = spec.split(':');
    address = a!;
    port = Number(p);
  }
  if (!net.isIP(address) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DnsError(
      'PORIN_ERR_DNS_CONFIG',
      `bad upstream DNS server "${spec}": want an IP address with an optional port`,
    );
  }
  return { address, port };
}
