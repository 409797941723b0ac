// The agent's Prometheus registry: Hubble-compatible flow metrics and Porin's agent metrics, fed through small interfaces.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Flow } from '../flow/flow.js';
import type { FlowObserver, LostSource } from '../flow/flow-service.js';
import {
  dropLabels,
  flowsProcessedLabels,
  httpLabels,
  policyVerdictLabels,
  portDistributionLabels,
  tcpFlagLabels,
} from './flow-metric-labels.js';

/** What the rest of the agent reports (the lead wires the policy engine, reconciler and endpoint manager to it). */
export interface AgentMetricsSink {
  /** One endpoint policy regeneration (resolve + reconcile) took this long. */
  observeRegeneration(seconds: number): void;
  /** Entries in use / capacity of a BPF map (0..1). */
  setMapPressure(mapName: string, ratio: number): void;
  /** Local endpoints managed. */
  setEndpoints(count: number): void;
  /** Events lost somewhere (`source` becomes the label value, lower-cased). */
  lostEvents(source: string, count: number): void;
  /** A policy-relevant change reached the kernel (`success`) or could not be written (`failure`). */
  policyChange(outcome: 'success' | 'failure'): void;
  /** Local endpoints whose kernel policy is not the computed one (they keep their previous policy). */
  setPolicyNotEnforced(count: number): void;
}

export interface PorinMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop) with the `porin_` prefix. */
  defaultMetrics?: boolean;
  /** Histogram buckets of porin_policy_regeneration_seconds. */
  regenerationBuckets?: number[];
}

const HUBBLE_LOST_SOURCES = new Set([
  'PERF_EVENT_RING_BUFFER',
  'OBSERVER_EVENTS_QUEUE',
  'HUBBLE_RING_BUFFER',
]);

type Labels = Record<string, string>;

/** A counter whose label children are cached by their joined values (prom-client hashes labels on every call). */
class FastCounter<L extends string> {
  private readonly children = new Map<string, { inc(n?: number): void }>();

  constructor(private readonly counter: Counter<L>) {}

  inc(labels: Record<L, string>, n = 1): void {
    let key = '';
    for (const k in labels) key += `${labels[k]}\u0000`;
    let child = this.children.get(key);
    if (!child) {
      child = this.counter.labels(labels as Labels as Record<L, string>);
      this.children.set(key, child);
    }
    child.inc(n);
  }
}

export class PorinMetrics implements FlowObserver, AgentMetricsSink {
  readonly registry = new Registry();
  private readonly policyChanges: FastCounter<'outcome'>;
  private readonly notEnforced: Gauge;
  private readonly flowsProcessed;
  private readonly drops;
  private readonly policyVerdicts;
  private readonly tcpFlags;
  private readonly ports;
  private readonly hubbleLost;
  private readonly porinLost;
  private readonly httpRequests;
  readonly httpDuration: Histogram<'method' | 'reporter'>;
  readonly regeneration: Histogram<string>;
  readonly mapPressure: Gauge<'map_name'>;
  readonly endpoints: Gauge<string>;

  constructor(opts: PorinMetricsOptions = {}) {
    const registers = [this.registry];
    this.flowsProcessed = new FastCounter(
      new Counter({
        name: 'hubble_flows_processed_total',
        help: 'Total number of flows processed',
        labelNames: ['type', 'subtype', 'verdict', 'protocol'] as const,
        registers,
      }),
    );
    this.drops = new FastCounter(
      new Counter({
        name: 'hubble_drop_total',
        help: 'Number of drops',
        labelNames: ['reason', 'protocol'] as const,
        registers,
      }),
    );
    this.policyVerdicts = new FastCounter(
      new Counter({
        name: 'hubble_policy_verdicts_total',
        help: 'Number of policy verdicts',
        labelNames: ['direction', 'match', 'action'] as const,
        registers,
      }),
    );
    this.tcpFlags = new FastCounter(
      new Counter({
        name: 'hubble_tcp_flags_total',
        help: 'TCP flag occurrences',
        labelNames: ['flag', 'family'] as const,
        registers,
      }),
    );
    this.ports = new FastCounter(
      new Counter({
        name: 'hubble_port_distribution_total',
        help: 'Numbers of packets distributed by destination port',
        labelNames: ['port', 'protocol'] as const,
        registers,
      }),
    );
    this.hubbleLost = new FastCounter(
      new Counter({
        name: 'hubble_lost_events_total',
        help: 'Number of lost events',
        labelNames: ['source'] as const,
        registers,
      }),
    );
    this.porinLost = new FastCounter(
      new Counter({
        name: 'porin_lost_events_total',
        help: 'Events lost anywhere in the agent, by where (datapath ring, flow ring, flow store, policy log)',
        labelNames: ['source'] as const,
        registers,
      }),
    );
    // Hubble's httpV2 handler: counted on responses, with the request's method and the response's status.
    this.httpRequests = new FastCounter(
      new Counter({
        name: 'hubble_http_requests_total',
        help: 'Count of HTTP requests',
        labelNames: ['method', 'protocol', 'status', 'reporter'] as const,
        registers,
      }),
    );
    this.httpDuration = new Histogram({
      name: 'hubble_http_request_duration_seconds',
      help: 'Quantiles of HTTP request duration in seconds',
      labelNames: ['method', 'reporter'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.regeneration = new Histogram({
      name: 'porin_policy_regeneration_seconds',
      help: 'Time to regenerate the policy of one endpoint (resolve and write its maps)',
      buckets: opts.regenerationBuckets ?? [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
      ],
      registers,
    });
    this.mapPressure = new Gauge({
      name: 'porin_bpf_map_pressure',
      help: 'Fill ratio of a BPF map (entries in use / max entries)',
      labelNames: ['map_name'] as const,
      registers,
    });
    this.endpoints = new Gauge({ name: 'porin_endpoints', help: 'Number of local endpoints', registers });
    this.policyChanges = new FastCounter(
      new Counter({
        name: 'porin_policy_change_total',
        help: 'Policy-relevant changes by whether the kernel holds them afterwards (as cilium_policy_change_total)',
        labelNames: ['outcome'] as const,
        registers,
      }),
    );
    this.notEnforced = new Gauge({
      name: 'porin_policy_endpoints_not_enforced',
      help: 'Local endpoints whose computed policy could not be written to the kernel',
      registers,
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'porin_' });
  }

  onFlow(f: Flow): void {
    this.flowsProcessed.inc(flowsProcessedLabels(f));
    const drop = dropLabels(f);
    if (drop) this.drops.inc(drop);
    const pv = policyVerdictLabels(f);
    if (pv) this.policyVerdicts.inc(pv);
    for (const t of tcpFlagLabels(f)) this.tcpFlags.inc(t);
    const port = portDistributionLabels(f);
    if (port) this.ports.inc(port);
    const http = httpLabels(f);
    if (http) {
      this.httpRequests.inc(http.requests);
      if (http.seconds !== undefined) this.httpDuration.observe(http.duration, http.seconds);
    }
  }

  onLost(source: LostSource, count: number): void {
    this.lostEvents(source, count);
  }

  lostEvents(source: string, count: number): void {
    if (count <= 0) return;
    if (HUBBLE_LOST_SOURCES.has(source)) this.hubbleLost.inc({ source: source.toLowerCase() }, count);
    this.porinLost.inc({ source: source.toLowerCase() }, count);
  }

  observeRegeneration(seconds: number): void {
    this.regeneration.observe(seconds);
  }

  setMapPressure(mapName: string, ratio: number): void {
    this.mapPressure.set({ map_name: mapName }, ratio);
  }

  setEndpoints(count: number): void {
    this.endpoints.set(count);
  }

  policyChange(outcome: 'success' | 'failure'): void {
    this.policyChanges.inc({ outcome });
  }

  setPolicyNotEnforced(count: number): void {
    this.notEnforced.set(count);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
