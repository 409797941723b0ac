// Feeds the policy engine from the store and the datapath from the engine: every change, incrementally.

import type { SandboxRecord } from '../cluster/runtime/index.js';
import type { ObjectStore, Unsubscribe } from '../cluster/store/index.js';
import { hostVethName } from '../cni/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { EndpointFailure, EndpointManager } from '../endpoints/index.js';
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

/** The kinds the policy engine reads, in the order a full load applies them (dependencies first). */
const POLICY_KINDS = [
  'Namespace',
  'Node',
  'Pod',
  'Service',
  'EndpointSlice',
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
] as const;
const POLICY_INPUT: ReadonlySet<string> = new Set(POLICY_KINDS);

export class PolicySync {
  private unwatch: Unsubscribe | undefined;
  /** Holds every policy, audit-mode ones included, for AUDIT flow verdicts. */
  auditEngine: PolicyEngine | undefined;
  private readonly auditPolicies = new Set<string>();
  /** Addresses of local sandboxes, for pod events that arrive before the pod's status carries one. */
  private readonly sandboxIPs = new Map<string, string>();
  /** The newest store revision the engine has seen. */
  private seenRevision = 0;
  /**
   * Endpoints (or `engine`, when the engine itself threw) whose policy the kernel does not hold, with the
   * store revision of the first change that failed. They keep enforcing their previous policy.
   */
  private readonly failures = new Map<string, { error: string; revision: number; cause: string }>();
  /** Told how long each policy-driven regeneration took (seconds), for the regeneration histogram. */
  onRegeneration: ((seconds: number) => void) | undefined;
  /** Told of every change that reached the engine: whether the kernel now holds it, and if not, why. */
  onOutcome: ((outcome: PolicyOutcome) => void) | undefined;
  /** Told after every change that reached the engine (the L7 proxy's feed follows). */
  onApplied: ((revision: number) => void) | undefined;

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
    this.apply(false, dnsEndpoint(this.config));
    let from: string | undefined;
    for (const kind of POLICY_KINDS) {
      const list = await this.store.list(kind);
      from ??= list.resourceVersion;
      for (const o of list.items) this.apply(false, o);
    }
    this.seenRevision = Number(from ?? 0);
    this.unwatch = this.store.watch({}, from, (ev) => {
      const revision = Number(ev.object.metadata.resourceVersion ?? 0);
      if (POLICY_INPUT.has(ev.object.kind)) {
        try {
          this.onEvent(ev.type, ev.object, revision);
          this.failures.delete('engine');
        } catch (e) {
          // The engine threw half-way: what it holds is unknown, so nothing from here on counts as applied.
          const error = `${ev.type} ${ev.object.kind} ${ev.object.metadata.name}: ${(e as Error).message}`;
          this.log(`policy: ${(e as Error).stack ?? error}`);
          this.failures.set('engine', {
            error,
            revision: this.failures.get('engine')?.revision ?? revision,
            cause: describe(ev.object),
          });
          this.onOutcome?.({ object: ev.object, revision, failures: [{ key: 'engine', error }] });
        }
      }
      this.seenRevision = Math.max(this.seenRevision, revision);
      if (POLICY_INPUT.has(ev.object.kind)) this.onApplied?.(this.seenRevision);
    });
  }

  /**
   * The store revision whose changes the kernel holds (the barrier `porin apply` waits for): the newest
   * revision seen, unless a change failed to reach the kernel — then the revision just before it, until
   * the failure is resolved. Never advanced on a failed write.
   */
  get appliedRevision(): number {
    let first = Number.POSITIVE_INFINITY;
    for (const f of this.failures.values()) first = Math.min(first, f.revision);
    return Number.isFinite(first) ? Math.min(this.seenRevision, first - 1) : this.seenRevision;
  }

  /** What is not enforced, for status, the API and `porin apply`. */
  failing(): PolicyFailure[] {
    return [...this.failures].map(([key, f]) => ({ key, ...f }));
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

  private onEvent(type: string, object: Resource, revision: number): void {
    const ev = { type, object };
    {
      const t0 = performance.now();
      const changes = this.apply(ev.type === 'DELETED', ev.object);
      // Endpoints that failed earlier are retried with every change (another change may have made room).
      const retry = [...this.failures.keys()].filter((k) => k !== 'engine' && !changes.endpoints.includes(k));
      const touched = [...changes.endpoints, ...retry];
      if (touched.length > 0) {
        this.record(this.endpoints?.apply(touched) ?? [], touched, object, revision);
        const ms = performance.now() - t0;
        this.onRegeneration?.(ms / 1000);
        if (isPolicy(ev.object))
          this.log(
            `policy ${ev.type.toLowerCase()} ${ev.object.kind} ${ev.object.metadata.name}: ${changes.endpoints.length} endpoint(s) updated in ${ms.toFixed(1)} ms`,
          );
      }
    }
  }

  /** Failures replace the previous state of every endpoint this change touched. */
  private record(
    failed: EndpointFailure[],
    touched: readonly string[],
    object: Resource,
    revision: number,
  ): void {
    const now = new Map(failed.map((f) => [f.key, f.error]));
    for (const key of touched) {
      const error = now.get(key);
      if (error === undefined) this.failures.delete(key);
      else
        this.failures.set(key, {
          error,
          revision: this.failures.get(key)?.revision ?? revision,
          cause: this.failures.get(key)?.cause ?? describe(object),
        });
    }
    this.onOutcome?.({ object, revision, failures: failed });
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
    const others = changes.endpoints.filter((k) => k !== key);
    this.record(this.endpoints.apply(others), others, pod, this.seenRevision);
    this.onApplied?.(this.seenRevision);
  }

  sandboxGone(rec: SandboxRecord): void {
    this.sandboxIPs.delete(`${rec.namespace}/${rec.name}`);
    this.endpoints?.removed(`${rec.namespace}/${rec.name}`);
    this.onApplied?.(this.seenRevision);
  }

  stop(): void {
    this.unwatch?.();
  }
}

/** A change that reached the engine, and which endpoints' kernel policy it could not write. */
export interface PolicyOutcome {
  object: Resource;
  revision: number;
  failures: EndpointFailure[];
}

export interface PolicyFailure {
  /** `namespace/pod`, or `engine` */
  key: string;
  error: string;
  /** Store revision of the first change that failed for this key. */
  revision: number;
  /** The object whose change failed, e.g. `CiliumNetworkPolicy default/rule1`. */
  cause: string;
}

function describe(o: Resource): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function isPolicy(r: Resource): boolean {
  return (
    r.kind === 'NetworkPolicy' ||
    r.kind === 'CiliumNetworkPolicy' ||
    r.kind === 'CiliumClusterwideNetworkPolicy'
  );
}
