// The store's state machine: plans atomic batches against committed state, then commits them.
import { randomUUID } from 'node:crypto';
import type { Resource, ResourceKind } from '../../resources/index.js';
import { canonicalJson, jsonClone } from './canonical-json.js';
import {
  describeRef,
  isKnownKind,
  isNamespacedKind,
  objectKey,
  type ResolvedRef,
  resolveRef,
} from './object-identity.js';
import type {
  ApplyResult,
  DeleteOptions,
  ListResult,
  ObjectRef,
  Unsubscribe,
  WatchEvent,
  WatchFilter,
} from './object-store.js';
import { randomSuffix } from './random-suffix.js';
import { StoreError } from './store-error.js';
import { carryOver, comparableContent } from './update-strategy.js';
import { type StoredEvent, WatchHub } from './watch-hub.js';

export interface StoreOptions {
  /** Watch events kept for resuming (default 10,000). */
  historyLimit?: number;
  now?: () => Date;
  newUid?: () => string;
  /** The 5 characters appended to a generateName. */
  nameSuffix?: () => string;
}

/** A batch ready to commit: its events carry the objects exactly as they will be stored. */
export interface Plan<T> {
  events: StoredEvent[];
  /** The store's revision after the commit. */
  revision: number;
  result: T;
}

/** Longest generateName prefix kept, as the apiserver does (63 - 5). */
const MAX_GENERATE_PREFIX = 58;

export class StoreCore {
  private readonly byKind = new Map<ResourceKind, Map<string, Resource>>();
  private revision: number;
  private readonly hub: WatchHub;
  private readonly now: () => Date;
  private readonly newUid: () => string;
  private readonly nameSuffix: () => string;

  constructor(
    options: StoreOptions = {},
    initial: { revision: number; objects: Resource[] } = { revision: 0, objects: [] },
  ) {
    this.now = options.now ?? (() => new Date());
    this.newUid = options.newUid ?? randomUUID;
    this.nameSuffix = options.nameSuffix ?? (() => randomSuffix(5));
    this.revision = initial.revision;
    for (const o of initial.objects) this.put(deepFreeze(o));
    this.hub = new WatchHub(options.historyLimit ?? 10_000, initial.revision);
  }

  get currentRevision(): number {
    return this.revision;
  }

  /** Every stored object (frozen, shared: copy before handing out). */
  allObjects(): Resource[] {
    return [...this.byKind.values()].flatMap((m) => [...m.values()]);
  }

  list(kind: ResourceKind, namespace?: string): ListResult {
    if (!isKnownKind(kind)) throw new StoreError('PORIN_ERR_INVALID', `unknown kind ${JSON.stringify(kind)}`);
    const items = [...(this.byKind.get(kind)?.values() ?? [])]
      .filter((o) => !namespace || o.metadata.namespace === namespace)
      .sort(byNamespaceThenName)
      .map((o) => structuredClone(o));
    return { items, resourceVersion: String(this.revision) };
  }

  get(kind: ResourceKind, namespace: string | undefined, name: string): Resource | undefined {
    const ref = resolveRef({ kind, namespace, name });
    const o = this.lookup(ref);
    return o && structuredClone(o);
  }

  watch(filter: WatchFilter, from: string | undefined, onEvent: (e: WatchEvent) => void): Unsubscribe {
    if (filter.kind !== undefined && !isKnownKind(filter.kind)) {
      throw new StoreError('PORIN_ERR_INVALID', `unknown kind ${JSON.stringify(filter.kind)}`);
    }
    const initial = (): Resource[] =>
      (filter.kind ? [...(this.byKind.get(filter.kind)?.values() ?? [])] : this.allObjects()).sort(
        byNamespaceThenName,
      );
    const settled: WatchFilter = {};
    if (filter.kind) settled.kind = filter.kind;
    if (filter.namespace) settled.namespace = filter.namespace;
    return this.hub.subscribe(settled, from, this.revision, initial, onEvent);
  }

  closeWatches(): void {
    this.hub.closeAll();
  }

  planApply(input: Resource[]): Plan<ApplyResult[]> {
    if (!Array.isArray(input)) throw new StoreError('PORIN_ERR_INVALID', 'apply takes a list of objects');
    const overlay = new Map<string, Resource>();
    const events: StoredEvent[] = [];
    const results: ApplyResult[] = [];
    let rev = this.revision;
    input.forEach((raw, index) => {
      const next = this.prepareInput(raw, index, overlay);
      const ref = resolveRef({
        kind: next.kind,
        namespace: next.metadata.namespace,
        name: next.metadata.name,
      });
      const current = overlay.has(ref.key) ? overlay.get(ref.key) : this.lookup(ref);
      const precondition = next.metadata.resourceVersion;
      if (precondition && precondition !== current?.metadata.resourceVersion) {
        throw new StoreError(
          'PORIN_ERR_CONFLICT',
          current
            ? `${describeRef(ref)}: the object has been modified (resourceVersion ${precondition}, now ${current.metadata.resourceVersion}): read it again and retry`
            : `${describeRef(ref)}: the object no longer exists (resourceVersion ${precondition} was given): remove metadata.resourceVersion to create it`,
        );
      }
      if (current) {
        carryOver(current, next);
        if (comparableContent(current) === comparableContent(next)) {
          results.push({ object: current, result: 'unchanged' });
          return;
        }
      } else {
        next.metadata.uid = this.newUid();
        next.metadata.creationTimestamp = this.now().toISOString();
      }
      rev++;
      next.metadata.resourceVersion = String(rev);
      const object = deepFreeze(next);
      overlay.set(ref.key, object);
      events.push({ revision: rev, type: current ? 'MODIFIED' : 'ADDED', object });
      results.push({ object, result: current ? 'configured' : 'created' });
    });
    return { events, revision: rev, result: results };
  }

  planDelete(refs: ObjectRef[], options: DeleteOptions = {}): Plan<Resource[]> {
    if (!Array.isArray(refs)) throw new StoreError('PORIN_ERR_INVALID', 'delete takes a list of refs');
    const doomed = new Map<string, Resource>();
    for (const r of refs) {
      const ref = resolveRef(r);
      const current = this.lookup(ref);
      if (!current) {
        if (options.ignoreNotFound) continue;
        throw new StoreError('PORIN_ERR_NOT_FOUND', `${describeRef(ref)} not found`);
      }
      // A namespace takes its contents with it, contents first (as the namespace controller does).
      if (ref.kind === 'Namespace') {
        for (const o of this.allObjects()) {
          if (o.metadata.namespace === ref.name && isNamespacedKind(o.kind)) doomed.set(keyOf(o), o);
        }
      }
      if (!doomed.has(ref.key)) doomed.set(ref.key, current);
    }
    let rev = this.revision;
    const events: StoredEvent[] = [];
    for (const o of doomed.values()) {
      rev++;
      const object = deepFreeze({
        ...o,
        metadata: { ...o.metadata, resourceVersion: String(rev) },
      } as Resource);
      events.push({ revision: rev, type: 'DELETED', object });
    }
    return { events, revision: rev, result: events.map((e) => e.object) };
  }

  planStatus(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    status: object,
  ): Plan<Resource> {
    const ref = resolveRef({ kind, namespace, name });
    const current = this.lookup(ref);
    if (!current) throw new StoreError('PORIN_ERR_NOT_FOUND', `${describeRef(ref)} not found`);
    if (status === null || typeof status !== 'object' || Array.isArray(status)) {
      throw new StoreError('PORIN_ERR_INVALID', `${describeRef(ref)}: status must be an object`);
    }
    const copy = jsonClone(status);
    const before = (current as { status?: unknown }).status;
    if (canonicalJson(before) === canonicalJson(copy)) {
      return { events: [], revision: this.revision, result: current };
    }
    const rev = this.revision + 1;
    const object = deepFreeze({
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(rev) },
      status: copy,
    } as Resource);
    return { events: [{ revision: rev, type: 'MODIFIED', object }], revision: rev, result: object };
  }

  /** Makes a plan (or a batch read back from a log) the committed state and tells the watchers. */
  commit(events: readonly StoredEvent[], revision: number): void {
    for (const e of events) {
      deepFreeze(e.object);
      if (e.type === 'DELETED') this.byKind.get(e.object.kind)?.delete(keyOf(e.object));
      else this.put(e.object);
    }
    this.revision = Math.max(this.revision, revision);
    if (events.length > 0) this.hub.publish(events);
  }

  private put(o: Resource): void {
    const m = this.byKind.get(o.kind) ?? new Map<string, Resource>();
    this.byKind.set(o.kind, m);
    m.set(keyOf(o), o);
  }

  private lookup(ref: ResolvedRef): Resource | undefined {
    return this.byKind.get(ref.kind)?.get(ref.key);
  }

  /** A private copy of one input object with its namespace settled and its name generated. */
  private prepareInput(raw: unknown, index: number, overlay: Map<string, Resource>): Resource {
    const where = `objects[${index}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new StoreError('PORIN_ERR_INVALID', `${where}: not an object`);
    }
    const r = raw as Partial<Resource>;
    if (!isKnownKind(r.kind)) {
      throw new StoreError('PORIN_ERR_INVALID', `${where}: unknown kind ${JSON.stringify(r.kind)}`);
    }
    if (r.metadata === null || typeof r.metadata !== 'object') {
      throw new StoreError('PORIN_ERR_INVALID', `${where} (${r.kind}): metadata is required`);
    }
    const next = jsonClone(raw) as Resource;
    const meta = next.metadata;
    if (isNamespacedKind(next.kind)) meta.namespace = meta.namespace || 'default';
    else delete meta.namespace;
    if (!meta.name) {
      if (!meta.generateName) {
        throw new StoreError(
          'PORIN_ERR_INVALID',
          `${where} (${next.kind}): metadata.name or metadata.generateName is required`,
        );
      }
      meta.name = this.generateName(next.kind, meta.namespace ?? '', meta.generateName, overlay);
    }
    if (typeof meta.name !== 'string' || meta.name.includes('/')) {
      throw new StoreError(
        'PORIN_ERR_INVALID',
        `${where} (${next.kind}): invalid name ${JSON.stringify(meta.name)}`,
      );
    }
    return next;
  }

  private generateName(
    kind: ResourceKind,
    namespace: string,
    prefix: string,
    overlay: Map<string, Resource>,
  ): string {
    const base = prefix.slice(0, MAX_GENERATE_PREFIX);
    for (let attempt = 0; attempt < 16; attempt++) {
      const name = base + this.nameSuffix();
      const key = objectKey(kind, namespace, name);
      if (!overlay.has(key) && !this.byKind.get(kind)?.has(key)) return name;
    }
    throw new StoreError(
      'PORIN_ERR_CONFLICT',
      `${kind}: no free name for generateName ${JSON.stringify(prefix)}`,
    );
  }
}

function keyOf(o: Resource): string {
  return objectKey(o.kind, o.metadata.namespace ?? '', o.metadata.name);
}

function byNamespaceThenName(a: Resource, b: Resource): number {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
