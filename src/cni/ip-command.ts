// Every process the plugin's work starts: `ip -batch` (in the host or, via nsenter, in a pod namespace) and `flock`.
import { spawn } from 'node:child_process';
import { CNI_CODE, CniError } from './cni-error.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cmd args…` with `input` on stdin (a direct spawn, or a ShellRunner's long-lived shells). */
export type CommandRunner = (cmd: string, args: readonly string[], input: string) => Promise<CommandResult>;

/** Takes an exclusive lock on a file; resolves with the function that releases it. */
export type FileLocker = (path: string, timeoutSeconds: number) => Promise<() => Promise<void>>;

export interface IpBatchOptions {
  /** Run inside this network namespace (a path such as CNI_NETNS) through `nsenter --net=`. */
  readonly netns?: string;
  /** `ip -json`: every line of the batch prints one JSON array on its own output line. */
  readonly json?: boolean;
  /** `ip -force`: keep going after a failing line (the exit status still reports the failure). */
  readonly force?: boolean;
  /**
   * Sysctls written inside `netns` before the batch runs, as [path under /proc/sys, value]; a path that
   * does not exist (e.g. no IPv6 in the kernel) is skipped. Costs no extra process: one `sh` runs both.
   */
  readonly sysctls?: ReadonlyArray<readonly [string, string]>;
  /** How the command is started (default: spawned directly). */
  readonly runner?: CommandRunner;
}

const SAFE = /^[A-Za-z0-9_./-]+$/;

/** The default CommandRunner: one spawned process per command. */
export const spawnCommand: CommandRunner = (cmd, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new CniError(CNI_CODE.IO_FAILURE, `cannot run ${cmd}`, e.message)));
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {}); // the child may exit before reading everything; its status tells
    child.stdin.end(input);
  });

/** Runs `ip -batch -` with one command per line (e.g. `route add 10.244.0.5/32 dev porin0123456789`). */
export function ipBatch(lines: readonly string[], opts: IpBatchOptions = {}): Promise<CommandResult> {
  const ipArgs = [...(opts.json ? ['-json'] : []), ...(opts.force ? ['-force'] : []), '-batch', '-'];
  const input = lines.length ? `${lines.join('\n')}\n` : '';
  const run = opts.runner ?? spawnCommand;
  if (!opts.netns) return run('ip', ipArgs, input);
  const nsArgs = [`--net=${opts.netns}`];
  if (!opts.sysctls?.length) return run('nsenter', [...nsArgs, 'ip', ...ipArgs], input);
  const writes = opts.sysctls.map(([path, value]) => {
    if (!SAFE.test(path) || !SAFE.test(value) || path.includes('..'))
      throw new Error(`unsafe sysctl ${path}`);
    const p = `/proc/sys/${path}`;
    return `if [ -e ${p} ]; then echo ${value} > ${p} || exit 97; fi`;
  });
  const script = `${writes.join('\n')}\nexec ip ${ipArgs.join(' ')}`;
  return run('nsenter', [...nsArgs, 'sh', '-c', script], input);
}

/** `ipBatch`, throwing IP_COMMAND_FAILED (with `what` and the stderr) on a non-zero exit. */
export async function ipBatchOrThrow(
  what: string,
  lines: readonly string[],
  opts: IpBatchOptions = {},
): Promise<CommandResult> {
  const r = await ipBatch(lines, opts);
  if (r.code !== 0) throw new CniError(CNI_CODE.IP_COMMAND_FAILED, what, r.stderr.trim() || `exit ${r.code}`);
  return r;
}

/** Parses `ip -json -batch` output: one JSON array per batch line, in order. */
export function parseJsonLines(stdout: string): unknown[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown[]);
}

/**
 * Takes an exclusive flock(2) on `path` (created if missing) and holds it until the returned function is
 * called. The lock is held by a `flock … cat` child that exits when its stdin closes, so it is released
 * even if this process dies. Fails with TRY_AGAIN_LATER after `timeoutSeconds`. `onLost` is called if the
 * holder exits before release was asked for (killed): the lock is gone.
 */
export function holdFileLock(
  path: string,
  timeoutSeconds: number,
  onLost?: () => void,
): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', '-E', '75', '-w', String(timeoutSeconds), path, 'cat'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let held = false;
    let releasing = false;
    const err: Buffer[] = [];
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      if (!held) reject(new CniError(CNI_CODE.IO_FAILURE, 'cannot run flock', e.message));
    });
    child.on('close', (code) => {
      if (held) {
        if (!releasing) onLost?.();
        return;
      }
      const stderr = Buffer.concat(err).toString('utf8').trim();
      reject(
        code === 75
          ? new CniError(CNI_CODE.TRY_AGAIN_LATER, `IPAM lock ${path} busy for ${timeoutSeconds}s`)
          : new CniError(CNI_CODE.IO_FAILURE, `cannot lock ${path}`, stderr || `flock exited ${code}`),
      );
    });
    // `cat` runs only once the lock is held: the echo of this byte is the acknowledgement.
    child.stdout.once('data', () => {
      held = true;
      resolve(async () => {
        releasing = true;
        child.stdin.end();
        await exited;
      });
    });
    child.stdin.write('\n');
  });
}
