// A growable big-endian writer for Kafka messages (responses the proxy and the broker build).

export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.room(1);
    this.pos = this.buf.writeInt8(v, this.pos);
    return this;
  }
  int16(v: number): this {
    this.room(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
    return this;
  }
  uint16(v: number): this {
    this.room(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
    return this;
  }
  int32(v: number): this {
    this.room(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
    return this;
  }
  uint32(v: number): this {
    this.room(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
    return this;
  }
  int64(v: bigint): this {
    this.room(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
    return this;
  }
  float64(v: number): this {
    this.room(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  uuid(hex: string): this {
    const b = Buffer.from(hex.padStart(32, '0').slice(-32), 'hex');
    return this.raw(b.length === 16 ? b : Buffer.alloc(16));
  }
  uvarint(v: number): this {
    let x = v >>> 0;
    while (x >= 0x80) {
      this.int8((((x & 0x7f) | 0x80) << 24) >> 24);
      x >>>= 7;
    }
    return this.int8((x << 24) >> 24);
  }
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  raw(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** Overwrites 4 bytes at `at` (a size prefix written after the body). */
  patchInt32(at: number, v: number): this {
    this.buf.writeInt32BE(v, at);
    return this;
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
