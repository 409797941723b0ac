// The CNI server: the long-running side of the thin `porin` plugin. It runs each forwarded call (runCni) in its
// own network namespace — the plugin's must be the same — and answers with the plugin's stdout and status.
import { chmodSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { CniContext } from './cni-context.js';
import { CNI_CODE, CniError } from './cni-error.js';
import { CURRENT_CNI_VERSION } from './cni-version.js';
import { decodeRequest, encodeAnswer, MAX_REQUEST_BYTES } from './cni-wire.js';
import { FileLockLease } from './lock-lease.js';
import { runCni } from './run-cni.js';
import { ShellRunner } from './shell-runner.js';

export interface CniServerOptions {
  /** The unix socket to listen on (the plugin config's `socket`). */
  readonly socket: string;
  /** One line per call and per refused request. */
  readonly log?: (line: string) => void;
  /** Long-lived shells that run `ip` and `nsenter` (default 4). */
  readonly shells?: number;
  /** How long an IPAM directory's file lock is kept after the last call (default 2000 ms). */
  readonly lockIdleMs?: number;
  /** A request must arrive completely within this time (default 10 s). */
  readonly readTimeoutMs?: number;
}

/** `<st_dev>:<st_ino>` of a namespace file, as the C plugin prints it for /proc/self/ns/net. */
export function namespaceId(path = '/proc/self/ns/net'): string {
  const st = statSync(path, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

function errorAnswer(e: CniError): Buffer {
  return encodeAnswer(1, `${JSON.stringify(e.toJSON(CURRENT_CNI_VERSION))}\n`);
}

/** Removes a socket file nobody listens on; refuses when a server still answers there. */
async function clearStaleSocket(path: string): Promise<void> {
  const live = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (live) throw new Error(`another CNI server is listening on ${path}`);
  rmSync(path, { force: true });
}

export class CniServer {
  private readonly server: Server;
  private readonly runner: ShellRunner;
  private readonly lease: FileLockLease;
  private readonly ctx: CniContext;
  private readonly netns = namespaceId();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log: (line: string) => void;

  private constructor(private readonly opts: CniServerOptions) {
    this.log = opts.log ?? (() => {});
    this.runner = new ShellRunner(opts.shells ?? 4);
    this.lease = new FileLockLease(opts.lockIdleMs ?? 2000);
    this.ctx = Object.freeze({ run: this.runner.run, lock: this.lease.lock });
    // Half-open: the plugin ends its side after the request; the answer still has to go back.
    this.server = createServer({ allowHalfOpen: true }, (conn) => this.accept(conn));
  }

  /** Starts serving on `opts.socket` (mode 0600; a stale socket file is replaced). */
  static async listen(opts: CniServerOptions): Promise<CniServer> {
    mkdirSync(dirname(opts.socket), { recursive: true, mode: 0o755 });
    await clearStaleSocket(opts.socket);
    const s = new CniServer(opts);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(opts.socket, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    chmodSync(opts.socket, 0o600);
    return s;
  }

  get socket(): string {
    return this.opts.socket;
  }

  /** The network namespace this server wires in. */
  get namespace(): string {
    return this.netns;
  }

  private accept(conn: Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    conn.on('error', () => {}); // a plugin that went away: nothing to answer
    conn.setTimeout(this.opts.readTimeoutMs ?? 10_000, () => conn.destroy());
    conn.on('data', (b: Buffer) => {
      if (refused) return;
      size += b.length;
      if (size > MAX_REQUEST_BYTES) {
        refused = true;
        this.log(`refused a request larger than ${MAX_REQUEST_BYTES} bytes`);
        conn.end(
          errorAnswer(
            new CniError(CNI_CODE.DECODE_FAILURE, `request larger than ${MAX_REQUEST_BYTES} bytes`),
          ),
        );
        return;
      }
      chunks.push(b);
    });
    conn.on('end', () => {
      if (refused) return;
      conn.setTimeout(0); // the call itself may take long (IPAM lock waits); the plugin has its own deadline
      const call = this.call(Buffer.concat(chunks))
        .then((answer) => {
          if (!conn.destroyed) conn.end(answer);
        })
        .finally(() => this.inFlight.delete(call));
      this.inFlight.add(call);
    });
  }

  private async call(request: Buffer): Promise<Buffer> {
    const t0 = performance.now();
    let req: ReturnType<typeof decodeRequest>;
    try {
      req = decodeRequest(request);
    } catch (e) {
      this.log(`refused: ${(e as Error).message}`);
      return errorAnswer(e as CniError);
    }
    if (req.netns !== this.netns) {
      // The server wires in its own namespace: a plugin elsewhere would get its pod wired into the wrong host.
      const e = new CniError(
        CNI_CODE.INVALID_CONFIG,
        `socket ${this.opts.socket} is served in another network namespace than the plugin's`,
        `plugin ${req.netns ?? 'unknown'}, server ${this.netns}`,
      );
      this.log(`refused ${req.env.CNI_COMMAND ?? '?'}: ${e.message}`);
      return errorAnswer(e);
    }
    const out = await runCni(req.env, req.stdin, this.ctx);
    const ms = (performance.now() - t0).toFixed(1);
    this.log(
      `${req.env.CNI_COMMAND ?? '?'} ${req.env.CNI_CONTAINERID ?? ''} → ${out.exitCode} (${ms} ms)${out.exitCode ? ` ${out.stdout.trim()}` : ''}`,
    );
    return encodeAnswer(out.exitCode, out.stdout);
  }

  /** Stops accepting, lets calls in progress finish, then ends the shells and releases the IPAM locks. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
    this.runner.close();
    await this.lease.close();
    await closed;
  }
}
