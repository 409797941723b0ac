// Keeps the load-balancer maps equal to the store's Services and EndpointSlices, one service at a time.
import type { ObjectStore, Unsubscribe } from '../cluster/store/index.js';
import type { EndpointSlice, Resource, Service } from '../resources/index.js';
import {
  type LbConfig,
  type LbReconciler,
  refusedBackends,
  SERVICE_NAME_LABEL,
  ServiceIndex,
  serviceFrontends,
} from '../services/index.js';

const key = (namespace: string | undefined, name: string) => `${namespace ?? 'default'}/${name}`;

/**
 * Store events are applied on the next turn of the event loop, coalesced per service: a burst of
 * endpoint changes to one service becomes one reconcile of that service, and a change to one service
 * never rewrites another. After a restart the reconciler first adopts what the pinned maps hold, every
 * service is set once, then whatever no service claims any more is removed (finishResync).
 */
export class ServiceLbSync {
  readonly index = new ServiceIndex();
  private readonly services = new Map<string, Service>();
  /** Service key → slice name → slice. */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** Slice key → the service key it was filed under (its label may change). */
  private readonly sliceOwner = new Map<string, string>();
  private readonly pending = new Map<string, number>();
  private scheduled = false;
  /** Service key → the backends last refused (outside the allowed ranges), to report each change once. */
  private readonly refused = new Map<string, string>();
  private unwatch: Unsubscribe[] | undefined;
  /** Told how long each change took from its store event to the maps (ms). */
  onApplied: ((ms: number) => void) | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly reconciler: LbReconciler,
    private readonly config: LbConfig,
    private readonly log: (m: string) => void,
  ) {}

  async start(): Promise<void> {
    const svcs = await this.store.list('Service');
    const slices = await this.store.list('EndpointSlice');
    for (const s of svcs.items) this.onObject('ADDED', s);
    for (const s of slices.items) this.onObject('ADDED', s);
    this.reconciler.adopt();
    this.pending.clear();
    for (const k of this.services.keys()) this.apply(k);
    this.reconciler.finishResync();
    // Each kind is watched from its own list's revision: nothing between a list and its watch is missed.
    this.unwatch = [
      this.store.watch({ kind: 'Service' }, svcs.resourceVersion, (ev) => this.onObject(ev.type, ev.object)),
      this.store.watch({ kind: 'EndpointSlice' }, slices.resourceVersion, (ev) =>
        this.onObject(ev.type, ev.object),
      ),
    ];
  }

  stop(): void {
    for (const u of this.unwatch ?? []) u();
    this.unwatch = undefined;
  }

  /** Frontends of every service, as last applied. */
  frontends() {
    return this.index.services();
  }

  private onObject(type: string, o: Resource): void {
    const deleted = type === 'DELETED';
    if (o.kind === 'Service') {
      const k = key(o.metadata.namespace, o.metadata.name);
      if (deleted) this.services.delete(k);
      else this.services.set(k, o);
      this.mark(k);
      return;
    }
    if (o.kind !== 'EndpointSlice') return;
    const sk = key(o.metadata.namespace, o.metadata.name);
    const before = this.sliceOwner.get(sk);
    const svcName = o.metadata.labels?.[SERVICE_NAME_LABEL];
    const owner = !deleted && svcName ? key(o.metadata.namespace, svcName) : undefined;
    if (before && before !== owner) {
      this.slices.get(before)?.delete(sk);
      this.sliceOwner.delete(sk);
      this.mark(before);
    }
    if (owner) {
      const m = this.slices.get(owner) ?? new Map<string, EndpointSlice>();
      m.set(sk, o);
      this.slices.set(owner, m);
      this.sliceOwner.set(sk, owner);
      this.mark(owner);
    }
  }

  private mark(service: string): void {
    if (!this.pending.has(service)) this.pending.set(service, performance.now());
    if (this.scheduled || !this.unwatch) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [k, t0] of batch) {
      this.apply(k);
      this.onApplied?.(performance.now() - t0);
    }
  }

  private apply(k: string): void {
    try {
      const svc = this.services.get(k);
      const slices = [...(this.slices.get(k)?.values() ?? [])];
      const frontends = svc ? serviceFrontends(svc, slices, this.config) : [];
      const refused = svc ? refusedBackends(svc, slices, this.config).join(', ') : '';
      if (refused !== (this.refused.get(k) ?? '')) {
        if (refused)
          this.log(
            `load balancer: service ${k}: endpoints ${refused} refused: outside the cluster and external-host ranges`,
          );
        this.refused.set(k, refused);
      }
      this.reconciler.setService(k, frontends);
      this.index.set(k, frontends);
    } catch (e) {
      this.log(`load balancer: service ${k}: ${(e as Error).message}`);
    }
  }
}
