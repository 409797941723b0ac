// Shared setup of the datapath tests: root/bpffs checks, per-process pin directories, cleanup helpers.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { LxcDatapath, type LxcDatapathOptions } from '../../src/datapath/index.js';

export const BPFFS = '/sys/fs/bpf';

/**
 * Why a kernel test cannot run here, or undefined when it can. Only a missing capability skips: not root,
 * or no BPF in this kernel. Everything else — a missing object file, a verifier rejection after a bad
 * change — is for the tests to fail on, loudly, not a reason to skip them.
 */
export function kernelSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (CAP_BPF, CAP_NET_ADMIN)';
  if (!existsSync('/sys/kernel/btf/vmlinux') || !existsSync('/proc/sys/kernel/unprivileged_bpf_disabled'))
    return 'this kernel has no BPF (no /sys/kernel/btf/vmlinux or bpf sysctls)';
  return undefined;
}

/** Mounts bpffs at /sys/fs/bpf if it is not mounted (a fresh machine has none). */
export function ensureBpffs(): void {
  const mounts = execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' });
  if (!mounts.split('\n').some((l) => l.split(' ')[1] === BPFFS && l.split(' ')[2] === 'bpf')) {
    execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS]);
  }
}

/** /sys/fs/bpf/porin-test-<pid>[-suffix]: the only place tests pin. */
export function testPinDir(suffix = ''): string {
  return `${BPFFS}/porin-test-${process.pid}${suffix ? `-${suffix}` : ''}`;
}

export function removePinDir(dir: string): void {
  if (!dir.startsWith(`${BPFFS}/porin-test-`)) throw new Error(`refusing to remove ${dir}`);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

/** A small-footprint datapath for packet tests (not pinned: the maps die with the object). */
export function loadTestDatapath(opts: LxcDatapathOptions = {}): LxcDatapath {
  return LxcDatapath.load({ ...opts, maxEntries: { porin_ct4: 4096, ...(opts.maxEntries ?? {}) } });
}

/** Runs a command, throwing with its stderr on failure. */
export function sh(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: opts.input });
  } catch (e) {
    if (opts.allowFail) return '';
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}
