// Datapath events → flows: the monitor, the flow service (ring + durable store), metrics and policy logging.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RouteTable } from '../api/index.js';
import type { ObjectStore } from '../cluster/store/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { DatapathEvent, LxcDatapath, RingReader } from '../datapath/index.js';
import type { EndpointManager } from '../endpoints/index.js';
import { FlowBuilder } from '../flow/flow-builder.js';
import { registerFlowRoutes } from '../flow/flow-routes.js';
import { FlowService } from '../flow/flow-service.js';
import { FlowStore } from '../flow/flow-store.js';
import { buildL7Flow, type L7Observation } from '../flow/l7-flow.js';
import { PorinMetrics, registerMetricsRoute, serveMetrics } from '../metrics/index.js';
import { Monitor } from '../monitor/monitor.js';
import type { PolicyEngine } from '../policy/index.js';
import { PolicyLogger, parseNetworkLogging } from '../policylog/index.js';
import type { FlowAuditor } from './flow-auditor.js';
import { AgentFlowContext, type ServiceLookup } from './flow-context.js';

/**
 * Network-policy logging configuration: `$PORIN_STATE_DIR/network-logging.yaml` (a GKE `NetworkLogging`
 * object) when present; otherwise denies are logged cluster-wide and allows where a namespace or policy
 * asks for it by annotation.
 */
function networkLogging(stateDir: string) {
  const file = join(stateDir, 'network-logging.yaml');
  if (existsSync(file)) return parseNetworkLogging(parse(readFileSync(file, 'utf8')));
  return parseNetworkLogging({
    cluster: { allow: { log: true, delegate: true }, deny: { log: true, delegate: false } },
  });
}

export class FlowPipeline {
  readonly metrics = new PorinMetrics();
  readonly service: FlowService;
  private readonly logger: PolicyLogger;
  private readonly monitor = new Monitor();
  private reader: RingReader<DatapathEvent> | undefined;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;

  private readonly context: AgentFlowContext;
  private readonly nodeName: string;

  private constructor(
    private readonly config: ClusterConfig,
    private readonly datapath: LxcDatapath | undefined,
    /** The durable store (the insight routes aggregate it). */
    readonly store: FlowStore,
    engine: PolicyEngine,
    endpoints: EndpointManager | undefined,
    objects: ObjectStore,
    auditor: FlowAuditor | undefined,
    services?: ServiceLookup,
  ) {
    const context = new AgentFlowContext(engine, endpoints, config.clusterName, services);
    this.context = context;
    this.nodeName = config.nodeName;
    // Annotations for delegated logging come from the objects the engine already holds.
    const annotations = new Map<string, Record<string, string>>();
    const watch = objects.watch({}, undefined, (ev) => {
      const o = ev.object;
      if (
        o.kind !== 'Namespace' &&
        o.kind !== 'NetworkPolicy' &&
        o.kind !== 'CiliumNetworkPolicy' &&
        o.kind !== 'CiliumClusterwideNetworkPolicy'
      )
        return;
      const k = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (ev.type === 'DELETED') annotations.delete(k);
      else annotations.set(k, o.metadata.annotations ?? {});
    });
    this.unwatch = watch;
    this.logger = new PolicyLogger({
      spec: networkLogging(config.stateDir),
      context: {
        namespaceAnnotations: (ns) => annotations.get(`Namespace//${ns}`),
        policyAnnotations: (p) => annotations.get(`${p.kind}/${p.namespace ?? ''}/${p.name}`),
      },
      nodeName: config.nodeName,
      output: { path: join(config.stateDir, 'logs', 'policy_action.log') },
      onDropped: (_reason, n) => this.metrics.lostEvents('POLICY_LOG', n),
    });
    this.service = new FlowService({
      context,
      nodeName: config.nodeName,
      store,
      observers: [this.metrics, this.logger],
    });
    if (auditor) {
      // Build here to give audit mode its say before the flow is stored, counted and logged.
      const builder = new FlowBuilder(context, { nodeName: config.nodeName });
      const service = this.service;
      this.monitor.subscribe({
        onEvent(ev, timeNs) {
          const flow = builder.build(ev, timeNs);
          auditor.apply(flow);
          service.ingestFlow(flow, timeNs);
        },
        onLost: (source, count, timeNs) => service.onLost(source, count, timeNs),
      });
    } else this.monitor.subscribe(this.service);
  }

  private readonly unwatch: () => void;

  static async create(
    config: ClusterConfig,
    datapath: LxcDatapath | undefined,
    engine: PolicyEngine,
    endpoints: EndpointManager | undefined,
    objects: ObjectStore,
    auditor?: FlowAuditor,
    services?: ServiceLookup,
  ): Promise<FlowPipeline> {
    mkdirSync(join(config.stateDir, 'logs'), { recursive: true });
    const store = FlowStore.open({ path: join(config.stateDir, 'flows.db') });
    return new FlowPipeline(config, datapath, store, engine, endpoints, objects, auditor, services);
  }

  /** L7 events from the proxy → flows (ring, store, `porin observe`, metrics, policy log). */
  ingestL7(events: readonly L7Observation[], dropped: number): void {
    for (const ev of events) {
      try {
        this.service.ingestFlow(buildL7Flow(ev, this.context, this.nodeName));
      } catch {
        this.service.errors++;
      }
    }
    if (dropped > 0) this.metrics.lostEvents('L7_PROXY', dropped);
  }

  async start(api: RouteTable): Promise<void> {
    this.logger.start();
    this.service.start();
    registerFlowRoutes(api, this.service);
    registerMetricsRoute(api, this.metrics);
    const port = this.config.metricsPort;
    if (port > 0) this.server = await serveMetrics(this.metrics, { host: '127.0.0.1', port });
    if (this.datapath) {
      const dp = this.datapath;
      this.reader = dp.eventReader((e) => this.monitor.push(e));
      // Drained on a 10 ms timer rather than woken per event: being woken for nearly every event cost
      // 8–25 % of the new-connection rate in the datapath bench, polling about nothing (≈ not reading).
      const reader = this.reader;
      let ticks = 0;
      this.timer = setInterval(() => {
        reader.poll();
        if (++ticks % 100 === 0) this.monitor.sampleDatapathLost(dp.eventsLost());
      }, 10);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.reader?.poll();
    this.unwatch();
    await this.service.close();
    await this.logger.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
