// Feeds the policy engine from the store and the datapath from the engine: every change, incrementally.

import type { SandboxRecord } from '../cluster/runtime/index.js';
import type { ObjectStore, Unsubscribe } from '../cluster/store/index.js';
import { hostVethName } from '../cni/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { EndpointManager } from '../endpoints/index.js';
import type { ChangeSummary, PolicyEngine } from '../policy/index.js';
import { isAuditMode } from '../policylog/index.js';
import type { Pod, Resource } from '../resources/index.js';

/** The cluster DNS server runs on the host, at kube-dns's backend address, and stands in policy as its pod. */
export function dnsEndpoint(c: ClusterConfig): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'porin-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns' },
      uid: 'porin-dns',
    },
    spec: {
      containers: [
        {
          name: 'dns',
          ports: [
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
            { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          ],
        },
      ],
    },
    status: { podIP: c.dnsBackendIP, phase: 'Running' },
  };
}

export class PolicySync {
  private unwatch: Unsubscribe | undefined;
  /** Holds every policy, audit-mode ones included, for AUDIT flow verdicts. */
  auditEngine: PolicyEngine | undefined;
  private readonly auditPolicies = new Set<string>();
  /** Addresses of local sandboxes, for pod events that arrive before the pod's status carries one. */
  private readonly sandboxIPs = new Map<string, string>();
  /** The store revision whose changes the engine and the datapath have applied (`porin policy wait`). */
  appliedRevision = 0;
  /** Told how long each policy-driven regeneration took (seconds), for the regeneration histogram. */
  onRegeneration: ((seconds: number) => void) | undefined;

  constructor(
    private readonly store: ObjectStore,
    readonly engine: PolicyEngine,
    private readonly endpoints: EndpointManager | undefined,
    private readonly config: ClusterConfig,
    private readonly log: (m: string) => void,
  ) {}

  /** Loads every object before the first datapath write (no window where a half-known cluster is enforced). */
  async start(): Promise<void> {
    // Lists in dependency order; the watch starts at the first list's revision, so nothing in between is
    // missed (events replayed on top of later lists are idempotent upserts).
    const kinds = [
      'Namespace',
      'Node',
      'Pod',
      'Service',
      'EndpointSlice',
      'NetworkPolicy',
      'CiliumNetworkPolicy',
      'CiliumClusterwideNetworkPolicy',
    ] as const;
    this.apply(false, dnsEndpoint(this.config));
    let from: string | undefined;
    for (const kind of kinds) {
      const list = await this.store.list(kind);
      from ??= list.resourceVersion;
      for (const o of list.items) this.apply(false, o);
    }
    this.appliedRevision = Number(from ?? 0);
    this.unwatch = this.store.watch({}, from, (ev) => {
      try {
        if (ev.object.kind !== 'Deployment') this.onEvent(ev.type, ev.object);
      } catch (e) {
        this.log(
          `policy: ${ev.type} ${ev.object.kind} ${ev.object.metadata.name}: ${(e as Error).stack ?? e}`,
        );
      }
      this.appliedRevision = Math.max(this.appliedRevision, Number(ev.object.metadata.resourceVersion ?? 0));
    });
  }

  /**
   * Applies a change to the engines. A policy in audit mode (annotation `porin.io/audit-mode: "true"`)
   * reaches only the audit engine: the enforcing engine (and so the datapath) never sees it.
   */
  private apply(deleted: boolean, object: Resource): ChangeSummary {
    const o = this.withAddress(object);
    if (isPolicy(o)) {
      const k = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (!deleted && isAuditMode(o.metadata.annotations)) this.auditPolicies.add(k);
      else this.auditPolicies.delete(k);
    }
    if (this.auditEngine) {
      if (deleted) this.auditEngine.remove(o);
      else this.auditEngine.upsert(o);
    }
    if (deleted || (isPolicy(o) && isAuditMode(o.metadata.annotations))) return this.engine.remove(o);
    return this.engine.upsert(o);
  }

  private onEvent(type: string, object: Resource): void {
    const ev = { type, object };
    {
      const t0 = performance.now();
      const changes = this.apply(ev.type === 'DELETED', ev.object);
      if (changes.endpoints.length > 0) {
        this.endpoints?.apply(changes.endpoints);
        const ms = performance.now() - t0;
        this.onRegeneration?.(ms / 1000);
        if (isPolicy(ev.object))
          this.log(
            `policy ${ev.type.toLowerCase()} ${ev.object.kind} ${ev.object.metadata.name}: ${changes.endpoints.length} endpoint(s) updated in ${ms.toFixed(1)} ms`,
          );
      }
    }
  }

  private withAddress(o: Resource): Resource {
    if (o.kind !== 'Pod') return o;
    const ip = this.sandboxIPs.get(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`);
    if (!ip || o.status?.podIP === ip) return o;
    return { ...o, status: { ...(o.status ?? {}), podIP: ip, podIPs: [{ ip }] } };
  }

  /** Is this policy in audit mode? */
  isAudit(p: { kind: string; namespace?: string; name: string }): boolean {
    return this.auditPolicies.has(`${p.kind}/${p.namespace ?? ''}/${p.name}`);
  }

  /** Called by the runtime once a pod's sandbox has its address, before its containers start. */
  sandboxReady(pod: Pod, rec: SandboxRecord): void {
    // The store learns the address only after readiness; the engine needs it now.
    this.sandboxIPs.set(`${rec.namespace}/${rec.name}`, rec.ip!);
    const changes = this.apply(false, pod);
    if (!this.endpoints) return;
    const key = `${rec.namespace}/${rec.name}`;
    this.endpoints.ready(key, hostVethName(rec.uid), rec.ip!);
    this.endpoints.apply(changes.endpoints.filter((k) => k !== key));
  }

  sandboxGone(rec: SandboxRecord): void {
    this.sandboxIPs.delete(`${rec.namespace}/${rec.name}`);
    this.endpoints?.removed(`${rec.namespace}/${rec.name}`);
  }

  stop(): void {
    this.unwatch?.();
  }
}

export function isPolicy(r: Resource): boolean {
  return (
    r.kind === 'NetworkPolicy' ||
    r.kind === 'CiliumNetworkPolicy' ||
    r.kind === 'CiliumClusterwideNetworkPolicy'
  );
}
