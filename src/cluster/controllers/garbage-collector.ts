// Deletes objects whose owners are all gone (pods of a deleted Deployment, slices of a deleted Service).
import type { Resource } from '../../resources/index.js';
import { isKnownKind, isNamespacedKind, type ObjectStore, type Unsubscribe } from '../store/index.js';
import { type Controller, type ControllerOptions, logToStderr } from './controller.js';
import { WorkQueue } from './work-queue.js';

/** Looks up an owner by kind, namespace ('' for cluster-scoped kinds) and name. */
export type OwnerLookup = (kind: string, namespace: string, name: string) => Resource | undefined;

/**
 * An object is orphaned when it has owner references and every one names an object that no longer
 * exists (or exists with another uid: it was deleted and recreated). An owner of a kind the store
 * does not hold counts as present, so such objects are never collected.
 */
export function isOrphaned(object: Resource, lookup: OwnerLookup): boolean {
  const refs = object.metadata.ownerReferences ?? [];
  if (refs.length === 0) return false;
  return refs.every((ref) => {
    if (!isKnownKind(ref.kind)) return false;
    const namespace = isNamespacedKind(ref.kind) ? (object.metadata.namespace ?? '') : '';
    const owner = lookup(ref.kind, namespace, ref.name);
    return !owner || (ref.uid !== undefined && owner.metadata.uid !== ref.uid);
  });
}

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  private readonly queue: WorkQueue;
  private unsubscribe: Unsubscribe | undefined;
  /** owner uid → keys of objects that name it, to find dependents when an owner goes. */
  private readonly dependents = new Map<string, Set<string>>();

  constructor(
    private readonly store: ObjectStore,
    options: ControllerOptions = {},
  ) {
    const onError = options.onError ?? logToStderr;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      ...options,
      onError: (key, e) => onError(this.name, key, e),
    });
  }

  start(): void {
    this.unsubscribe = this.store.watch({}, undefined, (e) => {
      const o = e.object;
      const key = refKey(o.kind, o.metadata.namespace ?? '', o.metadata.name);
      for (const ref of o.metadata.ownerReferences ?? []) {
        if (!ref.uid) continue;
        const set = this.dependents.get(ref.uid) ?? new Set<string>();
        this.dependents.set(ref.uid, set);
        if (e.type === 'DELETED') set.delete(key);
        else set.add(key);
        if (set.size === 0) this.dependents.delete(ref.uid);
      }
      if (e.type !== 'DELETED' && o.metadata.ownerReferences?.length) this.queue.add(key);
      if (e.type === 'DELETED' && o.metadata.uid) {
        for (const dependent of this.dependents.get(o.metadata.uid) ?? []) this.queue.add(dependent);
      }
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.settle();
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  async reconcile(key: string): Promise<void> {
    const [kind, namespace, name] = parseRefKey(key);
    if (!isKnownKind(kind)) return;
    const object = await this.store.get(kind, namespace || undefined, name);
    if (!object) return;
    const owners = new Map<string, Resource | undefined>();
    for (const ref of object.metadata.ownerReferences ?? []) {
      if (!isKnownKind(ref.kind)) continue;
      const ns = isNamespacedKind(ref.kind) ? namespace : '';
      owners.set(refKey(ref.kind, ns, ref.name), await this.store.get(ref.kind, ns || undefined, ref.name));
    }
    if (isOrphaned(object, (k, ns, n) => owners.get(refKey(k, ns, n)))) {
      await this.store.delete([{ kind, namespace, name }], { ignoreNotFound: true });
    }
  }
}

function refKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function parseRefKey(key: string): [string, string, string] {
  const [kind = '', namespace = '', ...rest] = key.split('/');
  return [kind, namespace, rest.join('/')];
}
