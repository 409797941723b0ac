// Raw DNS message helpers that avoid a full decode: header fields, the question section, ID rewrite, truncation.

export const HEADER_BYTES = 12;
const TC_BIT = 1 << 9;
const QR_BIT = 1 << 15;

export function messageId(msg: Buffer): number {
  return msg.readUInt16BE(0);
}

/** A copy of the message with another ID. */
export function withId(msg: Buffer, id: number): Buffer {
  const out = Buffer.from(msg);
  out.writeUInt16BE(id, 0);
  return out;
}

export function isTruncated(msg: Buffer): boolean {
  return msg.length >= HEADER_BYTES && (msg.readUInt16BE(2) & TC_BIT) !== 0;
}

export function isResponse(msg: Buffer): boolean {
  return msg.length >= HEADER_BYTES && (msg.readUInt16BE(2) & QR_BIT) !== 0;
}

export function rcodeOf(msg: Buffer): number {
  return msg.length >= HEADER_BYTES ? msg.readUInt16BE(2) & 0xf : -1;
}

/** End offset of the (single, uncompressed) first question, or -1 when the message has none or is malformed. */
export function questionEnd(msg: Buffer): number {
  if (msg.length < HEADER_BYTES || msg.readUInt16BE(4) < 1) return -1;
  let off = HEADER_BYTES;
  for (;;) {
    const len = msg[off];
    if (len === undefined || (len & 0xc0) !== 0) return -1;
    off += len + 1;
    if (len === 0) break;
  }
  off += 4;
  return off <= msg.length ? off : -1;
}

/** True when both messages carry the same first question (names compared case-insensitively, as 0x20 allows). */
export function sameQuestion(a: Buffer, b: Buffer): boolean {
  const ea = questionEnd(a);
  const eb = questionEnd(b);
  if (ea < 0 || ea !== eb) return false;
  return (
    a.subarray(HEADER_BYTES, ea).toString('latin1').toLowerCase() ===
    b.subarray(HEADER_BYTES, eb).toString('latin1').toLowerCase()
  );
}

/**
 * The header and question of a response, with TC set and every other section dropped: what a UDP client gets
 * when the full answer does not fit (it then retries over TCP).
 */
export function truncatedResponse(msg: Buffer): Buffer {
  const end = questionEnd(msg);
  const out = Buffer.from(msg.subarray(0, end < 0 ? HEADER_BYTES : end));
  out.writeUInt16BE(out.readUInt16BE(2) | TC_BIT | QR_BIT, 2);
  out.writeUInt16BE(end < 0 ? 0 : 1, 4);
  out.fill(0, 6, HEADER_BYTES);
  return out;
}

/** A bare error response to a message that could not be decoded: its ID, opcode and RD kept, no question. */
export function errorResponseFromHeader(msg: Buffer, rcode: number): Buffer | undefined {
  if (msg.length < HEADER_BYTES || isResponse(msg)) return undefined;
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16BE(messageId(msg), 0);
  const flags = msg.readUInt16BE(2);
  out.writeUInt16BE(QR_BIT | (flags & 0x7900) | (1 << 7) | (rcode & 0xf), 2);
  return out;
}

/** Prefixes a message with its 2-byte length, as DNS over TCP frames it. */
export function frameTcp(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length, 0);
  return Buffer.concat([len, msg]);
}

/** Splits a TCP byte stream into DNS messages; `push` returns the complete messages received so far. */
export class TcpMessageReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.pending.length >= 2) {
      const len = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + len) break;
      out.push(Buffer.from(this.pending.subarray(2, 2 + len)));
      this.pending = this.pending.subarray(2 + len);
    }
    return out;
  }

  get buffered(): number {
    return this.pending.length;
  }
}
