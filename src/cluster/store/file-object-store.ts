// The durable ObjectStore: a synced append-only log of batches, compacted into an atomically replaced snapshot.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Resource, ResourceKind } from '../../resources/index.js';
import { AppendLog } from './append-log.js';
import { type DirectoryLock, lockDirectory } from './directory-lock.js';
import type {
  ApplyResult,
  DeleteOptions,
  ListResult,
  ObjectRef,
  ObjectStore,
  Unsubscribe,
  WatchEvent,
  WatchEventType,
  WatchFilter,
} from './object-store.js';
import { SerialQueue } from './serial-queue.js';
import { readSnapshot, removeSnapshotLeftovers, syncDirectory, writeSnapshot } from './snapshot-file.js';
import { type Plan, StoreCore, type StoreOptions } from './store-core.js';
import { StoreError } from './store-error.js';
import type { StoredEvent } from './watch-hub.js';

export interface FileStoreOptions extends StoreOptions {
  /** Compact after this many log records (default 1,000)... */
  compactEveryRecords?: number;
  /** ...or once the log is this large (default 16 MiB). */
  compactEveryBytes?: number;
}

/** One log line: a committed batch. `rev` is the store's revision after it. */
interface LogRecord {
  rev: number;
  events: { type: WatchEventType; object: Resource }[];
}

export const SNAPSHOT_FILE = 'snapshot.json';
export const LOG_FILE = 'log.jsonl';

export class FileObjectStore implements ObjectStore {
  private readonly queue = new SerialQueue();
  private closed = false;
  private recordsSinceSnapshot: number;
  /** The last compaction failure, if the latest attempt failed (the log keeps growing meanwhile). */
  compactionError: Error | undefined;

  private constructor(
    readonly dir: string,
    private readonly core: StoreCore,
    private readonly log: AppendLog,
    private readonly lock: DirectoryLock,
    private readonly options: FileStoreOptions,
    records: number,
  ) {
    this.recordsSinceSnapshot = records;
  }

  /** Opens (creating) the store in `dir`: loads the snapshot, replays the log after it, takes the lock. */
  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileObjectStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await lockDirectory(dir);
    try {
      const snapshotPath = join(dir, SNAPSHOT_FILE);
      await removeSnapshotLeftovers(snapshotPath);
      const snapshot = (await readSnapshot(snapshotPath)) ?? { format: 1, revision: 0, objects: [] };
      const core = new StoreCore(options, { revision: snapshot.revision, objects: snapshot.objects });
      const { log, contents } = await AppendLog.open(join(dir, LOG_FILE));
      await syncDirectory(dir);
      for (const [i, raw] of contents.records.entries()) {
        const record = checkRecord(raw, `${log.path}: line ${i + 1}`);
        // Records up to the snapshot's revision are a compaction that crashed before emptying the log.
        if (record.rev <= core.currentRevision) continue;
        core.commit(toStoredEvents(record), record.rev);
      }
      return new FileObjectStore(dir, core, log, lock, options, contents.records.length);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  async list(kind: ResourceKind, namespace?: string): Promise<ListResult> {
    this.assertOpen();
    return this.core.list(kind, namespace);
  }

  async get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined> {
    this.assertOpen();
    return this.core.get(kind, namespace, name);
  }

  apply(objects: Resource[]): Promise<ApplyResult[]> {
    return this.mutate(() => this.core.planApply(objects));
  }

  delete(refs: ObjectRef[], options?: DeleteOptions): Promise<Resource[]> {
    return this.mutate(() => this.core.planDelete(refs, options));
  }

  updateStatus(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    status: object,
  ): Promise<Resource> {
    return this.mutate(() => this.core.planStatus(kind, namespace, name, status));
  }

  watch(
    filter: WatchFilter,
    fromResourceVersion: string | undefined,
    onEvent: (e: WatchEvent) => void,
  ): Unsubscribe {
    this.assertOpen();
    return this.core.watch(filter, fromResourceVersion, onEvent);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.queue.run(async () => {
      this.core.closeWatches();
      try {
        await this.log.close();
      } finally {
        await this.lock.release();
      }
    });
  }

  // Plans run against committed state inside the queue, so each sees every earlier batch; the
  // batch is committed (and watchers told) only after its record is on disk.
  private mutate<T>(plan: () => Plan<T>): Promise<T> {
    try {
      this.assertOpen();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.queue.run(async () => {
      const p = plan();
      if (p.events.length > 0) {
        const record: LogRecord = {
          rev: p.revision,
          events: p.events.map((e) => ({ type: e.type, object: e.object })),
        };
        await this.log.append(record);
        this.core.commit(p.events, p.revision);
        this.recordsSinceSnapshot++;
        await this.compactIfDue();
      }
      return structuredClone(p.result);
    });
  }

  private async compactIfDue(): Promise<void> {
    const everyRecords = this.options.compactEveryRecords ?? 1000;
    const everyBytes = this.options.compactEveryBytes ?? 16 * 1024 * 1024;
    if (this.recordsSinceSnapshot < everyRecords && this.log.bytes < everyBytes) return;
    try {
      await this.compact();
      this.compactionError = undefined;
    } catch (e) {
      // The batch that triggered this is already durable in the log; compaction is retried later.
      this.compactionError = e as Error;
      this.recordsSinceSnapshot = 0;
    }
  }

  /** Writes every object into a new snapshot, then empties the log. Runs inside the queue. */
  private async compact(): Promise<void> {
    await writeSnapshot(join(this.dir, SNAPSHOT_FILE), {
      format: 1,
      revision: this.core.currentRevision,
      objects: this.core.allObjects(),
    });
    await this.log.reset();
    this.recordsSinceSnapshot = 0;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new StoreError('PORIN_ERR_STORE_UNAVAILABLE', `the store in ${this.dir} is closed`);
  }
}

function checkRecord(raw: unknown, where: string): LogRecord {
  const r = raw as Partial<LogRecord> | null;
  if (!r || typeof r.rev !== 'number' || !Array.isArray(r.events)) {
    throw new StoreError('PORIN_ERR_STORE_CORRUPT', `${where}: not a store log record`);
  }
  return r as LogRecord;
}

function toStoredEvents(record: LogRecord): StoredEvent[] {
  return record.events.map((e) => ({
    type: e.type,
    object: e.object,
    revision: Number(e.object.metadata.resourceVersion),
  }));
}
