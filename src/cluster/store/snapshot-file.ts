// The compacted state: one JSON file replaced atomically (temporary file, fsync, rename, fsync dir).
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Resource } from '../../resources/index.js';
import { StoreError } from './store-error.js';

export interface Snapshot {
  format: 1;
  /** The store's revision when the snapshot was taken: log records up to it are already in. */
  revision: number;
  objects: Resource[];
}

export async function readSnapshot(path: string): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let parsed: Partial<Snapshot>;
  try {
    parsed = JSON.parse(text) as Partial<Snapshot>;
  } catch (cause) {
    throw new StoreError('PORIN_ERR_STORE_CORRUPT', `${path}: not valid JSON`, { cause });
  }
  if (parsed.format !== 1 || typeof parsed.revision !== 'number' || !Array.isArray(parsed.objects)) {
    throw new StoreError('PORIN_ERR_STORE_CORRUPT', `${path}: not a Porin store snapshot (format 1)`);
  }
  return parsed as Snapshot;
}

export async function writeSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  const tmp = `${path}.tmp`;
  const h = await open(tmp, 'w', 0o600);
  try {
    await h.writeFile(JSON.stringify(snapshot));
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}

/** Removes a temporary file a crash left behind. */
export async function removeSnapshotLeftovers(path: string): Promise<void> {
  await rm(`${path}.tmp`, { force: true });
}

/** Makes a rename or a newly created file in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
