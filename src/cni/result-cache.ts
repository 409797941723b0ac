// libcni's result cache: `<cacheDir>/results/<network>-<containerID>-<ifname>`, one JSON per attachment.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniChainError } from './chain-error.js';
import type { CniResult } from './cni-types.js';

/** The cached record of one attachment (libcni's `cniCacheV1`, plus the netns for GC). */
export interface CachedAttachment {
  kind: 'cniCacheV1';
  containerId: string;
  ifName: string;
  networkName: string;
  netns?: string;
  /** Base64 of the configuration list JSON the attachment was added with. */
  config: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result: CniResult;
}

function resultsDir(cacheDir: string): string {
  return join(cacheDir, 'results');
}

export function cachePath(cacheDir: string, network: string, containerId: string, ifname: string): string {
  return join(resultsDir(cacheDir), `${network}-${containerId}-${ifname}`);
}

function ioError(what: string, e: unknown): CniChainError {
  return new CniChainError('CNI_CACHE_IO', `${what}: ${(e as Error).message}`);
}

export function readCached(path: string): CachedAttachment | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(`cannot read ${path}`, e);
  }
  try {
    const v = JSON.parse(text) as CachedAttachment;
    return v && typeof v === 'object' && v.result ? v : undefined;
  } catch {
    return undefined; // a torn or foreign file: as if nothing were cached
  }
}

/** Writes atomically (temporary file + rename). */
export function writeCached(path: string, entry: CachedAttachment): void {
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    throw ioError(`cannot write ${path}`, e);
  }
}

export function deleteCached(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch (e) {
    throw ioError(`cannot delete ${path}`, e);
  }
}

/** Every cached attachment of `network`. */
export function listCached(
  cacheDir: string,
  network: string,
): Array<{ path: string; entry: CachedAttachment }> {
  let names: string[];
  try {
    names = readdirSync(resultsDir(cacheDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(`cannot list ${resultsDir(cacheDir)}`, e);
  }
  const out: Array<{ path: string; entry: CachedAttachment }> = [];
  for (const n of names) {
    if (!n.startsWith(`${network}-`) || n.includes('.tmp-')) continue;
    const path = join(resultsDir(cacheDir), n);
    const entry = readCached(path);
    if (entry && entry.networkName === network) out.push({ path, entry });
  }
  return out;
}
