// A security identity: a number standing for a set of security-relevant labels.
import type { LabelSet } from '../labels/index.js';
import type { Prefix } from '../net/cidr.js';

export type IdentityKind = 'reserved' | 'endpoint' | 'cidr';

export interface Identity {
  readonly id: number;
  readonly kind: IdentityKind;
  readonly labels: LabelSet;
  /** For CIDR identities: the prefix they stand for. */
  readonly prefix?: Prefix;
}
