// A FileLocker for a long-running server: callers queue in-process, and the file lock is kept between them.
// The flock(2) that guards an IPAM directory costs one process per acquisition; the server takes it once and
// holds it while requests keep coming, releasing it after a quiet spell — and, under continuous load, at least
// every `maxHoldMs` between two callers — so other processes get in.
import { CNI_CODE, CniError } from './cni-error.js';
import { type FileLocker, holdFileLock } from './ip-command.js';

type Locker = (path: string, timeoutSeconds: number, onLost: () => void) => Promise<() => Promise<void>>;

interface Entry {
  busy: boolean;
  readonly waiters: Array<() => void>;
  /** Releases the file lock, while it is held. */
  held: (() => Promise<void>) | undefined;
  /** When the file lock was taken (performance.now()). */
  since: number;
  idle: NodeJS.Timeout | undefined;
}

export class FileLockLease {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** How long the file lock is kept after the last caller released it. */
    private readonly idleMs = 2000,
    private readonly take: Locker = holdFileLock,
    /** A caller that finds the file lock held longer than this lets it go and takes it again (fairness). */
    private readonly maxHoldMs = 250,
  ) {}

  /** Exclusive among this lease's callers (FIFO) and, through the file lock, against other processes. */
  readonly lock: FileLocker = async (path, timeoutSeconds) => {
    let e = this.entries.get(path);
    if (!e) {
      e = { busy: false, waiters: [], held: undefined, idle: undefined, since: 0 };
      this.entries.set(path, e);
    }
    await this.acquire(e, path, timeoutSeconds);
    clearTimeout(e.idle);
    if (e.held && performance.now() - e.since > this.maxHoldMs) {
      // Let a process blocked in flock(2) have its turn (the kernel wakes it before our new holder starts).
      const release = e.held;
      e.held = undefined;
      await release();
    }
    if (!e.held) {
      const entry = e;
      try {
        const release = await this.take(path, timeoutSeconds, () => {
          if (entry.held === release) entry.held = undefined; // killed holder: take it again next time
        });
        entry.held = release;
        entry.since = performance.now();
      } catch (err) {
        this.release(entry);
        throw err;
      }
    }
    const entry = e;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.release(entry);
    };
  };

  private acquire(e: Entry, path: string, timeoutSeconds: number): Promise<void> {
    if (!e.busy) {
      e.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        e.waiters.splice(e.waiters.indexOf(waiter), 1);
        reject(new CniError(CNI_CODE.TRY_AGAIN_LATER, `IPAM lock ${path} busy for ${timeoutSeconds}s`));
      }, timeoutSeconds * 1000);
      e.waiters.push(waiter);
    });
  }

  private release(e: Entry): void {
    const next = e.waiters.shift();
    if (next) {
      next(); // stays busy: handed over
      return;
    }
    e.busy = false;
    clearTimeout(e.idle);
    e.idle = setTimeout(() => void this.drop(e), this.idleMs);
    e.idle.unref();
  }

  private async drop(e: Entry): Promise<void> {
    if (e.busy || !e.held) return;
    const release = e.held;
    e.held = undefined;
    await release();
  }

  /** Releases every file lock now (callers still inside keep their in-process turn). */
  async close(): Promise<void> {
    for (const e of this.entries.values()) {
      clearTimeout(e.idle);
      const release = e.held;
      e.held = undefined;
      await release?.();
    }
  }
}
