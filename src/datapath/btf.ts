// A small reader of raw BTF: struct layouts and global-variable offsets, to check codecs against the C side.
import { LayoutError } from './errors.js';

/*
 * Format: include/uapi/linux/btf.h. Only what Porin needs is decoded (struct/union members, sizes through
 * typedefs and qualifiers, arrays, DATASEC variables); every other kind is skipped by its known length.
 */

const KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

interface RawType {
  kind: number;
  name: string;
  vlen: number;
  kindFlag: boolean;
  sizeOrType: number;
  /** Offset of the kind-specific data that follows the common 12 bytes. */
  extra: number;
}

export interface BtfMember {
  name: string;
  /** Byte offset (bit offset / 8 for a byte-aligned member). */
  offset: number;
  bitOffset: number;
  /** Size in bytes of the member's type (0 for a bitfield's partial size, see bitfieldSize). */
  size: number;
  bitfieldSize: number;
}

export interface BtfStruct {
  name: string;
  size: number;
  members: BtfMember[];
}

export interface BtfVariable {
  name: string;
  offset: number;
  size: number;
}

export class Btf {
  private readonly types: RawType[] = [];

  private constructor(
    private readonly view: DataView,
    private readonly strOff: number,
  ) {}

  static parse(raw: Uint8Array): Btf {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (raw.byteLength < 24 || view.getUint16(0, true) !== 0xeb9f)
      throw new LayoutError('not BTF data (bad magic)');
    const hdrLen = view.getUint32(4, true);
    const typeOff = hdrLen + view.getUint32(8, true);
    const typeLen = view.getUint32(12, true);
    const strOff = hdrLen + view.getUint32(16, true);
    const btf = new Btf(view, strOff);
    btf.types.push({ kind: 0, name: '', vlen: 0, kindFlag: false, sizeOrType: 0, extra: 0 }); // id 0 = void
    let off = typeOff;
    while (off < typeOff + typeLen) {
      const info = view.getUint32(off + 4, true);
      const t: RawType = {
        name: btf.str(view.getUint32(off, true)),
        vlen: info & 0xffff,
        kind: (info >>> 24) & 0x1f,
        kindFlag: (info & 0x80000000) !== 0,
        sizeOrType: view.getUint32(off + 8, true),
        extra: off + 12,
      };
      btf.types.push(t);
      off += 12 + extraLength(t);
    }
    return btf;
  }

  private str(off: number): string {
    let end = this.strOff + off;
    const start = end;
    while (end < this.view.byteLength && this.view.getUint8(end) !== 0) end++;
    return new TextDecoder().decode(
      new Uint8Array(this.view.buffer, this.view.byteOffset + start, end - start),
    );
  }

  /** Size in bytes of a type, through typedefs, qualifiers and arrays. */
  sizeOf(id: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.types[id];
      if (!t) throw new LayoutError(`BTF type ${id} does not exist`);
      switch (t.kind) {
        case KIND.INT:
        case KIND.STRUCT:
        case KIND.UNION:
        case KIND.ENUM:
        case KIND.ENUM64:
        case KIND.FLOAT:
        case KIND.DATASEC:
          return t.sizeOrType;
        case KIND.PTR:
          return 8;
        case KIND.ARRAY: {
          const elem = this.view.getUint32(t.extra, true);
          const n = this.view.getUint32(t.extra + 8, true);
          return this.sizeOf(elem) * n;
        }
        case KIND.TYPEDEF:
        case KIND.VOLATILE:
        case KIND.CONST:
        case KIND.RESTRICT:
        case KIND.TYPE_TAG:
        case KIND.VAR:
          id = t.sizeOrType;
          break;
        default:
          return 0;
      }
    }
    throw new LayoutError(`BTF type ${id}: reference loop`);
  }

  /** The struct (or union) named `name`, with its members' byte offsets and sizes. */
  struct(name: string): BtfStruct | undefined {
    const t = this.types.find((x) => (x.kind === KIND.STRUCT || x.kind === KIND.UNION) && x.name === name);
    if (!t) return undefined;
    const members: BtfMember[] = [];
    for (let i = 0; i < t.vlen; i++) {
      const m = t.extra + i * 12;
      const raw = this.view.getUint32(m + 8, true);
      const bitOffset = t.kindFlag ? raw & 0xffffff : raw;
      const bitfieldSize = t.kindFlag ? raw >>> 24 : 0;
      members.push({
        name: this.str(this.view.getUint32(m, true)),
        offset: Math.floor(bitOffset / 8),
        bitOffset,
        size: bitfieldSize > 0 ? 0 : this.sizeOf(this.view.getUint32(m + 4, true)),
        bitfieldSize,
      });
    }
    return { name, size: t.sizeOrType, members };
  }

  /** The variables of a data section (".rodata", ".maps"...) with their offsets. */
  section(name: string): BtfVariable[] | undefined {
    const t = this.types.find((x) => x.kind === KIND.DATASEC && x.name === name);
    if (!t) return undefined;
    const out: BtfVariable[] = [];
    for (let i = 0; i < t.vlen; i++) {
      const v = t.extra + i * 12;
      const varType = this.types[this.view.getUint32(v, true)];
      out.push({
        name: varType?.name ?? '',
        offset: this.view.getUint32(v + 4, true),
        size: this.view.getUint32(v + 8, true),
      });
    }
    return out;
  }
}

function extraLength(t: RawType): number {
  switch (t.kind) {
    case KIND.INT:
    case KIND.VAR:
    case KIND.DECL_TAG:
      return 4;
    case KIND.ARRAY:
      return 12;
    case KIND.STRUCT:
    case KIND.UNION:
    case KIND.DATASEC:
    case KIND.ENUM64:
      return t.vlen * 12;
    case KIND.ENUM:
    case KIND.FUNC_PROTO:
      return t.vlen * 8;
    default:
      return 0;
  }
}
