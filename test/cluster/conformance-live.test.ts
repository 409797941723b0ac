// The upstream Kubernetes e2e NetworkPolicy cases and random policies, on real traffic through the eBPF
// datapath: every probe must match upstream's expectation AND the policy engine's verdict (differential).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { AgentClient } from '../../src/api/index.js';
import { PolicyEngine, policyMatrix } from '../../src/policy/index.js';
import { type NetworkPolicy, type Resource, validateResource } from '../../src/resources/index.js';
import { NetpolHarness, registration, UPSTREAM_BODIES } from '../conformance/harness.js';
import {
  ALL_PODS,
  compare,
  formatMismatches,
  type MatrixRow,
  type Reachability,
} from '../conformance/model.js';
import { policyArb } from '../property/arbitraries.js';
import { ClusterHarness } from './cluster-harness.js';

const root = process.getuid?.() === 0;

// Collect the upstream case bodies (the modules' engine tests are not registered again here).
registration.recordOnly = true;
for (const m of ['k8s-e2e-selectors', 'k8s-e2e-updates', 'k8s-e2e-egress-ipblock', 'k8s-e2e-udp-sctp']) {
  await import(`../conformance/${m}.test.js`);
}

type Op =
  | { kind: 'apply'; object: Resource }
  | { kind: 'delete'; object: Resource }
  | { kind: 'clean' }
  | {
      kind: 'validate';
      port: number;
      protocol: string;
      expected: Reachability;
      engine: { results: MatrixRow[] };
      step: string;
    };

/** Runs a case body on the engine-backed harness and records every step, with the engine's matrix at each probe. */
class RecordingHarness extends NetpolHarness {
  readonly ops: Op[] = [];
  override createPolicy(policy: NetworkPolicy): void {
    super.createPolicy(policy);
    this.ops.push({ kind: 'apply', object: policy });
  }
  override updatePolicy(policy: NetworkPolicy): void {
    super.updatePolicy(policy);
    this.ops.push({ kind: 'apply', object: policy });
  }
  override deletePolicy(policy: NetworkPolicy): void {
    super.deletePolicy(policy);
    this.ops.push({ kind: 'delete', object: policy });
  }
  override cleanNetworkPolicies(): void {
    super.cleanNetworkPolicies();
    this.ops.push({ kind: 'clean' });
  }
  override addNamespaceLabel(ns: string, key: string, value: string): void {
    super.addNamespaceLabel(ns, key, value);
    this.ops.push({ kind: 'apply', object: this.namespaces.get(ns)! });
  }
  override addPodLabels(pod: string, labels: Record<string, string>): void {
    super.addPodLabels(pod, labels);
    const p = this.pods.get(pod);
    if (p) this.ops.push({ kind: 'apply', object: p });
  }
  override validate(
    port: number,
    protocol: Parameters<NetpolHarness['validate']>[1],
    expected: Reachability,
    step = '',
  ): void {
    const engine = policyMatrix(this.engine, { ports: [{ port, protocol }] }) as { results: MatrixRow[] };
    this.ops.push({ kind: 'validate', port, protocol, expected, engine, step });
  }
}

const strip = (r: Resource): Resource => {
  const { status: _s, ...rest } = r as Resource & { status?: unknown };
  const m = { ...rest.metadata };
  delete m.resourceVersion;
  delete m.uid;
  delete m.creationTimestamp;
  return { ...rest, metadata: m } as Resource;
};

describe('live conformance: upstream e2e cases and random policies through the eBPF datapath', {
  skip: !root && 'needs root',
}, () => {
  const h = new ClusterHarness();
  let client: AgentClient;
  let baseline: Resource[] = [];

  before(async () => {
    await h.ok(['up', '-f', 'examples/netpol-model']);
    client = new AgentClient(`${h.runDir}/agent.sock`);
    const nss = (await client.list('Namespace')).items.filter((n) =>
      ['x', 'y', 'z'].includes(n.metadata.name),
    );
    const pods = (await client.list('Pod')).items.filter((p) =>
      ['x', 'y', 'z'].includes(p.metadata.namespace ?? ''),
    );
    baseline = [...nss, ...pods].map(strip);
    assert.equal(pods.length, 9);
  });
  after(() => h.cleanup());

  /** Removes every policy and restores the model's labels; waits until the datapath has applied it. */
  async function reset(): Promise<void> {
    const policies = [
      ...(await client.list('NetworkPolicy')).items,
      ...(await client.list('CiliumNetworkPolicy')).items,
      ...(await client.list('CiliumClusterwideNetworkPolicy')).items,
    ];
    await remove(policies);
    await apply(baseline);
  }

  /** Waits until the agent has applied every store change up to `rv` to the engine and the datapath. */
  async function converge(objects: readonly Resource[]): Promise<void> {
    const rv = Math.max(0, ...objects.map((o) => Number(o.metadata.resourceVersion ?? 0)));
    const deadline = Date.now() + 10_000;
    while ((await client.request<{ revision: number }>('GET', '/v1/policy/revision')).revision < rv) {
      if (Date.now() > deadline) throw new Error(`the agent did not apply revision ${rv} within 10 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function apply(objects: Resource[]): Promise<Resource[]> {
    const res = await client.apply(objects);
    const stored = res.results.map((r) => r.object);
    await converge(stored);
    return stored;
  }

  async function remove(objects: readonly Resource[]): Promise<void> {
    if (objects.length === 0) return;
    const deleted = await client.delete(
      objects.map((p) => ({ kind: p.kind, namespace: p.metadata.namespace, name: p.metadata.name })) as never,
      { ignoreNotFound: true },
    );
    await converge(deleted);
  }

  async function probe(port: number, protocol: string): Promise<{ results: MatrixRow[] }> {
    return JSON.parse(
      await h.ok(['probe', '--ports', `${port}/${protocol}`, '--timeout', '800', '-o', 'json']),
    ) as { results: MatrixRow[] };
  }

  it('every upstream case matches upstream expectations and the engine on real traffic', async () => {
    const failures: string[] = [];
    let probes = 0;
    let skippedSctp = 0;
    const cases = UPSTREAM_BODIES.filter(
      (c, i, all) => all.findIndex((d) => d.name === c.name && d.context === c.context) === i,
    );
    assert.ok(cases.length >= 48, `found ${cases.length} upstream cases`);
    for (const c of cases) {
      const rec = new RecordingHarness(c.name, { name: 'model-9pods', pods: ALL_PODS });
      c.body(rec);
      await reset();
      for (const op of rec.ops) {
        if (op.kind === 'apply') await apply([strip(op.object)]);
        else if (op.kind === 'delete') await remove([op.object]);
        else if (op.kind === 'clean') await remove((await client.list('NetworkPolicy')).items);
        else {
          if (op.protocol === 'SCTP') {
            skippedSctp++;
            continue;
          }
          probes++;
          const live = await probe(op.port, op.protocol);
          const vsUpstream = compare(live, op.expected, op.port, op.protocol as 'TCP');
          if (vsUpstream.length)
            failures.push(
              `${c.name} ${op.step} ${op.port}/${op.protocol} vs upstream:\n${formatMismatches(vsUpstream)}`,
            );
          const engineRows = new Map(op.engine.results.map((r) => [`${r.from}>${r.to}`, r.verdict]));
          const diff = live.results.filter(
            (r) => !r.loopback && engineRows.get(`${r.from}>${r.to}`) !== r.verdict,
          );
          if (diff.length)
            failures.push(
              `${c.name} ${op.step} ${op.port}/${op.protocol} vs engine: ${diff.map((d) => `${d.from}->${d.to} live ${d.verdict}`).join(', ')}`,
            );
        }
      }
    }
    assert.ok(
      probes > 40,
      `only ${probes} probes ran (${skippedSctp} SCTP probes cannot run on this kernel)`,
    );
    assert.deepEqual(failures, [], `${failures.length} disagreement(s) over ${probes} probes`);
  });

  it('random policies: the datapath agrees with the engine on every pair and port', async () => {
    const batches = fc.sample(fc.array(policyArb, { minLength: 1, maxLength: 3 }), {
      numRuns: 40,
      seed: 20261127,
    });
    const disagreements: string[] = [];
    let tried = 0;
    for (const [i, batch] of batches.entries()) {
      // L7 rules need the proxy (a later issue): the datapath fails closed on them, so leave them out here.
      // Only what the apiserver/Cilium would accept (the generator also makes objects validation rejects).
      const policies = batch
        .filter((p) => !JSON.stringify(p).includes('"rules"'))
        .map((p, j) => ({ ...p, metadata: { ...p.metadata, name: `rnd-${i}-${j}` } }) as Resource)
        .filter((p) =>
          validateResource(p, { source: { file: 'random', document: 1 }, namespace: 'x' }).issues.every(
            (x) => x.severity !== 'error',
          ),
        );
      if (policies.length === 0 || tried >= 10) continue;
      tried++;
      await reset();
      const applied = await apply(policies);
      const engine = new PolicyEngine({ deploymentsAsPods: false });
      const live = [...(await client.list('Namespace')).items, ...(await client.list('Pod')).items].filter(
        (o) => o.kind === 'Namespace' || ['x', 'y', 'z'].includes(o.metadata.namespace ?? ''),
      );
      for (const o of [...live, ...applied]) engine.upsert(o);
      for (const port of ['80/TCP', '81/UDP']) {
        const [p, proto] = port.split('/') as [string, 'TCP' | 'UDP'];
        const want = policyMatrix(engine, { ports: [{ port: Number(p), protocol: proto }] });
        const got = await probe(Number(p), proto);
        const rows = new Map(want.results.map((r) => [`${r.from}>${r.to}`, r.verdict]));
        for (const r of got.results) {
          if (!r.loopback && rows.get(`${r.from}>${r.to}`) !== r.verdict)
            disagreements.push(
              `batch ${i} ${port} ${r.from}->${r.to}: live ${r.verdict}, engine ${rows.get(`${r.from}>${r.to}`)}`,
            );
        }
      }
    }
    assert.equal(tried, 10, `only ${tried} valid random batches`);
    assert.deepEqual(disagreements, []);
  });
});
