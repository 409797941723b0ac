// Where identity numbers are remembered across restarts: a contract, an in-memory fake and a JSON file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** label-set key → identity number. */
export type IdentitySnapshot = Record<string, number>;

export interface IdentityStore {
  load(): IdentitySnapshot;
  save(snapshot: IdentitySnapshot): void;
}

export class MemoryIdentityStore implements IdentityStore {
  private data: IdentitySnapshot = {};
  load(): IdentitySnapshot {
    return { ...this.data };
  }
  save(snapshot: IdentitySnapshot): void {
    this.data = { ...snapshot };
  }
}

/** A JSON file written atomically (write to a temporary file, then rename). */
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
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null)
      throw new Error(`${this.path}: not an identity snapshot`);
    const out: IdentitySnapshot = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number') out[k] = v;
    return out;
  }

  save(snapshot: IdentitySnapshot): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(snapshot, null, 1)}\n`);
    renameSync(tmp, this.path);
  }
}
