// Policy engine benchmark: load and resolve a 50,000-pod cluster, policy churn latency, memory per pod, verdict lookups.
import { performance } from 'node:perf_hooks';
import type { Remote } from '../src/policy/direction-policy.js';
import { PolicyEngine } from '../src/policy/engine.js';
import type { EndpointPolicy } from '../src/policy/resolve-endpoint.js';
import type { BenchOptions, Measurement } from './measurement.js';
import {
  FULL_SIZE,
  LOCAL_NODE,
  namespaces,
  nodes,
  pods,
  policies,
  QUICK_SIZE,
  Rng,
} from './synthetic-cluster.js';

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function policyBench({ quick, log }: BenchOptions): Promise<Measurement[]> {
  const size = quick ? QUICK_SIZE : FULL_SIZE;
  const totalPods = size.nodes * size.podsPerNode;
  const churnOps = quick ? 40 : 200;
  /** Churn stops early when it takes longer than this (a slow engine must not hold the run for hours). */
  const churnBudgetMs = quick ? 20_000 : 60_000;
  const lookups = quick ? 500_000 : 4_000_000;
  log(
    `cluster: ${totalPods} pods on ${size.nodes} nodes (${size.podsPerNode} per node, local ${LOCAL_NODE}), ` +
      `${size.namespaces} namespaces, ${size.namespaces * size.labelSetsPerNamespace} label sets, ${size.policies} policies`,
  );
  const out: Measurement[] = [];

  // (1) load, then resolve the local node's endpoints from scratch. Input objects are generated on the
  // fly and only the engine keeps them, so the memory figure below is what the engine holds.
  collectGarbage();
  const heapBaseline = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const engine = new PolicyEngine({ cluster: 'default', localNode: LOCAL_NODE });
  for (const ns of namespaces(size)) engine.upsert(ns);
  for (const n of nodes(size)) engine.upsert(n);
  const local: string[] = [];
  for (const pod of pods(size, 1)) {
    engine.upsert(pod);
    if (pod.spec.nodeName === LOCAL_NODE) local.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
  }
  const tPods = performance.now();
  for (const p of policies(size, size.policies, 2)) engine.upsert(p);
  const tLoad = performance.now();
  collectGarbage();
  const heapLoaded = process.memoryUsage().heapUsed;
  const tResolveStart = performance.now();
  const resolved: EndpointPolicy[] = local.map((k) => engine.policyOf(k));
  const tResolve = performance.now();
  const entries = resolved.reduce((n, p) => n + p.ingress.entries.length + p.egress.entries.length, 0);
  log(
    `loaded in ${(tLoad - t0).toFixed(0)} ms (pods ${(tPods - t0).toFixed(0)} ms, policies ${(tLoad - tPods).toFixed(0)} ms); ` +
      `${engine.identities.size} identities, ${engine.selectors.size} cached selectors; ` +
      `resolved ${local.length} local endpoints in ${(tResolve - tResolveStart).toFixed(0)} ms, ${entries} entries (${(entries / local.length).toFixed(0)} per endpoint)`,
  );
  out.push({ name: 'load cluster state (pods + policies)', value: tLoad - t0, unit: 'ms' });
  out.push({
    name: `resolve ${local.length} local endpoints from scratch`,
    value: tResolve - tResolveStart,
    unit: 'ms',
    target: { kind: 'max', value: 1000 },
  });

  // (3) memory, measured now: after load and resolution, before churn adds anything.
  collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  const perPod = (heapAfter - heapBaseline) / 1024 / totalPods;
  log(
    `heap: baseline ${mib(heapBaseline)}, after load ${mib(heapLoaded)} (cluster state ${mib(heapLoaded - heapBaseline)}), ` +
      `after resolution ${mib(heapAfter)} (resolved policies ${mib(heapAfter - heapLoaded)})`,
  );

  // (2) churn: add a policy, re-resolve the affected local endpoints; remove it, again.
  const localSet = new Set(local);
  const churn = policies(size, churnOps + 10, 3, 'churn');
  const addMs: number[] = [];
  const slowest: { ms: number; what: string }[] = [];
  const removeMs: number[] = [];
  let affectedLocal = 0;
  let affectedAll = 0;
  const churnStart = performance.now();
  for (const [i, p] of churn.entries()) {
    if (performance.now() - churnStart > churnBudgetMs) break;
    const a0 = performance.now();
    const added = engine.upsert(p);
    for (const k of added.endpoints) if (localSet.has(k)) engine.policyOf(k);
    const a1 = performance.now();
    const removed = engine.remove(p);
    for (const k of removed.endpoints) if (localSet.has(k)) engine.policyOf(k);
    const a2 = performance.now();
    if (i < 10) continue; // warm-up
    addMs.push(a1 - a0);
    removeMs.push(a2 - a1);
    affectedAll += added.endpoints.length;
    const localCount = added.endpoints.filter((k) => localSet.has(k)).length;
    affectedLocal += localCount;
    slowest.push({ ms: a1 - a0, what: `${p.kind} ${p.metadata.name} (${localCount} local endpoints)` });
  }
  const samples = addMs.length;
  if (samples < churnOps)
    log(
      `churn: time budget of ${churnBudgetMs / 1000} s spent after ${samples} of ${churnOps} add/remove pairs`,
    );
  addMs.sort((a, b) => a - b);
  slowest.sort((a, b) => b.ms - a.ms);
  log(
    `slowest adds: ${slowest
      .slice(0, 3)
      .map((x) => `${x.what} ${x.ms.toFixed(0)} ms`)
      .join('; ')}`,
  );
  removeMs.sort((a, b) => a - b);
  log(
    `churn: ${samples} adds + ${samples} removes; per add on average ${(affectedAll / samples).toFixed(0)} endpoints affected, ` +
      `${(affectedLocal / samples).toFixed(1)} local; max add ${addMs.at(-1)!.toFixed(1)} ms, max remove ${removeMs.at(-1)!.toFixed(1)} ms`,
  );
  out.push({
    name: 'policy add → local endpoints re-resolved, p50',
    value: percentile(addMs, 50),
    unit: 'ms',
  });
  out.push({
    name: 'policy add → local endpoints re-resolved, p99',
    value: percentile(addMs, 99),
    unit: 'ms',
    target: { kind: 'max', value: 50 },
  });
  out.push({
    name: 'policy remove → local endpoints re-resolved, p50',
    value: percentile(removeMs, 50),
    unit: 'ms',
  });
  out.push({
    name: 'policy remove → local endpoints re-resolved, p99',
    value: percentile(removeMs, 99),
    unit: 'ms',
    target: { kind: 'max', value: 50 },
  });
  out.push({
    name: 'memory per cluster pod (heap after load + resolve − baseline)',
    value: perPod,
    unit: 'KiB',
    target: { kind: 'max', value: 10 },
  });

  // (4) verdict lookups on random (remote identity, port), against a plain Map lookup on the same keys.
  const rng = new Rng(4);
  const remotesById = new Map<number, Remote>();
  for (const ep of engine.listEndpoints({ includeNodes: true }))
    if (!remotesById.has(ep.identity.id)) remotesById.set(ep.identity.id, engine.remoteForEndpoint(ep));
  for (const id of engine.identities.all())
    if (!remotesById.has(id.id)) remotesById.set(id.id, { identity: id.id });
  const remotes = [...remotesById.values()];
  const policiesNow = local.map((k) => engine.policyOf(k));
  const PORTS = [8080, 9090, 5432, 443, 53, 22, 80];
  const Q = 1 << 16;
  const qPolicy = new Uint16Array(Q);
  const qRemote = new Uint32Array(Q);
  const qPort = new Uint16Array(Q);
  const qIngress = new Uint8Array(Q);
  for (let i = 0; i < Q; i++) {
    qPolicy[i] = rng.int(policiesNow.length);
    qRemote[i] = rng.int(remotes.length);
    qPort[i] = rng.chance(0.8) ? rng.pick(PORTS) : 1 + rng.int(65535);
    qIngress[i] = rng.chance(0.5) ? 1 : 0;
  }
  const lookupLoop = (n: number): [number, number] => {
    let denied = 0;
    const s = performance.now();
    for (let i = 0; i < n; i++) {
      const q = i & (Q - 1);
      const p = policiesNow[qPolicy[q]!]!;
      const d = (qIngress[q] ? p.ingress : p.egress).decide(remotes[qRemote[q]!]!, 6, qPort[q]!);
      if (d.verdict === 'denied') denied++;
    }
    return [performance.now() - s, denied];
  };
  lookupLoop(Math.min(lookups / 10, 200_000)); // warm-up
  const [lookupMs, denied] = lookupLoop(lookups);
  // Baseline: one Map per local endpoint and direction, keyed identity × port, built from the same keys.
  const maps = policiesNow.map(() => [new Map<number, number>(), new Map<number, number>()] as const);
  for (let i = 0; i < Q; i++)
    maps[qPolicy[i]!]![qIngress[i]!]!.set(remotes[qRemote[i]!]!.identity * 65536 + qPort[i]!, i & 1);
  const baselineLoop = (n: number): [number, number] => {
    let hits = 0;
    const s = performance.now();
    for (let i = 0; i < n; i++) {
      const q = i & (Q - 1);
      hits += maps[qPolicy[q]!]![qIngress[q]!]!.get(remotes[qRemote[q]!]!.identity * 65536 + qPort[q]!) ?? 0;
    }
    return [performance.now() - s, hits];
  };
  baselineLoop(Math.min(lookups / 10, 200_000));
  const [baselineMs, hits] = baselineLoop(lookups);
  log(
    `lookups: ${lookups} decisions in ${lookupMs.toFixed(0)} ms (${((100 * denied) / lookups).toFixed(0)} % denied); baseline ${baselineMs.toFixed(0)} ms (${hits} hits)`,
  );
  out.push({
    name: 'verdict lookups (DirectionPolicy.decide)',
    value: lookups / (lookupMs / 1000),
    unit: '/s',
    target: { kind: 'min', value: 1_000_000 },
    baseline: { name: 'Map.get', value: lookups / (baselineMs / 1000) },
  });
  return out;
}
