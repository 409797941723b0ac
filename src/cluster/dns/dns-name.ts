// DNS name helpers: normalization (lower case, no trailing dot), zone membership, ancestors.

/** Lower-cases a name and strips the trailing root dot: `Web.Default.SVC.cluster.local.` → `web.default.svc.cluster.local`. */
export function normalizeName(name: string): string {
  return name.replace(/\.+$/, '').toLowerCase();
}

/** True when `name` is `zone` or below it (both normalized). The root zone `''` contains every name. */
export function isInZone(name: string, zone: string): boolean {
  if (zone === '') return true;
  return name === zone || name.endsWith(`.${zone}`);
}

/** The labels of `name` in front of `zone`, left to right (`a.b.cluster.local` in `cluster.local` → `['a', 'b']`). */
export function labelsBefore(name: string, zone: string): string[] | undefined {
  if (!isInZone(name, zone)) return undefined;
  if (name === zone) return [];
  const head = zone === '' ? name : name.slice(0, name.length - zone.length - 1);
  return head.split('.');
}

/** Every proper ancestor of a name, nearest first, down to (but excluding) the root. */
export function ancestors(name: string): string[] {
  const out: string[] = [];
  let rest = name;
  for (let dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.')) {
    rest = rest.slice(dot + 1);
    out.push(rest);
  }
  return out;
}

/** A syntactically valid zone name: non-empty labels of at most 63 characters, 253 in all. */
export function isValidZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 253) return false;
  return zone
    .split('.')
    .every((l) => l.length > 0 && l.length <= 63 && /^[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?$/.test(l));
}
