// The manifests in examples/netpol-model/ load into the engine and give the upstream cases' tables.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { PolicyEngine } from '../../src/policy/engine.js';
import { policyMatrix } from '../../src/policy/matrix.js';
import type { Pod, Resource } from '../../src/resources/types/index.js';
import { ALL_PODS, compare, formatMismatches, type MatrixRow, podIP, Reachability } from './model.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'examples'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

const exampleDir = join(repoRoot(), 'examples', 'netpol-model');

function load(file: string): Resource[] {
  const docs = parseAllDocuments(readFileSync(join(exampleDir, file), 'utf8'), { version: '1.1' });
  return docs.map((d) => {
    assert.equal(d.errors.length, 0, `${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Resource;
  });
}

function engineWith(policyFile?: string): PolicyEngine {
  const engine = new PolicyEngine({ cluster: 'default' });
  for (const r of [
    ...load('namespaces.yaml'),
    ...load('pods.yaml'),
    ...(policyFile ? load(`policies/${policyFile}`) : []),
  ]) {
    engine.upsert(r);
  }
  return engine;
}

function check(engine: PolicyEngine, port: number, protocol: 'TCP' | 'UDP', r: Reachability): void {
  const m = compare(
    policyMatrix(engine, { ports: [{ port, protocol }] }) as { results: MatrixRow[] },
    r,
    port,
    protocol,
  );
  assert.equal(m.length, 0, `${port}/${protocol}:\n${formatMismatches(m)}`);
}

describe('examples/netpol-model', () => {
  it('pods.yaml holds the nine model pods, their addresses, and 80/81 on TCP and UDP', () => {
    const pods = load('pods.yaml') as Pod[];
    assert.deepEqual(
      pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      ALL_PODS,
    );
    for (const p of pods) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      assert.equal(p.status?.podIP, podIP(key));
      assert.deepEqual(p.metadata.labels, { pod: p.metadata.name });
      assert.deepEqual(
        p.spec.containers.flatMap((c) => (c.ports ?? []).map((cp) => cp.name)),
        ['serve-80-tcp', 'serve-80-udp', 'serve-81-tcp', 'serve-81-udp'],
      );
    }
  });

  it('without policies every pod reaches every pod', () => {
    const e = engineWith();
    for (const port of [80, 81])
      for (const protocol of ['TCP', 'UDP'] as const) check(e, port, protocol, new Reachability(ALL_PODS));
  });

  it("01-default-deny-ingress.yaml: should support a 'default-deny-ingress' policy", () => {
    const r = new Reachability(ALL_PODS).expectPeer({}, { namespace: 'x' }, false);
    check(engineWith('01-default-deny-ingress.yaml'), 80, 'TCP', r);
  });

  it('18-allow-ns-y-on-named-port.yaml: should allow ingress access from namespace on one named port', () => {
    const e = engineWith('18-allow-ns-y-on-named-port.yaml');
    const r80 = new Reachability(ALL_PODS)
      .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
      .expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
    check(e, 80, 'TCP', r80);
    check(e, 81, 'TCP', new Reachability(ALL_PODS).expectAllIngress('x/a', false));
  });

  it('28-client-side-egress-deny.yaml: should support denying of egress traffic on the client side', () => {
    const r = new Reachability(ALL_PODS)
      .expectPeer({ namespace: 'x', pod: 'a' }, {}, false)
      .expectPeer({}, { namespace: 'y', pod: 'a' }, false)
      .expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y', pod: 'a' }, true)
      .expectPeer({}, { namespace: 'y', pod: 'b' }, false);
    check(engineWith('28-client-side-egress-deny.yaml'), 80, 'TCP', r);
  });

  it('35-egress-ipblock-except.yaml: should enforce except clause while egress access to server in CIDR block', () => {
    const r = new Reachability(ALL_PODS).expect('x/a', 'x/b', false);
    check(engineWith('35-egress-ipblock-except.yaml'), 80, 'TCP', r);
  });
});
