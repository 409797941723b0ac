// The agent's side of the L7 proxy: ports, the process, the policy feed with its revision barrier, audit redirects, events in.
import type { DirectionInput } from '../datapath/index.js';
import type { DirectionPolicy, PolicyEngine, PolicyEntry, PolicyRef } from '../policy/index.js';
import type { ListenerStatus, ProxyStatus, WireL7Event } from '../proxy/feed-protocol.js';
import { proxyPaths } from '../proxy/proxy-process.js';
import { ProxyFeedClient } from './proxy-feed.js';
import { ProxyPorts } from './proxy-ports.js';
import { buildProxySnapshot, type LocalEndpointRef } from './proxy-snapshot.js';
import { ProxySupervisor } from './proxy-supervisor.js';

export interface L7ProxyOptions {
  runDir: string;
  stateDir: string;
  pinDir: string;
  logFile: string;
  engine: PolicyEngine;
  /** Every policy, audit-mode ones included, and which are in audit mode (when the agent has them). */
  audit?: () => { engine: PolicyEngine; isAudit: (p: PolicyRef) => boolean } | undefined;
  /** Local endpoints now (key, address, endpoint id, identity). */
  endpoints: () => LocalEndpointRef[];
  onEvents: (events: readonly WireL7Event[], dropped: number) => void;
  log: (m: string) => void;
  /** Extra proxy arguments (tests). */
  proxyArgs?: readonly string[];
}

export interface ProxyComponentStatus {
  running: boolean;
  pid?: number;
  connected: boolean;
  /** The newest revision sent, and the one the proxy acknowledged (is enforcing). */
  publishedRevision: number;
  ackedRevision: number;
  listeners: readonly ListenerStatus[];
  /** The proxy's own report (connections, requests, denials, counters). */
  report?: ProxyStatus;
  error?: string;
}

const samePeer = (a: PolicyEntry, b: PolicyEntry) =>
  a.peer.kind === 'identity' && b.peer.kind === 'identity' && a.peer.id === b.peer.id;
const covers = (a: PolicyEntry, b: PolicyEntry) =>
  a.protocol === 0 || (a.protocol === b.protocol && a.portLo <= b.portLo && a.portHi >= b.portHi);

export class L7Proxy {
  readonly ports: ProxyPorts;
  private readonly supervisor: ProxySupervisor;
  readonly feed: ProxyFeedClient;
  private revision = 0;
  /** Store revision → the first proxy revision published after the engine applied it. */
  private readonly published: Array<{ store: number; proxy: number; l7: boolean }> = [];
  private pending: NodeJS.Timeout | undefined;
  private pendingStore = 0;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly o: L7ProxyOptions) {
    this.ports = new ProxyPorts(`${o.stateDir}/proxy-ports.json`);
    this.supervisor = new ProxySupervisor({
      runDir: o.runDir,
      pinDir: o.pinDir,
      logFile: o.logFile,
      ...(o.proxyArgs ? { extraArgs: o.proxyArgs } : {}),
    });
    this.feed = new ProxyFeedClient({
      socketPath: proxyPaths(o.runDir).socket,
      onEvents: o.onEvents,
      log: o.log,
    });
  }

  /** Ports first (policy entries name them), then the process and the feed; the first snapshot follows. */
  async start(storeRevision: number): Promise<void> {
    await this.ports.ensure();
    const r = this.supervisor.ensure();
    this.o.log(`L7 proxy ${r.adopted ? 'adopted' : 'started'}: pid ${r.pid}`);
    this.feed.start();
    this.publish(storeRevision);
    // A proxy that died is started again; the feed reconnects and sends the latest snapshot.
    this.watchdog = setInterval(() => {
      if (this.supervisor.running() === undefined) {
        const s = this.supervisor.ensure();
        this.o.log(`L7 proxy was gone: started again (pid ${s.pid})`);
      }
    }, 2000);
    this.watchdog.unref();
  }

  /** The port a redirect entry needs (EndpointManager → PolicyReconciler). */
  proxyPort = (entry: PolicyEntry, direction: 'ingress' | 'egress'): number =>
    this.ports.forEntry(entry, direction);

  /**
   * What the datapath enforces for an endpoint: the engine's policy plus redirects for audit-mode L7 rules
   * (so the proxy sees those requests and reports AUDIT). Only where the enforced policy lets the peer in
   * anyway: an audit-mode rule never turns a kernel drop into a redirect.
   */
  policyFor = (key: string): { ingress: DirectionInput; egress: DirectionInput } => {
    const p = this.o.engine.policyOf(key);
    const a = this.o.audit?.();
    if (!a?.engine.endpoint(key)) return p;
    const ap = a.engine.policyOf(key);
    const augment = (enf: DirectionPolicy, aud: DirectionPolicy): DirectionInput => {
      const extra = aud.entries.filter(
        (e) =>
          e.l7 &&
          !e.deny &&
          e.origins.every(a.isAudit) &&
          (!enf.defaultDeny || enf.entries.some((x) => !x.deny && samePeer(x, e) && covers(x, e))),
      );
      return extra.length === 0 ? enf : { ...enf, entries: [...enf.entries, ...extra] };
    };
    return { ingress: augment(p.ingress, ap.ingress), egress: augment(p.egress, ap.egress) };
  };

  /** The engine applied `storeRevision`: publish a new snapshot soon (changes within 10 ms coalesce). */
  changed(storeRevision: number): void {
    this.pendingStore = Math.max(this.pendingStore, storeRevision);
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.publish(this.pendingStore);
    }, 10);
  }

  private publish(storeRevision: number): void {
    this.revision = Math.max(this.revision + 1, storeRevision);
    const snapshot = buildProxySnapshot({
      revision: this.revision,
      listeners: this.ports.listeners(),
      engine: this.o.engine,
      ...(this.o.audit?.() ? { audit: this.o.audit()! } : {}),
      endpoints: this.o.endpoints(),
    });
    this.feed.publish(snapshot);
    const l7 = snapshot.endpoints.some((e) =>
      [e.policy, e.audit].some((p) => p && (p.ingress.entries.length > 0 || p.egress.entries.length > 0)),
    );
    this.published.push({ store: storeRevision, proxy: this.revision, l7 });
    if (this.published.length > 256) this.published.shift();
  }

  /**
   * The revision barrier's L7 term: the store revision the kernel holds (`applied`) counts as enforced
   * only once the proxy acknowledged a snapshot made after it — while the newest snapshot has L7 rules
   * at all (without any, the proxy enforces nothing and cannot hold the barrier back).
   */
  barrier(applied: number): number {
    const latest = this.published[this.published.length - 1];
    if (!latest?.l7) return applied;
    if (!this.pending && this.feed.ackedRevision >= latest.proxy) return applied;
    let acked = 0;
    for (const p of this.published) if (p.proxy <= this.feed.ackedRevision) acked = Math.max(acked, p.store);
    return Math.min(applied, acked);
  }

  /** A snapshot the proxy refused, as a policy failure (`porin apply` reports it at once). */
  failures(): Array<{ key: string; error: string; revision: number; cause: string }> {
    const nack = this.feed.lastNack;
    if (!nack || nack.revision <= this.feed.ackedRevision) return [];
    const store = this.published.find((p) => p.proxy === nack.revision)?.store ?? 0;
    return [
      {
        key: 'l7-proxy',
        error: `the L7 proxy refused revision ${nack.revision}: ${nack.error}`,
        revision: store,
        cause: 'the L7 proxy feed',
      },
    ];
  }

  async status(): Promise<ProxyComponentStatus> {
    const pid = this.supervisor.running();
    const report = await this.feed.status(1000);
    return {
      running: pid !== undefined,
      ...(pid !== undefined ? { pid } : {}),
      connected: this.feed.connected,
      publishedRevision: this.revision,
      ackedRevision: this.feed.ackedRevision,
      listeners: report?.listeners ?? this.feed.listeners,
      ...(report ? { report } : {}),
      ...(this.feed.lastNack ? { error: this.feed.lastNack.error } : {}),
    };
  }

  /** The agent stops: the proxy keeps running with its last policy. */
  stop(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.pending) clearTimeout(this.pending);
    this.feed.close();
  }

  /** Teardown: the proxy goes too. */
  async teardown(): Promise<void> {
    this.stop();
    await this.supervisor.stop();
  }
}
