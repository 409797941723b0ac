// Policy logging with a fake clock: record format, delegation by annotation, deny aggregation, rate limit, rotation.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Flow } from '../flow/flow.js';
import { parseNetworkLogging } from './network-logging.js';
import { PolicyLogger } from './policy-logger.js';
import { RotatingLogFile } from './rotating-log-file.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(
  spec: unknown,
  opts: { rate?: number; annotations?: Record<string, Record<string, string>> } = {},
) {
  let now = 0;
  const lines: string[] = [];
  const dropped: string[] = [];
  const annotations = opts.annotations ?? {};
  const logger = new PolicyLogger({
    spec: parseNetworkLogging(spec),
    nodeName: 'node-1',
    output: { writeLine: (l) => lines.push(l) },
    clock: { nowMs: () => now },
    maxLogRate: opts.rate ?? 500,
    context: {
      namespaceAnnotations: (ns) => annotations[`ns/${ns}`],
      policyAnnotations: (p) => annotations[`${p.kind}/${p.namespace ?? ''}/${p.name}`],
    },
    onDropped: (reason, n) => dropped.push(`${reason}:${n}`),
  });
  return {
    logger,
    lines: () => lines.map((l) => JSON.parse(l)),
    raw: lines,
    dropped,
    advance: (ms: number) => {
      now += ms;
      logger.tick();
    },
  };
}

const client = {
  ID: 3,
  identity: 300,
  namespace: 'default',
  pod_name: 'client-deny-5689846f5b-cqqsj',
  workloads: [{ name: 'client-deny-5689846f5b', kind: 'ReplicaSet' }],
};
const server = { ID: 4, identity: 301, namespace: 'prod', pod_name: 'server-1' };

function verdictFlow(
  verdict: 'FORWARDED' | 'DROPPED' | 'AUDIT',
  sport = 45084,
  extra: Partial<Flow> = {},
): Flow {
  return {
    time: '2020-06-13T21:30:22.292379064Z',
    verdict,
    IP: { source: '10.84.1.8', destination: '10.84.0.11', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: sport, destination_port: 8080, flags: { SYN: true } } },
    source: client,
    destination: server,
    event_type: { type: 5 },
    traffic_direction: 'INGRESS',
    ...(verdict === 'FORWARDED'
      ? {
          ingress_allowed_by: [
            { name: 'allow-client', namespace: 'prod', kind: 'NetworkPolicy', labels: ['x'] },
          ],
        }
      : { ingress_default_denied_by: [{ name: 'deny-all', namespace: 'prod', kind: 'NetworkPolicy' }] }),
    ...extra,
  };
}

const ALL = { cluster: { allow: { log: true }, deny: { log: true } } };

describe('PolicyLogger', () => {
  test('allow records are written at once, in GKE format', () => {
    const t = setup(ALL);
    t.logger.onFlow(verdictFlow('FORWARDED'));
    assert.equal(
      t.raw[0],
      '{"connection":{"src_ip":"10.84.1.8","dest_ip":"10.84.0.11","src_port":45084,"dest_port":8080,"protocol":"tcp","direction":"ingress"},' +
        '"disposition":"allow","policies":[{"name":"allow-client","namespace":"prod","kind":"NetworkPolicy"}],' +
        '"src":{"pod_name":"client-deny-5689846f5b-cqqsj","workload_kind":"ReplicaSet","workload_name":"client-deny-5689846f5b","pod_namespace":"default","namespace":"default"},' +
        '"dest":{"pod_name":"server-1","pod_namespace":"prod","namespace":"prod"},"count":1,"node_name":"node-1","timestamp":"2020-06-13T21:30:22.292379064Z"}',
    );
  });

  test('denies of one connection within 5 s become one record with a count; source ports are ignored', () => {
    const t = setup(ALL);
    t.logger.onFlow(verdictFlow('DROPPED', 1000));
    t.advance(1000);
    t.logger.onFlow(verdictFlow('DROPPED', 1001));
    t.logger.onFlow(verdictFlow('DROPPED', 1002));
    t.advance(3000);
    assert.equal(t.lines().length, 0, 'held until the window ends');
    t.advance(1000);
    const [rec] = t.lines();
    assert.equal(rec.count, 3);
    assert.equal(rec.disposition, 'deny');
    assert.equal(rec.connection.src_port, 1000, 'the first deny is the one kept');
    assert.deepEqual(rec.policies, [{ name: 'deny-all', namespace: 'prod', kind: 'NetworkPolicy' }]);
    t.logger.onFlow(verdictFlow('DROPPED', 1003));
    t.advance(5000);
    assert.equal(t.lines().length, 2, 'a later deny starts a new window');
    assert.equal(t.logger.stats.aggregated, 2);
  });

  test('audited connections are logged as "audit" with the audit policy', () => {
    const t = setup(ALL);
    t.logger.onFlow(verdictFlow('AUDIT'));
    t.advance(5000);
    assert.equal(t.lines()[0].disposition, 'audit');
  });

  test('delegation: allows only for annotated policies, denies only for annotated namespaces', () => {
    const spec = { cluster: { allow: { log: true, delegate: true }, deny: { log: true, delegate: true } } };
    const t = setup(spec);
    t.logger.onFlow(verdictFlow('FORWARDED'));
    t.logger.onFlow(verdictFlow('DROPPED'));
    t.advance(5000);
    assert.equal(t.lines().length, 0);
    const u = setup(spec, {
      annotations: {
        'NetworkPolicy/prod/allow-client': { 'policy.network.gke.io/enable-logging': 'true' },
        'ns/prod': { 'policy.network.gke.io/enable-deny-logging': 'true' },
      },
    });
    u.logger.onFlow(verdictFlow('FORWARDED'));
    u.logger.onFlow(verdictFlow('DROPPED'));
    u.logger.onFlow(verdictFlow('DROPPED', 9, { traffic_direction: 'EGRESS' }));
    u.advance(5000);
    assert.deepEqual(
      u.lines().map((l) => `${l.disposition} ${l.connection.direction}`),
      ['allow ingress', 'deny ingress'],
      'an egress deny belongs to the source namespace (default), which is not annotated',
    );
  });

  test('GKE skips: logging off, allows no policy is credited with, non-verdict flows', () => {
    const t = setup({ cluster: { allow: { log: true }, deny: { log: false } } });
    t.logger.onFlow(verdictFlow('DROPPED'));
    t.logger.onFlow(verdictFlow('FORWARDED', 1, { ingress_allowed_by: undefined }));
    t.logger.onFlow(verdictFlow('FORWARDED', 1, { event_type: { type: 4 } }));
    t.advance(5000);
    assert.equal(t.lines().length, 0);
    assert.equal(t.logger.stats.notEnabled, 2);
  });

  test('rate limit: records beyond the rate are dropped and counted, tokens come back with time', () => {
    const t = setup(ALL, { rate: 5 });
    for (let i = 0; i < 8; i++) t.logger.onFlow(verdictFlow('FORWARDED', 100 + i));
    assert.equal(t.lines().length, 5);
    assert.deepEqual(t.dropped, ['rate-limit:1', 'rate-limit:1', 'rate-limit:1']);
    t.advance(400);
    t.logger.onFlow(verdictFlow('FORWARDED', 200));
    t.logger.onFlow(verdictFlow('FORWARDED', 201));
    t.logger.onFlow(verdictFlow('FORWARDED', 202));
    assert.equal(t.lines().length, 7, '0.4 s at 5/s gives two tokens');
    assert.equal(t.logger.stats.dropped['rate-limit'], 4);
  });

  test('the aggregation map is bounded: new connections beyond it are dropped and counted', () => {
    let now = 0;
    const logger = new PolicyLogger({
      spec: parseNetworkLogging(ALL),
      output: { writeLine: () => undefined },
      clock: { nowMs: () => now },
      denyAggregationMapSize: 2,
    });
    for (let i = 0; i < 4; i++)
      logger.onFlow(verdictFlow('DROPPED', 1, { IP: { source: `10.0.0.${i}`, destination: '10.0.0.9' } }));
    assert.equal(logger.stats.dropped['aggregation-full'], 2);
    now += 5000;
    logger.tick();
    assert.equal(logger.stats.logged, 2);
  });

  test('NetworkLogging validation', () => {
    assert.throws(
      () => parseNetworkLogging({ cluster: { allow: { log: false, delegate: true } } }),
      /delegate: true needs log: true/,
    );
    assert.throws(
      () => parseNetworkLogging({ kind: 'NetworkLogging', metadata: { name: 'other' }, spec: {} }),
      /metadata\.name: the NetworkLogging object must be named "default"/,
    );
    assert.throws(() => parseNetworkLogging({ node: {} }), /spec\.node/);
    assert.deepEqual(
      parseNetworkLogging({ kind: 'NetworkLogging', metadata: { name: 'default' }, spec: ALL }),
      {
        cluster: { allow: { log: true, delegate: false }, deny: { log: true, delegate: false } },
      },
    );
  });
});

describe('RotatingLogFile', () => {
  test('rotates by size and keeps N backups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'porin-policylog-'));
    dirs.push(dir);
    const path = join(dir, 'network', 'policy_action.log');
    const f = new RotatingLogFile({ path, maxBytes: 100, maxBackups: 2 });
    for (let i = 0; i < 10; i++) f.writeLine(`line ${i} ${'x'.repeat(30)}`);
    f.close();
    assert.deepEqual(readdirSync(join(dir, 'network')).sort(), [
      'policy_action.log',
      'policy_action.log.1',
      'policy_action.log.2',
    ]);
    assert.match(readFileSync(path, 'utf8'), /line 9/);
    assert.match(readFileSync(`${path}.2`, 'utf8'), /^line 4/);
    assert.ok(readFileSync(path, 'utf8').length <= 100);
    assert.equal(f.rotations, 4);
  });
});
