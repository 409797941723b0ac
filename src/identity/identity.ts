// A security identity: a number standing for a set of security-relevant labels.
import type { LabelSet } from '../labels/index.js';
import type { Prefix } from '../net/cidr.js';

/** `fqdn`: a node-local identity of addresses learned from DNS, labelled with the FQDN selectors that match them. */
export type IdentityKind = 'reserved' | 'endpoint' | 'cidr' | 'fqdn';

export interface Identity {
  readonly id: number;
  readonly kind: IdentityKind;
  readonly labels: LabelSet;
  /** For CIDR identities: the prefix they stand for. */
  readonly prefix?: Prefix;
}
