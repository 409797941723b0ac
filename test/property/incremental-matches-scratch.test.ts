// Property: after any sequence of changes, the engine's incrementally maintained result equals a fresh engine's.
//
// The key check of incremental recomputation. Changes: pod label, port and address changes, pod
// create/delete, namespace label changes and create/delete, policy create/replace/delete; a second
// property holds the policies still and churns only pods and namespaces, where identities, selections,
// addresses and named ports move under resolved policies. Three ways of looking, because caches hide
// bugs differently:
//   every-step  compare after every change, and keep a "datapath" copy of each endpoint's policy that
//               is refreshed only for the endpoints a change summary names: a summary that forgets an
//               endpoint leaves a stale copy, which the comparison catches;
//   lazy        resolve only the pods a `query` step names, compare once at the end (selector-cache
//               entries come and go with partial resolution);
//   summaries   refresh the datapath copy from summaries only, compare once at the end.
import { test } from 'node:test';
import fc from 'fast-check';
import type { EndpointPolicy } from '../../src/policy/resolve-endpoint.js';
import type { Resource } from '../../src/resources/types/index.js';
import {
  type AnyPolicy,
  type Cluster,
  clusterArb,
  endpointOpArb,
  namedPortPoliciesArb,
  type Op,
  opArb,
  policiesArb,
} from './arbitraries.js';
import { ClusterModel } from './cluster-model.js';
import { assertSameEngines, assertSameTable, check, decisionTable, engineOf } from './verdict-table.js';

type Mode = 'every-step' | 'lazy' | 'summaries';
const modeArb = fc.constantFrom<Mode>('every-step', 'lazy', 'summaries');

/** Applies `ops` to an engine built from the initial state, comparing it with fresh engines as `mode` says. */
function replay(cluster: Cluster, policies: AnyPolicy[], ops: Op[], mode: Mode): void {
  const model = new ClusterModel(cluster, policies);
  const engine = engineOf(model.resources());
  const datapath = new Map<string, EndpointPolicy>();
  if (mode !== 'lazy') for (const ep of engine.listEndpoints()) datapath.set(ep.key, engine.policyOf(ep.key));
  const log: string[] = [`initial: ${model.resources().map(describeResource).join('\n  ')}`];
  const compare = () => {
    const what = `after\n${log.join('\n')}\n`;
    const fresh = engineOf(model.resources());
    assertSameEngines(fresh, engine, what);
    if (mode !== 'lazy') {
      const held = decisionTable(engine, (k) => datapath.get(k));
      assertSameTable(decisionTable(fresh), held, `${what}: datapath copy kept current by change summaries`);
    }
  };
  ops.forEach((op, step) => {
    log.push(`${step}: ${describeOp(op)}`);
    for (const call of model.apply(op)) {
      const summary = 'upsert' in call ? engine.upsert(call.upsert) : engine.remove(call.remove);
      if (mode === 'lazy') continue;
      for (const k of summary.endpoints) {
        if (engine.endpoint(k)) datapath.set(k, engine.policyOf(k));
        else datapath.delete(k);
      }
    }
    if (op.kind === 'query') for (const p of op.pods) if (engine.endpoint(p)) engine.policyOf(p);
    if (mode === 'every-step') compare();
  });
  if (mode !== 'every-step') compare();
}

test('incremental recomputation equals a fresh engine given the final state', () => {
  check(
    fc.property(
      clusterArb,
      policiesArb(4),
      fc.array(opArb, { minLength: 1, maxLength: 25 }),
      modeArb,
      replay,
    ),
    80,
  );
});

test('pod and namespace churn under fixed policies: incremental equals a fresh engine', () => {
  check(
    fc.property(
      clusterArb,
      policiesArb(6),
      fc.array(endpointOpArb, { minLength: 1, maxLength: 20 }),
      modeArb,
      replay,
    ),
    60,
  );
});

test('named ports under pod churn: incremental equals a fresh engine', () => {
  check(
    fc.property(
      clusterArb,
      namedPortPoliciesArb(4),
      fc.array(endpointOpArb, { minLength: 1, maxLength: 20 }),
      modeArb,
      replay,
    ),
    50,
  );
});

function describeOp(op: Op): string {
  switch (op.kind) {
    case 'policy-upsert':
      return `policy-upsert ${JSON.stringify(op.policy)}`;
    default:
      return JSON.stringify(op);
  }
}

function describeResource(r: Resource): string {
  switch (r.kind) {
    case 'Namespace':
      return `ns ${r.metadata.name} ${JSON.stringify(r.metadata.labels)}`;
    case 'Pod':
      return `pod ${r.metadata.namespace}/${r.metadata.name} ${JSON.stringify(r.metadata.labels)} ip=${r.status?.podIP} ports=${r.spec.containers.map((c) => c.ports?.[0]?.name).join(',')}`;
    default:
      return JSON.stringify(r);
  }
}
