// An in-memory KeyValueMap with the kernel's update semantics, recording every write (for reconciler tests).
import type { KeyValueMap, UpdateMode } from './bpf-map.js';
import { type Codec, encode } from './codec.js';
import { BpfError } from './errors.js';

export type MapOp =
  | { map: string; op: 'set'; key: unknown; value: unknown }
  | { map: string; op: 'delete'; key: unknown };

export interface FakeMapOptions {
  /** Writes are appended here; share one array between maps to see their interleaving. */
  log?: MapOp[];
  /** Return an error to make the next write fail (before it changes anything). */
  failWrite?: (op: MapOp) => BpfError | undefined;
}

/**
 * Keys are compared by their encoded bytes, as the kernel does, so two values that encode alike are one
 * key and padding never matters. `get` is an exact lookup, also on maps that are LPM tries in the kernel
 * (the contract only relies on lookups of keys that are present).
 */
export class FakeMap<K, V> implements KeyValueMap<K, V> {
  private readonly data = new Map<string, [K, V]>();

  constructor(
    readonly name: string,
    readonly maxEntries: number,
    readonly keyCodec: Codec<K>,
    readonly valueCodec: Codec<V>,
    private readonly opts: FakeMapOptions = {},
  ) {}

  private id(key: K): string {
    return Buffer.from(encode(this.keyCodec, key)).toString('hex');
  }

  get size(): number {
    return this.data.size;
  }

  get(key: K): V | undefined {
    return this.data.get(this.id(key))?.[1];
  }

  set(key: K, value: V, mode: UpdateMode = 'any'): void {
    const id = this.id(key);
    encode(this.valueCodec, value); // the same validation the kernel path does
    const op: MapOp = { map: this.name, op: 'set', key, value };
    const injected = this.opts.failWrite?.(op);
    if (injected) throw injected;
    const present = this.data.has(id);
    if (mode === 'noexist' && present) throw new BpfError('bpf_map_update_elem', 17, this.name);
    if (mode === 'exist' && !present) throw new BpfError('bpf_map_update_elem', 2, this.name);
    if (!present && this.data.size >= this.maxEntries)
      throw new BpfError('bpf_map_update_elem', 7, this.name);
    this.data.set(id, [key, value]);
    this.opts.log?.push(op);
  }

  delete(key: K): boolean {
    const op: MapOp = { map: this.name, op: 'delete', key };
    const injected = this.opts.failWrite?.(op);
    if (injected) throw injected;
    const had = this.data.delete(this.id(key));
    if (had) this.opts.log?.push(op);
    return had;
  }

  keys(): K[] {
    return [...this.data.values()].map(([k]) => k);
  }

  entries(): Array<[K, V]> {
    return [...this.data.values()].map(([k, v]) => [k, v]);
  }
}
