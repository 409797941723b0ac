// Kind names as users type them (`pods`, `svc`, `cnp`) resolved to the kinds the store holds.
import { type ResourceKind, SUPPORTED_KINDS } from '../resources/index.js';

const SHORT_NAMES: Record<string, ResourceKind> = {
  ns: 'Namespace',
  po: 'Pod',
  svc: 'Service',
  no: 'Node',
  deploy: 'Deployment',
  netpol: 'NetworkPolicy',
  cnp: 'CiliumNetworkPolicy',
  ccnp: 'CiliumClusterwideNetworkPolicy',
  ev: 'Event',
};

/** `Pod`, `pod`, `pods`, `po` → `Pod`; undefined when no kind has that name. */
export function resolveKind(name: string): ResourceKind | undefined {
  const lower = name.toLowerCase();
  for (const kind of Object.keys(SUPPORTED_KINDS) as ResourceKind[]) {
    const k = kind.toLowerCase();
    if (lower === k || lower === plural(k)) return kind;
  }
  return SHORT_NAMES[lower];
}

function plural(k: string): string {
  return k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`;
}
