// Typed BPF maps: the KeyValueMap contract every map writer codes against, and its kernel implementation.
import type { Codec } from './codec.js';
import { BpfError, LayoutError } from './errors.js';
import {
  closeFd,
  mapDelete,
  mapInfoByFd,
  mapLookup,
  mapNextKey,
  mapUpdate,
  mapUpdateBatch,
  objGet,
  possibleCpus,
} from './libbpf.js';

/** 'any' creates or replaces; 'noexist' only creates; 'exist' only replaces (BPF_ANY/NOEXIST/EXIST). */
export type UpdateMode = 'any' | 'noexist' | 'exist';
const MODE_FLAGS: Record<UpdateMode, number> = { any: 0, noexist: 1, exist: 2 };

/**
 * The contract of a key/value map, met by BpfMap (the kernel) and FakeMap (memory, for tests). Errors are
 * BpfError with stable codes: PORIN_BPF_EXISTS ('noexist' on a present key), PORIN_BPF_NOT_FOUND
 * ('exist' on an absent key), PORIN_BPF_MAP_FULL (a new key in a full map; the map is unchanged).
 * For LPM tries `get` is a longest-prefix lookup, which returns the key itself when present.
 */
export interface KeyValueMap<K, V> {
  readonly name: string;
  readonly maxEntries: number;
  get(key: K): V | undefined;
  set(key: K, value: V, mode?: UpdateMode): void;
  /** false when the key was absent. */
  delete(key: K): boolean;
  /** A snapshot of the keys (iteration order is the map's). */
  keys(): K[];
  entries(): Array<[K, V]>;
}

/** A map in the kernel, reached through its fd, with codecs checked against its key and value sizes. */
export class BpfMap<K, V> implements KeyValueMap<K, V>, Disposable {
  private readonly keyBuf: Uint8Array;
  private readonly keyView: DataView;
  private readonly valueBuf: Uint8Array;
  private readonly valueView: DataView;

  constructor(
    readonly name: string,
    readonly fd: number,
    readonly maxEntries: number,
    readonly keyCodec: Codec<K>,
    readonly valueCodec: Codec<V>,
    sizes: { keySize: number; valueSize: number },
    /** Close the fd on dispose (maps opened from a pin); maps of a BpfObject are closed with it. */
    private readonly ownsFd = false,
  ) {
    if (sizes.keySize !== keyCodec.size || sizes.valueSize !== valueCodec.size) {
      throw new LayoutError(
        `map ${name}: key/value are ${sizes.keySize}/${sizes.valueSize} bytes in the kernel, ` +
          `but codecs ${keyCodec.name}/${valueCodec.name} are ${keyCodec.size}/${valueCodec.size}`,
      );
    }
    this.keyBuf = new Uint8Array(keyCodec.size);
    this.keyView = new DataView(this.keyBuf.buffer);
    this.valueBuf = new Uint8Array(valueCodec.size);
    this.valueView = new DataView(this.valueBuf.buffer);
  }

  /** Opens a pinned map (e.g. /sys/fs/bpf/porin/porin_policy) without loading its object. */
  static fromPin<K, V>(path: string, keyCodec: Codec<K>, valueCodec: Codec<V>): BpfMap<K, V> {
    const fd = objGet(path);
    try {
      const info = mapInfoByFd(fd);
      return new BpfMap(info.name, fd, info.maxEntries, keyCodec, valueCodec, info, true);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  private encodeKey(key: K): Uint8Array {
    this.keyCodec.encode(key, this.keyView, 0);
    return this.keyBuf;
  }

  get(key: K): V | undefined {
    if (!mapLookup(this.fd, this.encodeKey(key), this.valueBuf, this.name)) return undefined;
    return this.valueCodec.decode(this.valueView, 0);
  }

  set(key: K, value: V, mode: UpdateMode = 'any'): void {
    this.valueCodec.encode(value, this.valueView, 0);
    mapUpdate(this.fd, this.encodeKey(key), this.valueBuf, MODE_FLAGS[mode], this.name);
  }

  delete(key: K): boolean {
    return mapDelete(this.fd, this.encodeKey(key), this.name);
  }

  /** Writes many entries in one syscall (bpf_map_update_batch); not for LPM tries, which lack it. */
  setBatch(entries: ReadonlyArray<readonly [K, V]>, mode: UpdateMode = 'any'): void {
    if (entries.length === 0) return;
    const ks = new Uint8Array(entries.length * this.keyCodec.size);
    const vs = new Uint8Array(entries.length * this.valueCodec.size);
    const kv = new DataView(ks.buffer);
    const vv = new DataView(vs.buffer);
    entries.forEach(([k, v], i) => {
      this.keyCodec.encode(k, kv, i * this.keyCodec.size);
      this.valueCodec.encode(v, vv, i * this.valueCodec.size);
    });
    mapUpdateBatch(this.fd, ks, vs, entries.length, MODE_FLAGS[mode], this.name);
  }

  keys(): K[] {
    const out: K[] = [];
    const cur = new Uint8Array(this.keyCodec.size);
    const next = new Uint8Array(this.keyCodec.size);
    let first = true;
    while (mapNextKey(this.fd, first ? null : cur, next, this.name)) {
      first = false;
      out.push(this.keyCodec.decode(new DataView(next.buffer), 0));
      cur.set(next);
      if (out.length > this.maxEntries) break; // a concurrently changing hash map can restart iteration
    }
    return out;
  }

  entries(): Array<[K, V]> {
    const out: Array<[K, V]> = [];
    for (const k of this.keys()) {
      const v = this.get(k);
      if (v !== undefined) out.push([k, v]);
    }
    return out;
  }

  [Symbol.dispose](): void {
    if (this.ownsFd) closeFd(this.fd);
  }
}

/** A per-CPU array or hash map: a lookup returns one value per possible CPU. */
export class BpfPerCpuMap<K, V> {
  private readonly cpus = possibleCpus();
  private readonly stride: number;

  constructor(
    readonly name: string,
    readonly fd: number,
    readonly keyCodec: Codec<K>,
    readonly valueCodec: Codec<V>,
    sizes: { keySize: number; valueSize: number },
  ) {
    if (sizes.keySize !== keyCodec.size || sizes.valueSize !== valueCodec.size) {
      throw new LayoutError(
        `per-CPU map ${name}: kernel key/value sizes ${sizes.keySize}/${sizes.valueSize} differ`,
      );
    }
    this.stride = Math.ceil(valueCodec.size / 8) * 8;
  }

  get(key: K): V[] | undefined {
    const k = new Uint8Array(this.keyCodec.size);
    this.keyCodec.encode(key, new DataView(k.buffer), 0);
    const out = new Uint8Array(this.stride * this.cpus);
    if (!mapLookup(this.fd, k, out, this.name)) return undefined;
    const view = new DataView(out.buffer);
    return Array.from({ length: this.cpus }, (_, cpu) => this.valueCodec.decode(view, cpu * this.stride));
  }
}

/** True for the error a map raises when a new key does not fit. */
export function isMapFull(e: unknown): boolean {
  return e instanceof BpfError && e.code === 'PORIN_BPF_MAP_FULL';
}
