// Runs an upstream netpol e2e case against Porin's policy engine: model setup, steps, and probe validation.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PolicyEngine } from '../../src/policy/engine.js';
import { policyMatrix } from '../../src/policy/matrix.js';
import type { Namespace, NetworkPolicy, Pod, Protocol } from '../../src/resources/types/index.js';
import {
  ALL_PODS,
  compare,
  formatMismatches,
  type MatrixRow,
  makeNamespace,
  makePod,
  NAMESPACES,
  Reachability,
  renderObserved,
} from './model.js';
import { findUpstreamCase, type UpstreamContext } from './upstream-cases.js';

export interface Topology {
  /** `model-9pods` (9db638c0) or `newest` (008b3652 per-test pods). */
  name: string;
  pods: readonly string[];
}

/** One run of a case on one topology: a fresh engine holding the three namespaces and the topology's pods. */
export class NetpolHarness {
  readonly engine: PolicyEngine;
  readonly topology: Topology;
  readonly caseName: string;
  protected readonly namespaces = new Map<string, Namespace>();
  protected readonly pods = new Map<string, Pod>();
  private readonly policies = new Map<string, NetworkPolicy>();
  private probes = 0;

  constructor(caseName: string, topology: Topology) {
    this.caseName = caseName;
    this.topology = topology;
    this.engine = new PolicyEngine({ cluster: 'default' });
    for (const ns of NAMESPACES) {
      const obj = makeNamespace(ns);
      this.namespaces.set(ns, obj);
      this.engine.upsert(obj);
    }
    for (const pod of topology.pods) {
      const obj = makePod(pod);
      this.pods.set(pod, obj);
      this.engine.upsert(obj);
    }
  }

  /** The pods of this run, in model order. */
  get allPods(): readonly string[] {
    return ALL_PODS.filter((p) => this.topology.pods.includes(p));
  }

  /** CreatePolicy (the namespace is already in the object). */
  createPolicy(policy: NetworkPolicy): void {
    this.policies.set(policyKey(policy), policy);
    this.engine.upsert(policy);
  }

  /** UpdatePolicy: replaces the object of the same namespace/name. */
  updatePolicy(policy: NetworkPolicy): void {
    this.createPolicy(policy);
  }

  deletePolicy(policy: NetworkPolicy): void {
    this.policies.delete(policyKey(policy));
    this.engine.remove(policy);
  }

  /** k8s.cleanNetworkPolicies: deletes every policy of the model namespaces. */
  cleanNetworkPolicies(): void {
    for (const policy of [...this.policies.values()]) this.deletePolicy(policy);
  }

  /** AddNamespaceLabel. */
  addNamespaceLabel(ns: string, key: string, value: string): void {
    const current = this.namespaces.get(ns);
    if (!current) throw new Error(`no namespace ${ns}`);
    const next: Namespace = {
      ...current,
      metadata: { ...current.metadata, labels: { ...current.metadata.labels, [key]: value } },
    };
    this.namespaces.set(ns, next);
    this.engine.upsert(next);
  }

  /** AddPodLabels: merges labels into the pod's labels. Absent pods (smaller topology) are skipped. */
  addPodLabels(pod: string, labels: Record<string, string>): void {
    const current = this.pods.get(pod);
    if (!current) return;
    const next: Pod = {
      ...current,
      metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...labels } },
    };
    this.pods.set(pod, next);
    this.engine.upsert(next);
  }

  /** NewReachability(k8s.AllPodStrings(), true). */
  reachability(): Reachability {
    return new Reachability(this.allPods, true);
  }

  /** ValidateOrFail: probes every pod pair on port/protocol and fails with every mismatching pair. */
  validate(port: number, protocol: Protocol, expected: Reachability, step = ''): void {
    this.probes++;
    const matrix = policyMatrix(this.engine, { ports: [{ port, protocol }] }) as { results: MatrixRow[] };
    const mismatches = compare(matrix, expected, port, protocol);
    if (mismatches.length > 0) {
      assert.fail(
        [
          `${this.caseName}`,
          `topology ${this.topology.name}, probe #${this.probes}${step ? ` (${step})` : ''} on ${port}/${protocol}:`,
          `${mismatches.length} mismatching pair(s) (loopback ignored):`,
          formatMismatches(mismatches),
          'expected:',
          expected.render(),
          'observed:',
          renderObserved(matrix, expected.pods, port, protocol),
        ].join('\n'),
      );
    }
  }
}

function policyKey(p: NetworkPolicy): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

/** The two topologies every upstream case runs on. */
export function topologiesFor(newestPods: readonly string[]): Topology[] {
  return [
    { name: 'model-9pods', pods: ALL_PODS },
    { name: `newest(${newestPods.join(',')})`, pods: newestPods },
  ];
}

/**
 * Registers one `it` named like the upstream case. The body runs once per topology (full 9-pod model, then
 * the newest version's per-test pods) on a fresh engine each time.
 */
/** Every upstream case body, for replaying the same steps against a live cluster (test/cluster). */
export const UPSTREAM_BODIES: { context: UpstreamContext; name: string; body: (h: NetpolHarness) => void }[] =
  [];

/** Set before importing the case modules to collect the bodies without registering engine tests. */
export const registration = { recordOnly: false };

export function upstreamCase(context: UpstreamContext, name: string, body: (h: NetpolHarness) => void): void {
  const c = findUpstreamCase(context, name);
  UPSTREAM_BODIES.push({ context, name, body });
  if (registration.recordOnly) return;
  it(name, () => {
    for (const topology of topologiesFor(c.pods)) body(new NetpolHarness(`[${context}] ${name}`, topology));
  });
}

/** A case that is not in upstream's list (historical variants, extra dimensions): same harness, 9-pod model. */
export function extraCase(name: string, body: (h: NetpolHarness) => void): void {
  it(name, () => body(new NetpolHarness(name, { name: 'model-9pods', pods: ALL_PODS })));
}
