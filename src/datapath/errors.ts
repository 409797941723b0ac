// Typed datapath errors with stable codes: errno from libbpf/the kernel, verifier rejections, layout mismatches.

export type BpfErrorCode =
  | 'PORIN_BPF_NOT_FOUND'
  | 'PORIN_BPF_EXISTS'
  | 'PORIN_BPF_MAP_FULL'
  | 'PORIN_BPF_PERMISSION'
  | 'PORIN_BPF_INVALID'
  | 'PORIN_BPF_NO_DEVICE'
  | 'PORIN_BPF_BUSY'
  | 'PORIN_BPF_UNSUPPORTED'
  | 'PORIN_BPF_SYSCALL'
  | 'PORIN_BPF_VERIFIER'
  | 'PORIN_BPF_LAYOUT'
  | 'PORIN_BPF_MISSING';

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  7: 'E2BIG',
  9: 'EBADF',
  12: 'ENOMEM',
  13: 'EACCES',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  28: 'ENOSPC',
  95: 'EOPNOTSUPP',
  524: 'ENOTSUPP',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** Operations whose E2BIG/ENOSPC means "the map is full" rather than "argument too big". */
const UPDATE_OPS = new Set(['bpf_map_update_elem', 'bpf_map_update_batch']);

function codeFor(op: string, errno: number): BpfErrorCode {
  switch (errno) {
    case 2:
      return 'PORIN_BPF_NOT_FOUND';
    case 17:
      return 'PORIN_BPF_EXISTS';
    case 7:
    case 28:
      return UPDATE_OPS.has(op) ? 'PORIN_BPF_MAP_FULL' : 'PORIN_BPF_INVALID';
    case 1:
    case 13:
      return 'PORIN_BPF_PERMISSION';
    case 22:
      return 'PORIN_BPF_INVALID';
    case 19:
      return 'PORIN_BPF_NO_DEVICE';
    case 16:
      return 'PORIN_BPF_BUSY';
    case 95:
    case 524:
      return 'PORIN_BPF_UNSUPPORTED';
    default:
      return 'PORIN_BPF_SYSCALL';
  }
}

/** A failed libbpf call or BPF syscall: `op` is the C function, `errno` the positive error number. */
export class BpfError extends Error {
  readonly code: BpfErrorCode;
  readonly op: string;
  readonly errno: number;

  constructor(op: string, errno: number, detail?: string, code?: BpfErrorCode) {
    super(`${op}${detail ? ` (${detail})` : ''}: ${errnoName(errno)}`);
    this.name = 'BpfError';
    this.op = op;
    this.errno = errno;
    this.code = code ?? codeFor(op, errno);
  }
}

/**
 * The verifier (or libbpf while loading) refused a program. The message names the program and quotes the
 * last meaningful lines of the verifier log; `log` holds all of it.
 */
export class VerifierError extends BpfError {
  readonly program: string | undefined;
  readonly log: readonly string[];

  constructor(objectPath: string, errno: number, program: string | undefined, log: readonly string[]) {
    super('bpf_object__load', errno, objectPath, 'PORIN_BPF_VERIFIER');
    this.name = 'VerifierError';
    this.program = program;
    this.log = log;
    const tail = verifierSummary(log);
    this.message =
      `${program ? `program '${program}'` : objectPath} failed to load (${errnoName(errno)})` +
      (tail.length > 0 ? `:\n  ${tail.join('\n  ')}` : '');
  }
}

/** The last lines of a verifier log that say what went wrong (the statistics lines dropped). */
export function verifierSummary(log: readonly string[], lines = 4): string[] {
  const meaningful = log
    .map((l) => l.trimEnd())
    .filter(
      (l) =>
        l.length > 0 &&
        !l.startsWith('processed ') &&
        !l.startsWith('verification time') &&
        !l.startsWith('stack depth') &&
        !l.includes('-- END PROG LOAD LOG --') &&
        !l.startsWith('libbpf: failed to load object') &&
        !l.startsWith('libbpf: failed to load program'),
    );
  return meaningful.slice(-lines);
}

/** A TypeScript codec disagrees with the kernel's view of a map or struct (sizes, BTF offsets). */
export class LayoutError extends Error {
  readonly code = 'PORIN_BPF_LAYOUT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

/** A map, program or variable the caller asked for is not in the object. */
export class MissingError extends Error {
  readonly code = 'PORIN_BPF_MISSING' as const;
  constructor(kind: 'map' | 'program' | 'variable', name: string, objectPath: string) {
    super(`${kind} '${name}' not found in ${objectPath}`);
    this.name = 'MissingError';
  }
}
