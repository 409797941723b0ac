// What the property tests compare: an engine's policy matrix, its per-side decisions and its ipcache view, as tables.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IDENTITY_HOST, IDENTITY_REMOTE_NODE, IDENTITY_WORLD } from '../../src/identity/index.js';
import type { Decision, Remote } from '../../src/policy/direction-policy.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { policyMatrix } from '../../src/policy/matrix.js';
import type { PolicyEntry } from '../../src/policy/policy-entry.js';
import type { EndpointPolicy } from '../../src/policy/resolve-endpoint.js';
import { type PolicyRef, PROTOCOL_NUMBER } from '../../src/policy/rule.js';
import type { Resource } from '../../src/resources/types/index.js';
import { MATRIX_PORTS, MAX_POD_ADDRESS, podAddress } from './arbitraries.js';

/** `from>to port/proto` → allowed | denied, loopback rows left out (as upstream's probe does). */
export type Table = Map<string, string>;

/** Addresses outside every pod: in the pod /24, in the pod /16 only, in 10/8 only, in 192.168/16, on the internet. */
export const PROBE_IPS: readonly string[] = [
  '10.244.0.200',
  '10.244.7.7',
  '10.9.9.9',
  '192.168.3.4',
  '8.8.8.8',
];

const RESERVED_PROBES: readonly [string, number][] = [
  ['host', IDENTITY_HOST],
  ['remote-node', IDENTITY_REMOTE_NODE],
  ['world', IDENTITY_WORLD],
];

/** A fresh engine given `resources` in order. */
export function engineOf(resources: readonly Resource[]): PolicyEngine {
  const engine = new PolicyEngine({ cluster: 'default' });
  for (const r of resources) engine.upsert(r);
  return engine;
}

/** `policyMatrix` over MATRIX_PORTS, as a table. */
export function matrixTable(engine: PolicyEngine): Table {
  const out: Table = new Map();
  for (const row of policyMatrix(engine, { ports: [...MATRIX_PORTS] }).results) {
    if (row.loopback) continue;
    out.set(`${row.from}>${row.to} ${row.port}/${row.protocol}`, row.verdict);
  }
  return out;
}

const KIND_ABBREV: Record<PolicyRef['kind'], string> = {
  NetworkPolicy: 'knp',
  CiliumNetworkPolicy: 'cnp',
  CiliumClusterwideNetworkPolicy: 'ccnp',
};

/** `cnp:x/p0#1` (`#n`: the spec index): short, because every table row carries a few of these. */
function refText(r: PolicyRef): string {
  return `${KIND_ABBREV[r.kind]}:${r.namespace ? `${r.namespace}/` : ''}${r.name}${r.spec === undefined ? '' : `#${r.spec}`}`;
}

const entryOrigins = new WeakMap<PolicyEntry, string[]>();

/** An entry's origins as text (cached: entries do not change once resolved). */
function originsOf(e: PolicyEntry): string[] {
  let texts = entryOrigins.get(e);
  if (!texts) {
    texts = e.origins.map((o) => `${refText(o)}:${o.section}[${o.rule}]`);
    entryOrigins.set(e, texts);
  }
  return texts;
}

function uniqueSorted(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : [...new Set(xs)].sort().join(' ');
}

/** Verdict, reason, the rules that decided, the default-deny policies and any L7 rules, order-independent. */
function describeDecision(d: Decision): string {
  const origins = uniqueSorted(
    d.entries.length === 1 ? originsOf(d.entries[0]!) : d.entries.flatMap(originsOf),
  );
  const dd = uniqueSorted(d.defaultDenyBy.map(refText));
  const l7 = d.l7?.length ? ` l7 ${uniqueSorted(d.l7.map((r) => JSON.stringify(r)))}` : '';
  return `${d.verdict}/${d.reason} by [${origins}] dd [${dd}]${l7}`;
}

/**
 * Every egress and ingress decision of every pod towards every pod (loopback included), the host,
 * remote nodes, world, and the probe addresses (through the ipcache), with reason and deciding rules.
 * `policyOf` lets a caller substitute the policies it holds (a datapath's view) for the engine's.
 */
export function decisionTable(
  engine: PolicyEngine,
  policyOf: (key: string) => EndpointPolicy | undefined = (k) => engine.policyOf(k),
): Table {
  const out: Table = new Map();
  const pods = engine.listEndpoints();
  const remotes: [string, Remote][] = [
    ...pods.map((p): [string, Remote] => [p.key, engine.remoteForEndpoint(p)]),
    ...RESERVED_PROBES.map(([name, identity]): [string, Remote] => [name, { identity }]),
    ...PROBE_IPS.map((ip): [string, Remote] => [ip, engine.remoteForIP(ip)]),
  ];
  for (const local of pods) {
    const policy = policyOf(local.key);
    if (!policy) {
      out.set(`${local.key} policy`, 'missing');
      continue;
    }
    for (const [name, remote] of remotes) {
      for (const p of MATRIX_PORTS) {
        const proto = PROTOCOL_NUMBER[p.protocol];
        out.set(
          `egress ${local.key}>${name} ${p.port}/${p.protocol}`,
          describeDecision(policy.egress.decide(remote, proto, p.port)),
        );
        out.set(
          `ingress ${local.key}<${name} ${p.port}/${p.protocol}`,
          describeDecision(policy.ingress.decide(remote, proto, p.port)),
        );
      }
    }
  }
  return out;
}

/** The ipcache's answer for every possible pod address and the probes, by the labels of the identity found. */
export function ipcacheTable(engine: PolicyEngine): Table {
  const out: Table = new Map();
  const ips = [...PROBE_IPS];
  for (let n = 1; n <= MAX_POD_ADDRESS; n++) ips.push(podAddress(n));
  for (const ip of ips) {
    const r = engine.remoteForIP(ip);
    out.set(ip, engine.identity(r.identity)?.labels.key ?? `unknown identity ${r.identity}`);
  }
  return out;
}

/** The differing keys of two tables, at most `limit` of them, as readable lines. */
export function diffTables(expected: Table, actual: Table, limit = 12): string[] {
  const differing: string[] = [];
  for (const [k, e] of expected) if (actual.get(k) !== e) differing.push(k);
  for (const k of actual.keys()) if (!expected.has(k)) differing.push(k);
  const lines = differing
    .sort()
    .slice(0, limit)
    .map((k) => `  ${k}: expected ${expected.get(k) ?? '(absent)'}, got ${actual.get(k) ?? '(absent)'}`);
  if (differing.length > limit) lines.push(`  ... and ${differing.length - limit} more`);
  return lines;
}

export function assertSameTable(expected: Table, actual: Table, what: string): void {
  const diff = diffTables(expected, actual);
  if (diff.length > 0) assert.fail(`${what} differs:\n${diff.join('\n')}`);
}

/** Every engine view the tests compare, so "same result" means all three agree. */
export function assertSameEngines(expected: PolicyEngine, actual: PolicyEngine, what: string): void {
  assertSameTable(matrixTable(expected), matrixTable(actual), `${what}: policy matrix`);
  assertSameTable(decisionTable(expected), decisionTable(actual), `${what}: decisions`);
  assertSameTable(ipcacheTable(expected), ipcacheTable(actual), `${what}: ipcache`);
}

/** A table's verdicts alone (`denied`, `allowed`, `redirected`), dropping reasons and origins. */
export function verdictsOf(t: Table): Table {
  const out: Table = new Map();
  for (const [k, v] of t) out.set(k, v.split('/')[0]!);
  return out;
}

/** Asserts `after` allows nothing `before` denied (redirected counts as allowed: L7 is not decided here). */
export function assertNotWider(before: Table, after: Table, what: string): void {
  const bad: string[] = [];
  for (const [k, b] of before) {
    const a = after.get(k);
    if (b === 'denied' && a !== 'denied') bad.push(`  ${k}: was denied, now ${a ?? '(absent)'}`);
  }
  if (bad.length > 0)
    assert.fail(
      `${what} allows more:\n${bad.slice(0, 12).join('\n')}${bad.length > 12 ? `\n  ... and ${bad.length - 12} more` : ''}`,
    );
}

/** Asserts `after` denies nothing `before` allowed, except rows `excused` says may be. */
export function assertNotNarrower(
  before: Table,
  after: Table,
  what: string,
  excused: (key: string) => boolean = () => false,
): void {
  const bad: string[] = [];
  for (const [k, b] of before) {
    const a = after.get(k);
    if (b !== 'denied' && a === 'denied' && !excused(k)) bad.push(`  ${k}: was ${b}, now ${a ?? '(absent)'}`);
  }
  if (bad.length > 0)
    assert.fail(
      `${what} denies more:\n${bad.slice(0, 12).join('\n')}${bad.length > 12 ? `\n  ... and ${bad.length - 12} more` : ''}`,
    );
}

/** fc.assert with the failing assertion's message in the report; PORIN_PROPERTY_SEED replays a seed. */
export function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, numRuns: number): void {
  const seed = process.env.PORIN_PROPERTY_SEED;
  fc.assert(property, {
    numRuns: runs(numRuns),
    includeErrorInReport: true,
    ...(seed ? { seed: Number(seed) } : {}),
  });
}

/** The property-run count, scaled by PORIN_PROPERTY_SCALE (e.g. 10 for a soak). */
export function runs(n: number): number {
  const scale = Number(process.env.PORIN_PROPERTY_SCALE ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
