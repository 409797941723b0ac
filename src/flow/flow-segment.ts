// Per-segment summaries of stored flows: the store's write-cheap index (one row per ~4096 flows instead of index entries per flow).
//
// A segment is a run of consecutive flow ids. Its summary holds the id and time range, bitmasks of the
// verdicts, L4 protocols and event types present, the distinct ports, and two sorted (key, offset)
// arrays per side — endpoint ids and IPv4 addresses — that give the offsets of the rows with a key.
// Queries skip segments that cannot match and read only candidate rows of the others; the exact
// filter (flow-sql.ts) still decides every row, so a summary only ever narrows, never decides.
import { VERDICTS } from './flow-enums.js';

/** Bits of the L4 mask: 1 << the row's L4 kind (0 none, 1 TCP, 2 UDP, 3 SCTP, 4 ICMPv4, 5 ICMPv6). */
export const L4_BIT: Readonly<Record<string, number>> = Object.freeze({
  none: 1,
  TCP: 2,
  UDP: 4,
  SCTP: 8,
  ICMPv4: 16,
  ICMPv6: 32,
});
/** Bits of the event-type mask (drop, trace, policy-verdict, l7, anything else). */
export const EVENT_BIT: Readonly<Record<number, number>> = Object.freeze({ 1: 1, 4: 2, 5: 4, 129: 8 });
export const OTHER_EVENT_BIT = 16;

export function eventBit(type: number | null): number {
  return type === null ? 0 : (EVENT_BIT[type] ?? OTHER_EVENT_BIT);
}

/** Sorted keys with the row offset of each (ascending by key, then offset). */
export interface KeyIndex {
  keys: Uint32Array;
  offsets: Uint16Array;
}

export interface SegmentSummary {
  id: number;
  firstId: number;
  lastId: number;
  minTime: bigint;
  maxTime: bigint;
  verdictMask: number;
  l4Mask: number;
  eventMask: number;
  /** Rows without an IPv4 source/destination (IPv6 or none): IP lookups cannot rule them out. */
  hasNonV4: boolean;
}

export interface SegmentIndexes {
  srcEp: KeyIndex;
  dstEp: KeyIndex;
  srcIp: KeyIndex;
  dstIp: KeyIndex;
  /** Distinct ports of TCP/UDP/SCTP rows, sorted. */
  srcPorts: Uint16Array;
  dstPorts: Uint16Array;
}

/** Collects a segment's rows as they are inserted (typed arrays sized for the segment). */
export class SegmentBuilder {
  private readonly srcEp: Uint32Array;
  private readonly dstEp: Uint32Array;
  /** IPv4 as u32; rows without one are marked in `noSrcIp` / `noDstIp`. */
  private readonly srcIp: Uint32Array;
  private readonly dstIp: Uint32Array;
  private readonly noSrcIp: Uint8Array;
  private readonly noDstIp: Uint8Array;
  /** Offsets whose id has no row (a failed write left a gap). */
  private readonly missing: Uint8Array;
  /** One bit per port number. */
  private readonly srcPorts = new Uint32Array(2048);
  private readonly dstPorts = new Uint32Array(2048);
  private n = 0;
  verdictMask = 0;
  l4Mask = 0;
  eventMask = 0;
  hasNonV4 = false;
  minTime: bigint | undefined;
  maxTime: bigint | undefined;
  lastId = 0;

  constructor(
    readonly id: number,
    readonly firstId: number,
    readonly capacity: number,
  ) {
    this.srcEp = new Uint32Array(capacity);
    this.dstEp = new Uint32Array(capacity);
    this.srcIp = new Uint32Array(capacity);
    this.dstIp = new Uint32Array(capacity);
    this.noSrcIp = new Uint8Array(capacity);
    this.noDstIp = new Uint8Array(capacity);
    this.missing = new Uint8Array(capacity);
  }

  get count(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  /** Whether `rowId` can still go into this segment. */
  fits(rowId: number): boolean {
    const i = rowId - this.firstId;
    return i >= this.n && i < this.capacity;
  }

  /**
   * Adds a row (the values flow-row's toRow wrote: m1 packs verdict and L4 kind, event packs the type).
   * Ids must grow; a row's offset is `rowId - firstId`, ids skipped in between are gaps.
   */
  add(
    rowId: number,
    time: bigint,
    m1: number,
    srcEp: number,
    dstEp: number,
    srcIp: Buffer | null,
    dstIp: Buffer | null,
    srcPort: number | null,
    dstPort: number | null,
    event: number | null,
  ): void {
    const i = rowId - this.firstId;
    if (i < this.n || i >= this.capacity)
      throw new RangeError(`row ${rowId} does not fit segment ${this.id}`);
    for (let g = this.n; g < i; g++) {
      this.missing[g] = 1;
      this.noSrcIp[g] = 1;
      this.noDstIp[g] = 1;
    }
    this.n = i + 1;
    this.lastId = rowId;
    if (this.minTime === undefined || time < this.minTime) this.minTime = time;
    if (this.maxTime === undefined || time > this.maxTime) this.maxTime = time;
    this.verdictMask |= 1 << (m1 & 7);
    const kind = (m1 >> 3) & 7;
    this.l4Mask |= 1 << kind;
    this.eventMask |= eventBit(event === null ? null : Math.floor(event / 65536));
    this.srcEp[i] = srcEp;
    this.dstEp[i] = dstEp;
    if (srcIp !== null && srcIp.length === 4)
      this.srcIp[i] = ((srcIp[0]! << 24) | (srcIp[1]! << 16) | (srcIp[2]! << 8) | srcIp[3]!) >>> 0;
    else {
      this.noSrcIp[i] = 1;
      this.hasNonV4 = true;
    }
    if (dstIp !== null && dstIp.length === 4)
      this.dstIp[i] = ((dstIp[0]! << 24) | (dstIp[1]! << 16) | (dstIp[2]! << 8) | dstIp[3]!) >>> 0;
    else {
      this.noDstIp[i] = 1;
      this.hasNonV4 = true;
    }
    if (kind >= 1 && kind <= 3) {
      const sp = srcPort ?? 0;
      const dp = dstPort ?? 0;
      this.srcPorts[sp >>> 5]! |= 1 << (sp & 31);
      this.dstPorts[dp >>> 5]! |= 1 << (dp & 31);
    }
  }

  summary(): SegmentSummary {
    return {
      id: this.id,
      firstId: this.firstId,
      lastId: this.lastId,
      minTime: this.minTime ?? 0n,
      maxTime: this.maxTime ?? 0n,
      verdictMask: this.verdictMask,
      l4Mask: this.l4Mask,
      eventMask: this.eventMask,
      hasNonV4: this.hasNonV4,
    };
  }

  /** The indexes serialized: one blob. */
  indexBlob(): Buffer {
    const n = this.n;
    return Buffer.concat([
      keyIndexBytes(this.srcEp.subarray(0, n), this.missing),
      keyIndexBytes(this.dstEp.subarray(0, n), this.missing),
      keyIndexBytes(this.srcIp.subarray(0, n), this.noSrcIp),
      keyIndexBytes(this.dstIp.subarray(0, n), this.noDstIp),
      portBytes(this.srcPorts),
      portBytes(this.dstPorts),
    ]);
  }
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const counts = new Uint32Array(RADIX);

/**
 * [n: u32][keys: u32 × n][offsets: u16 × n][pad to 4], sorted by (key, offset); rows flagged in `skip`
 * left out. An LSD radix sort (11-bit digits, as many passes as the largest key needs) keeps it linear.
 */
function keyIndexBytes(values: Uint32Array, skip?: Uint8Array): Buffer {
  let n = 0;
  let max = 0;
  let order = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (skip?.[i]) continue;
    order[n++] = i;
    if (values[i]! > max) max = values[i]!;
  }
  order = order.subarray(0, n);
  let tmp = new Uint16Array(n);
  for (let shift = 0; shift === 0 || max >>> shift !== 0; shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(values[order[i]!]! >>> shift) & (RADIX - 1)]!++;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const o = order[i]!;
      tmp[counts[(values[o]! >>> shift) & (RADIX - 1)]!++] = o;
    }
    [order, tmp] = [tmp, order];
    if (shift + RADIX_BITS >= 32) break;
  }
  const bytes = 4 + n * 4 + n * 2 + ((n * 2) % 4);
  const ab = new ArrayBuffer(bytes);
  new Uint32Array(ab, 0, 1)[0] = n;
  const keys = new Uint32Array(ab, 4, n);
  const offs = new Uint16Array(ab, 4 + n * 4, n);
  for (let i = 0; i < n; i++) {
    keys[i] = values[order[i]!]!;
    offs[i] = order[i]!;
  }
  return Buffer.from(ab);
}

function portBytes(bits: Uint32Array): Buffer {
  const ports: number[] = [];
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w]!;
    while (word !== 0) {
      const b = 31 - Math.clz32(word & -word);
      ports.push(w * 32 + b);
      word &= word - 1;
    }
  }
  const buf = Buffer.alloc(4 + ports.length * 2 + ((ports.length * 2) % 4));
  buf.writeUInt32LE(ports.length, 0);
  for (let i = 0; i < ports.length; i++) buf.writeUInt16LE(ports[i]!, 4 + i * 2);
  return buf;
}

/** Decodes a segment's index blob (copies into aligned typed arrays). */
export function decodeIndexes(blob: Uint8Array): SegmentIndexes {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let off = 0;
  const keyIndex = (): KeyIndex => {
    const n = view.getUint32(off, true);
    off += 4;
    const keys = new Uint32Array(n);
    for (let i = 0; i < n; i++) keys[i] = view.getUint32(off + i * 4, true);
    off += n * 4;
    const offsets = new Uint16Array(n);
    for (let i = 0; i < n; i++) offsets[i] = view.getUint16(off + i * 2, true);
    off += n * 2 + ((n * 2) % 4);
    return { keys, offsets };
  };
  const ports = (): Uint16Array => {
    const n = view.getUint32(off, true);
    off += 4;
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getUint16(off + i * 2, true);
    off += n * 2 + ((n * 2) % 4);
    return out;
  };
  return {
    srcEp: keyIndex(),
    dstEp: keyIndex(),
    srcIp: keyIndex(),
    dstIp: keyIndex(),
    srcPorts: ports(),
    dstPorts: ports(),
  };
}

function lowerBound(keys: Uint32Array, key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Offsets of rows whose key is in [lo, hi] (inclusive), appended to `out`. */
export function offsetsInRange(idx: KeyIndex, lo: number, hi: number, out: number[]): void {
  for (let i = lowerBound(idx.keys, lo); i < idx.keys.length && idx.keys[i]! <= hi; i++)
    out.push(idx.offsets[i]!);
}

export function hasKeyInRange(idx: KeyIndex, lo: number, hi: number): boolean {
  const i = lowerBound(idx.keys, lo);
  return i < idx.keys.length && idx.keys[i]! <= hi;
}

export function hasPort(ports: Uint16Array, port: number): boolean {
  let lo = 0;
  let hi = ports.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ports[mid]! < port) lo = mid + 1;
    else hi = mid;
  }
  return lo < ports.length && ports[lo] === port;
}

/** The verdict bit of a verdict name. */
export function verdictBit(v: string): number {
  return 1 << VERDICTS.indexOf(v as (typeof VERDICTS)[number]);
}
