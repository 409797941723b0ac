// toFQDNs selectors as identity matchers: addresses learned from DNS carry one `fqdn:` label per selector matching their names.
import type { Identity } from '../identity/index.js';
import type { Label } from '../labels/index.js';
import { type DnsNameSelector, selectorKey } from './l7-match-dns.js';
import type { IdentityMatcher } from './selector-cache.js';

/** The label an FQDN identity carries for a selector: `fqdn:matchName:api.github.com`. */
export function fqdnSelectorLabel(sel: DnsNameSelector): Label {
  return { source: 'fqdn', key: selectorKey(sel), value: '' };
}

const matchers = new Map<string, IdentityMatcher>();

/** Selects the FQDN identities whose addresses were learned under a name this selector matches. */
export function fqdnMatcher(sel: DnsNameSelector): IdentityMatcher {
  const k = selectorKey(sel);
  let m = matchers.get(k);
  if (!m) {
    m = {
      key: `fqdn:${k}`,
      matches: (id: Identity) => id.kind === 'fqdn' && id.labels.has(k, 'fqdn'),
      anchors: [{ key: k }],
    };
    matchers.set(k, m);
  }
  return m;
}
