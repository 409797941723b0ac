// How the plugin's work reaches the system: which command runner and which file locker it uses.
import { type CommandRunner, type FileLocker, holdFileLock, spawnCommand } from './ip-command.js';

export interface CniContext {
  /** Starts `ip`, `nsenter` (the CNI server passes a ShellRunner). */
  readonly run: CommandRunner;
  /** Locks an IPAM directory (the CNI server passes a FileLockLease). */
  readonly lock: FileLocker;
}

/** One process per command and per lock: right for a process that makes one call and exits. */
export const DIRECT_CONTEXT: CniContext = Object.freeze({ run: spawnCommand, lock: holdFileLock });
