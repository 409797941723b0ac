// Attaching programs to tc clsact hooks (direct-action filters), as links that detach only what they own.
import type { BpfProgram } from './bpf-object.js';
import {
  TC_EGRESS,
  TC_F_REPLACE,
  TC_INGRESS,
  tcAttach,
  tcDetach,
  tcHookCreate,
  tcHookDestroy,
  tcQuery,
} from './libbpf.js';

export type TcDirection = 'ingress' | 'egress';

export interface TcAttachOptions {
  ifindex: number;
  /** tc ingress = packets the device receives (on a pod's host veth: packets leaving the pod). */
  direction: TcDirection;
  /** Filter handle and priority; one (handle, priority) slot per program per hook. Default 1/1. */
  handle?: number;
  priority?: number;
}

const POINT: Record<TcDirection, number> = { ingress: TC_INGRESS, egress: TC_EGRESS };

/**
 * One attached filter. Attaching replaces whatever program held the same slot, atomically (no window
 * without a program), which is how a restarted agent swaps in new programs. Detaching checks that the
 * slot still holds this link's program, so an old agent shutting down cannot remove its successor's.
 */
export class TcLink implements Disposable {
  private attached = true;

  constructor(
    readonly ifindex: number,
    readonly direction: TcDirection,
    readonly handle: number,
    readonly priority: number,
    readonly programId: number,
  ) {}

  /** The id of the program currently in this link's slot (null when the slot is empty). */
  current(): number | null {
    return tcQuery(this.ifindex, POINT[this.direction], this.handle, this.priority);
  }

  /** Returns true if this link's filter was still there and is now removed. */
  detach(): boolean {
    if (!this.attached) return false;
    this.attached = false;
    if (this.current() !== this.programId) return false;
    return tcDetach(this.ifindex, POINT[this.direction], this.handle, this.priority);
  }

  [Symbol.dispose](): void {
    this.detach();
  }
}

/** Ensures the clsact qdisc exists on the device, then attaches (or replaces) the program's filter. */
export function attachTc(program: BpfProgram, opts: TcAttachOptions): TcLink {
  const point = POINT[opts.direction];
  tcHookCreate(opts.ifindex, point);
  const filter = tcAttach(opts.ifindex, point, program.fd, {
    handle: opts.handle ?? 1,
    priority: opts.priority ?? 1,
    flags: TC_F_REPLACE,
  });
  return new TcLink(opts.ifindex, opts.direction, filter.handle, filter.priority, filter.progId);
}

/** Removes the device's clsact qdisc and every filter on it (both directions); absent is fine. */
export function removeClsact(ifindex: number): void {
  tcHookDestroy(ifindex, TC_INGRESS | TC_EGRESS);
}
