// The node's load balancer: socket LB on a cgroup, packet LB on external devices, maps kept by the reconciler.
import type { ObjectStore } from '../cluster/store/index.js';
import {
  type CgroupLink,
  cgroupId,
  type DeviceLinks,
  ifNameToIndex,
  inNetns,
  LB_NETNS_HOST,
  NodePortDatapath,
  SockLbDatapath,
} from '../datapath/index.js';
import {
  type LbAlgorithm,
  LbReconciler,
  lbConfig,
  listFrontends,
  sweepLbConntrack,
} from '../services/index.js';
import { ServiceLbSync } from './service-lb-sync.js';

/** cgroup v2 root on this machine's hybrid layout: programs there see every process. */
export const DEFAULT_LB_CGROUP = '/sys/fs/cgroup/unified';

export interface LoadBalancerOptions {
  store: ObjectStore;
  /** The cluster's bpffs directory: maps and cgroup links are pinned here (they outlive the agent). */
  pinDir: string;
  /**
   * Where the socket programs attach. The machine's cluster uses the cgroup v2 root; an isolated
   * cluster (tests) uses a child cgroup of its own that its agent and pods run in.
   */
  cgroupPath: string;
  /** The cluster's host network namespace (a /run/netns path), or null for the agent's own. */
  hostNetns: string | null;
  nodeName: string;
  /** Addresses NodePort services answer on. */
  nodeAddresses: readonly string[];
  /** Devices (in the host netns) that carry traffic from outside: the packet LB attaches there. */
  externalDevices: readonly string[];
  algorithm?: LbAlgorithm;
  maglevTableSize?: number;
  /** Prefixes backends must be in (host safety); others are refused and reported. */
  backendRanges?: readonly string[];
  log: (m: string) => void;
}

/**
 * Everything the agent needs of the load balancer. start() loads both objects sharing one set of pinned
 * maps, adopts what an earlier agent left in them, syncs every service, then attaches — links already
 * pinned by an earlier agent get the new programs without a gap. stop() leaves programs and maps in
 * place (a restarted agent takes them over); removing the pin directory detaches everything.
 */
export class LoadBalancer {
  private constructor(
    readonly sock: SockLbDatapath,
    readonly nodePort: NodePortDatapath,
    readonly reconciler: LbReconciler,
    readonly sync: ServiceLbSync,
    private readonly links: CgroupLink[],
    private readonly devices: DeviceLinks[],
    private readonly opts: LoadBalancerOptions,
    private readonly registered: Set<bigint>,
  ) {}

  /** Pod uid → its namespace's cookie. */
  private readonly sandboxes = new Map<string, bigint>();
  private readonly gc = setInterval(() => {
    try {
      sweepLbConntrack(this.nodePort.conntrack);
    } catch (e) {
      this.opts.log(`load balancer: conntrack GC: ${(e as Error).message}`);
    }
  }, 30_000).unref();

  static async start(o: LoadBalancerOptions): Promise<LoadBalancer> {
    const cfg = lbConfig({
      nodeName: o.nodeName,
      nodeAddresses: [...o.nodeAddresses],
      ...(o.algorithm ? { algorithm: o.algorithm } : {}),
      ...(o.maglevTableSize ? { maglevTableSize: o.maglevTableSize } : {}),
      ...(o.backendRanges ? { backendRanges: o.backendRanges } : {}),
    });
    const sock = SockLbDatapath.load({ pinDir: o.pinDir, maglevTableSize: cfg.maglevTableSize });
    let nodePort: NodePortDatapath | undefined;
    const links: CgroupLink[] = [];
    const devices: DeviceLinks[] = [];
    try {
      nodePort = NodePortDatapath.load({
        pinDir: o.pinDir,
        maglevTableSize: cfg.maglevTableSize,
        config: { maglevSeed: sock.config.maglevSeed },
      });
      const reconciler = new LbReconciler(sock.maps, {
        tableSize: cfg.maglevTableSize,
        seed: cfg.maglevSeed,
      });
      const sync = new ServiceLbSync(o.store, reconciler, cfg, o.log);
      await sync.start();
      const registered = new Set<bigint>([sock.registerNetns(o.hostNetns, LB_NETNS_HOST)]);
      links.push(...sock.attach(o.cgroupPath, o.pinDir));
      for (const dev of o.externalDevices) {
        const attach = () => nodePort!.attachDevice(ifNameToIndex(dev));
        devices.push(o.hostNetns ? inNetns(o.hostNetns, attach) : attach());
      }
      return new LoadBalancer(sock, nodePort, reconciler, sync, links, devices, o, registered);
    } catch (e) {
      for (const d of devices) d[Symbol.dispose]();
      nodePort?.close();
      sock.close();
      throw e;
    }
  }

  /** A pod's namespace joins the socket LB (before its containers start; again after an agent restart). */
  sandboxReady(uid: string, nsPath: string): void {
    const cookie = this.registerNetns(nsPath);
    this.sandboxes.set(uid, cookie);
  }

  sandboxGone(uid: string): void {
    const cookie = this.sandboxes.get(uid);
    if (cookie === undefined) return;
    this.sandboxes.delete(uid);
    this.unregisterNetns(cookie);
  }

  registerNetns(nsPath: string): bigint {
    const cookie = this.sock.registerNetns(nsPath);
    this.registered.add(cookie);
    return cookie;
  }

  unregisterNetns(cookie: bigint): void {
    this.registered.delete(cookie);
    this.sock.unregisterNetns(cookie);
  }

  /** After a restart, once every live sandbox re-registered: forget namespaces that are gone. */
  finishNetnsResync(): void {
    for (const cookie of this.sock.maps.netns.keys())
      if (!this.registered.has(cookie)) this.sock.unregisterNetns(cookie);
  }

  /** The frontends as the maps hold them, named by service. */
  frontends() {
    const owners = new Map<string, { namespace: string; name: string }>();
    for (const fs of this.sync.frontends().values())
      for (const f of fs) owners.set(`${f.address}:${f.port}/${f.protocol}`, f.service);
    return listFrontends(this.sock.maps, (fe) => owners.get(fe));
  }

  /** Hooks still attached where they should be (the kernel's answer), given as problems. */
  private attachmentProblems(): string[] {
    const problems: string[] = [];
    const want = cgroupId(this.opts.cgroupPath);
    for (const l of this.links) {
      try {
        const info = l.info();
        if (info.cgroupId !== want || info.progId === 0) problems.push(`${l.program} is detached`);
      } catch (e) {
        problems.push(`${l.program}: ${(e as Error).message}`);
      }
    }
    const check = () => {
      for (const d of this.devices) {
        for (const link of [d.ingress, d.egress])
          if (link.current() !== link.programId)
            problems.push(`tc ${link.direction} on ifindex ${link.ifindex} lost its program`);
      }
    };
    if (this.opts.hostNetns) inNetns(this.opts.hostNetns, check);
    else check();
    return problems;
  }

  /** Computed from the kernel: attached hooks, and the frontends the maps hold (not the agent's memory). */
  health(): { name: string; ok: boolean; message: string } {
    const rows = this.frontends();
    const backends = new Set(rows.flatMap((r) => [...r.backends, ...(r.internal ?? [])].map((b) => b.id)));
    const services = new Set(
      rows.map((r) => (r.service ? `${r.service.namespace}/${r.service.name}` : r.frontend)),
    );
    const s = this.reconciler.status();
    const missing = rows.filter((r) => r.backends.some((b) => b.state === 'missing')).length;
    const detached = this.attachmentProblems();
    const problems = [
      ...detached,
      ...(missing ? [`${missing} frontend(s) name missing slots or backends`] : []),
      ...s.failing,
      ...(s.conflicts.length ? [`conflicts: ${s.conflicts.join(', ')}`] : []),
    ];
    return {
      name: 'load-balancer',
      ok: detached.length === 0 && missing === 0 && s.failing.length === 0,
      message:
        `eBPF socket LB + NodePort: ${services.size} service(s), ${rows.length} frontend(s), ${backends.size} backend(s) in the maps; ` +
        `${this.links.length} cgroup hooks on ${this.opts.cgroupPath}, ${this.devices.length} external device(s)` +
        (problems.length ? `; ${problems.join('; ')}` : ''),
    };
  }

  /** Stops syncing; programs, links and maps stay for the next agent. */
  stop(): void {
    clearInterval(this.gc);
    this.sync.stop();
    for (const l of this.links) l.close();
    this.nodePort.close();
    this.sock.close();
  }
}
