// Codecs between TypeScript values and the bytes of C structs shared with the kernel, with explicit offsets.

/*
 * Every struct codec states each field's offset by hand (like bpf2go's explicit padding), and
 * test/datapath/kernel-abi.test.ts compares those offsets and sizes with the BTF of the compiled object,
 * so bpf/lib/*.h stays the one source of truth. Host byte order is little-endian (x86_64); `be16`,
 * `be32` and `ipv4` fields are network order in memory and plain numbers/strings in TypeScript.
 */

export interface FieldLayout {
  /** The C member name. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface Codec<T> {
  /** The C type (struct tag or scalar type name). */
  readonly name: string;
  readonly size: number;
  /** Struct members (empty for scalars). */
  readonly fields: readonly FieldLayout[];
  encode(value: T, view: DataView, offset: number): void;
  decode(view: DataView, offset: number): T;
}

export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'be16' | 'be32' | 'ipv4';
type KindValue<K extends FieldKind> = K extends 'u64' ? bigint : K extends 'ipv4' ? string : number;

const KIND_SIZE: Record<FieldKind, number> = {
  u8: 1,
  u16: 2,
  u32: 4,
  u64: 8,
  i32: 4,
  be16: 2,
  be32: 4,
  ipv4: 4,
};
const KIND_MAX: Record<FieldKind, number> = {
  u8: 0xff,
  u16: 0xffff,
  u32: 0xffffffff,
  u64: 0,
  i32: 0x7fffffff,
  be16: 0xffff,
  be32: 0xffffffff,
  ipv4: 0,
};

export interface FieldSpec<K extends FieldKind = FieldKind> {
  readonly kind: K;
  readonly offset: number;
  /** C member name when it is not the snake_case of the TypeScript name. */
  readonly cName?: string;
}

function spec<K extends FieldKind>(kind: K) {
  return (offset: number, cName?: string): FieldSpec<K> =>
    cName ? { kind, offset, cName } : { kind, offset };
}

/** Field constructors: `field.u32(4)` is a little-endian u32 at byte 4. */
export const field = {
  u8: spec('u8'),
  u16: spec('u16'),
  u32: spec('u32'),
  u64: spec('u64'),
  i32: spec('i32'),
  be16: spec('be16'),
  be32: spec('be32'),
  ipv4: spec('ipv4'),
};

export type StructValue<S extends Record<string, FieldSpec>> = { [K in keyof S]: KindValue<S[K]['kind']> };
export type CodecValue<C> = C extends Codec<infer T> ? T : never;

function snakeCase(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** "10.0.0.1" → 0x0a000001. Throws on anything that is not a dotted quad. */
export function parseIPv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) throw new TypeError(`not an IPv4 address: ${JSON.stringify(s)}`);
  let n = 0;
  for (const p of parts) {
    const b = Number(p);
    if (!/^\d{1,3}$/.test(p) || b > 255) throw new TypeError(`not an IPv4 address: ${JSON.stringify(s)}`);
    n = n * 256 + b;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function writeField(kind: FieldKind, name: string, v: unknown, view: DataView, off: number): void {
  if (kind === 'u64') {
    if (typeof v !== 'bigint' || v < 0n) throw new TypeError(`${name}: expected a non-negative bigint`);
    view.setBigUint64(off, v, true);
    return;
  }
  if (kind === 'ipv4') {
    view.setUint32(off, parseIPv4(v as string), false);
    return;
  }
  const n = v as number;
  const min = kind === 'i32' ? -0x80000000 : 0;
  if (!Number.isInteger(n) || n < min || n > KIND_MAX[kind]) {
    throw new TypeError(`${name}: ${String(v)} does not fit ${kind}`);
  }
  switch (kind) {
    case 'u8':
      view.setUint8(off, n);
      return;
    case 'u16':
      view.setUint16(off, n, true);
      return;
    case 'u32':
      view.setUint32(off, n, true);
      return;
    case 'i32':
      view.setInt32(off, n, true);
      return;
    case 'be16':
      view.setUint16(off, n, false);
      return;
    case 'be32':
      view.setUint32(off, n, false);
      return;
  }
}

function readField(kind: FieldKind, view: DataView, off: number): number | bigint | string {
  switch (kind) {
    case 'u8':
      return view.getUint8(off);
    case 'u16':
      return view.getUint16(off, true);
    case 'u32':
      return view.getUint32(off, true);
    case 'u64':
      return view.getBigUint64(off, true);
    case 'i32':
      return view.getInt32(off, true);
    case 'be16':
      return view.getUint16(off, false);
    case 'be32':
      return view.getUint32(off, false);
    case 'ipv4':
      return formatIPv4(view.getUint32(off, false));
  }
}

/**
 * A codec for `struct <name>` of `size` bytes. Bytes not covered by a field (padding) are written as 0,
 * which matters for hash and LPM keys: the kernel compares every byte.
 */
export function struct<S extends Record<string, FieldSpec>>(
  name: string,
  size: number,
  fields: S,
): Codec<StructValue<S>> {
  const list = Object.entries(fields).map(([ts, s]) => ({
    ts,
    kind: s.kind,
    offset: s.offset,
    layout: { name: s.cName ?? snakeCase(ts), offset: s.offset, size: KIND_SIZE[s.kind] },
  }));
  for (const fl of list) {
    if (fl.offset < 0 || fl.offset + fl.layout.size > size) {
      throw new RangeError(`struct ${name}: field ${fl.ts} at ${fl.offset} overruns ${size} bytes`);
    }
  }
  return {
    name,
    size,
    fields: list.map((fl) => fl.layout),
    encode(value, view, offset) {
      for (let i = 0; i < size; i++) view.setUint8(offset + i, 0);
      const v = value as Record<string, unknown>;
      for (const fl of list) writeField(fl.kind, `${name}.${fl.ts}`, v[fl.ts], view, offset + fl.offset);
    },
    decode(view, offset) {
      const out: Record<string, unknown> = {};
      for (const fl of list) out[fl.ts] = readField(fl.kind, view, offset + fl.offset);
      return out as StructValue<S>;
    },
  };
}

/** A scalar codec (map keys such as `__u32 ifindex`). */
export function scalar<K extends Exclude<FieldKind, 'u64' | 'ipv4'>>(kind: K, name: string): Codec<number> {
  return {
    name,
    size: KIND_SIZE[kind],
    fields: [],
    encode: (value, view, offset) => writeField(kind, name, value, view, offset),
    decode: (view, offset) => readField(kind, view, offset) as number,
  };
}

export const u32 = scalar('u32', '__u32');
export const u64: Codec<bigint> = {
  name: '__u64',
  size: 8,
  fields: [],
  encode: (value, view, offset) => writeField('u64', '__u64', value, view, offset),
  decode: (view, offset) => view.getBigUint64(offset, true),
};

export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const bytes = new Uint8Array(codec.size);
  codec.encode(value, new DataView(bytes.buffer), 0);
  return bytes;
}

export function decode<T>(codec: Codec<T>, bytes: Uint8Array, offset = 0): T {
  return codec.decode(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset);
}
