// A bounds-checked big-endian cursor over one buffer or a list of chunks (a frame as it arrived, never joined).
import { KafkaProtocolError } from './kafka-protocol-error.js';

export class ByteReader {
  private readonly chunks: readonly Buffer[];
  private ci = 0;
  private off = 0;
  private left: number;
  private readonly total: number;

  constructor(data: Buffer | readonly Buffer[]) {
    this.chunks = Buffer.isBuffer(data) ? [data] : data;
    this.total = this.chunks.reduce((n, c) => n + c.length, 0);
    this.left = this.total;
    this.settle();
  }

  get remaining(): number {
    return this.left;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.total - this.left;
  }

  private settle(): void {
    while (this.ci < this.chunks.length && this.off >= this.chunks[this.ci]!.length) {
      this.off -= this.chunks[this.ci]!.length;
      this.ci++;
    }
  }

  private need(n: number, what: string): void {
    if (n > this.left) {
      throw new KafkaProtocolError(
        'PORIN_ERR_KAFKA_TRUNCATED',
        `truncated: ${what} needs ${n} bytes, ${this.left} left`,
      );
    }
  }

  /** `n` contiguous bytes: a view into the chunk when they lie in one, else a small copy. */
  private take(n: number, what: string): Buffer {
    this.need(n, what);
    const c = this.chunks[this.ci]!;
    let out: Buffer;
    if (this.off + n <= c.length) {
      out = c.subarray(this.off, this.off + n);
    } else {
      out = Buffer.allocUnsafe(n);
      let done = 0;
      let ci = this.ci;
      let off = this.off;
      while (done < n) {
        const src = this.chunks[ci]!;
        const k = Math.min(n - done, src.length - off);
        src.copy(out, done, off, off + k);
        done += k;
        ci++;
        off = 0;
      }
    }
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.need(n, 'skip');
    this.off += n;
    this.left -= n;
    this.settle();
  }

  int8(): number {
    return this.take(1, 'int8').readInt8(0);
  }
  int16(): number {
    return this.take(2, 'int16').readInt16BE(0);
  }
  uint16(): number {
    return this.take(2, 'uint16').readUInt16BE(0);
  }
  int32(): number {
    return this.take(4, 'int32').readInt32BE(0);
  }
  uint32(): number {
    return this.take(4, 'uint32').readUInt32BE(0);
  }
  int64(): bigint {
    return this.take(8, 'int64').readBigInt64BE(0);
  }
  float64(): number {
    return this.take(8, 'float64').readDoubleBE(0);
  }
  bool(): boolean {
    return this.take(1, 'bool')[0] !== 0;
  }
  uuid(): string {
    return this.take(16, 'uuid').toString('hex');
  }

  /** Unsigned LEB128 varint, at most 5 bytes (a uint32). */
  uvarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.take(1, 'varint')[0]!;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', 'unsigned varint longer than 5 bytes');
  }

  /** Zig-zag signed varint (int32). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  string(n: number): string {
    return n === 0 ? '' : this.take(n, 'string').toString('utf8');
  }

  /** `n` bytes as their own Buffer (a view when they lie in one chunk). */
  bytes(n: number): Buffer {
    return n === 0 ? Buffer.alloc(0) : this.take(n, 'bytes');
  }
}
