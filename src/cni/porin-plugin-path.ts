// Where the `porin` plugin binary is, and a CNI_PATH directory that offers it under its type name `porin`.
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of `bin/porin-cni` (from dist/src/cni/ three levels up to the repository). */
export function porinCniBinary(): string {
  return fileURLToPath(new URL('../../../bin/porin-cni', import.meta.url));
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
