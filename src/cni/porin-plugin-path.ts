// Where the `porin` plugin binary and the standalone server are, and a CNI_PATH directory offering the plugin as `porin`.
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of `bin/porin-cni` (from dist/src/cni/ three levels up to the repository): a symlink to the
 * compiled thin plugin, dist/native/porin-cni (`npm run build` makes it).
 */
export function porinCniBinary(): string {
  return fileURLToPath(new URL('../../../bin/porin-cni', import.meta.url));
}

/** The standalone CNI server's entry point (`node <this> --socket PATH`), what `porin cni-server` runs. */
export function porinCniServerEntry(): string {
  return fileURLToPath(new URL('./server-main.js', import.meta.url));
}

/**
 * Makes `<dir>/porin` a symlink to `bin/porin-cni` (runtimes look plugins up by their `type`) and returns
 * `dir`, ready to go first in CNI_PATH.
 */
export function linkPorinPlugin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const link = join(dir, 'porin');
  const target = porinCniBinary();
  try {
    if (readlinkSync(link) === target) return dir;
    unlinkSync(link);
  } catch {
    // absent (or not a link): create below
  }
  symlinkSync(target, link);
  return dir;
}
