// Gives Services their cluster IPs and keeps the EndpointSlices of selector Services in step with pods.
import type { EndpointSlice, ExternalHost, Pod, Service } from '../../resources/index.js';
import type { ObjectStore, Unsubscribe, WatchEvent } from '../store/index.js';
import { type ClusterIPOptions, decideClusterIP, needsClusterIP } from './cluster-ip-allocator.js';
import { type Controller, type ControllerOptions, logToStderr } from './controller.js';
import { currentLoadBalancerIP, decideLoadBalancerIP, type LbIpamOptions } from './lb-ipam.js';
import { decideNodePorts, type NodePortOptions } from './node-port-allocator.js';
import { namespacedKey, splitKey } from './object-keys.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  planEndpointSlices,
  SERVICE_NAME_LABEL,
  selectorMatches,
} from './plan-endpoint-slices.js';
import { WorkQueue } from './work-queue.js';

/** Set on a Service whose own cluster IP could not be honoured, saying why it got another. */
export const CLUSTER_IP_REALLOCATED_ANNOTATION = 'porin.io/cluster-ip-reallocated';
/** Set on a Service whose own node port could not be honoured, saying why it got another. */
export const NODE_PORT_REALLOCATED_ANNOTATION = 'porin.io/node-port-reallocated';

export interface ServiceControllerOptions
  extends ControllerOptions,
    ClusterIPOptions,
    NodePortOptions,
    LbIpamOptions {}

export class ServiceController implements Controller {
  readonly name = 'service-controller';
  private readonly queue: WorkQueue;
  private unsubscribe: Unsubscribe[] = [];
  /** Selectors of known Services and labels of known Pods, to tell which Services a pod change touches. */
  private readonly selectors = new Map<string, Record<string, string> | undefined>();
  private readonly podLabels = new Map<string, Record<string, string> | undefined>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: ServiceControllerOptions = {},
  ) {
    const onError = options.onError ?? logToStderr;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      ...options,
      onError: (key, e) => onError(this.name, key, e),
    });
  }

  start(): void {
    this.unsubscribe.push(
      this.store.watch({ kind: 'Service' }, undefined, (e) => this.onService(e)),
      this.store.watch({ kind: 'Pod' }, undefined, (e) => this.onPod(e)),
      this.store.watch({ kind: 'EndpointSlice' }, undefined, (e) => {
        const labels = e.object.metadata.labels ?? {};
        const service = labels[SERVICE_NAME_LABEL];
        if (service && labels[MANAGED_BY_LABEL] === MANAGED_BY)
          this.queue.add(`${e.object.metadata.namespace}/${service}`);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.settle();
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  async reconcile(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    let svc = (await this.store.get('Service', namespace, name)) as Service | undefined;
    if (!svc) return; // its slices are the garbage collector's
    if (needsClusterIP(svc)) svc = await this.ensureClusterIP(svc);
    svc = await this.ensureNodePorts(svc);
    await this.ensureLoadBalancerIP(svc);
    const [pods, slices] = await Promise.all([
      this.store.list('Pod', namespace),
      this.store.list('EndpointSlice', namespace),
    ]);
    const plan = planEndpointSlices(svc, pods.items as Pod[], slices.items as EndpointSlice[]);
    if (plan.apply.length > 0) await this.store.apply(plan.apply);
    if (plan.delete.length > 0) {
      await this.store.delete(
        plan.delete.map((s) => ({ kind: 'EndpointSlice' as const, namespace, name: s.metadata.name })),
        { ignoreNotFound: true },
      );
    }
  }

  // Allocation is serialized by the queue; the write carries the read's resourceVersion, so a
  // concurrent edit of the Service makes it fail and retry rather than overwrite.
  private async ensureClusterIP(svc: Service): Promise<Service> {
    const all = (await this.store.list('Service')).items as Service[];
    const decision = decideClusterIP(svc, all, this.options);
    const ips = decision.clusterIP ? [decision.clusterIP] : undefined;
    if (svc.spec.clusterIP === decision.clusterIP && sameList(svc.spec.clusterIPs, ips)) return svc;
    const next = structuredClone(svc);
    next.spec.clusterIP = decision.clusterIP;
    next.spec.clusterIPs = ips;
    if (decision.reason) {
      next.metadata.annotations = {
        ...next.metadata.annotations,
        [CLUSTER_IP_REALLOCATED_ANNOTATION]: decision.reason,
      };
    }
    const [result] = await this.store.apply([next]);
    return result!.object as Service;
  }

  // Same serialization and precondition as the cluster IP: a concurrent edit fails the write and retries.
  private async ensureNodePorts(svc: Service): Promise<Service> {
    const all = (await this.store.list('Service')).items as Service[];
    const decision = decideNodePorts(svc, all, this.options);
    if (JSON.stringify(decision.ports) === JSON.stringify(svc.spec.ports ?? [])) return svc;
    const next = structuredClone(svc);
    next.spec.ports = decision.ports;
    if (decision.reason) {
      next.metadata.annotations = {
        ...next.metadata.annotations,
        [NODE_PORT_REALLOCATED_ANNOTATION]: decision.reason,
      };
    }
    const [result] = await this.store.apply([next]);
    return result!.object as Service;
  }

  /** LB-IPAM: `status.loadBalancer.ingress` of LoadBalancer Services, from the pool. */
  private async ensureLoadBalancerIP(svc: Service): Promise<void> {
    const all = (await this.store.list('Service')).items as Service[];
    const hosts = (await this.store.list('ExternalHost')).items as ExternalHost[];
    const reserved = new Set(hosts.flatMap((h) => h.spec.addresses));
    const { ip } = decideLoadBalancerIP(svc, all, this.options, reserved);
    if (ip === currentLoadBalancerIP(svc) && (ip !== undefined || !svc.status?.loadBalancer?.ingress?.length))
      return;
    const status = { ...(svc.status ?? {}), loadBalancer: ip ? { ingress: [{ ip }] } : {} };
    await this.store.updateStatus('Service', svc.metadata.namespace, svc.metadata.name, status);
  }

  private onService(e: WatchEvent): void {
    const key = namespacedKey(e.object);
    if (e.type === 'DELETED') this.selectors.delete(key);
    else this.selectors.set(key, (e.object as Service).spec.selector);
    this.queue.add(key);
  }

  private onPod(e: WatchEvent): void {
    const key = namespacedKey(e.object);
    const before = this.podLabels.get(key);
    const after = e.type === 'DELETED' ? undefined : (e.object.metadata.labels ?? {});
    if (after) this.podLabels.set(key, after);
    else this.podLabels.delete(key);
    const last = e.object.metadata.labels;
    const prefix = `${e.object.metadata.namespace}/`;
    for (const [svcKey, selector] of this.selectors) {
      if (!selector || Object.keys(selector).length === 0 || !svcKey.startsWith(prefix)) continue;
      // A label change can move a pod out of a Service as well as into one.
      if ([before, after, last].some((labels) => labels && selectorMatches(selector, labels)))
        this.queue.add(svcKey);
    }
  }
}

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return (a ?? []).join(',') === (b ?? []).join(',');
}
