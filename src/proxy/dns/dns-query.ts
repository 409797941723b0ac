// A pod's DNS query, parsed defensively: exactly one IN question, a sane size, names rendered with escapes (never crashes).
import dnsPacket, { type DecodedPacket, type OptAnswer } from 'dns-packet';

/** Why a message was dropped without an answer; each is counted. */
export type DnsMalformedReason =
  | 'too-short'
  | 'oversized'
  | 'not-a-query'
  | 'opcode'
  | 'question-count'
  | 'bad-name'
  | 'class'
  | 'undecodable';

export interface DnsQuery {
  readonly id: number;
  /** The question name as asked, case kept, no trailing dot; bytes outside printable ASCII and dots inside labels escaped. */
  readonly name: string;
  /** `A`, `AAAA`, … (dns-packet's names; unknown types as `UNKNOWN_<n>`). */
  readonly qtype: string;
  readonly recursionDesired: boolean;
  /** The client's EDNS0 UDP payload size (512 without EDNS0). */
  readonly udpPayloadSize: number;
  readonly hasEdns: boolean;
  /** Offset just past the question (header + question = what error responses echo). */
  readonly questionEnd: number;
  readonly raw: Buffer;
}

export type ParsedQuery = { ok: true; query: DnsQuery } | { ok: false; reason: DnsMalformedReason };

const HEADER = 12;
/** No legitimate query comes near this; a larger message is dropped unread. */
export const MAX_QUERY_BYTES = 4096;
const QR = 0x8000;
const CLASS_IN = 1;

/** Reads the first question's name from the wire, escaping as miekg/dns does (`\.` inside a label, `\DDD`). */
export function questionName(buf: Buffer): { name: string; end: number } | undefined {
  let off = HEADER;
  const labels: string[] = [];
  let total = 0;
  for (;;) {
    const len = buf[off];
    if (len === undefined || (len & 0xc0) !== 0) return undefined; // no compression in a question
    off++;
    if (len === 0) break;
    if (off + len > buf.length) return undefined;
    total += len + 1;
    if (total > 254) return undefined;
    let label = '';
    for (let i = off; i < off + len; i++) {
      const b = buf[i]!;
      if (b === 0x2e || b === 0x5c) label += `\\${String.fromCharCode(b)}`;
      else if (b > 0x20 && b < 0x7f) label += String.fromCharCode(b);
      else label += `\\${String(b).padStart(3, '0')}`;
    }
    labels.push(label);
    off += len;
  }
  return { name: labels.length === 0 ? '.' : labels.join('.'), end: off };
}

export function parseDnsQuery(buf: Buffer): ParsedQuery {
  if (buf.length < HEADER + 5) return { ok: false, reason: 'too-short' };
  if (buf.length > MAX_QUERY_BYTES) return { ok: false, reason: 'oversized' };
  const flags = buf.readUInt16BE(2);
  if (flags & QR) return { ok: false, reason: 'not-a-query' };
  if (((flags >> 11) & 0xf) !== 0) return { ok: false, reason: 'opcode' };
  if (buf.readUInt16BE(4) !== 1) return { ok: false, reason: 'question-count' };
  const q = questionName(buf);
  if (!q || q.end + 4 > buf.length) return { ok: false, reason: 'bad-name' };
  if (buf.readUInt16BE(q.end + 2) !== CLASS_IN) return { ok: false, reason: 'class' };
  let msg: DecodedPacket;
  try {
    // The whole message must decode (a garbage additional section is as malformed as a garbage question).
    msg = dnsPacket.decode(buf);
  } catch {
    return { ok: false, reason: 'undecodable' };
  }
  const opt = msg.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  return {
    ok: true,
    query: {
      id: buf.readUInt16BE(0),
      name: q.name,
      qtype: String(msg.questions?.[0]?.type ?? 'UNKNOWN'),
      recursionDesired: (flags & 0x0100) !== 0,
      udpPayloadSize: opt ? Math.min(4096, Math.max(512, opt.udpPayloadSize || 512)) : 512,
      hasEdns: opt !== undefined,
      questionEnd: q.end + 4,
      raw: buf,
    },
  };
}
