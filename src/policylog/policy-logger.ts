// Network policy logging: policy-verdict flows → GKE-format allow/deny records, delegated, aggregated, rate-limited, to a rotating file.
import type { Flow } from '../flow/flow.js';
import type { FlowObserver } from '../flow/flow-service.js';
import { DenyAggregator } from './deny-aggregator.js';
import {
  annotationEnabled,
  DEFAULT_NETWORK_LOGGING,
  ENABLE_DENY_LOGGING_ANNOTATION,
  ENABLE_LOGGING_ANNOTATION,
  type NetworkLoggingSpec,
  type PolicyLogContext,
} from './network-logging.js';
import { formatPolicyLogEntry, type PolicyLogEntry, policyLogEntryOf } from './policy-log-entry.js';
import { RotatingLogFile, type RotatingLogFileOptions } from './rotating-log-file.js';
import { type Clock, systemClock, TokenBucket } from './token-bucket.js';

const POLICY_VERDICT = 5;
const L7_EVENT = 129;

/** GKE's defaults (`/var/log/network/policy_action.log`, 10 MB × 5, 500 records/s, 5 s deny aggregation over 3000 keys). */
export const POLICY_LOG_DEFAULTS = Object.freeze({
  filePath: '/var/log/network/policy_action.log',
  maxFileBytes: 10 * 1024 * 1024,
  maxBackups: 5,
  maxLogRate: 500,
  denyAggregationMs: 5000,
  denyAggregationMapSize: 3000,
});

export type PolicyLogDropReason = 'rate-limit' | 'aggregation-full' | 'write-error';

export interface PolicyLoggerOptions {
  spec?: NetworkLoggingSpec;
  /** Annotation lookups for delegated logging (without it, delegated logging logs nothing). */
  context?: PolicyLogContext;
  nodeName?: string;
  /** Put `node_name` in records (default true). */
  logNodeName?: boolean;
  /** Where records go: a rotating file (default GKE's path) or any line sink (tests, stdout). */
  output?: RotatingLogFileOptions | { writeLine(line: string): void; close?(): void };
  /** Records per second per node (default 500). */
  maxLogRate?: number;
  /** Bucket size (default = the rate: no extra burst, as GKE). */
  burst?: number;
  denyAggregationMs?: number;
  denyAggregationMapSize?: number;
  clock?: Clock;
  /** Told about every record that could not be written (never silently dropped). */
  onDropped?: (reason: PolicyLogDropReason, count: number) => void;
}

export interface PolicyLoggerStats {
  /** Records written. */
  logged: number;
  /** Denies folded into a record already held. */
  aggregated: number;
  dropped: Record<PolicyLogDropReason, number>;
  /** Verdicts not logged because logging is off or not delegated to them. */
  notEnabled: number;
}

export class PolicyLogger implements FlowObserver {
  private spec: NetworkLoggingSpec;
  private readonly out: { writeLine(line: string): void; close?(): void };
  private readonly bucket: TokenBucket;
  private readonly aggregator: DenyAggregator;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: PolicyLoggerStats = {
    logged: 0,
    aggregated: 0,
    dropped: { 'rate-limit': 0, 'aggregation-full': 0, 'write-error': 0 },
    notEnabled: 0,
  };

  constructor(private readonly opts: PolicyLoggerOptions = {}) {
    this.spec = opts.spec ?? DEFAULT_NETWORK_LOGGING;
    this.clock = opts.clock ?? systemClock;
    const out = opts.output ?? { path: POLICY_LOG_DEFAULTS.filePath };
    this.out = 'writeLine' in out ? out : new RotatingLogFile(out);
    const rate = opts.maxLogRate ?? POLICY_LOG_DEFAULTS.maxLogRate;
    this.bucket = new TokenBucket(rate, opts.burst ?? rate, this.clock);
    this.aggregator = new DenyAggregator({
      windowMs: opts.denyAggregationMs ?? POLICY_LOG_DEFAULTS.denyAggregationMs,
      maxKeys: opts.denyAggregationMapSize ?? POLICY_LOG_DEFAULTS.denyAggregationMapSize,
    });
  }

  /** Replaces the cluster-wide configuration (the NetworkLogging object changed). */
  setSpec(spec: NetworkLoggingSpec): void {
    this.spec = spec;
  }

  /** Emits due deny records every second (unref'd timer). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  private drop(reason: PolicyLogDropReason, count = 1): void {
    this.stats.dropped[reason] += count;
    this.opts.onDropped?.(reason, count);
  }

  private emit(entry: PolicyLogEntry): void {
    if (!this.bucket.take()) {
      this.drop('rate-limit');
      return;
    }
    try {
      this.out.writeLine(formatPolicyLogEntry(entry));
      this.stats.logged++;
    } catch {
      this.drop('write-error');
    }
  }

  onFlow(flow: Flow): void {
    // Connection verdicts, and L7 requests the proxy judged (their responses would only repeat them).
    const l7Request = flow.event_type?.type === L7_EVENT && flow.l7?.type === 'REQUEST';
    if (flow.event_type?.type !== POLICY_VERDICT && !l7Request) return;
    const nodeName = this.opts.logNodeName === false ? undefined : this.opts.nodeName;
    const entry = policyLogEntryOf(flow, nodeName);
    if (!entry) return;
    const ctx = this.opts.context;
    if (entry.disposition === 'allow') {
      const cfg = this.spec.cluster.allow;
      // GKE skips allowed connections no policy is credited with, and node (non-pod) local sides.
      const local = entry.connection.direction === 'ingress' ? entry.dest : entry.src;
      if (!cfg.log || !entry.policies || !local.pod_name) {
        this.stats.notEnabled++;
        return;
      }
      if (cfg.delegate) {
        const annotated = entry.policies.filter((p) =>
          annotationEnabled(ctx?.policyAnnotations(p), ENABLE_LOGGING_ANNOTATION),
        );
        if (annotated.length === 0) {
          this.stats.notEnabled++;
          return;
        }
        entry.policies = annotated;
      }
      this.emit(entry);
      return;
    }
    const cfg = this.spec.cluster.deny;
    if (!cfg.log) {
      this.stats.notEnabled++;
      return;
    }
    if (cfg.delegate) {
      // Ingress denies belong to the destination pod's namespace, egress denies to the source's.
      const ns =
        entry.connection.direction === 'ingress' ? entry.dest.pod_namespace : entry.src.pod_namespace;
      if (!ns || !annotationEnabled(ctx?.namespaceAnnotations(ns), ENABLE_DENY_LOGGING_ANNOTATION)) {
        this.stats.notEnabled++;
        return;
      }
    }
    switch (this.aggregator.add(entry, this.clock.nowMs())) {
      case 'merged':
        this.stats.aggregated++;
        break;
      case 'full':
        this.drop('aggregation-full');
        break;
    }
  }

  /** Writes the deny records whose aggregation window has ended. */
  tick(): void {
    for (const e of this.aggregator.due(this.clock.nowMs())) this.emit(e);
  }

  /** Writes what is held and closes the file. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const e of this.aggregator.drain()) this.emit(e);
    this.out.close?.();
  }
}
