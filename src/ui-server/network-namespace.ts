// Is this process in the machine's own network namespace? (Only then is its loopback the user's.)
import { readlinkSync } from 'node:fs';

/** Compares this process's network namespace with init's; false when either cannot be read. */
export function inHostNetworkNamespace(): boolean {
  try {
    return readlinkSync('/proc/self/ns/net') === readlinkSync('/proc/1/ns/net');
  } catch {
    return false;
  }
}
