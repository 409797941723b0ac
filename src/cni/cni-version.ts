// CNI spec versions: the ones Porin speaks, and semver comparison for negotiation.

/** Spec versions the `porin` plugin and `invokeCniChain` understand (result format 1.x). */
export const SUPPORTED_CNI_VERSIONS: readonly string[] = Object.freeze(['1.0.0', '1.1.0']);

/** The newest spec version Porin speaks; VERSION answers with it. */
export const CURRENT_CNI_VERSION = '1.1.0';

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

/** True for `MAJOR.MINOR.PATCH`. */
export function isSemver(v: unknown): v is string {
  return typeof v === 'string' && SEMVER.test(v);
}

/** Negative, zero or positive as a < b, a == b, a > b (both must be MAJOR.MINOR.PATCH). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `v` is at least `min`. */
export function versionAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0;
}
