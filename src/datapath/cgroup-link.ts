// Attaching cgroup programs as (optionally pinned) BPF links: survive the agent, replaced atomically.
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BpfObject } from './bpf-object.js';
import { BpfError } from './errors.js';
import {
  type LinkHandle,
  linkAttachCgroup,
  linkDestroy,
  linkDetach,
  linkInfo,
  linkOpen,
  linkPin,
  linkUpdateProgram,
} from './libbpf.js';

export interface CgroupAttachOptions {
  /** A cgroup v2 directory, e.g. /sys/fs/cgroup/unified or a child of it. */
  cgroupPath: string;
  /**
   * Pin the link here (on bpffs): it then stays attached after the agent exits, and the next agent
   * swaps its own program in without a moment of no program. Without a pin the link dies with its fd.
   */
  pinPath?: string;
}

/**
 * One program attached to one cgroup hook. Links attach alongside whatever else is attached to the
 * cgroup (other clusters' programs included): each runs, none replaces another.
 */
export class CgroupLink implements Disposable {
  private handle: LinkHandle | null;

  constructor(
    handle: LinkHandle,
    readonly program: string,
    readonly cgroupPath: string,
    readonly pinPath: string | undefined,
  ) {
    this.handle = handle;
  }

  /** The kernel's view: link id, program id and the cgroup it is attached to. */
  info() {
    if (!this.handle) throw new BpfError('bpf_link', 9, `${this.program} is closed`);
    return linkInfo(this.handle);
  }

  /** Detaches now and removes the pin. */
  detach(): void {
    if (!this.handle) return;
    try {
      linkDetach(this.handle);
    } finally {
      if (this.pinPath) rmSync(this.pinPath, { force: true });
      linkDestroy(this.handle);
      this.handle = null;
    }
  }

  /** Lets go of the handle; a pinned link stays attached, an unpinned one detaches. */
  close(): void {
    if (this.handle) linkDestroy(this.handle);
    this.handle = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The cgroup's id, as links report it: the inode number of its directory in cgroupfs. */
export function cgroupId(path: string): bigint {
  return statSync(path, { bigint: true }).ino;
}

/**
 * Attaches `program` of `obj` to the cgroup. With a pin path holding a link to the same cgroup, that link
 * gets the new program (atomic replace); a pinned link to another cgroup is detached first.
 */
export function attachCgroup(obj: BpfObject, program: string, opts: CgroupAttachOptions): CgroupLink {
  const prog = obj.programHandle(program);
  if (opts.pinPath && existsSync(opts.pinPath)) {
    const old = linkOpen(opts.pinPath);
    try {
      if (linkInfo(old).cgroupId === cgroupId(opts.cgroupPath)) {
        linkUpdateProgram(old, prog);
        return new CgroupLink(old, program, opts.cgroupPath, opts.pinPath);
      }
      linkDetach(old);
    } catch (e) {
      linkDestroy(old);
      throw e;
    }
    rmSync(opts.pinPath, { force: true });
    linkDestroy(old);
  }
  const fd = openSync(opts.cgroupPath, 'r');
  let link: LinkHandle;
  try {
    link = linkAttachCgroup(prog, fd);
  } finally {
    closeSync(fd);
  }
  if (opts.pinPath) {
    try {
      mkdirSync(dirname(opts.pinPath), { recursive: true });
      linkPin(link, opts.pinPath);
    } catch (e) {
      linkDestroy(link);
      throw e;
    }
  }
  return new CgroupLink(link, program, opts.cgroupPath, opts.pinPath);
}

/** Detaches and unpins a pinned link without loading anything (teardown after the agent is gone). */
export function detachPinnedLink(pinPath: string): boolean {
  if (!existsSync(pinPath)) return false;
  const link = linkOpen(pinPath);
  try {
    linkDetach(link);
  } finally {
    linkDestroy(link);
    rmSync(pinPath, { force: true });
  }
  return true;
}
