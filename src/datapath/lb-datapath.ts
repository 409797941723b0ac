// The load balancer's kernel side: bpf/sock.bpf.c (cgroup socket LB) loaded once per node, its typed maps.
import { fileURLToPath } from 'node:url';
import type { BpfMap } from './bpf-map.js';
import { type BpfObject, loadObject, type OpenOptions } from './bpf-object.js';
import { attachCgroup, type CgroupLink } from './cgroup-link.js';
import { u32, u64 } from './codec.js';
import { BpfError } from './errors.js';
import { netnsCookie } from './libbpf.js';
import { KernelMaglevTables } from './maglev-tables.js';
import {
  LB_AFFINITY_MAP,
  LB_AFFINITY_MATCH_MAP,
  LB_BACKENDS_MAP,
  LB_CONFIG_VARIABLE,
  LB_MAGLEV_LUT_MAX,
  LB_MAGLEV_LUT_SIZE,
  LB_MAGLEV_MAP,
  LB_NETNS_MAP,
  LB_REVERSE_NAT_MAP,
  LB_REVERSE_SK_MAP,
  LB_SERVICES_MAP,
  type Lb4Affinity,
  Lb4AffinityCodec,
  type Lb4AffinityKey,
  Lb4AffinityKeyCodec,
  type Lb4Backend,
  Lb4BackendCodec,
  type Lb4Key,
  Lb4KeyCodec,
  type Lb4ReverseNat,
  Lb4ReverseNatCodec,
  type Lb4Service,
  Lb4ServiceCodec,
  type Lb4SkKey,
  Lb4SkKeyCodec,
  type Lb4SkValue,
  Lb4SkValueCodec,
  type LbAffinityMatch,
  LbAffinityMatchCodec,
  LbConfigCodec,
  type LbDatapathConfig,
  type LbNetns,
  LbNetnsCodec,
  RevNatKeyCodec,
  U8Codec,
} from './maps/lb.js';

export function defaultSockObjectPath(): string {
  return fileURLToPath(new URL('../../bpf/sock.bpf.o', import.meta.url));
}

/** The cgroup programs of sock.bpf.c, in attach order (reverse translation first, so none is missed). */
export const SOCK_PROGRAMS = [
  'sock4_recvmsg',
  'sock4_getpeername',
  'sock4_sendmsg',
  'sock4_connect',
] as const;

/** The maps shared by every load-balancer program. */
export interface LbMaps {
  services: BpfMap<Lb4Key, Lb4Service>;
  backends: BpfMap<number, Lb4Backend>;
  reverseNat: BpfMap<number, Lb4ReverseNat>;
  affinity: BpfMap<Lb4AffinityKey, Lb4Affinity>;
  affinityMatch: BpfMap<LbAffinityMatch, number>;
  reverseSk: BpfMap<Lb4SkKey, Lb4SkValue>;
  netns: BpfMap<bigint, LbNetns>;
  maglev: KernelMaglevTables;
}

export interface LbDatapathOptions extends OpenOptions {
  objectPath?: string;
  /** Maglev table size M (a prime ≤ 131071); default 16381. */
  maglevTableSize?: number;
  /** Load-time tunables (conntrack timeouts, Maglev flow-hash seed). */
  config?: Partial<Omit<LbDatapathConfig, 'maglevTableSize'>>;
}

/** The names of the maps every LB object shares (reused by fd or pin when a second object loads). */
export const LB_SHARED_MAPS = [
  LB_SERVICES_MAP,
  LB_BACKENDS_MAP,
  LB_REVERSE_NAT_MAP,
  LB_MAGLEV_MAP,
  LB_AFFINITY_MAP,
  LB_AFFINITY_MATCH_MAP,
  LB_REVERSE_SK_MAP,
  LB_NETNS_MAP,
] as const;

/** Open options that make an LB object use the table size M (inner map value size). */
export function maglevSizing(m: number): Pick<OpenOptions, 'innerValueSizes'> {
  if (!Number.isInteger(m) || m < 2 || m > LB_MAGLEV_LUT_MAX)
    throw new BpfError('maglev', 22, `table size ${m} is outside 2..${LB_MAGLEV_LUT_MAX}`);
  return { innerValueSizes: { [LB_MAGLEV_MAP]: m * 4 } };
}

export function lbMaps(o: BpfObject, maglevTableSize: number): LbMaps {
  return {
    services: o.map(LB_SERVICES_MAP, Lb4KeyCodec, Lb4ServiceCodec),
    backends: o.map(LB_BACKENDS_MAP, u32, Lb4BackendCodec),
    reverseNat: o.map(LB_REVERSE_NAT_MAP, RevNatKeyCodec, Lb4ReverseNatCodec),
    affinity: o.map(LB_AFFINITY_MAP, Lb4AffinityKeyCodec, Lb4AffinityCodec),
    affinityMatch: o.map(LB_AFFINITY_MATCH_MAP, LbAffinityMatchCodec, U8Codec),
    reverseSk: o.map(LB_REVERSE_SK_MAP, Lb4SkKeyCodec, Lb4SkValueCodec),
    netns: o.map(LB_NETNS_MAP, u64, LbNetnsCodec),
    maglev: new KernelMaglevTables(o.mapFd(LB_MAGLEV_MAP), maglevTableSize),
  };
}

export class SockLbDatapath implements Disposable {
  readonly maps: LbMaps;

  private constructor(
    readonly object: BpfObject,
    readonly config: LbDatapathConfig,
  ) {
    this.maps = lbMaps(object, config.maglevTableSize);
  }

  static load(opts: LbDatapathOptions = {}): SockLbDatapath {
    const m = opts.maglevTableSize ?? LB_MAGLEV_LUT_SIZE;
    const object = loadObject(opts.objectPath ?? defaultSockObjectPath(), {
      ...opts,
      ...maglevSizing(m),
      config: {
        section: '.rodata',
        variable: LB_CONFIG_VARIABLE,
        codec: LbConfigCodec,
        values: { ...(opts.config ?? {}), maglevTableSize: m },
      },
    });
    try {
      return new SockLbDatapath(object, object.readGlobal('.rodata', LB_CONFIG_VARIABLE, LbConfigCodec));
    } catch (e) {
      object.close();
      throw e;
    }
  }

  /** Map fds for a second object that shares these maps (OpenOptions.reuseMaps). */
  sharedMapFds(): Record<string, number> {
    return Object.fromEntries(LB_SHARED_MAPS.map((n) => [n, this.object.mapFd(n)]));
  }

  /**
   * Attaches the four socket programs to the cgroup. With `pinDir`, links are pinned there
   * (`<pinDir>/links/<program>`) and an earlier agent's links are taken over.
   */
  attach(cgroupPath: string, pinDir?: string): CgroupLink[] {
    const links: CgroupLink[] = [];
    try {
      for (const p of SOCK_PROGRAMS) {
        links.push(
          attachCgroup(this.object, p, {
            cgroupPath,
            ...(pinDir ? { pinPath: `${pinDir}/links/${p}` } : {}),
          }),
        );
      }
    } catch (e) {
      for (const l of links) l.detach();
      throw e;
    }
    return links;
  }

  /** Makes sockets of a network namespace subject to this load balancer (nsPath null: the caller's). */
  registerNetns(nsPath: string | null, flags = 0): bigint {
    const cookie = netnsCookie(nsPath);
    this.maps.netns.set(cookie, { flags });
    return cookie;
  }

  unregisterNetns(cookie: bigint): boolean {
    return this.maps.netns.delete(cookie);
  }

  close(): void {
    this.object.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
