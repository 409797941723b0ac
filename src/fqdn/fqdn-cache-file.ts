// The FQDN cache on disk (the agent's state directory): written atomically, read back after a restart.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EndpointDnsCacheJson } from './endpoint-dns-cache.js';

export interface FqdnCacheSnapshot {
  version: 1;
  savedAt: number;
  endpoints: Record<string, EndpointDnsCacheJson>;
}

/** Reads a snapshot; a missing file is empty, a corrupt one is reported through `onError` and treated as empty. */
export function readFqdnCache(file: string, onError: (m: string) => void = () => {}): FqdnCacheSnapshot {
  const empty: FqdnCacheSnapshot = { version: 1, savedAt: 0, endpoints: {} };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      onError(`cannot read ${file}: ${(e as Error).message}`);
    return empty;
  }
  try {
    const j = JSON.parse(text) as FqdnCacheSnapshot;
    if (j?.version !== 1 || typeof j.endpoints !== 'object' || j.endpoints === null)
      throw new Error('not a version 1 FQDN cache');
    return j;
  } catch (e) {
    onError(`ignoring ${file}: ${(e as Error).message}`);
    return empty;
  }
}

/** Writes through a temporary file and a rename, so a crash leaves the old snapshot or the new one. */
export function writeFqdnCache(file: string, snap: FqdnCacheSnapshot): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(snap));
  renameSync(tmp, file);
}
