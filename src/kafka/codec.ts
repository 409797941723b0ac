// Decodes and encodes any Kafka message of a given spec and version: classic and flexible (compact, tagged) encodings.
import type { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { KafkaProtocolError } from './kafka-protocol-error.js';
import {
  type FieldSpec,
  inRange,
  type KafkaStruct,
  type KafkaValue,
  type MessageSpec,
  type Primitive,
} from './message-spec.js';

export interface DecodeOptions {
  /**
   * Keep `bytes`/`records` values as Buffers (views when the frame is one chunk). When false (the proxy) they are
   * skipped without copying and decode to their length in bytes (or null).
   */
  readonly keepBytes?: boolean;
}

const malformed = (m: string) => new KafkaProtocolError('PORIN_ERR_KAFKA_MALFORMED', m);

function checkVersion(spec: MessageSpec, version: number): void {
  if (!inRange(spec.valid, version)) {
    throw new KafkaProtocolError(
      'PORIN_ERR_KAFKA_UNSUPPORTED',
      `${spec.name} version ${version} is not supported (${spec.valid.min}-${spec.valid.max})`,
    );
  }
}

/** Skips a tagged-field section (flexible versions): a count, then tag, size, bytes for each. */
export function skipTaggedFields(r: ByteReader): void {
  const n = r.uvarint();
  if (n > r.remaining) throw malformed(`tagged field count ${n} exceeds the frame`);
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

class Decoder {
  constructor(
    private readonly r: ByteReader,
    private readonly version: number,
    private readonly flexible: boolean,
    private readonly keepBytes: boolean,
  ) {}

  struct(fields: readonly FieldSpec[], into: KafkaStruct): KafkaStruct {
    for (const f of fields) {
      if (!inRange(f.versions, this.version)) continue;
      const nullable = inRange(f.nullable, this.version);
      if (f.array) {
        const n = this.length(this.flexible ? 'compact' : 'int32', f.name);
        if (n < 0) {
          if (!nullable) throw malformed(`${f.name}: null array in a non-nullable field`);
          into[f.name] = null;
          continue;
        }
        if (n > this.r.remaining) throw malformed(`${f.name}: ${n} elements exceed the frame`);
        const items: KafkaValue[] = [];
        into[f.name] = items;
        for (let i = 0; i < n; i++) {
          if (typeof f.type === 'string') items.push(this.scalar(f.type, false, f.name));
          else {
            const s: KafkaStruct = {};
            items.push(s);
            this.struct(f.type, s);
          }
        }
      } else if (typeof f.type === 'string') {
        into[f.name] = this.scalar(f.type, nullable, f.name);
      }
    }
    if (this.flexible) skipTaggedFields(this.r);
    return into;
  }

  /** A length prefix; -1 for null. */
  private length(kind: 'compact' | 'int16' | 'int32', name: string): number {
    if (kind === 'compact') return this.r.uvarint() - 1;
    const n = kind === 'int16' ? this.r.int16() : this.r.int32();
    if (n < -1) throw malformed(`${name}: negative length ${n}`);
    return n;
  }

  private scalar(type: Primitive, nullable: boolean, name: string): KafkaValue {
    const r = this.r;
    switch (type) {
      case 'int8':
        return r.int8();
      case 'int16':
        return r.int16();
      case 'uint16':
        return r.uint16();
      case 'int32':
        return r.int32();
      case 'int64':
        return r.int64();
      case 'float64':
        return r.float64();
      case 'bool':
        return r.bool();
      case 'uuid':
        return r.uuid();
      case 'string': {
        const n = this.length(this.flexible ? 'compact' : 'int16', name);
        if (n < 0) {
          if (!nullable) throw malformed(`${name}: null in a non-nullable string`);
          return null;
        }
        return r.string(n);
      }
      case 'bytes':
      case 'records': {
        const n = this.length(this.flexible ? 'compact' : 'int32', name);
        if (n < 0) {
          if (!nullable) throw malformed(`${name}: null in non-nullable bytes`);
          return null;
        }
        if (this.keepBytes) return r.bytes(n);
        r.skip(n);
        return n;
      }
    }
  }
}

/** Decodes a message body (after its header). Throws KafkaProtocolError on anything malformed or trailing. */
export function decodeMessage(
  spec: MessageSpec,
  version: number,
  r: ByteReader,
  options: DecodeOptions = {},
): KafkaStruct {
  checkVersion(spec, version);
  const d = new Decoder(r, version, version >= spec.flexible, options.keepBytes ?? false);
  const out = d.struct(spec.fields, {});
  if (r.remaining !== 0) throw malformed(`${spec.name} v${version}: ${r.remaining} trailing bytes`);
  return out;
}

/**
 * Decodes as much of a message as the bytes hold: a response's first bytes, when the rest streamed past unseen.
 * The structs and arrays decoded so far are returned; `complete` says whether the message ended cleanly.
 */
export function decodeMessagePrefix(
  spec: MessageSpec,
  version: number,
  r: ByteReader,
): { value: KafkaStruct; complete: boolean } {
  checkVersion(spec, version);
  const value: KafkaStruct = {};
  try {
    new Decoder(r, version, version >= spec.flexible, false).struct(spec.fields, value);
    return { value, complete: r.remaining === 0 };
  } catch (err) {
    if (err instanceof KafkaProtocolError && err.code === 'PORIN_ERR_KAFKA_TRUNCATED') {
      return { value, complete: false };
    }
    throw err;
  }
}

class Encoder {
  constructor(
    private readonly w: ByteWriter,
    private readonly version: number,
    private readonly flexible: boolean,
  ) {}

  struct(fields: readonly FieldSpec[], value: KafkaStruct): void {
    for (const f of fields) {
      if (!inRange(f.versions, this.version)) continue;
      const nullable = inRange(f.nullable, this.version);
      const given = value[f.name];
      const v = given !== undefined ? given : f.default;
      if (f.array) {
        if (v === null && nullable) {
          this.length(-1);
          continue;
        }
        const items = Array.isArray(v) ? v : [];
        this.length(items.length);
        for (const item of items) {
          if (typeof f.type === 'string') this.scalar(f.type, item, false, f.name);
          else this.struct(f.type, (item ?? {}) as KafkaStruct);
        }
      } else if (typeof f.type === 'string') {
        this.scalar(f.type, v, nullable, f.name);
      }
    }
    if (this.flexible) this.w.uvarint(0);
  }

  private length(n: number, classic: 'int16' | 'int32' = 'int32'): void {
    if (this.flexible) this.w.uvarint(n + 1);
    else if (classic === 'int16') this.w.int16(n);
    else this.w.int32(n);
  }

  private scalar(type: Primitive, v: KafkaValue | undefined, nullable: boolean, name: string): void {
    const w = this.w;
    const num = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
    switch (type) {
      case 'int8':
        w.int8(num);
        return;
      case 'int16':
        w.int16(num);
        return;
      case 'uint16':
        w.uint16(num);
        return;
      case 'int32':
        w.int32(num);
        return;
      case 'int64':
        w.int64(typeof v === 'bigint' ? v : BigInt(num));
        return;
      case 'float64':
        w.float64(num);
        return;
      case 'bool':
        w.bool(v === true);
        return;
      case 'uuid':
        w.uuid(typeof v === 'string' ? v : '');
        return;
      case 'string': {
        if ((v === null || v === undefined) && nullable) {
          this.length(-1, 'int16');
          return;
        }
        if (v !== null && v !== undefined && typeof v !== 'string')
          throw new TypeError(`${name}: not a string`);
        const b = Buffer.from(v ?? '', 'utf8');
        this.length(b.length, 'int16');
        w.raw(b);
        return;
      }
      case 'bytes':
      case 'records': {
        if ((v === null || v === undefined) && nullable) {
          this.length(-1);
          return;
        }
        const b = Buffer.isBuffer(v) ? v : Buffer.alloc(0);
        this.length(b.length);
        w.raw(b);
        return;
      }
    }
  }
}

/** Encodes a message body (no header, no size prefix) into `w` (or a new writer) and returns the writer. */
export function encodeMessage(
  spec: MessageSpec,
  version: number,
  value: KafkaStruct,
  w: ByteWriter = new ByteWriter(),
): ByteWriter {
  checkVersion(spec, version);
  new Encoder(w, version, version >= spec.flexible).struct(spec.fields, value);
  return w;
}
