// Where identity numbers are remembered across restarts: a contract, an in-memory fake and an append-only file.
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** label-set key → identity number. */
export type IdentitySnapshot = Record<string, number>;

export interface IdentityStore {
  load(): IdentitySnapshot;
  /** Remembers one new number; durable when it returns. */
  add(key: string, id: number): void;
}

export class MemoryIdentityStore implements IdentityStore {
  private readonly data: IdentitySnapshot = {};
  load(): IdentitySnapshot {
    return { ...this.data };
  }
  add(key: string, id: number): void {
    this.data[key] = id;
  }
}

/**
 * One JSON line per allocation, appended (O(1) per new identity), compacted on load by an atomic rename.
 * A torn last line (a crash mid-append) is ignored: that identity was never handed out.
 */
export class FileIdentityStore implements IdentityStore {
  constructor(readonly path: string) {}

  load(): IdentitySnapshot {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    const out: IdentitySnapshot = {};
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const rec = JSON.parse(line) as unknown;
        if (Array.isArray(rec) && typeof rec[0] === 'string' && typeof rec[1] === 'number')
          out[rec[0]] = rec[1];
      } catch {
        // torn last line
      }
    }
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(
      tmp,
      Object.entries(out)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    renameSync(tmp, this.path);
    return out;
  }

  add(key: string, id: number): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify([key, id])}\n`);
    const fd = openSync(this.path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
