// Maglev lookup tables in the kernel: one inner array per frontend, swapped into the outer map whole.
import { BpfError } from './errors.js';
import type { MapOp } from './fake-map.js';
import { closeFd, mapCreate, mapDelete, mapFdById, mapLookup, mapNextKey, mapUpdate } from './libbpf.js';

const BPF_MAP_TYPE_ARRAY = 2;

/** The contract the load-balancer reconciler writes tables through (kernel and fake). */
export interface MaglevTables {
  readonly tableSize: number;
  get(id: number): Uint32Array | undefined;
  /** Replaces the frontend's whole table at once: a lookup sees the old table or the new one. */
  set(id: number, table: Uint32Array): void;
  delete(id: number): boolean;
  ids(): number[];
}

function idKey(id: number): Uint8Array {
  const k = new Uint8Array(2);
  new DataView(k.buffer).setUint16(0, id, true);
  return k;
}

/**
 * porin_lb4_maglev (HASH_OF_MAPS, key u16 frontend id). Writing a table creates a new one-element array
 * holding all M entries, fills it, then points the outer entry at it; the old array is freed by the
 * kernel once no program holds it. Reading goes through the inner map's id.
 */
export class KernelMaglevTables implements MaglevTables {
  constructor(
    readonly outerFd: number,
    readonly tableSize: number,
  ) {}

  get(id: number): Uint32Array | undefined {
    const inner = new Uint8Array(4);
    if (!mapLookup(this.outerFd, idKey(id), inner, 'porin_lb4_maglev')) return undefined;
    const fd = mapFdById(new DataView(inner.buffer).getUint32(0, true));
    try {
      const out = new Uint8Array(this.tableSize * 4);
      if (!mapLookup(fd, new Uint8Array(4), out, 'maglev table')) return undefined;
      return new Uint32Array(out.buffer);
    } finally {
      closeFd(fd);
    }
  }

  set(id: number, table: Uint32Array): void {
    if (table.length !== this.tableSize)
      throw new BpfError('maglev', 22, `table of ${table.length} entries, M is ${this.tableSize}`);
    const fd = mapCreate(BPF_MAP_TYPE_ARRAY, 'porin_lb_mlut', 4, this.tableSize * 4, 1);
    try {
      mapUpdate(fd, new Uint8Array(4), new Uint8Array(table.buffer, table.byteOffset, table.byteLength), 0);
      const v = new Uint8Array(4);
      new DataView(v.buffer).setUint32(0, fd, true);
      mapUpdate(this.outerFd, idKey(id), v, 0, 'porin_lb4_maglev');
    } finally {
      closeFd(fd);
    }
  }

  delete(id: number): boolean {
    return mapDelete(this.outerFd, idKey(id), 'porin_lb4_maglev');
  }

  ids(): number[] {
    const out: number[] = [];
    const cur = new Uint8Array(2);
    const next = new Uint8Array(2);
    let first = true;
    while (mapNextKey(this.outerFd, first ? null : cur, next, 'porin_lb4_maglev')) {
      first = false;
      out.push(new DataView(next.buffer).getUint16(0, true));
      cur.set(next);
    }
    return out;
  }
}

/** In memory, for reconciler tests; records writes like FakeMap. */
export class FakeMaglevTables implements MaglevTables {
  readonly data = new Map<number, Uint32Array>();
  constructor(
    readonly tableSize: number,
    private readonly log?: MapOp[],
  ) {}

  get(id: number): Uint32Array | undefined {
    return this.data.get(id);
  }

  set(id: number, table: Uint32Array): void {
    if (table.length !== this.tableSize)
      throw new BpfError('maglev', 22, `table of ${table.length} entries, M is ${this.tableSize}`);
    this.data.set(id, table.slice());
    this.log?.push({ map: 'porin_lb4_maglev', op: 'set', key: id, value: table.slice() });
  }

  delete(id: number): boolean {
    const had = this.data.delete(id);
    if (had) this.log?.push({ map: 'porin_lb4_maglev', op: 'delete', key: id });
    return had;
  }

  ids(): number[] {
    return [...this.data.keys()];
  }
}
