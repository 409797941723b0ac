// Reconciles ExternalHost objects into the world: namespace and routes, addresses, the world server's configuration.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  ensureWorldNetwork,
  setWorldAddresses,
  teardownWorldNetwork,
  type WorldNetwork,
  type WorldNetworkOptions,
  worldPids,
} from '../../host/index.js';
import type { ExternalHost } from '../../resources/index.js';
import type { ObjectStore, Unsubscribe } from '../store/index.js';
import { type WorldServerConfig, worldAddresses, worldConfig } from './world-config.js';
import {
  readWorldStatus,
  runningWorldPid,
  spawnWorld,
  stopWorld,
  type WorldProcessPaths,
  worldProcessPaths,
} from './world-process.js';

export interface WorldControllerOptions {
  readonly store: ObjectStore;
  readonly network: WorldNetworkOptions;
  /** Where the world's configuration, status, pid and log live (the cluster's run directory). */
  readonly dir: string;
  readonly log?: (m: string) => void;
  /** How long to wait for the world server to take a configuration; default 10 s. */
  readonly applyTimeoutMs?: number;
}

export interface WorldState {
  ok: boolean;
  message: string;
  generation: number;
  hosts: number;
}

export class WorldController {
  private net: WorldNetwork | undefined;
  private readonly paths: WorldProcessPaths;
  private unwatch: Unsubscribe | undefined;
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private state: WorldState = { ok: false, message: 'not started', generation: 0, hosts: 0 };
  /** The host addresses the world held after the last apply. */
  private lastAddresses: string[] = [];

  constructor(private readonly o: WorldControllerOptions) {
    this.paths = worldProcessPaths(o.dir);
  }

  /** Creates (or adopts) the world, serves the current ExternalHosts, and follows their changes. */
  async start(): Promise<void> {
    mkdirSync(this.paths.dir, { recursive: true });
    this.net = ensureWorldNetwork(this.o.network);
    if (existsSync(this.paths.config)) {
      try {
        this.generation = (
          JSON.parse(readFileSync(this.paths.config, 'utf8')) as WorldServerConfig
        ).generation;
      } catch {
        this.generation = 0;
      }
    }
    await this.sync();
    this.unwatch = this.o.store.watch({ kind: 'ExternalHost' }, undefined, () => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.sync();
      }, 20);
    });
  }

  /** Applies the store's ExternalHosts now; resolves when the world server serves them. */
  sync(): Promise<void> {
    this.chain = this.chain.then(() => this.apply()).catch((e: Error) => this.fail(e.message));
    return this.chain;
  }

  status(): WorldState {
    return { ...this.state };
  }

  get network(): WorldNetwork | undefined {
    return this.net;
  }

  /** Stops following changes; the world keeps serving (a restarted agent adopts it). */
  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Removes the world: its server, every process in its namespace, routes, veth and namespace. */
  teardown(): void {
    this.stop();
    stopWorld(this.paths);
    for (const pid of worldPids(this.o.network)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    teardownWorldNetwork(this.o.network);
    this.net = undefined;
  }

  private async apply(): Promise<void> {
    if (!this.net) throw new Error('the world network is not set up');
    const hosts = (await this.o.store.list('ExternalHost')).items as ExternalHost[];
    const config = worldConfig(hosts, ++this.generation);
    // Addresses first, so the server can bind them; removed ones go after the server let go of them.
    const want = worldAddresses(config);
    setWorldAddresses(this.net, [...new Set([...want, ...this.lastAddresses])]);
    const tmp = `${this.paths.config}.tmp`;
    writeFileSync(tmp, JSON.stringify(config));
    renameSync(tmp, this.paths.config);
    let pid = runningWorldPid(this.paths);
    if (pid) process.kill(pid, 'SIGHUP');
    else pid = spawnWorld(this.net.netns, this.paths);
    const status = await this.waitFor(config.generation);
    setWorldAddresses(this.net, want);
    this.lastAddresses = want;
    const errors = status?.errors ?? ['the world server did not answer'];
    this.state = {
      ok: errors.length === 0,
      message:
        errors.length === 0
          ? `${config.hosts.length} host(s), DNS ${config.dnsAddress}, ${status?.listeners.length ?? 0} listener(s), pid ${pid}`
          : errors.join('; '),
      generation: config.generation,
      hosts: config.hosts.length,
    };
    if (errors.length > 0) this.o.log?.(`world: ${errors.join('; ')}`);
  }

  private async waitFor(generation: number) {
    const deadline = Date.now() + (this.o.applyTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      const s = readWorldStatus(this.paths);
      if (s && s.generation >= generation) return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  }

  private fail(message: string): void {
    this.state = { ...this.state, ok: false, message };
    this.o.log?.(`world: ${message}`);
  }
}
