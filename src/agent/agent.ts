// The agent: composition root of the embedded cluster — build in order, start, stop in reverse.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentStatus, ApiServer } from '../api/index.js';
import { ControllerManager } from '../cluster/controllers/index.js';
import { ClusterDnsServer, resolvConf } from '../cluster/dns/index.js';
import { PodRuntime } from '../cluster/runtime/index.js';
import { FileObjectStore, type ObjectStore, type Unsubscribe } from '../cluster/store/index.js';
import { workloadForContainer } from '../cluster/workloads/index.js';
import { WorldController } from '../cluster/world/index.js';
import { type CniServer, porinCniBinary } from '../cni/index.js';
import { type ClusterConfig, paths } from '../config/cluster-config.js';
import { LxcDatapath } from '../datapath/index.js';
import { EndpointManager, sweepConntrack } from '../endpoints/index.js';
import {
  ensureBpffs,
  ensureHostNetwork,
  ensureProxyRouting,
  netnsPath,
  sweepCluster,
  worldNetwork,
} from '../host/index.js';
import { FileIdentityStore } from '../identity/index.js';
import { WORLD_DNS_ADDRESS } from '../net/documentation-ranges.js';
import { PolicyEngine } from '../policy/index.js';
import type { EndpointSlice, Pod, Service } from '../resources/index.js';
import { EXTERNAL_HOST_RANGES } from '../services/index.js';
import { clusterDefaults, hostAddress } from './cluster-defaults.js';
import { cniPort, startCniServer } from './cni-port.js';
import { registerDebugRoutes } from './debug-routes.js';
import { deviceAddresses } from './device-addresses.js';
import { EventRecorder } from './event-recorder.js';
import { FlowAuditor } from './flow-auditor.js';
import { FlowPipeline } from './flow-pipeline.js';
import { fqdnCheck, worldCheck } from './fqdn-health.js';
import { FqdnSync } from './fqdn-sync.js';
import {
  type ComponentHealth,
  cniCheck,
  datapathCheck,
  dnsCheck,
  type HealthCheck,
  lbCheck,
  policyCheck,
  runHealthChecks,
  storeCheck,
} from './health-checks.js';
import { L7Proxy } from './l7-proxy.js';
import { registerLbRoutes } from './lb-routes.js';
import { LoadBalancer } from './load-balancer.js';
import { PolicySync } from './policy-sync.js';
import { proxyComponent, registerProxyRoutes } from './proxy-routes.js';
import { registerInsight, startAgentUi } from './ui-wiring.js';

export class Agent {
  store!: ObjectStore;
  private runtime!: PodRuntime;
  private cni!: ReturnType<typeof cniPort>;
  private cniServer: CniServer | undefined;
  private controllers!: ControllerManager;
  private dns!: ClusterDnsServer;
  lb: LoadBalancer | undefined;
  private api!: ApiServer;
  private flows: FlowPipeline | undefined;
  private ui: { close(): Promise<void> } | undefined;
  engine!: PolicyEngine;
  datapath: LxcDatapath | undefined;
  endpoints: EndpointManager | undefined;
  private policy!: PolicySync;
  private l7: L7Proxy | undefined;
  private fqdn: FqdnSync | undefined;
  private world: WorldController | undefined;
  /** Called after a teardown request was answered (the daemon exits). */
  onTeardown: (() => void) | undefined;
  private readonly unwatch: Unsubscribe[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly startedAt = new Date().toISOString();
  readonly errors: string[] = [];
  private podSpecs = new Map<string, string>();
  private dnsTimer: NodeJS.Timeout | undefined;
  private ctGc: { scanned: number; deleted: number; at: string } | undefined;

  constructor(
    readonly config: ClusterConfig,
    readonly log: (message: string) => void,
  ) {}

  error(message: string): void {
    this.log(`error: ${message}`);
    this.errors.push(`${new Date().toISOString()} ${message}`);
    if (this.errors.length > 50) this.errors.shift();
  }

  async start(): Promise<void> {
    const c = this.config;
    const p = paths(c);
    for (const d of [c.stateDir, c.runDir, p.logs]) mkdirSync(d, { recursive: true });
    writeFileSync(p.pidFile, String(process.pid));
    // Safety first: blackholes and the pod routing table exist before any pod address is used.
    ensureHostNetwork(c);
    this.store = await FileObjectStore.open(p.store);
    await this.store.apply(clusterDefaults(c));

    this.controllers = new ControllerManager(this.store, { lbPool: c.lbPool });
    this.controllers.start();

    // The outside world first: cluster DNS forwards names outside the zone to the world's DNS server.
    if (c.world) {
      this.world = new WorldController({
        store: this.store,
        // The agent runs on the cluster's host (its namespace): the world hangs off the current namespace.
        network: { prefix: c.prefix, tables: ['main', c.routeTable] },
        dir: join(c.runDir, 'world'),
        log: (m) => this.error(m),
      });
      await this.world.start();
    }
    this.dns = new ClusterDnsServer({
      address: c.dnsBackendIP,
      nameserverAddresses: [c.dnsServiceIP],
      port: 53,
      zone: c.dnsZone,
      upstreams: c.upstreamDns.length > 0 || !c.world ? [...c.upstreamDns] : [WORLD_DNS_ADDRESS],
    });
    await this.dns.start();

    const refreshDns = () => {
      if (this.dnsTimer) return;
      this.dnsTimer = setTimeout(async () => {
        this.dnsTimer = undefined;
        const [services, endpointSlices, pods] = await Promise.all([
          this.store.list('Service'),
          this.store.list('EndpointSlice'),
          this.store.list('Pod'),
        ]);
        this.dns.setClusterState({
          services: services.items as Service[],
          endpointSlices: endpointSlices.items as EndpointSlice[],
          pods: pods.items as Pod[],
        });
      }, 20);
    };
    for (const kind of ['Service', 'EndpointSlice'] as const) {
      this.unwatch.push(
        this.store.watch({ kind }, undefined, () => {
          refreshDns();
        }),
      );
    }

    // Policy: the engine learns the whole cluster before the datapath is written (restart safety: the
    // pinned maps keep enforcing meanwhile, and the first sync writes only differences).
    this.engine = new PolicyEngine({
      cluster: c.clusterName,
      identityStore: new FileIdentityStore(p.identities),
      deploymentsAsPods: false,
      localNode: c.nodeName,
    });
    if (c.datapath) {
      ensureBpffs();
      // c.policyMapMax sizes the shared policy map (tests use a tiny one to exercise capacity errors).
      // The L7 redirect: the fwmark rule, local table and proxy device exist before the programs load.
      const proxyDevice = ensureProxyRouting(undefined, {
        savedSysctls: join(c.runDir, 'proxy-sysctls.json'),
      });
      this.datapath = LxcDatapath.load({
        pinDir: c.pinDir,
        config: { proxyIfindex: proxyDevice.ifindex },
        ...(c.policyMapMax > 0 ? { maxEntries: { porin_policy: c.policyMapMax } } : {}),
      });
      this.datapath.attachProxyDevice(proxyDevice.ifindex);
      this.l7 = new L7Proxy({
        runDir: c.runDir,
        stateDir: c.stateDir,
        pinDir: c.pinDir,
        logFile: join(p.logs, 'proxy.log'),
        engine: this.engine,
        audit: () =>
          this.policy?.auditEngine
            ? { engine: this.policy.auditEngine, isAudit: (r) => this.policy.isAudit(r) }
            : undefined,
        endpoints: () =>
          (this.endpoints?.list() ?? []).map((l) => ({
            key: l.key,
            ip: l.ip,
            id: l.id,
            identity: l.identity,
          })),
        onEvents: (events, dropped) => this.flows?.ingestL7(events, dropped),
        log: (m) => this.log(m),
      });
      await this.l7.ports.ensure(); // policy entries name the ports
      this.endpoints = new EndpointManager(
        this.datapath,
        this.engine,
        join(c.stateDir, 'endpoint-ids.json'),
        (m) => this.error(m),
        { proxyPort: this.l7.proxyPort, policyFor: this.l7.policyFor },
      );
    } else this.log('datapath disabled (PORIN_DATAPATH=off): no policy enforcement');
    this.policy = new PolicySync(this.store, this.engine, this.endpoints, c, (m) => this.log(m));
    const events = new EventRecorder(this.store, c.nodeName, (m) => this.log(m));
    this.policy.onOutcome = (o) => {
      this.flows?.metrics.policyChange(o.failures.length ? 'failure' : 'success');
      this.flows?.metrics.setPolicyNotEnforced(this.policy.failing().length);
      if (o.failures.length === 0) return;
      const message = `not enforced on ${o.failures.map((f) => `${f.key}: ${f.error}`).join('; ')}`;
      this.error(`${o.object.kind} ${o.object.metadata.name}: ${message}`);
      void events.record(o.object, 'Warning', 'PolicyNotEnforced', message);
    };
    // Audit mode: a second engine holds every policy; flows the datapath forwarded are checked against it.
    const auditEngine = new PolicyEngine({
      cluster: c.clusterName,
      deploymentsAsPods: false,
      localNode: c.nodeName,
    });
    this.policy.auditEngine = auditEngine;
    const auditor = new FlowAuditor(auditEngine, (p) => this.policy.isAudit(p));
    this.policy.onApplied = (revision) => this.l7?.changed(revision);
    await this.policy.start();
    // FQDN identities of the restored DNS caches exist before the first datapath write (runtime.resync below).
    this.fqdn = new FqdnSync({
      config: c,
      store: this.store,
      engine: this.engine,
      endpoints: this.endpoints,
      conntrack: this.datapath?.maps.conntrack,
      log: (m) => this.log(m),
    });
    this.fqdn.start();

    // Services: the eBPF load balancer (socket LB for pods and the host, packet LB on lbDevices) is
    // in place before any pod starts, so a pod's first connection to a ClusterIP is already translated.
    if (this.datapath) {
      const hostIP = c.nodeAddress ?? hostAddress();
      // Traffic from outside comes in on the configured devices, and from the world on its veth.
      const worldIf = this.world ? worldNetwork({ prefix: c.prefix, tables: [] }).hostIf : undefined;
      const lbDevices = [...c.lbDevices, ...(worldIf && !c.lbDevices.includes(worldIf) ? [worldIf] : [])];
      this.lb = await LoadBalancer.start({
        store: this.store,
        pinDir: c.pinDir,
        cgroupPath: c.cgroupDir,
        hostNetns: c.hostNetns ? netnsPath(c.hostNetns) : null,
        nodeName: c.nodeName,
        nodeAddresses: [...(hostIP ? [hostIP] : []), ...deviceAddresses(lbDevices)],
        externalDevices: lbDevices,
        algorithm: c.lbAlgorithm,
        maglevTableSize: c.maglevTableSize,
        // Host safety: backends only inside the cluster, the node itself and the test world's ranges.
        backendRanges: [c.clusterCIDR, ...EXTERNAL_HOST_RANGES, ...(hostIP ? [hostIP] : [])],
        log: (m) => this.error(m),
      });
    } else this.log('datapath disabled: services are not load balanced');

    const hostIP = hostAddress();
    // Before the runtime: every CNI call it makes comes back here through the thin plugin.
    this.cniServer = await startCniServer(c, (m) => this.log(m));
    this.cni = cniPort(c);
    this.runtime = new PodRuntime({
      config: c,
      cni: this.cni,
      workloadFor: (container, pod) => workloadForContainer(container, pod),
      resolvConf: (namespace) => resolvConf({ namespace, nameserver: c.dnsServiceIP, zone: c.dnsZone }),
      setStatus: async (pod, status) => {
        try {
          await this.store.updateStatus('Pod', pod.metadata.namespace, pod.metadata.name, status);
        } catch (e) {
          if ((e as { code?: string }).code !== 'PORIN_ERR_NOT_FOUND') throw e;
        }
      },
      log: (m) => this.log(m),
      sandboxReady: (pod, rec) => {
        this.lb?.sandboxReady(rec.uid, netnsPath(rec.netns));
        return this.policy.sandboxReady(pod, rec);
      },
      sandboxGone: (rec) => {
        this.lb?.sandboxGone(rec.uid);
        return this.policy.sandboxGone(rec);
      },
      stateDir: c.stateDir,
      runDir: c.runDir,
      ...(hostIP ? { hostIP } : {}),
    });
    this.runtime.start();
    const pods = (await this.store.list('Pod')).items as Pod[];
    await this.runtime.resync(pods);
    this.lb?.finishNetnsResync();
    for (const pod of pods) this.podSpecs.set(pod.metadata.uid!, JSON.stringify(pod.spec));
    this.unwatch.push(
      this.store.watch({ kind: 'Pod' }, undefined, (ev) => {
        refreshDns();
        const pod = ev.object as Pod;
        const uid = pod.metadata.uid!;
        if (ev.type === 'DELETED') {
          this.podSpecs.delete(uid);
          void this.runtime.remove(pod);
          return;
        }
        // Status updates (ours) come back as MODIFIED: act only on new pods and spec changes.
        const spec = JSON.stringify(pod.spec);
        if (this.podSpecs.get(uid) === spec) return;
        this.podSpecs.set(uid, spec);
        void this.runtime.upsert(pod);
      }),
    );
    this.timers.push(setInterval(() => void this.runtime.refreshAll(), 3000));
    if (this.datapath) {
      const ct = this.datapath.maps.conntrack;
      this.timers.push(
        setInterval(() => {
          const r = sweepConntrack(ct);
          this.ctGc = { ...r, at: new Date().toISOString() };
        }, 30_000),
      );
    }

    this.api = new ApiServer({ store: this.store, socketPath: p.socket });
    this.api.route('GET', '/v1/status', () => this.status());
    registerProxyRoutes(this.api, { l7: this.l7 });
    this.api.route('POST', '/v1/teardown', async (req) => {
      const body = (await req.json()) as { keepState?: boolean } | undefined;
      setImmediate(() => {
        void this.teardown(body?.keepState === true)
          .catch((e: unknown) => this.error(`teardown: ${(e as Error).message}`))
          .finally(() => this.onTeardown?.());
      });
      return { accepted: true };
    });
    registerLbRoutes(this.api, () => this.lb);
    this.fqdn.routes(this.api);
    registerDebugRoutes(this.api, {
      // The barrier `porin apply` waits for: the kernel holds the change and, with L7 rules, the proxy too.
      appliedRevision: () => this.l7?.barrier(this.policy.appliedRevision) ?? this.policy.appliedRevision,
      policyFailures: () => [...this.policy.failing(), ...(this.l7?.failures() ?? [])],
      engine: this.engine,
      endpoints: this.endpoints,
      datapath: this.datapath,
    });
    this.flows = await FlowPipeline.create(
      c,
      this.datapath,
      this.engine,
      this.endpoints,
      this.store,
      auditor,
      () => this.lb?.sync.index,
    );
    await this.flows.start(this.api);
    await this.l7?.start(this.policy.appliedRevision);
    registerInsight(this.api, this.store, () => this.flows?.store, c);
    this.policy.onRegeneration = (seconds) => this.flows?.metrics.observeRegeneration(seconds);
    const gauges = () => {
      const m = this.flows?.metrics;
      if (!m) return;
      m.setEndpoints(this.endpoints?.list().length ?? this.engine.listEndpoints().length);
      const u = this.endpoints?.reconciler.usage();
      if (u) {
        m.setMapPressure('porin_policy', u.policy.used / u.policy.max);
        m.setMapPressure('porin_policy_addr', u.addr.used / u.addr.max);
      }
    };
    gauges();
    this.timers.push(setInterval(gauges, 5000));
    await this.api.listen();
    this.ui = await startAgentUi(c, p.socket, (m) => this.log(m));
    refreshDns();
    this.log(`agent ${process.pid} ready: node ${c.nodeName}, pod CIDR ${c.podCIDR}, DNS ${c.dnsServiceIP}`);
  }

  /** Each component's health, from real checks (see health-checks.ts). */
  async status(): Promise<AgentStatus> {
    const c = this.config;
    // The L7 proxy's own report (a live question over the feed), for its component line and `--json`.
    const l7 = await this.l7?.status();
    const checks: Array<[string, HealthCheck]> = [
      ['store', storeCheck(this.store, paths(c).store)],
      ['controllers', async () => this.controllersHealth()],
      ['cluster-dns', dnsCheck(c.dnsServiceIP, c.dnsZone)],
      [
        'cni',
        cniCheck(
          porinCniBinary(),
          () => this.cni.status(),
          () => this.runtime.list().length,
        ),
      ],
      ['load-balancer', lbCheck(() => this.lb)],
      [
        'datapath',
        datapathCheck(c.pinDir, this.endpoints, () =>
          this.ctGc
            ? `; conntrack GC ${this.ctGc.deleted}/${this.ctGc.scanned} expired at ${this.ctGc.at}`
            : '',
        ),
      ],
      [
        'policy',
        policyCheck(
          () => this.policy.appliedRevision,
          () => this.policy.failing(),
          () =>
            (this.endpoints?.list() ?? []).flatMap((e) =>
              (e.policy?.warnings ?? []).filter((w) => /authentication/.test(w)).map((w) => `${e.key} ${w}`),
            ),
        ),
      ],
      ['fqdn', fqdnCheck(this.fqdn, this.datapath?.maps.ipcache)],
      ['world', worldCheck(this.world)],
      ['l7-proxy', async () => proxyComponent(l7)],
    ];
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      node: c.nodeName,
      components: await runHealthChecks(checks),
      errors: [...this.errors],
      ...(l7 ? { proxy: l7 } : {}),
    };
  }

  private async controllersHealth(): Promise<ComponentHealth> {
    if (!this.controllers.running) return { name: 'controllers', ok: false, message: 'stopped' };
    const idle = await Promise.race([
      this.controllers.idle().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
    ]);
    return {
      name: 'controllers',
      ok: true,
      message: `deployments, services, endpointslices, garbage collection: ${idle ? 'idle' : 'working'}`,
    };
  }

  /** Stops watching and serving; pods keep running (a restarted agent adopts them). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.l7?.stop(); // the proxy itself keeps running, with its last policy
    await this.ui?.close();
    await this.api?.close();
    await this.flows?.stop();
    for (const u of this.unwatch.splice(0)) u();
    this.lb?.stop();
    this.policy?.stop();
    this.fqdn?.stop();
    this.world?.stop();
    this.runtime?.stop();
    await this.cniServer?.close();
    await this.controllers?.stop();
    await this.dns?.close();
    await this.store?.close();
    this.datapath?.close();
    rmSync(paths(this.config).pidFile, { force: true });
  }

  /** Deletes every pod, then everything on the host; the state directory too unless `keepState`. */
  async teardown(keepState = false): Promise<void> {
    const pods = (await this.store.list('Pod')).items as Pod[];
    for (const u of this.unwatch.splice(0)) u();
    await Promise.all(pods.map((p) => this.runtime.remove(p)));
    await this.l7?.teardown();
    await this.stop();
    this.world?.teardown();
    await sweepCluster(this.config);
    if (!keepState) rmSync(this.config.stateDir, { recursive: true, force: true });
  }
}
