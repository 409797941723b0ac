// An append-only log file rotated by size: `file` → `file.1` → … → `file.N`, the oldest deleted.
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface RotatingLogFileOptions {
  path: string;
  /** Rotate before a write would make the file larger than this (default 10 MB, GKE's). */
  maxBytes?: number;
  /** Rotated files kept (default 5, GKE's). */
  maxBackups?: number;
  /** File mode of new files (default 0o640). */
  mode?: number;
}

/** Synchronous appends: policy logs are rate-limited to hundreds of lines per second. */
export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;
  readonly maxBytes: number;
  readonly maxBackups: number;
  rotations = 0;

  constructor(private readonly opts: RotatingLogFileOptions) {
    this.maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    this.maxBackups = opts.maxBackups ?? 5;
  }

  private open(): number {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.opts.path), { recursive: true });
      this.fd = openSync(this.opts.path, 'a', this.opts.mode ?? 0o640);
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  /** Appends one line (a newline is added). */
  writeLine(line: string): void {
    const buf = Buffer.from(`${line}\n`, 'utf8');
    this.open();
    if (this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate();
    const fd = this.open();
    writeSync(fd, buf);
    this.size += buf.length;
  }

  /** Renames the current file to `.1` (shifting older ones) and starts a new one. */
  rotate(): void {
    this.close();
    const p = this.opts.path;
    if (this.maxBackups <= 0) {
      rmSync(p, { force: true });
    } else {
      rmSync(`${p}.${this.maxBackups}`, { force: true });
      for (let i = this.maxBackups - 1; i >= 1; i--) {
        if (existsSync(`${p}.${i}`)) renameSync(`${p}.${i}`, `${p}.${i + 1}`);
      }
      if (existsSync(p)) renameSync(p, `${p}.1`);
    }
    this.rotations++;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
