// Splits a Kafka byte stream into size-prefixed frames, keeping each frame's bytes as the chunks they arrived in.
import { KafkaProtocolError } from './kafka-protocol-error.js';

export interface Frame {
  /** The body size (the 4-byte prefix's value). */
  readonly size: number;
  /** The whole frame, size prefix included, as views of the received chunks (never joined). */
  readonly chunks: Buffer[];
}

export interface FrameSplitterOptions {
  /** Largest body accepted; a bigger size prefix is an error (before any of its bytes are buffered). */
  readonly maxFrameBytes: number;
  /** Smallest body accepted (a request header is at least 8 bytes). */
  readonly minFrameBytes?: number;
}

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private size = -1;

  constructor(private readonly options: FrameSplitterOptions) {}

  /** Bytes held for a frame not complete yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * A bad size prefix met after frames that were complete: those frames are returned first, the error stays
   * here for the caller to act on once it has handled them (and every later push throws it).
   */
  error: KafkaProtocolError | undefined;

  /** Adds received bytes; returns the frames they complete. Throws KafkaProtocolError on a bad size prefix. */
  push(chunk: Buffer): Frame[] {
    if (this.error) throw this.error;
    const out: Frame[] = [];
    try {
      this.split(chunk, out);
    } catch (err) {
      if (!(err instanceof KafkaProtocolError) || out.length === 0) throw err;
      this.error = err;
    }
    return out;
  }

  private split(chunk: Buffer, out: Frame[]): void {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.size < 0) {
        if (this.buffered < 4) break;
        const size = this.peekInt32();
        const min = this.options.minFrameBytes ?? 0;
        if (size < min) {
          throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', `frame size ${size} is below ${min}`);
        }
        if (size > this.options.maxFrameBytes) {
          throw new KafkaProtocolError(
            'PORIN_ERR_KAFKA_FRAME_TOO_LARGE',
            `frame of ${size} bytes exceeds the limit of ${this.options.maxFrameBytes}`,
          );
        }
        this.size = size;
      }
      if (this.buffered < 4 + this.size) break;
      out.push({ size: this.size, chunks: this.take(4 + this.size) });
      this.size = -1;
    }
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const b = Buffer.alloc(4);
    let n = 0;
    for (const c of this.chunks) {
      n += c.copy(b, n, 0, Math.min(c.length, 4 - n));
      if (n === 4) break;
    }
    return b.readInt32BE(0);
  }

  private take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        out.push(c);
        this.chunks.shift();
        left -= c.length;
      } else {
        out.push(c.subarray(0, left));
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return out;
  }
}
