// Record batches (message format v2): the header fields a broker reads and rewrites, and an encoder for tests.
import { ByteWriter } from './byte-writer.js';
import { KafkaProtocolError } from './kafka-protocol-error.js';

/** Offsets of the v2 batch header fields (bytes from the batch start). */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const PARTITION_LEADER_EPOCH = 12;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const RECORDS_COUNT = 57;
export const BATCH_HEADER_BYTES = 61;

export interface BatchView {
  /** The whole batch (a view into the records field). */
  readonly bytes: Buffer;
  readonly baseOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly recordCount: number;
}

/** Splits a `records` field into v2 batches; anything else (magic 0/1, truncation) is a KafkaProtocolError. */
export function splitRecordBatches(records: Buffer): BatchView[] {
  const out: BatchView[] = [];
  let at = 0;
  while (at < records.length) {
    if (records.length - at < BATCH_HEADER_BYTES) {
      throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', 'record batch header truncated');
    }
    const length = records.readInt32BE(at + BATCH_LENGTH);
    const total = 12 + length;
    if (length < BATCH_HEADER_BYTES - 12 || at + total > records.length) {
      throw new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', `record batch length ${length} is invalid`);
    }
    const magic = records.readInt8(at + MAGIC);
    if (magic !== 2) {
      throw new KafkaProtocolError(
        'PORIN_ERR_KAFKA_UNSUPPORTED',
        `record batch magic ${magic} (only v2 is served)`,
      );
    }
    const bytes = records.subarray(at, at + total);
    out.push({
      bytes,
      baseOffset: bytes.readBigInt64BE(BASE_OFFSET),
      lastOffsetDelta: bytes.readInt32BE(LAST_OFFSET_DELTA),
      recordCount: bytes.readInt32BE(RECORDS_COUNT),
    });
    at += total;
  }
  return out;
}

/** Sets the base offset and leader epoch of a batch in place (neither is covered by its CRC). */
export function assignBatchOffset(batch: Buffer, baseOffset: bigint, leaderEpoch = 0): void {
  batch.writeBigInt64BE(baseOffset, BASE_OFFSET);
  batch.writeInt32BE(leaderEpoch, PARTITION_LEADER_EPOCH);
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), as record batches use. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether a batch's CRC matches its contents (attributes to the end). */
export function batchCrcValid(batch: Buffer): boolean {
  return batch.readUInt32BE(CRC) === crc32c(batch.subarray(ATTRIBUTES));
}

export interface SimpleRecord {
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: ReadonlyArray<readonly [string, Buffer]>;
}

/** An uncompressed v2 batch of `records` (tests and benchmarks build producer traffic with it). */
export function encodeRecordBatch(
  records: readonly SimpleRecord[],
  baseOffset = 0n,
  timestamp = Date.now(),
): Buffer {
  const body = new ByteWriter();
  records.forEach((rec, i) => {
    const r = new ByteWriter();
    r.int8(0).varint(0).varint(i);
    const bytes = (b: Buffer | null | undefined) => {
      if (b === null || b === undefined) r.varint(-1);
      else r.varint(b.length).raw(b);
    };
    bytes(rec.key);
    bytes(rec.value);
    r.varint(rec.headers?.length ?? 0);
    for (const [k, v] of rec.headers ?? []) {
      const kb = Buffer.from(k, 'utf8');
      r.varint(kb.length).raw(kb).varint(v.length).raw(v);
    }
    const encoded = r.finish();
    body.varint(encoded.length).raw(encoded);
  });
  const w = new ByteWriter();
  w.int64(baseOffset).int32(0).int32(0).int8(2).uint32(0);
  w.int16(0)
    .int32(Math.max(records.length - 1, 0))
    .int64(BigInt(timestamp))
    .int64(BigInt(timestamp));
  w.int64(-1n).int16(-1).int32(-1).int32(records.length).raw(body.finish());
  const batch = Buffer.from(w.finish());
  batch.writeInt32BE(batch.length - 12, BATCH_LENGTH);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES)), CRC);
  return batch;
}
