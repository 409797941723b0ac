// /metrics over real HTTP: known flows in, Hubble-compatible and Porin series out, parsed from the exposition text.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { get, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ApiServer } from '../../src/api/api-server.js';
import { MemoryObjectStore } from '../../src/cluster/store/index.js';
import type { DatapathEvent } from '../../src/datapath/maps/events.js';
import { FakeFlowContext } from '../../src/flow/fake-flow-context.js';
import { FlowService } from '../../src/flow/flow-service.js';
import { registerMetricsRoute, serveMetrics } from '../../src/metrics/metrics-server.js';
import { PorinMetrics } from '../../src/metrics/porin-metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, samples only (HELP/TYPE comments skipped). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

function scrape(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    }).on('error', reject);
  });
}

const base = {
  endpointId: 12,
  ifindex: 4,
  timestampNs: 0n,
  srcIdentity: 256,
  dstIdentity: 258,
  saddr: '10.0.0.1',
  daddr: '10.0.0.2',
  sport: 40000,
  dport: 80,
  protocol: 6,
  direction: 'ingress' as const,
  ctStatus: 'new' as const,
  packetLength: 60,
  l4Info: 2,
};

describe('metrics', () => {
  test('known flows → hubble_* counters; agent metrics; scraped over HTTP on 127.0.0.1', async () => {
    const metrics = new PorinMetrics();
    const service = new FlowService({ context: new FakeFlowContext(), nodeName: 'n1', observers: [metrics] });
    const t = 1_732_720_000_000_000_000n;
    // 3 trace SYNs to :80, 1 SYN-ACK reply, 2 allowed verdicts (l3-l4), 1 default-deny verdict, 1 drop, 1 UDP trace to :53.
    for (let i = 0; i < 3; i++)
      service.onEvent({ ...base, type: 'trace', observationPoint: 'to-endpoint' }, t);
    service.onEvent(
      {
        ...base,
        type: 'trace',
        observationPoint: 'from-endpoint',
        direction: 'egress',
        ctStatus: 'reply',
        l4Info: 0x12,
      },
      t,
    );
    const pv = { ...base, type: 'policy-verdict' as const, proxyPort: 0, cookie: 0 };
    service.onEvent({ ...pv, verdict: 'allowed', dropReason: 0, matchType: 'l3-l4' }, t);
    service.onEvent({ ...pv, verdict: 'allowed', dropReason: 0, matchType: 'l3-l4' }, t);
    service.onEvent({ ...pv, verdict: 'denied', dropReason: 133, matchType: 'none' }, t);
    service.onEvent(
      { ...base, type: 'drop', reason: 133, reasonName: 'POLICY', cookie: 0 } as DatapathEvent,
      t,
    );
    service.onEvent(
      { ...base, type: 'trace', observationPoint: 'to-endpoint', protocol: 17, dport: 53, l4Info: 0 },
      t,
    );
    service.onLost('PERF_EVENT_RING_BUFFER', 5, t);
    metrics.lostEvents('FLOW_STORE', 2);
    metrics.observeRegeneration(0.004);
    metrics.observeRegeneration(0.3);
    metrics.setMapPressure('porin_policy', 0.42);
    metrics.setEndpoints(7);

    const server = await serveMetrics(metrics, { port: 0 });
    try {
      const addr = server.address() as AddressInfo;
      assert.equal(addr.address, '127.0.0.1');
      const r = await scrape(`http://127.0.0.1:${addr.port}/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      const s = parseExposition(r.body);
      const flows = (l: Record<string, string>) => value(s, 'hubble_flows_processed_total', l);
      assert.equal(
        flows({ type: 'Trace', subtype: 'to-endpoint', verdict: 'FORWARDED', protocol: 'TCP' }),
        3,
      );
      assert.equal(
        flows({ type: 'Trace', subtype: 'from-endpoint', verdict: 'FORWARDED', protocol: 'TCP' }),
        1,
      );
      assert.equal(flows({ type: 'PolicyVerdict', subtype: '', verdict: 'FORWARDED', protocol: 'TCP' }), 2);
      assert.equal(flows({ type: 'PolicyVerdict', verdict: 'DROPPED' }), 1);
      assert.equal(flows({ type: 'Drop', verdict: 'DROPPED' }), 1);
      assert.equal(flows({ type: 'Trace', protocol: 'UDP' }), 1);
      assert.equal(value(s, 'hubble_drop_total', { reason: 'POLICY_DENIED', protocol: 'TCP' }), 2);
      assert.equal(
        value(s, 'hubble_policy_verdicts_total', {
          direction: 'ingress',
          match: 'l3-l4',
          action: 'forwarded',
        }),
        2,
      );
      assert.equal(
        value(s, 'hubble_policy_verdicts_total', { direction: 'ingress', match: 'none', action: 'dropped' }),
        1,
      );
      assert.equal(
        value(s, 'hubble_tcp_flags_total', { flag: 'SYN', family: 'IPv4' }),
        4,
        '3 trace SYNs + the dropped SYN',
      );
      assert.equal(value(s, 'hubble_tcp_flags_total', { flag: 'SYN-ACK', family: 'IPv4' }), 1);
      assert.equal(value(s, 'hubble_port_distribution_total', { port: '80', protocol: 'TCP' }), 3);
      assert.equal(value(s, 'hubble_port_distribution_total', { port: '53', protocol: 'UDP' }), 1);
      assert.equal(value(s, 'hubble_lost_events_total', { source: 'perf_event_ring_buffer' }), 5);
      assert.equal(value(s, 'porin_lost_events_total', { source: 'perf_event_ring_buffer' }), 5);
      assert.equal(value(s, 'porin_lost_events_total', { source: 'flow_store' }), 2);
      assert.equal(value(s, 'hubble_lost_events_total', { source: 'flow_store' }), undefined);
      assert.equal(value(s, 'porin_policy_regeneration_seconds_count'), 2);
      assert.equal(value(s, 'porin_policy_regeneration_seconds_bucket', { le: '0.005' }), 1);
      assert.equal(value(s, 'porin_policy_regeneration_seconds_bucket', { le: '+Inf' }), 2);
      assert.equal(value(s, 'porin_bpf_map_pressure', { map_name: 'porin_policy' }), 0.42);
      assert.equal(value(s, 'porin_endpoints'), 7);
      const other = await scrape(`http://127.0.0.1:${addr.port}/`);
      assert.equal(other.status, 404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('the same text on the agent API: GET /v1/metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'porin-metrics-'));
    const api = new ApiServer({ store: new MemoryObjectStore(), socketPath: join(dir, 'agent.sock') });
    const metrics = new PorinMetrics();
    metrics.setEndpoints(3);
    registerMetricsRoute(api, metrics);
    await api.listen();
    try {
      const body = await new Promise<string>((resolve, reject) => {
        request({ socketPath: api.socketPath, path: '/v1/metrics', agent: false }, (res) => {
          let t = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (t += c));
          res.on('end', () => resolve(t));
        })
          .on('error', reject)
          .end();
      });
      assert.equal(value(parseExposition(body), 'porin_endpoints'), 3);
    } finally {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
