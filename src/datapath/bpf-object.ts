// A compiled BPF object: open, configure (.rodata, map sizes, pinning), load, then typed maps and programs.
import { mkdirSync } from 'node:fs';
import { BpfMap, BpfPerCpuMap } from './bpf-map.js';
import { Btf } from './btf.js';
import { type Codec, decode, encode } from './codec.js';
import { BpfError, LayoutError, MissingError, VerifierError } from './errors.js';
import {
  type MapHandle,
  mapFd,
  mapInfo,
  mapInitialValue,
  mapInnerMap,
  mapReuseFd,
  mapSetInitialValue,
  mapSetMaxEntries,
  mapSetPinPath,
  mapSetValueSize,
  type ObjectHandle,
  objectBtfRaw,
  objectClose,
  objectFindMap,
  objectFindProgram,
  objectLoad,
  objectMaps,
  objectOpen,
  objectPrograms,
  type ProgramHandle,
  programFd,
  programName,
  progTestRun,
  withLibbpfLog,
} from './libbpf.js';

export interface OpenOptions {
  /**
   * Pin every map at `<pinDir>/<map name>` (on bpffs, e.g. /sys/fs/bpf/porin). A map already pinned
   * there is reused — that is how state survives an agent restart — if its type, sizes and flags match;
   * otherwise load fails.
   */
  pinDir?: string;
  /** max_entries overrides by map name, applied before load. */
  maxEntries?: Readonly<Record<string, number>>;
  /** Value sizes of map-in-map inner templates, by outer map name (e.g. the Maglev table size). */
  innerValueSizes?: Readonly<Record<string, number>>;
  /** Maps taken from another loaded object by fd instead of created (objects sharing maps). */
  reuseMaps?: Readonly<Record<string, number>>;
}

/** Size of struct __sk_buff (uapi), the context BPF_PROG_TEST_RUN accepts for tc programs. */
const SKB_CTX_SIZE = 192;
const SKB_CTX_IFINDEX = 40;
const SKB_CTX_MARK = 8;

export interface TestRunOptions {
  /** skb->ifindex: the device the packet is on (default 1, lo). Must exist in the caller's netns. */
  ifindex?: number;
  mark?: number;
  repeat?: number;
}

/** A loaded program. */
export class BpfProgram {
  constructor(
    readonly name: string,
    readonly fd: number,
  ) {}

  /**
   * Runs the program on one packet (starting at the Ethernet header) with BPF_PROG_TEST_RUN; `markOut` is
   * skb->mark as the program left it.
   */
  testRun(packet: Uint8Array, opts: TestRunOptions = {}) {
    const ctx = new Uint8Array(SKB_CTX_SIZE);
    const view = new DataView(ctx.buffer);
    view.setUint32(SKB_CTX_IFINDEX, opts.ifindex ?? 1, true);
    view.setUint32(SKB_CTX_MARK, opts.mark ?? 0, true);
    const r = progTestRun(this.fd, { data: packet, ctx, repeat: opts.repeat ?? 1 });
    const out = r.ctxOut
      ? new DataView(r.ctxOut.buffer, r.ctxOut.byteOffset, r.ctxOut.byteLength)
      : undefined;
    return { ...r, markOut: out ? out.getUint32(SKB_CTX_MARK, true) : 0 };
  }
}

export class BpfObject implements Disposable {
  private handle: ObjectHandle | null;
  private loaded = false;
  private cachedBtf: Btf | undefined;

  private constructor(
    readonly path: string,
    handle: ObjectHandle,
  ) {
    this.handle = handle;
  }

  /** Opens (parses) the object; nothing reaches the kernel until load(). */
  static open(path: string, opts: OpenOptions = {}): BpfObject {
    const obj = new BpfObject(path, objectOpen(path));
    try {
      for (const [name, n] of Object.entries(opts.maxEntries ?? {})) mapSetMaxEntries(obj.findMap(name), n);
      for (const [name, size] of Object.entries(opts.innerValueSizes ?? {})) {
        const inner = mapInnerMap(obj.findMap(name));
        if (inner === null) throw new MissingError('map', `${name} (inner)`, path);
        mapSetValueSize(inner, size);
      }
      for (const [name, fd] of Object.entries(opts.reuseMaps ?? {})) mapReuseFd(obj.findMap(name), fd);
      if (opts.pinDir !== undefined) {
        mkdirSync(opts.pinDir, { recursive: true });
        for (const m of objectMaps(obj.live())) {
          const info = mapInfo(m);
          if (!info.internal) mapSetPinPath(m, `${opts.pinDir}/${info.name}`);
        }
      }
    } catch (e) {
      obj.close();
      throw e;
    }
    return obj;
  }

  private live(): ObjectHandle {
    if (this.handle === null) throw new BpfError('bpf_object', 9, `${this.path} is closed`);
    return this.handle;
  }

  private findMap(name: string): MapHandle {
    const m = objectFindMap(this.live(), name);
    if (m === null) throw new MissingError('map', name, this.path);
    return m;
  }

  /** The object's BTF (with libbpf's fix-ups: real DATASEC offsets). */
  btf(): Btf {
    if (!this.cachedBtf) {
      const raw = objectBtfRaw(this.live());
      if (!raw) throw new LayoutError(`${this.path} has no BTF (compile with -g)`);
      this.cachedBtf = Btf.parse(raw);
    }
    return this.cachedBtf;
  }

  private globalVariable(section: string, variable: string, size: number) {
    const v = this.btf()
      .section(section)
      ?.find((x) => x.name === variable);
    if (!v) throw new MissingError('variable', `${section}:${variable}`, this.path);
    if (v.size !== size)
      throw new LayoutError(`${variable} is ${v.size} bytes in ${this.path}, codec says ${size}`);
    const map = objectMaps(this.live()).find((m) => {
      const info = mapInfo(m);
      return info.internal && info.name.endsWith(section);
    });
    if (!map) throw new MissingError('map', section, this.path);
    return { map, offset: v.offset };
  }

  /** Reads a global variable's initial value (e.g. the defaults in .rodata). */
  readGlobal<T>(section: string, variable: string, codec: Codec<T>): T {
    const { map, offset } = this.globalVariable(section, variable, codec.size);
    const data = mapInitialValue(map);
    if (!data) throw new MissingError('variable', `${section}:${variable}`, this.path);
    return decode(codec, data, offset);
  }

  /** Before load: overwrites fields of a global variable; returns the value the programs will see. */
  patchGlobal<T extends object>(section: string, variable: string, codec: Codec<T>, patch: Partial<T>): T {
    if (this.loaded) throw new BpfError('bpf_map__set_initial_value', 16, `${this.path} is already loaded`);
    const { map, offset } = this.globalVariable(section, variable, codec.size);
    const data = mapInitialValue(map);
    if (!data) throw new MissingError('variable', `${section}:${variable}`, this.path);
    const value = { ...decode(codec, data, offset), ...patch };
    data.set(encode(codec, value), offset);
    mapSetInitialValue(map, data);
    return value;
  }

  /**
   * Verifies and loads every program and creates (or reuses pinned) maps. A verifier rejection throws
   * VerifierError naming the program, with the log's last lines in the message and the whole log attached.
   */
  load(): void {
    const { error, log } = withLibbpfLog(() => objectLoad(this.live(), this.path));
    if (error === undefined) {
      this.loaded = true;
      return;
    }
    if (!(error instanceof BpfError)) throw error;
    const verifier = extractVerifierLog(log);
    if (verifier) throw new VerifierError(this.path, error.errno, verifier.program, verifier.lines);
    const tail = log.slice(-3).join('; ');
    throw new BpfError('bpf_object__load', error.errno, `${this.path}${tail ? `: ${tail}` : ''}`);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  mapNames(): string[] {
    return objectMaps(this.live())
      .map(mapInfo)
      .filter((i) => !i.internal)
      .map((i) => i.name);
  }

  programNames(): string[] {
    return objectPrograms(this.live()).map(programName);
  }

  /** A typed view of a loaded map; throws LayoutError if the codecs' sizes differ from the kernel's. */
  map<K, V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V>): BpfMap<K, V> {
    const m = this.findMap(name);
    const info = mapInfo(m);
    return new BpfMap(name, mapFd(m), info.maxEntries, keyCodec, valueCodec, info);
  }

  perCpuMap<K, V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V>): BpfPerCpuMap<K, V> {
    const m = this.findMap(name);
    return new BpfPerCpuMap(name, mapFd(m), keyCodec, valueCodec, mapInfo(m));
  }

  /** The fd of a loaded map (for ring buffers and other untyped uses). */
  mapFd(name: string): number {
    return mapFd(this.findMap(name));
  }

  /** The libbpf handle of a program (for cgroup links, which attach by handle); datapath-internal. */
  programHandle(name: string): ProgramHandle {
    const p = objectFindProgram(this.live(), name);
    if (p === null) throw new MissingError('program', name, this.path);
    return p;
  }

  program(name: string): BpfProgram {
    const p = objectFindProgram(this.live(), name);
    if (p === null) throw new MissingError('program', name, this.path);
    return new BpfProgram(name, programFd(p));
  }

  /** Closes every fd of the object (programs stay attached where tc holds them; pins stay). */
  close(): void {
    if (this.handle !== null) objectClose(this.handle);
    this.handle = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The verifier's own lines from libbpf's "-- BEGIN PROG LOAD LOG --" block, and the program name. */
function extractVerifierLog(
  log: readonly string[],
): { program: string | undefined; lines: string[] } | undefined {
  const begin = log.findIndex((l) => l.includes('-- BEGIN PROG LOAD LOG --'));
  const failed = log.find((l) => /prog '[^']+': (BPF program load failed|failed to load)/.test(l));
  const program = (log[begin] ?? failed)?.match(/prog '([^']+)'/)?.[1];
  if (begin < 0)
    return failed ? { program, lines: log.filter((l) => l.includes(`prog '${program}'`)) } : undefined;
  const end = log.findIndex((l, i) => i > begin && l.includes('-- END PROG LOAD LOG --'));
  return { program, lines: log.slice(begin + 1, end < 0 ? undefined : end) };
}

/** open + patch .rodata + load, closing the object if any step fails. */
export function loadObject<C extends object>(
  path: string,
  opts: OpenOptions & {
    config?: { section: string; variable: string; codec: Codec<C>; values: Partial<C> };
  } = {},
): BpfObject {
  const obj = BpfObject.open(path, opts);
  try {
    if (opts.config) {
      const c = opts.config;
      obj.patchGlobal(c.section, c.variable, c.codec, c.values);
    }
    obj.load();
    return obj;
  } catch (e) {
    obj.close();
    throw e;
  }
}
