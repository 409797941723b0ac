// Host-local style IPAM: one file per allocated address holding "containerID\r\nifname", under a flock.
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { CNI_CODE, CniError } from './cni-error.js';
import type { CniAttachment } from './cni-types.js';
import { type FileLocker, holdFileLock } from './ip-command.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';

export interface Allocation {
  readonly ip: number;
  readonly containerId: string;
  readonly ifname: string;
}

const LAST_RESERVED = 'last_reserved_ip.0';
const LOCK = 'lock';
const LOCK_TIMEOUT_SECONDS = 30;

/**
 * The allocations of one network (`<dataDir>/<network name>/`). An address is held exactly when its file
 * exists; files are created with O_EXCL, so even a broken lock could not hand an address out twice. The
 * lock serialises the read-modify-write steps (reuse check, round-robin cursor, release by owner).
 */
export class IpamStore {
  constructor(
    readonly dir: string,
    /** Inclusive range of allocatable addresses. */
    private readonly range: readonly [number, number],
    /** The pool's name in messages (the podCIDR). */
    private readonly label = 'the pool',
    /** How the directory's lock file is taken (default: one flock process per call). */
    private readonly locker: FileLocker = holdFileLock,
  ) {}

  /** Runs `fn` holding the network's exclusive lock (creating the directory on first use). */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new CniError(
        CNI_CODE.IO_FAILURE,
        `cannot create IPAM directory ${this.dir}`,
        (e as Error).message,
      );
    }
    const release = await this.locker(join(this.dir, LOCK), LOCK_TIMEOUT_SECONDS);
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** Every allocation on disk (a file that cannot be read counts as held by nobody we know: kept). */
  list(): Allocation[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CniError(CNI_CODE.IO_FAILURE, `cannot read ${this.dir}`, (e as Error).message);
    }
    const out: Allocation[] = [];
    for (const name of names) {
      const ip = parseIPv4(name);
      if (ip === undefined) continue;
      let text = '';
      try {
        text = readFileSync(join(this.dir, name), 'utf8');
      } catch {
        // Released between readdir and read: not an allocation any more.
        continue;
      }
      const [containerId = '', ifname = ''] = text.split('\r\n');
      out.push({ ip, containerId: containerId.trim(), ifname: ifname.trim() });
    }
    return out;
  }

  /** The address held by this attachment, if any. */
  find(containerId: string, ifname: string): Allocation | undefined {
    return this.list().find((a) => a.containerId === containerId && a.ifname === ifname);
  }

  /** Free addresses left in the range. */
  freeCount(): number {
    const [first, last] = this.range;
    const held = this.list().filter((a) => a.ip >= first && a.ip <= last).length;
    return last - first + 1 - held;
  }

  /**
   * Reserves an address for the attachment (call under the lock): the one it already holds, the requested
   * one, or the next free one after the last reserved (round robin).
   */
  allocate(containerId: string, ifname: string, requested?: number): number {
    return this.reserve(containerId, ifname, requested).ip;
  }

  /** `allocate`, also telling whether the address was already this attachment's (one directory scan). */
  reserve(containerId: string, ifname: string, requested?: number): { ip: number; reused: boolean } {
    const all = this.list();
    const mine = all.find((a) => a.containerId === containerId && a.ifname === ifname);
    if (mine && (requested === undefined || requested === mine.ip)) return { ip: mine.ip, reused: true };
    const held = new Set(all.map((a) => a.ip));
    const [first, last] = this.range;
    if (requested !== undefined) {
      if (requested < first || requested > last) {
        throw new CniError(
          CNI_CODE.INVALID_CONFIG,
          `requested address ${formatIPv4(requested)} is not allocatable in podCIDR`,
        );
      }
      if (held.has(requested) || !this.create(requested, containerId, ifname)) {
        throw new CniError(CNI_CODE.ADDRESS_IN_USE, `address ${formatIPv4(requested)} is already allocated`);
      }
      return { ip: requested, reused: false };
    }
    const size = last - first + 1;
    const cursor = this.lastReserved();
    const start = cursor !== undefined && cursor >= first && cursor <= last ? cursor - first + 1 : 0;
    for (let i = 0; i < size; i++) {
      const ip = first + ((start + i) % size);
      if (held.has(ip)) continue;
      if (this.create(ip, containerId, ifname)) {
        this.setLastReserved(ip);
        return { ip, reused: false };
      }
    }
    throw new CniError(
      CNI_CODE.POOL_EXHAUSTED,
      `no free address in ${this.label}`,
      `${size} addresses, all allocated`,
    );
  }

  /** Releases every address the attachment holds (call under the lock); missing allocations are fine. */
  release(containerId: string, ifname: string): number[] {
    const mine = this.list().filter((a) => a.containerId === containerId && a.ifname === ifname);
    for (const a of mine) this.remove(a.ip);
    return mine.map((a) => a.ip);
  }

  /** Releases every allocation whose attachment is not in `valid` (GC; call under the lock). */
  releaseUnlisted(valid: readonly CniAttachment[]): Allocation[] {
    const keep = new Set(valid.map((a) => `${a.containerID}\n${a.ifname}`));
    const stale = this.list().filter((a) => !keep.has(`${a.containerId}\n${a.ifname}`));
    for (const a of stale) this.remove(a.ip);
    return stale;
  }

  private create(ip: number, containerId: string, ifname: string): boolean {
    let fd: number;
    try {
      fd = openSync(join(this.dir, formatIPv4(ip)), 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new CniError(CNI_CODE.IO_FAILURE, `cannot reserve ${formatIPv4(ip)}`, (e as Error).message);
    }
    try {
      writeSync(fd, `${containerId}\r\n${ifname}`);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private remove(ip: number): void {
    try {
      unlinkSync(join(this.dir, formatIPv4(ip)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CniError(CNI_CODE.IO_FAILURE, `cannot release ${formatIPv4(ip)}`, (e as Error).message);
      }
    }
  }

  private lastReserved(): number | undefined {
    try {
      return parseIPv4(readFileSync(join(this.dir, LAST_RESERVED), 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  private setLastReserved(ip: number): void {
    writeFileSync(join(this.dir, LAST_RESERVED), formatIPv4(ip));
  }
}
