// The IPv4 addresses of host devices (NodePort services answer on those of the external devices).
import { runSync } from '../host/index.js';

export function deviceAddresses(devices: readonly string[]): string[] {
  const out: string[] = [];
  for (const dev of devices) {
    const text = runSync(['ip', '-4', '-o', 'addr', 'show', 'dev', dev], { allowFail: true });
    for (const m of text.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)) out.push(m[1]!);
  }
  return out;
}
