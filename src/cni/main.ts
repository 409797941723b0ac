// Entry point of `bin/porin-cni`: reads stdin and the CNI_* environment, prints the outcome, sets the exit status.
import { readFileSync, writeSync } from 'node:fs';
import { runCni } from './run-cni.js';

async function readStdin(): Promise<string> {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') return '';
    // A non-blocking stdin (inherited O_NONBLOCK): fall back to the stream.
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

/** Runs the plugin for this process and returns the exit status. */
export async function main(): Promise<number> {
  const outcome = await runCni(process.env, await readStdin());
  if (outcome.stdout) writeAll(1, outcome.stdout);
  return outcome.exitCode;
}
