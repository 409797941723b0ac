// Label set → identity number, reference counted; numbers survive restarts through an IdentityStore.
import { LabelSet } from '../labels/index.js';
import { formatPrefix, type Prefix } from '../net/cidr.js';
import type { Identity } from './identity.js';
import { type IdentityStore, MemoryIdentityStore } from './identity-store.js';
import {
  LOCAL_IDENTITY_SCOPE,
  MAX_ALLOCATED_IDENTITY,
  MAX_LOCAL_IDENTITY,
  MIN_ALLOCATED_IDENTITY,
  RESERVED_IDENTITIES,
} from './reserved-identities.js';

export class IdentityExhaustedError extends Error {
  readonly code = 'PORIN_ERR_IDENTITY_EXHAUSTED';
}

export interface IdentityEvents {
  added(identity: Identity): void;
  removed(identity: Identity): void;
}

export class IdentityAllocator {
  private readonly byId = new Map<number, Identity>();
  private readonly byKey = new Map<string, Identity>();
  private readonly refs = new Map<number, number>();
  /** Every number ever given to a label set, kept so a label set gets its number back after a restart. */
  private readonly remembered: Map<string, number>;
  private readonly usedNumbers = new Set<number>();
  private nextId = MIN_ALLOCATED_IDENTITY;
  private nextLocal = LOCAL_IDENTITY_SCOPE + 1;
  private readonly listeners: IdentityEvents[] = [];

  constructor(private readonly store: IdentityStore = new MemoryIdentityStore()) {
    this.remembered = new Map(Object.entries(store.load()));
    for (const n of this.remembered.values()) this.usedNumbers.add(n);
    for (const r of RESERVED_IDENTITIES) {
      const id: Identity = { id: r.id, kind: 'reserved', labels: r.labels };
      this.byId.set(r.id, id);
      this.byKey.set(r.labels.key, id);
    }
  }

  subscribe(l: IdentityEvents): void {
    this.listeners.push(l);
  }

  get(id: number): Identity | undefined {
    return this.byId.get(id);
  }

  lookup(labels: LabelSet): Identity | undefined {
    return this.byKey.get(labels.key);
  }

  all(): IterableIterator<Identity> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Takes a reference on the identity of `labels`, allocating it when new. */
  acquire(labels: LabelSet): Identity {
    const existing = this.byKey.get(labels.key);
    if (existing) {
      if (existing.kind !== 'reserved') this.refs.set(existing.id, (this.refs.get(existing.id) ?? 0) + 1);
      return existing;
    }
    const id = this.numberFor(labels.key);
    return this.insert({ id, kind: 'endpoint', labels });
  }

  /** Takes a reference on the node-local identity of a CIDR prefix (labels `cidr:<prefix>`, `reserved:world`). */
  acquireCIDR(prefix: Prefix): Identity {
    const labels = new LabelSet([
      { source: 'cidr', key: formatPrefix(prefix), value: '' },
      { source: 'reserved', key: 'world', value: '' },
    ]);
    return this.acquireNodeLocal(labels, 'cidr', prefix);
  }

  /**
   * Takes a reference on the node-local identity of a label set (FQDN selector sets: `fqdn:` labels plus
   * `reserved:world`); numbers are never persisted: restored caches allocate them again.
   */
  acquireLocal(labels: LabelSet, kind: 'fqdn'): Identity {
    return this.acquireNodeLocal(labels, kind);
  }

  private acquireNodeLocal(labels: LabelSet, kind: 'cidr' | 'fqdn', prefix?: Prefix): Identity {
    const existing = this.byKey.get(labels.key);
    if (existing) {
      this.refs.set(existing.id, (this.refs.get(existing.id) ?? 0) + 1);
      return existing;
    }
    while (this.byId.has(this.nextLocal)) this.nextLocal++;
    if (this.nextLocal > MAX_LOCAL_IDENTITY)
      throw new IdentityExhaustedError(
        `no node-local identity left for ${kind === 'cidr' ? 'CIDRs' : 'DNS names'}`,
      );
    return this.insert({ id: this.nextLocal++, kind, labels, ...(prefix ? { prefix } : {}) });
  }

  release(id: number): void {
    const identity = this.byId.get(id);
    if (!identity || identity.kind === 'reserved') return;
    const n = (this.refs.get(id) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(id, n);
      return;
    }
    this.refs.delete(id);
    this.byId.delete(id);
    this.byKey.delete(identity.labels.key);
    if ((identity.kind === 'cidr' || identity.kind === 'fqdn') && id < this.nextLocal) this.nextLocal = id;
    for (const l of this.listeners) l.removed(identity);
  }

  private insert(identity: Identity): Identity {
    this.byId.set(identity.id, identity);
    this.byKey.set(identity.labels.key, identity);
    this.refs.set(identity.id, 1);
    for (const l of this.listeners) l.added(identity);
    return identity;
  }

  private numberFor(key: string): number {
    const known = this.remembered.get(key);
    if (known !== undefined && !this.byId.has(known)) return known;
    while (this.usedNumbers.has(this.nextId) || this.byId.has(this.nextId)) this.nextId++;
    if (this.nextId > MAX_ALLOCATED_IDENTITY) {
      throw new IdentityExhaustedError(
        `all ${MAX_ALLOCATED_IDENTITY - MIN_ALLOCATED_IDENTITY + 1} identities are in use; reduce identity-relevant labels`,
      );
    }
    const id = this.nextId++;
    this.usedNumbers.add(id);
    this.remembered.set(key, id);
    this.store.add(key, id);
    return id;
  }
}
