// An append-only file of JSON lines, each synced before it counts; a torn last line is dropped on open.
import { constants, type FileHandle, open } from 'node:fs/promises';
import { StoreError } from './store-error.js';

export interface LogContents {
  records: unknown[];
  /** Bytes of a torn tail (a crash mid-write) that were cut off. */
  tornBytes: number;
}

/**
 * Splits log bytes into records. Only the last line can be torn: every earlier one was synced
 * before the next was written. So a last line without its newline, or one that does not parse
 * (a block that reached the disk out of order), is dropped; a bad line before it is corruption.
 */
export function parseLog(bytes: Buffer, path: string): { records: unknown[]; validBytes: number } {
  const records: unknown[] = [];
  let start = 0;
  let validBytes = 0;
  let line = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) break;
    line++;
    const text = bytes.toString('utf8', start, nl);
    try {
      records.push(JSON.parse(text));
    } catch (cause) {
      if (nl + 1 >= bytes.length) break;
      throw new StoreError('PORIN_ERR_STORE_CORRUPT', `${path}: line ${line} is not valid JSON`, { cause });
    }
    start = nl + 1;
    validBytes = start;
  }
  return { records, validBytes };
}

export class AppendLog {
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    private handle: FileHandle | undefined,
    private size: number,
  ) {}

  /** Opens (creating) the log, reads it and cuts off a torn tail. */
  static async open(path: string): Promise<{ log: AppendLog; contents: LogContents }> {
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      const bytes = await handle.readFile();
      const { records, validBytes } = parseLog(bytes, path);
      if (validBytes < bytes.length) {
        await handle.truncate(validBytes);
        await handle.sync();
      }
      return {
        log: new AppendLog(path, handle, validBytes),
        contents: { records, tornBytes: bytes.length - validBytes },
      };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get bytes(): number {
    return this.size;
  }

  /** Resolves once the record is on disk. After a failed write or sync the log refuses further appends. */
  async append(record: unknown): Promise<void> {
    const buf = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    await this.guard(async (h) => {
      let done = 0;
      while (done < buf.length) {
        const { bytesWritten } = await h.write(buf, done, buf.length - done, this.size + done);
        done += bytesWritten;
      }
      await h.datasync();
      this.size += buf.length;
    });
  }

  /** Empties the log (its records are in a snapshot now). */
  async reset(): Promise<void> {
    await this.guard(async (h) => {
      await h.truncate(0);
      await h.datasync();
      this.size = 0;
    });
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }

  private async guard(op: (h: FileHandle) => Promise<void>): Promise<void> {
    if (this.failure) {
      throw new StoreError('PORIN_ERR_STORE_UNAVAILABLE', `${this.path}: an earlier write failed`, {
        cause: this.failure,
      });
    }
    const h = this.handle;
    if (!h) throw new StoreError('PORIN_ERR_STORE_UNAVAILABLE', `${this.path}: the log is closed`);
    try {
      await op(h);
    } catch (e) {
      // After a failed fsync the page cache no longer tells what is on disk: stop writing. A record
      // that was not acknowledged may still survive a crash, which is allowed.
      this.failure = e as Error;
      throw new StoreError(
        'PORIN_ERR_STORE_UNAVAILABLE',
        `${this.path}: write failed: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }
}
