// Binds the FQDN layer to a policy engine: identities from its allocator, entries in its ipcache, selectors from its policies.
import type { Prefix } from '../net/cidr.js';
import type { ChangeSummary, PolicyEngine } from '../policy/index.js';
import { FqdnManager, type FqdnManagerOptions } from './fqdn-manager.js';

export interface EngineFqdnOptions extends Omit<FqdnManagerOptions, 'identities' | 'ipcache' | 'apply'> {
  /** Regenerates the endpoints the change affects (the agent: endpoint manager apply); sync. */
  readonly apply: (changes: ChangeSummary) => void;
}

/** An FQDN manager whose identities the engine's selector cache sees, so toFQDNs peers resolve to them. */
export function engineFqdnManager(engine: PolicyEngine, opts: EngineFqdnOptions): FqdnManager {
  return new FqdnManager({
    ...opts,
    identities: {
      acquire: (labels) => engine.identities.acquireLocal(labels, 'fqdn').id,
      release: (id) => engine.identities.release(id),
    },
    ipcache: engine.ipcache,
    apply: () => opts.apply(engine.flushChanges()),
  });
}

/** The policy prefixes that have CIDR identities (toCIDR/fromCIDR rules), for the FQDN identities' `cidr:` labels. */
export function policyCidrPrefixes(engine: PolicyEngine): Prefix[] {
  const out: Prefix[] = [];
  for (const id of engine.identities.all()) if (id.kind === 'cidr' && id.prefix) out.push(id.prefix);
  return out;
}

/** Re-reads the engine's toFQDNs selectors and CIDR prefixes (after any policy change). */
export function syncFqdnPolicy(fqdn: FqdnManager, engine: PolicyEngine): void {
  fqdn.syncPolicy(engine.fqdnSelectors(), policyCidrPrefixes(engine));
}
