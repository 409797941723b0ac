// One in-memory partition: record batches as received (offsets assigned), reads from an offset, waits for appends.
import {
  assignBatchOffset,
  batchCrcValid,
  KafkaProtocolError,
  splitRecordBatches,
} from '../../../kafka/index.js';

interface StoredBatch {
  readonly base: bigint;
  readonly last: bigint;
  readonly maxTimestamp: bigint;
  readonly bytes: Buffer;
}

export class PartitionLog {
  private readonly batches: StoredBatch[] = [];
  private next = 0n;
  private bytesHeld = 0;
  private readonly waiters = new Set<() => void>();

  /** The next offset to be written (the high watermark: one replica, everything is committed). */
  get endOffset(): bigint {
    return this.next;
  }
  get startOffset(): bigint {
    return 0n;
  }
  get sizeBytes(): number {
    return this.bytesHeld;
  }

  /**
   * Appends the batches of a Produce `records` field (message format v2 only; CRCs checked) and returns the base
   * offset of the first. Nothing is stored when any batch is bad.
   */
  append(records: Buffer): bigint {
    const views = splitRecordBatches(records);
    for (const v of views) {
      if (!batchCrcValid(v.bytes))
        throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', 'record batch CRC mismatch');
      if (v.lastOffsetDelta < 0 || v.recordCount < 0) {
        throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', 'record batch with a negative count');
      }
    }
    const first = this.next;
    for (const v of views) {
      // Our own copy: the request's buffer belongs to the connection.
      const bytes = Buffer.from(v.bytes);
      assignBatchOffset(bytes, this.next);
      const last = this.next + BigInt(v.lastOffsetDelta);
      this.batches.push({ base: this.next, last, maxTimestamp: bytes.readBigInt64BE(35), bytes });
      this.bytesHeld += bytes.length;
      this.next = last + 1n;
    }
    if (views.length > 0) for (const w of [...this.waiters]) w();
    return first;
  }

  /**
   * The batches from the one holding `offset`, up to `maxBytes` (always at least one whole batch, as Kafka does),
   * or 'out-of-range' when the offset is outside [start, end].
   */
  read(offset: bigint, maxBytes: number): Buffer[] | 'out-of-range' {
    if (offset < this.startOffset || offset > this.next) return 'out-of-range';
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.batches[mid]!.last < offset) lo = mid + 1;
      else hi = mid;
    }
    const out: Buffer[] = [];
    let size = 0;
    for (let i = lo; i < this.batches.length; i++) {
      const b = this.batches[i]!.bytes;
      if (out.length > 0 && size + b.length > maxBytes) break;
      out.push(b);
      size += b.length;
    }
    return out;
  }

  /** The first offset whose batch has a timestamp at or after `ts` (ListOffsets by time), else the end. */
  offsetForTimestamp(ts: bigint): bigint {
    for (const b of this.batches) if (b.maxTimestamp >= ts) return b.base;
    return this.next;
  }

  /** Calls `cb` on the next append; returns the cancel function. */
  onAppend(cb: () => void): () => void {
    const once = () => {
      this.waiters.delete(once);
      cb();
    };
    this.waiters.add(once);
    return () => this.waiters.delete(once);
  }
}
