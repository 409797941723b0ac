// Follows the broker's response stream: forwards bytes as they come, keeps each response's first bytes to read it.
import { KafkaProtocolError } from '../../kafka/index.js';

/** What the stream needs to know about the response expected next. */
export interface ExpectedResponse {
  readonly correlationId: number;
  /** Hold the whole response and hand it to `rewrite` before forwarding (ApiVersions). */
  readonly rewrite?: (body: Buffer) => void;
}

export interface ResponseStreamOptions {
  /** The response the broker must send next, or undefined when none is outstanding (then bytes are a violation). */
  readonly expected: () => ExpectedResponse | undefined;
  /**
   * A response ended: its size and its first bytes (correlation id first), up to `captureBytes`. Returns bytes the
   * proxy answers itself that were waiting for this response (they go to the client right after it).
   */
  readonly onResponse: (size: number, prefix: Buffer) => Buffer[];
  readonly captureBytes: number;
  readonly maxFrameBytes: number;
  /** Largest response held whole for a rewrite. */
  readonly maxRewriteBytes: number;
}

export class ResponseStream {
  private sizeBytes = Buffer.alloc(4);
  private sizeGot = 0;
  private size = -1;
  private remaining = 0;
  private capture: Buffer[] = [];
  private captured = 0;
  private held: Buffer[] | undefined;
  private expected: ExpectedResponse | undefined;

  constructor(private readonly o: ResponseStreamOptions) {}

  /** Takes a chunk from the broker; returns the bytes to write to the client, in order. Throws on a violation. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    let passFrom = 0;
    const pass = (to: number) => {
      if (to > passFrom) out.push(chunk.subarray(passFrom, to));
      passFrom = to;
    };
    while (at < chunk.length) {
      if (this.size < 0) {
        const k = Math.min(4 - this.sizeGot, chunk.length - at);
        chunk.copy(this.sizeBytes, this.sizeGot, at, at + k);
        this.sizeGot += k;
        at += k;
        if (this.sizeGot < 4) break;
        this.begin(this.sizeBytes.readInt32BE(0));
        if (this.held) pass(at);
        continue;
      }
      const k = Math.min(this.remaining, chunk.length - at);
      const piece = chunk.subarray(at, at + k);
      if (this.held) {
        this.held.push(piece);
        passFrom = at + k;
      } else if (this.captured < this.o.captureBytes) {
        const c = piece.subarray(0, this.o.captureBytes - this.captured);
        this.capture.push(Buffer.from(c));
        this.captured += c.length;
      }
      at += k;
      this.remaining -= k;
      if (this.remaining === 0) {
        if (this.held) {
          const body = Buffer.concat(this.held);
          this.expected!.rewrite!(body);
          out.push(body);
          out.push(...this.end(body));
        } else {
          pass(at);
          out.push(...this.end(Buffer.concat(this.capture)));
        }
      }
    }
    pass(at);
    return out;
  }

  private begin(size: number): void {
    if (size < 4 || size > this.o.maxFrameBytes) {
      throw new KafkaProtocolError(
        'PORIN_ERR_KAFKA_MALFORMED',
        `response frame size ${size} is out of range`,
      );
    }
    this.expected = this.o.expected();
    if (!this.expected)
      throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', 'a response nobody asked for');
    if (this.expected.rewrite && size > this.o.maxRewriteBytes) {
      throw new KafkaProtocolError(
        'PORIN_ERR_KAFKA_MALFORMED',
        `response of ${size} bytes is too large to read`,
      );
    }
    this.size = size;
    this.remaining = size;
    this.held = this.expected.rewrite ? [] : undefined;
  }

  private end(prefix: Buffer): Buffer[] {
    if (prefix.length < 4 || prefix.readInt32BE(0) !== this.expected!.correlationId) {
      throw new KafkaProtocolError(
        'PORIN_ERR_KAFKA_MALFORMED',
        `response correlation id does not match the request (${this.expected!.correlationId})`,
      );
    }
    const size = this.size;
    this.size = -1;
    this.sizeGot = 0;
    this.capture = [];
    this.captured = 0;
    this.held = undefined;
    this.expected = undefined;
    return this.o.onResponse(size, prefix);
  }
}
