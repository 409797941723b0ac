// Answers the proxy builds (REFUSED / NXDOMAIN / SERVFAIL) and what it reads from upstream answers (IPs, TTL, CNAMEs).
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import type { DnsQuery } from './dns-query.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/**
 * An error response to `q`: its ID, opcode, RD and question, QR set, RA clear (as miekg's SetRcode), and an OPT
 * record when the query had one. Built from the raw question bytes, so the name comes back exactly as asked.
 */
export function errorResponse(q: DnsQuery, rcode: number): Buffer {
  const raw = q.raw;
  const end = q.questionEnd;
  const opt = q.hasEdns ? Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0); // OPT, 1232 bytes
  const out = Buffer.concat([raw.subarray(0, end), opt]);
  out.writeUInt16BE(0x8000 | (raw.readUInt16BE(2) & 0x7900) | (rcode & 0xf), 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(q.hasEdns ? 1 : 0, 10);
  return out;
}

/** What an upstream answer says about the question, in Hubble's terms. */
export interface AnswerSummary {
  readonly rcode: number;
  /** A/AAAA addresses reached from the question name through CNAMEs. */
  readonly ips: string[];
  /** The lowest TTL along that chain (0 without addresses). */
  readonly ttl: number;
  /** CNAME targets followed, in order. */
  readonly cnames: string[];
  /** Types of every answer record (`A`, `CNAME`, …). */
  readonly rrtypes: string[];
  readonly truncated: boolean;
}

const MAX_CHAIN = 16;

/** Reads an upstream answer; undefined when it does not decode. */
export function summarizeAnswer(resp: Buffer, qname: string): AnswerSummary | undefined {
  let msg: DecodedPacket;
  try {
    msg = dnsPacket.decode(resp);
  } catch {
    return undefined;
  }
  const answers = (msg.answers ?? []) as Answer[];
  const flags = resp.readUInt16BE(2);
  const rrtypes = [...new Set(answers.map((a) => String(a.type)))];
  const lower = (n: string) => n.replace(/\.$/, '').toLowerCase();
  const ips: string[] = [];
  const cnames: string[] = [];
  let ttl = Number.POSITIVE_INFINITY;
  let name = lower(qname);
  const seen = new Set<string>();
  // Follow the chain from the question name: A/AAAA owned by the current name count, then its CNAME, if any.
  for (let depth = 0; depth < MAX_CHAIN && !seen.has(name); depth++) {
    seen.add(name);
    let next: string | undefined;
    for (const a of answers) {
      if (a.type === 'OPT' || lower(a.name) !== name || (a.class !== undefined && a.class !== 'IN')) continue;
      if (a.type === 'A' || a.type === 'AAAA') {
        if (!ips.includes(a.data)) ips.push(a.data);
        ttl = Math.min(ttl, a.ttl ?? 0);
      } else if (a.type === 'CNAME' && next === undefined) {
        next = lower(a.data);
        ttl = Math.min(ttl, a.ttl ?? 0);
      }
    }
    if (next === undefined) break;
    cnames.push(next);
    name = next;
  }
  return {
    rcode: flags & 0xf,
    ips,
    ttl: ips.length > 0 && Number.isFinite(ttl) ? ttl : 0,
    cnames,
    rrtypes,
    truncated: (flags & 0x0200) !== 0,
  };
}
