// The FQDN layer on a real policy engine: Cilium's FQDN guide (mediabot), identities, CIDR rules, GC, persistence.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLocalScope } from '../identity/index.js';
import { PolicyEngine, PROTOCOL_NUMBER } from '../policy/index.js';
import { cnp, ns, pod } from '../policy/test-fixtures.js';
import type { CiliumRule } from '../resources/index.js';
import { engineFqdnManager, syncFqdnPolicy } from './engine-fqdn.js';
import type { FqdnManager } from './fqdn-manager.js';

const KUBE_DNS = { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' };
const dnsRule = {
  toEndpoints: [{ matchLabels: KUBE_DNS }],
  toPorts: [{ ports: [{ port: '53', protocol: 'ANY' as const }], rules: { dns: [{ matchPattern: '*' }] } }],
};
const fqdnPolicy = (egress: CiliumRule['egress']) =>
  cnp('default', 'fqdn', {
    endpointSelector: { matchLabels: { org: 'empire', class: 'mediabot' } },
    egress: [...(egress ?? []), dnsRule],
  });

interface Setup {
  engine: PolicyEngine;
  fqdn: FqdnManager;
  clock: { now: number };
  applied: string[][];
}

function setup(egress: CiliumRule['egress'], file?: string): Setup {
  const engine = new PolicyEngine({ cluster: 'default' });
  engine.upsert(ns('default'));
  engine.upsert(ns('kube-system'));
  engine.upsert(pod('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' }, '10.96.0.10'));
  engine.upsert(pod('default', 'mediabot', { org: 'empire', class: 'mediabot' }, '10.244.0.5'));
  engine.upsert(pod('default', 'other', { app: 'other' }, '10.244.0.6'));
  engine.upsert(fqdnPolicy(egress));
  const clock = { now: 1_000_000 };
  const applied: string[][] = [];
  const fqdn = engineFqdnManager(engine, {
    apply: (ch) => applied.push(ch.endpoints),
    now: () => clock.now,
    ...(file ? { file } : {}),
  });
  fqdn.restore();
  syncFqdnPolicy(fqdn, engine);
  return { engine, fqdn, clock, applied };
}

function verdict(s: Setup, ip: string, port = 443): string {
  return s.engine
    .policyOf('default/mediabot')
    .egress.decide(s.engine.remoteForIP(ip), PROTOCOL_NUMBER.TCP, port).verdict;
}

const lookup = (s: Setup, name: string, ips: string[], ttl = 60) =>
  s.fqdn.observe({ endpoint: 'default/mediabot', name, ips, ttl });

describe('FQDN identities on the policy engine', () => {
  it("Cilium's guide: mediabot reaches api.github.com after the lookup, never support.github.com", () => {
    const s = setup([{ toFQDNs: [{ matchName: 'api.github.com' }] }]);
    assert.equal(verdict(s, '203.0.113.10'), 'denied', 'nothing is known before the lookup');
    const r = lookup(s, 'API.github.com.', ['203.0.113.10']);
    assert.ok(r.changed);
    assert.deepEqual(s.applied.at(-1), ['default/mediabot'], 'the selecting endpoint was regenerated');
    assert.equal(verdict(s, '203.0.113.10'), 'allowed');
    const id = s.engine.remoteForIP('203.0.113.10');
    assert.ok(isLocalScope(id.identity), 'a node-local identity');
    assert.equal(id.source, 'fqdn');
    assert.deepEqual(s.engine.identity(id.identity)?.labels.toStrings(), [
      'fqdn:matchName:api.github.com',
      'reserved:world',
    ]);
    lookup(s, 'support.github.com', ['203.0.113.11']);
    assert.equal(verdict(s, '203.0.113.11'), 'denied');
    assert.equal(
      s.fqdn.identityOf('203.0.113.11'),
      undefined,
      'no selector matches: no identity (cilium#30110)',
    );
    assert.equal(s.engine.remoteForIP('203.0.113.11').source, 'world');
  });

  it('matchPattern *.github.com: both names, one shared identity; other pods are unaffected', () => {
    const s = setup([{ toFQDNs: [{ matchPattern: '*.github.com' }] }]);
    lookup(s, 'api.github.com', ['203.0.113.10']);
    lookup(s, 'support.github.com', ['203.0.113.11']);
    assert.equal(verdict(s, '203.0.113.10'), 'allowed');
    assert.equal(verdict(s, '203.0.113.11'), 'allowed');
    assert.equal(s.fqdn.identityOf('203.0.113.10'), s.fqdn.identityOf('203.0.113.11'));
    const other = s.engine.policyOf('default/other').egress;
    assert.equal(other.decide(s.engine.remoteForIP('203.0.113.10'), 6, 443).reason, 'no-policy');
  });

  it('toPorts on toFQDNs: only the listed port', () => {
    const s = setup([
      {
        toFQDNs: [{ matchPattern: '*.twitter.com' }],
        toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
      },
    ]);
    lookup(s, 'help.twitter.com', ['198.51.100.20']);
    assert.equal(verdict(s, '198.51.100.20', 443), 'allowed');
    assert.equal(verdict(s, '198.51.100.20', 80), 'denied');
  });

  it('an address known by two names carries both selectors; a later policy relabels cached addresses', () => {
    const s = setup([{ toFQDNs: [{ matchName: 'api.github.com' }] }]);
    lookup(s, 'api.github.com', ['203.0.113.10']);
    lookup(s, 'alias.example.com', ['203.0.113.10']);
    const first = s.fqdn.identityOf('203.0.113.10')!;
    s.engine.upsert(
      fqdnPolicy([{ toFQDNs: [{ matchName: 'api.github.com' }, { matchName: 'alias.example.com' }] }]),
    );
    syncFqdnPolicy(s.fqdn, s.engine);
    const second = s.fqdn.identityOf('203.0.113.10')!;
    assert.notEqual(first, second);
    assert.equal(s.engine.identity(first), undefined, 'the old identity was released');
    assert.deepEqual(s.engine.identity(second)?.labels.toStrings(), [
      'fqdn:matchName:alias.example.com',
      'fqdn:matchName:api.github.com',
      'reserved:world',
    ]);
    assert.equal(verdict(s, '203.0.113.10'), 'allowed');
  });

  it('a toCIDR rule covering a learned address still covers it (cidr labels on the FQDN identity)', () => {
    const s = setup([
      {
        toFQDNs: [{ matchName: 'api.github.com' }],
        toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
      },
      { toCIDR: ['203.0.113.0/24'], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] },
    ]);
    assert.equal(verdict(s, '203.0.113.10', 80), 'allowed', 'the /24 before any lookup');
    lookup(s, 'api.github.com', ['203.0.113.10']);
    assert.equal(verdict(s, '203.0.113.10', 80), 'allowed', 'the /24 after the /32 appeared');
    assert.equal(verdict(s, '203.0.113.10', 443), 'allowed');
    assert.equal(verdict(s, '203.0.113.99', 443), 'denied');
  });

  it('TTL expiry removes the allow unless a connection is open; closing it removes the address', () => {
    const s = setup([{ toFQDNs: [{ matchName: 'api.github.com' }] }]);
    lookup(s, 'api.github.com', ['203.0.113.10', '203.0.113.12'], 30);
    s.clock.now += 29_000;
    s.fqdn.gc(() => new Set());
    assert.equal(verdict(s, '203.0.113.10'), 'allowed', 'before the TTL');
    s.clock.now += 2_000;
    const live = (ep: string) => new Set(ep === 'default/mediabot' ? ['203.0.113.10'] : []);
    assert.deepEqual(s.fqdn.gc(live), { expired: 2, collected: 1 });
    assert.equal(verdict(s, '203.0.113.10'), 'allowed', 'an open connection keeps it');
    assert.equal(verdict(s, '203.0.113.12'), 'denied');
    assert.deepEqual(
      s.fqdn.list().map((r) => [r.source, r.fqdn, r.ips]),
      [['connection', 'api.github.com', ['203.0.113.10']]],
    );
    s.fqdn.gc(() => new Set());
    assert.equal(verdict(s, '203.0.113.10'), 'denied');
    assert.deepEqual(s.fqdn.list(), []);
  });

  it('the minimum TTL extends short answers', () => {
    const engine = new PolicyEngine();
    const clock = { now: 0 };
    const fqdn = engineFqdnManager(engine, {
      apply: () => {},
      now: () => clock.now,
      config: { ...setupConfig, minTtlSeconds: 3600 },
    });
    fqdn.observe({ endpoint: 'a/b', name: 'x.com', ips: ['203.0.113.1'], ttl: 0 });
    clock.now = 3_599_000;
    assert.deepEqual(
      fqdn.gc(() => new Set()),
      { expired: 0, collected: 0 },
    );
    assert.equal(fqdn.list()[0]?.ttl, 3600);
  });

  it('a deleted endpoint no longer labels addresses', () => {
    const s = setup([{ toFQDNs: [{ matchName: 'api.github.com' }] }]);
    lookup(s, 'api.github.com', ['203.0.113.10']);
    s.fqdn.removeEndpoint('default/mediabot');
    assert.equal(s.fqdn.identityOf('203.0.113.10'), undefined);
    assert.equal(s.engine.remoteForIP('203.0.113.10').source, 'world');
  });

  it('the cache survives a restart: a new engine and manager allow the same addresses at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'porin-fqdn-'));
    try {
      const file = join(dir, 'fqdn-cache.json');
      const a = setup([{ toFQDNs: [{ matchName: 'api.github.com' }] }], file);
      lookup(a, 'api.github.com', ['203.0.113.10'], 600);
      a.fqdn.close();
      const b = setup([{ toFQDNs: [{ matchName: 'api.github.com' }] }], file);
      assert.equal(verdict(b, '203.0.113.10'), 'allowed');
      assert.deepEqual(
        b.fqdn.list().map((r) => [r.endpoint, r.source, r.fqdn, r.ips, r.ttl]),
        [['default/mediabot', 'lookup', 'api.github.com', ['203.0.113.10'], 600]],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records answer → enforced latency', () => {
    const s = setup([{ toFQDNs: [{ matchName: 'api.github.com' }] }]);
    for (let i = 1; i <= 20; i++) lookup(s, 'api.github.com', [`203.0.113.${i}`]);
    const st = s.fqdn.stats();
    assert.equal(st.observations, 20);
    assert.equal(st.enforceLatencyMs.samples, 20);
    assert.equal(st.selected, 20);
    assert.ok(st.enforceLatencyMs.p99 >= st.enforceLatencyMs.p50);
  });
});

const setupConfig = {
  minTtlSeconds: 0,
  maxIpsPerHostname: 1000,
  maxDeferredConnectionDeletes: 10_000,
  idleConnectionGracePeriodMs: 0,
  gcIntervalMs: 60_000,
  responseMaxDelayMs: 100,
};
