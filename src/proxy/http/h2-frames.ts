// The few HTTP/2 wire pieces the proxy writes or reads itself: the preface, frame headers, a literal HPACK block.

/** RFC 9113 §3.4: what a prior-knowledge client sends first. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME_HEADER_BYTES = 9;
export const FRAME_HEADERS = 0x1;
export const FRAME_SETTINGS = 0x4;
export const FRAME_CONTINUATION = 0x9;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
/** SETTINGS_MAX_FRAME_SIZE's initial value: what any HTTP/2 endpoint accepts before settings say otherwise. */
const MAX_FRAME_PAYLOAD = 16_384;

/** Whether `buf` could still turn out to be the preface (it is one of its prefixes, or starts with all of it). */
export function prefaceState(buf: Buffer): 'yes' | 'no' | 'maybe' {
  const n = Math.min(buf.length, H2_PREFACE.length);
  if (buf.compare(H2_PREFACE, 0, n, 0, n) !== 0) return 'no';
  return n === H2_PREFACE.length ? 'yes' : 'maybe';
}

export interface FrameHeader {
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
}

export function readFrameHeader(buf: Buffer, offset: number): FrameHeader | undefined {
  if (buf.length < offset + FRAME_HEADER_BYTES) return undefined;
  return {
    length: buf.readUIntBE(offset, 3),
    type: buf[offset + 3]!,
    flags: buf[offset + 4]!,
    streamId: buf.readUInt32BE(offset + 5) & 0x7fffffff,
  };
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return h;
}

/** HPACK integer with an N-bit prefix (RFC 7541 §5.1). */
function hpackInt(out: number[], value: number, prefixBits: number, firstByte: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(firstByte | value);
    return;
  }
  out.push(firstByte | max);
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** A header block of "literal header field without indexing, new name" entries, no Huffman coding. */
export function literalHeaderBlock(pairs: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of pairs) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    const prefix: number[] = [0x00];
    hpackInt(prefix, n.length, 7, 0x00);
    const mid: number[] = [];
    hpackInt(mid, v.length, 7, 0x00);
    parts.push(Buffer.from(prefix), n, Buffer.from(mid), v);
  }
  return Buffer.concat(parts);
}

/** HEADERS (+ CONTINUATION) frames carrying `block` on `streamId`. */
export function headersFrames(streamId: number, block: Buffer, endStream: boolean): Buffer {
  const frames: Buffer[] = [];
  for (let off = 0, first = true; first || off < block.length; first = false) {
    const chunk = block.subarray(off, off + MAX_FRAME_PAYLOAD);
    off += chunk.length;
    const last = off >= block.length;
    const flags = (last ? FLAG_END_HEADERS : 0) | (first && endStream ? FLAG_END_STREAM : 0);
    frames.push(
      frameHeader(chunk.length, first ? FRAME_HEADERS : FRAME_CONTINUATION, flags, streamId),
      chunk,
    );
  }
  return Buffer.concat(frames);
}
