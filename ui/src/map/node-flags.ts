// A map node as `porin observe` filter flags (the server compiles them with the CLI's code).
import type { NodeMatch } from '../api/types.js';

export type Flag = [string, string] | [string];

export function matchFlags(m: NodeMatch, side: 'from' | 'to'): Flag[] {
  const out: Flag[] = [];
  for (const v of m.pod ?? []) out.push([`${side}-pod`, v]);
  for (const v of m.label ?? []) out.push([`${side}-label`, v]);
  for (const w of m.workload ?? [])
    out.push([`${side}-workload`, w.kind ? `${w.kind}/${w.name ?? ''}` : (w.name ?? '')]);
  for (const v of m.identity ?? []) out.push([`${side}-identity`, String(v)]);
  for (const v of m.ip ?? []) out.push([`${side}-ip`, v]);
  return out;
}
