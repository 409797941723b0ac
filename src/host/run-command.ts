// The one place the agent and CLI run host commands (ip, iptables, sysctl): argv arrays, typed failures.
import { execFile, execFileSync } from 'node:child_process';

export class HostCommandError extends Error {
  readonly code = 'PORIN_ERR_HOST_COMMAND';
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly status: number | null,
  ) {
    super(`${argv.join(' ')} failed (${status ?? 'signal'}): ${stderr.trim()}`);
  }
}

export function runSync(argv: readonly string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
  } catch (e) {
    if (opts.allowFail) return '';
    const err = e as { stderr?: string; status?: number | null };
    throw new HostCommandError(argv, String(err.stderr ?? ''), err.status ?? null);
  }
}

export function run(
  argv: readonly string[],
  opts: { input?: string; allowFail?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0]!, argv.slice(1), { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && !opts.allowFail)
        reject(new HostCommandError(argv, stderr, typeof err.code === 'number' ? err.code : null));
      else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `ip -batch -`: many iproute2 commands in one process; `-force` keeps going past errors when asked. */
export function ipBatch(lines: readonly string[], opts: { netns?: string; force?: boolean } = {}): void {
  if (lines.length === 0) return;
  const argv = [
    'ip',
    ...(opts.netns ? ['-n', opts.netns] : []),
    ...(opts.force ? ['-force'] : []),
    '-batch',
    '-',
  ];
  runSync(argv, { input: `${lines.join('\n')}\n`, allowFail: opts.force === true });
}

/** True when the command exits 0 (for probes such as `iptables -C`). */
export function succeeds(argv: readonly string[]): boolean {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
