// A CommandRunner over long-lived /bin/sh co-processes: the CNI server's commands start without forking Node.
// Forking a Node process costs ~5 ms on the reference machine (its large address space is copied), a small
// shell ~1.5 ms; a pod's ADD runs two commands, so this halves the server's share of the latency.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CNI_CODE, CniError } from './cni-error.js';
import type { CommandResult, CommandRunner } from './ip-command.js';

interface Job {
  readonly script: string;
  readonly marker: string;
  readonly resolve: (r: CommandResult) => void;
  readonly reject: (e: Error) => void;
}

/** Quotes one word for sh (single quotes; a quote inside becomes '\''). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * One shell runs one job at a time: the command with its input as a quoted here-document, then a marker line
 * with the exit status on stdout and a marker line on stderr. The marker carries a random nonce that the
 * input may not contain, so neither the input nor the output can fake the end of a job.
 */
class Shell {
  private readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private job: Job | undefined;
  private timer: NodeJS.Timeout | undefined;
  dead = false;

  constructor(
    private readonly onIdle: (shell: Shell) => void,
    private readonly timeoutMs: number,
  ) {
    // A process group of its own, so a stuck job is killed together with its command.
    this.child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (s: string) => {
      this.out += s;
      this.check();
    });
    this.child.stderr.on('data', (s: string) => {
      this.err += s;
      this.check();
    });
    this.child.stdin.on('error', () => {}); // reported through 'close'
    this.child.on('error', (e) =>
      this.die(new CniError(CNI_CODE.IO_FAILURE, 'cannot run /bin/sh', e.message)),
    );
    this.child.on('close', () => this.die(new CniError(CNI_CODE.IO_FAILURE, 'a command shell exited')));
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  start(job: Job): void {
    this.job = job;
    this.out = '';
    this.err = '';
    this.timer = setTimeout(() => {
      this.kill();
      this.die(new CniError(CNI_CODE.IO_FAILURE, `a command did not finish within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    this.child.stdin.write(job.script);
  }

  private check(): void {
    const job = this.job;
    if (!job) return;
    const end = new RegExp(`\\n${job.marker} (\\d+)\\n$`).exec(this.out);
    if (!end || !this.err.endsWith(`\n${job.marker}\n`)) return;
    clearTimeout(this.timer);
    this.job = undefined;
    job.resolve({
      code: Number(end[1]),
      stdout: this.out.slice(0, end.index),
      stderr: this.err.slice(0, -(job.marker.length + 2)),
    });
    this.onIdle(this);
  }

  private die(e: Error): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.timer);
    const job = this.job;
    this.job = undefined;
    job?.reject(e);
    this.onIdle(this);
  }

  kill(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  close(): void {
    this.child.stdin.end(); // the shell exits at end of input
  }
}

/** Up to `size` shells, started on demand and kept; jobs beyond that wait in order. */
export class ShellRunner {
  private readonly shells: Shell[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(
    private readonly size = 4,
    private readonly timeoutMs = 30_000,
  ) {}

  readonly run: CommandRunner = (cmd, args, input) =>
    new Promise<CommandResult>((resolve, reject) => {
      if (this.closed) {
        reject(new CniError(CNI_CODE.IO_FAILURE, 'the command runner is closed'));
        return;
      }
      if (input !== '' && !input.endsWith('\n')) {
        reject(new Error('ShellRunner: input must be empty or end with a newline'));
        return;
      }
      let marker: string;
      do marker = `__PORIN_END_${randomBytes(8).toString('hex')}`;
      while (input.includes(marker));
      const command = [cmd, ...args].map(shellQuote).join(' ');
      // `$?` is the command's status; `</dev/null`-like empty here-document when there is no input.
      const script =
        `${command} <<'${marker}'\n${input}${marker}\n` +
        `printf '\\n%s %d\\n' '${marker}' "$?"; printf '\\n%s\\n' '${marker}' >&2\n`;
      this.queue.push({ script, marker, resolve, reject });
      this.dispatch();
    });

  private dispatch(): void {
    while (this.queue.length > 0) {
      let shell = this.shells.find((s) => !s.busy && !s.dead);
      if (!shell && this.shells.length < this.size) {
        shell = new Shell((s) => this.idle(s), this.timeoutMs);
        this.shells.push(shell);
      }
      if (!shell) return;
      shell.start(this.queue.shift()!);
    }
  }

  private idle(shell: Shell): void {
    const i = this.shells.indexOf(shell);
    if (shell.dead && i >= 0) this.shells.splice(i, 1);
    this.dispatch();
  }

  /** Ends every shell (a running job still finishes); later calls fail. */
  close(): void {
    this.closed = true;
    for (const s of this.shells) s.close();
    for (const job of this.queue.splice(0))
      job.reject(new CniError(CNI_CODE.IO_FAILURE, 'the command runner is closed'));
  }
}
