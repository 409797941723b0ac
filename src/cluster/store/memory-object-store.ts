// The in-memory ObjectStore: the fake for tests, and the state machine without durability.
import type { Resource, ResourceKind } from '../../resources/index.js';
import type {
  ApplyResult,
  DeleteOptions,
  ListResult,
  ObjectRef,
  ObjectStore,
  Unsubscribe,
  WatchEvent,
  WatchFilter,
} from './object-store.js';
import { type Plan, StoreCore, type StoreOptions } from './store-core.js';
import { StoreError } from './store-error.js';

export class MemoryObjectStore implements ObjectStore {
  private readonly core: StoreCore;
  private closed = false;

  constructor(options: StoreOptions = {}) {
    this.core = new StoreCore(options);
  }

  async list(kind: ResourceKind, namespace?: string): Promise<ListResult> {
    this.assertOpen();
    return this.core.list(kind, namespace);
  }

  async get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined> {
    this.assertOpen();
    return this.core.get(kind, namespace, name);
  }

  async apply(objects: Resource[]): Promise<ApplyResult[]> {
    return this.run(() => this.core.planApply(objects));
  }

  async delete(refs: ObjectRef[], options?: DeleteOptions): Promise<Resource[]> {
    return this.run(() => this.core.planDelete(refs, options));
  }

  async updateStatus(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    status: object,
  ): Promise<Resource> {
    return this.run(() => this.core.planStatus(kind, namespace, name, status));
  }

  watch(
    filter: WatchFilter,
    fromResourceVersion: string | undefined,
    onEvent: (e: WatchEvent) => void,
  ): Unsubscribe {
    this.assertOpen();
    return this.core.watch(filter, fromResourceVersion, onEvent);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.core.closeWatches();
  }

  private run<T>(plan: () => Plan<T>): T {
    this.assertOpen();
    const p = plan();
    this.core.commit(p.events, p.revision);
    return structuredClone(p.result);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('PORIN_ERR_STORE_UNAVAILABLE', 'the store is closed');
  }
}
