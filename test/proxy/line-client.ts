// Drives one long-lived client connection inside a pod's netns: send a line, await its answer.
import { type ChildProcess, spawn } from 'node:child_process';
import { lineClientScript } from './l7-node.js';

export class LineClient {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiting: ((l: string) => void) | undefined;

  constructor(netns: string, ip: string, port: number) {
    this.child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', lineClientScript(ip, port)], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let buf = '';
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(l);
        } else this.lines.push(l);
      }
    });
  }

  /** Sends `line`; resolves with the next line the client prints, or "timeout". */
  request(line: string, timeoutMs = 3000): Promise<string> {
    this.child.stdin!.write(`${line}\n`);
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        resolve('timeout');
      }, timeoutMs);
      this.waiting = (l) => {
        clearTimeout(t);
        resolve(l);
      };
    });
  }

  close(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
