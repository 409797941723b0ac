// A private policy engine over the cluster's objects, for what-if questions: "with this policy too", then put back.
//
// It is built from the same objects the agent's enforcing engine reads (audit-mode policies left
// out), rebuilt when the store's revision moves. Identity numbers are its own: callers match flows to
// its endpoints by pod name and labels, never by the agent's identity numbers.
import { PolicyEngine as Engine, type PolicyEngine, type PolicyEngineOptions } from '../policy/index.js';
import {
  type CiliumNetworkPolicy,
  type NetworkPolicy,
  type Resource,
  resourceKey,
} from '../resources/index.js';

export interface ClusterSnapshot {
  revision: string;
  objects: readonly Resource[];
}

export type PolicyObject = NetworkPolicy | CiliumNetworkPolicy;

export function isPolicyObject(r: Resource): r is PolicyObject {
  return (
    r.kind === 'NetworkPolicy' ||
    r.kind === 'CiliumNetworkPolicy' ||
    r.kind === 'CiliumClusterwideNetworkPolicy'
  );
}

export class WhatIfEngine {
  private cached: { revision: string; engine: PolicyEngine } | undefined;
  private building: Promise<PolicyEngine> | undefined;

  constructor(
    private readonly snapshot: () => Promise<ClusterSnapshot>,
    private readonly options: PolicyEngineOptions = {},
  ) {}

  /** The engine for the cluster as it is now. */
  async current(): Promise<PolicyEngine> {
    if (this.building) return this.building;
    this.building = (async () => {
      const snap = await this.snapshot();
      if (this.cached?.revision === snap.revision) return this.cached.engine;
      const engine = new Engine({ deploymentsAsPods: false, ...this.options });
      for (const o of snap.objects) engine.upsert(o);
      this.cached = { revision: snap.revision, engine };
      return engine;
    })();
    try {
      return await this.building;
    } finally {
      this.building = undefined;
    }
  }

  /**
   * Runs `fn` on the engine with `policy` applied over the current set (or removed, with `remove`), then
   * restores the set. `fn` is synchronous, so nothing else sees the edited engine.
   */
  async with<T>(policy: PolicyObject, fn: (engine: PolicyEngine) => T, remove = false): Promise<T> {
    const engine = await this.current();
    return applied(engine, policy, remove, () => fn(engine));
  }

  /** `fn` on the current set, then on the set with `policy` (before, after). */
  async compare<T>(policy: PolicyObject, fn: (engine: PolicyEngine) => T, remove = false): Promise<[T, T]> {
    const engine = await this.current();
    const before = fn(engine);
    const after = applied(engine, policy, remove, () => fn(engine));
    return [before, after];
  }
}

function applied<T>(engine: PolicyEngine, policy: PolicyObject, remove: boolean, fn: () => T): T {
  const key = resourceKey(policy);
  const original = engine.policyResources().find((p) => resourceKey(p) === key);
  if (remove) engine.remove(policy);
  else engine.upsert(policy);
  try {
    return fn();
  } finally {
    if (original) engine.upsert(original);
    else engine.remove(policy);
  }
}
