// The pod runtime: for each Pod, a network namespace wired by the CNI chain, its containers' processes, its status.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../../config/cluster-config.js';
import { ipBatch, podNamespaces, runSync } from '../../host/index.js';
import type { Container, Pod, PodStatus } from '../../resources/index.js';
import { ProcessSupervisor } from './process-supervisor.js';
import { waitReady } from './readiness.js';
import { netnsName, netnsPath, type SandboxRecord, SandboxRegistry } from './sandbox.js';

/** Annotation asking for a specific pod address (the CNI `IP` argument), e.g. for reproducible test models. */
export const POD_IP_ANNOTATION = 'porin.io/ip';

export interface CniPort {
  add(
    containerId: string,
    netns: string,
    pod: { namespace: string; name: string; ip?: string },
  ): Promise<{ ip: string }>;
  del(containerId: string, netns: string): Promise<void>;
}

export interface PodRuntimeDeps {
  config: ClusterConfig;
  cni: CniPort;
  workloadFor(
    container: Container,
    pod: Pod,
  ): { argv: string[]; env: Record<string, string>; warnings: string[] };
  resolvConf(namespace: string): string;
  setStatus(pod: Pod, status: PodStatus): Promise<void>;
  log(message: string): void;
  stateDir: string;
  runDir: string;
  hostIP?: string;
  /** The sandbox is wired and has its address; called before any container starts (and again after restarts). */
  sandboxReady?(pod: Pod, sandbox: SandboxRecord): Promise<void> | void;
  /** The sandbox is about to be torn down. */
  sandboxGone?(sandbox: SandboxRecord): Promise<void> | void;
}

export class PodRuntime {
  private readonly queue = new Map<string, Promise<void>>();
  private readonly sandboxes: SandboxRegistry;
  readonly supervisor: ProcessSupervisor;
  private readonly known = new Map<string, Pod>();
  private readonly lastStatus = new Map<string, string>();
  private readonly attempts = new Map<string, number>();
  private readonly lastReady = new Map<string, boolean>();
  private readonly readySince = new Map<string, string>();

  constructor(private readonly deps: PodRuntimeDeps) {
    this.sandboxes = new SandboxRegistry(join(deps.stateDir, 'sandboxes'));
    this.supervisor = new ProcessSupervisor(join(deps.runDir, 'pods'), (key, msg) =>
      deps.log(`container ${key}: ${msg}`),
    );
  }

  private netnsName(uid: string): string {
    return netnsName(this.deps.config.podNetnsPrefix, uid);
  }

  start(): void {
    this.supervisor.start();
  }

  stop(): void {
    this.supervisor.stop();
  }

  /** Serializes work per pod: events for one pod apply in order, different pods in parallel. */
  private enqueue(uid: string, work: () => Promise<void>): Promise<void> {
    const prev = this.queue.get(uid) ?? Promise.resolve();
    const next = prev
      .then(work, work)
      .catch((e: unknown) => this.deps.log(`pod ${uid}: ${(e as Error).message}`));
    this.queue.set(uid, next);
    void next.then(() => {
      if (this.queue.get(uid) === next) this.queue.delete(uid);
    });
    return next;
  }

  /** Full reconciliation after a (re)start: removes sandboxes nobody wants, creates or adopts the rest. */
  async resync(pods: Pod[]): Promise<void> {
    const wanted = new Set(pods.map((p) => p.metadata.uid!));
    for (const rec of this.sandboxes.all())
      if (!wanted.has(rec.uid)) await this.enqueue(rec.uid, () => this.teardown(rec));
    const ours = new Set(this.sandboxes.all().map((r) => r.netns));
    for (const ns of podNamespaces(this.deps.config)) {
      if (!ours.has(ns) && !pods.some((p) => this.netnsName(p.metadata.uid!) === ns)) {
        ipBatch([`netns del ${ns}`], { force: true });
      }
    }
    await Promise.all(pods.map((p) => this.upsert(p)));
  }

  upsert(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    this.known.set(uid, pod);
    return this.enqueue(uid, () => this.ensure(pod));
  }

  remove(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    this.known.delete(uid);
    this.lastStatus.delete(uid);
    this.lastReady.delete(uid);
    this.readySince.delete(uid);
    const rec = this.sandboxes.all().find((r) => r.uid === uid) ?? {
      uid,
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      netns: this.netnsName(uid),
    };
    return this.enqueue(uid, () => this.teardown(rec));
  }

  private async ensure(pod: Pod): Promise<void> {
    if (!this.known.has(pod.metadata.uid!)) return;
    const uid = pod.metadata.uid!;
    const ns = pod.metadata.namespace ?? 'default';
    const netns = this.netnsName(uid);
    let rec = this.sandboxes.all().find((r) => r.uid === uid);
    const exists = podNamespaces(this.deps.config).includes(netns);
    if (!rec?.ip || !exists) {
      // A record without an address means an ADD was interrupted (agent crash): DEL first, as the CNI
      // spec asks of runtimes, so the retried ADD starts from nothing.
      if (rec || exists) await this.deps.cni.del(uid, netnsPath(netns)).catch(() => undefined);
      rec = { uid, namespace: ns, name: pod.metadata.name, netns };
      this.sandboxes.save(rec);
      if (!exists) ipBatch([`netns add ${netns}`]);
      const etc = join('/etc/netns', netns);
      mkdirSync(etc, { recursive: true });
      writeFileSync(join(etc, 'resolv.conf'), this.deps.resolvConf(ns));
      writeFileSync(join(etc, 'hosts'), `127.0.0.1\tlocalhost\n::1\tlocalhost\n`);
      let ip: string;
      try {
        const wanted = pod.metadata.annotations?.[POD_IP_ANNOTATION];
        ({ ip } = await this.deps.cni.add(uid, netnsPath(netns), {
          namespace: ns,
          name: pod.metadata.name,
          ...(wanted ? { ip: wanted } : {}),
        }));
      } catch (e) {
        await this.deps.cni.del(uid, netnsPath(netns)).catch(() => undefined);
        const attempt = (this.attempts.get(uid) ?? 0) + 1;
        this.attempts.set(uid, attempt);
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        this.deps.log(
          `pod ${ns}/${pod.metadata.name}: network setup failed (${(e as Error).message}); retrying in ${delay} ms`,
        );
        setTimeout(() => {
          const cur = this.known.get(uid);
          if (cur) void this.upsert(cur);
        }, delay).unref();
        return;
      }
      this.attempts.delete(uid);
      rec.ip = ip;
      this.sandboxes.save(rec);
      this.deps.log(`pod ${ns}/${pod.metadata.name}: sandbox ${netns} at ${ip}`);
    }
    try {
      await this.deps.sandboxReady?.(pod, rec);
    } catch (e) {
      this.deps.log(
        `pod ${ns}/${pod.metadata.name}: datapath setup failed (${(e as Error).message}); retrying`,
      );
      setTimeout(() => {
        const cur = this.known.get(uid);
        if (cur) void this.upsert(cur);
      }, 2000).unref();
      return;
    }
    const containers = pod.spec.containers ?? [];
    for (const c of containers) {
      const w = this.deps.workloadFor(c, pod);
      for (const warning of w.warnings)
        this.deps.log(`pod ${ns}/${pod.metadata.name} container ${c.name}: ${warning}`);
      this.supervisor.ensure({
        key: `${uid}/${c.name}`,
        netns,
        argv: w.argv,
        env: { POD_NAME: pod.metadata.name, POD_NAMESPACE: ns, POD_IP: rec.ip!, ...w.env },
        logFile: join(this.deps.stateDir, 'logs', `${ns}_${pod.metadata.name}_${c.name}.log`),
      });
    }
    await this.refresh(pod);
  }

  /** Recomputes a pod's readiness and container states; writes status only when something changed. */
  async refresh(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    const rec = this.sandboxes.all().find((r) => r.uid === uid);
    if (!rec?.ip || !this.known.has(uid)) return;
    const containers = pod.spec.containers ?? [];
    const ports = containers.flatMap((c) =>
      (c.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort),
    );
    const states = containers.map((c) => ({ c, s: this.supervisor.status(`${uid}/${c.name}`) }));
    const running = states.every((x) => x.s.running);
    const ready =
      running && (await waitReady(rec.ip, ports, this.lastReady.get(uid) ? 1000 : 15000, this.deps.hostIP));
    if (!this.known.has(uid)) return;
    const containerStatuses = states.map(({ c, s }) => ({
      name: c.name,
      ready: ready && s.running,
      restartCount: s.restarts,
      started: s.running,
    }));
    const signature = JSON.stringify([rec.ip, ready, containerStatuses]);
    if (this.lastStatus.get(uid) === signature) return;
    const now = new Date().toISOString();
    const prevReady = this.lastReady.get(uid);
    this.lastStatus.set(uid, signature);
    this.lastReady.set(uid, ready);
    const since = prevReady === ready ? (this.readySince.get(uid) ?? now) : now;
    this.readySince.set(uid, since);
    await this.deps.setStatus(pod, {
      phase: 'Running',
      podIP: rec.ip,
      podIPs: [{ ip: rec.ip }],
      ...(this.deps.hostIP ? { hostIP: this.deps.hostIP } : {}),
      startTime: pod.status?.startTime ?? now,
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastTransitionTime: since,
          ...(ready ? {} : { reason: running ? 'PortsNotAnswering' : 'ContainersNotRunning' }),
        },
      ],
      containerStatuses,
    });
  }

  /** Periodic pass over every known pod (restarts and readiness changes show up in status). */
  async refreshAll(): Promise<void> {
    await Promise.all(
      [...this.known.values()].map((p) => this.enqueue(p.metadata.uid!, () => this.refresh(p))),
    );
  }

  private async teardown(rec: SandboxRecord): Promise<void> {
    await Promise.resolve(this.deps.sandboxGone?.(rec)).catch((e: unknown) =>
      this.deps.log(`pod ${rec.namespace}/${rec.name}: ${(e as Error).message}`),
    );
    await Promise.all(this.supervisor.keysFor(rec.uid).map((k) => this.supervisor.kill(k)));
    // Anything else still running in the namespace is ours too (exec'd shells, children).
    for (const line of runSync(['ip', 'netns', 'pids', rec.netns], { allowFail: true }).split('\n')) {
      const pid = Number(line);
      if (pid > 1) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    try {
      await this.deps.cni.del(rec.uid, netnsPath(rec.netns));
    } catch (e) {
      this.deps.log(`pod ${rec.namespace}/${rec.name}: CNI DEL failed: ${(e as Error).message}`);
    }
    ipBatch([`netns del ${rec.netns}`], { force: true });
    rmSync(join('/etc/netns', rec.netns), { recursive: true, force: true });
    this.sandboxes.remove(rec.uid);
    this.deps.log(`pod ${rec.namespace}/${rec.name}: sandbox ${rec.netns} removed`);
  }

  /** Current sandboxes (for status and exec). */
  list(): SandboxRecord[] {
    return this.sandboxes.all();
  }
}
