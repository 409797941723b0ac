// The contract of the embedded cluster's state store: Kubernetes-shaped objects, revisions and watches.
import type { Resource, ResourceKind } from '../../resources/index.js';

/** Names one object. `namespace` is ignored for cluster-scoped kinds and defaults to `default` otherwise. */
export interface ObjectRef {
  kind: ResourceKind;
  namespace?: string;
  name: string;
}

export interface ListResult<R extends Resource = Resource> {
  /** Sorted by namespace, then name. */
  items: R[];
  /** The store's revision when the list was taken: watch from here to miss nothing. */
  resourceVersion: string;
}

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  /** The object as stored (with uid, creationTimestamp, resourceVersion and a generated name). */
  object: Resource;
  result: ApplyOutcome;
}

export interface DeleteOptions {
  /** Skip refs that name no object instead of failing the whole batch. */
  ignoreNotFound?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  /** For DELETED, the last state with `resourceVersion` set to the revision of the deletion. */
  object: Resource;
}

export interface WatchFilter {
  kind?: ResourceKind;
  /** Only namespaced objects of this namespace. */
  namespace?: string;
}

export type Unsubscribe = () => void;

/**
 * Every mutation is atomic and serialized; each changed object gets the next revision of one
 * global counter (a decimal string, like etcd's revision). Returned objects are copies.
 */
export interface ObjectStore {
  list(kind: ResourceKind, namespace?: string): Promise<ListResult>;
  /** `undefined` when there is no such object. */
  get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined>;
  /**
   * Create-or-update, all or nothing. `unchanged` when the object equals the stored one ignoring
   * `status` and server-set metadata. On update the stored `status` is kept (status changes go
   * through `updateStatus`); a `metadata.resourceVersion` in the input is a precondition
   * (PORIN_ERR_CONFLICT when it is not the stored one, or the object no longer exists).
   */
  apply(objects: Resource[]): Promise<ApplyResult[]>;
  /**
   * Deletes, all or nothing (PORIN_ERR_NOT_FOUND unless `ignoreNotFound`). Deleting a Namespace also
   * deletes every namespaced object in it. Returns every deleted object, cascaded ones included.
   */
  delete(refs: ObjectRef[], options?: DeleteOptions): Promise<Resource[]>;
  /** Replaces `status`; a no-op (same resourceVersion) when it is equal. PORIN_ERR_NOT_FOUND when absent. */
  updateStatus(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    status: object,
  ): Promise<Resource>;
  /**
   * Events in revision order, delivered asynchronously. Without `fromResourceVersion`: an ADDED
   * event per existing object, then changes. With it: the changes after that revision, then live
   * ones; throws PORIN_ERR_GONE (HTTP 410) when the history no longer reaches back that far, or the
   * revision is newer than the store's: list again and watch from the list's resourceVersion.
   */
  watch(
    filter: WatchFilter,
    fromResourceVersion: string | undefined,
    onEvent: (event: WatchEvent) => void,
  ): Unsubscribe;
  /** Waits for pending writes and releases files; later calls fail. */
  close(): Promise<void>;
}
