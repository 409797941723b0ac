// Reads and validates the CNI_* environment of one plugin call (INVALID_ENV naming the variable).
import { CNI_CODE, CniError } from './cni-error.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

export interface CniEnv {
  readonly command: CniCommand;
  readonly containerId: string;
  /** Empty when not given (allowed for DEL, STATUS, GC). */
  readonly netns: string;
  readonly ifname: string;
  readonly args: Readonly<Record<string, string>>;
  readonly path: readonly string[];
}

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function badEnv(variable: string, why: string): CniError {
  return new CniError(CNI_CODE.INVALID_ENV, `invalid ${variable}: ${why}`);
}

/** True when `s` is a legal interface name (the spec's and the kernel's rules). */
export function isValidIfname(s: string): boolean {
  return s.length > 0 && s.length < 16 && s !== '.' && s !== '..' && !/[/:\s]/.test(s);
}

/** Parses CNI_ARGS (`K=V;K2=V2`). */
export function parseCniArgs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (s === '') return out;
  for (const pair of s.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw badEnv('CNI_ARGS', `"${pair}" is not KEY=VALUE`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Validates the variables the command needs; the others are passed through unchecked. */
export function parseCniEnv(env: Readonly<Record<string, string | undefined>>): CniEnv {
  const command = env.CNI_COMMAND ?? '';
  if (!COMMANDS.includes(command as CniCommand)) {
    throw badEnv('CNI_COMMAND', `"${command}" is not one of ${COMMANDS.join(', ')}`);
  }
  const cmd = command as CniCommand;
  const perContainer = cmd === 'ADD' || cmd === 'DEL' || cmd === 'CHECK';
  const containerId = env.CNI_CONTAINERID ?? '';
  const ifname = env.CNI_IFNAME ?? '';
  const netns = env.CNI_NETNS ?? '';
  if (perContainer) {
    if (!CONTAINER_ID.test(containerId)) {
      throw badEnv('CNI_CONTAINERID', 'must start with a letter or digit, then letters, digits, _ . -');
    }
    if (!isValidIfname(ifname)) throw badEnv('CNI_IFNAME', 'must be 1-15 characters without / : or spaces');
    if ((cmd === 'ADD' || cmd === 'CHECK') && !netns.startsWith('/')) {
      throw badEnv('CNI_NETNS', 'must be the path of a network namespace');
    }
  }
  const cniPath = env.CNI_PATH;
  if (cmd !== 'VERSION' && (cniPath === undefined || cniPath === '')) throw badEnv('CNI_PATH', 'must be set');
  return {
    command: cmd,
    containerId,
    netns,
    ifname,
    args: perContainer ? parseCniArgs(env.CNI_ARGS ?? '') : {},
    path: (cniPath ?? '').split(':').filter((p) => p !== ''),
  };
}
