// Runs inside the world namespace: the world's authoritative DNS server and the built-in echo on every host's ports.
import { ClusterDnsServer } from '../dns/index.js';
import { type RunningWorkload, startServe } from '../workloads/index.js';
import {
  type WorldListenerSpec,
  type WorldServerConfig,
  worldListeners,
  worldRecords,
} from './world-config.js';

export interface WorldServerStatus {
  generation: number;
  pid: number;
  dns?: string;
  listeners: string[];
  errors: string[];
}

/** Applies configurations in place: the DNS records swap at once; echo servers restart only where their ports changed. */
export class WorldServer {
  private dns: ClusterDnsServer | undefined;
  private readonly echo = new Map<string, { spec: string; workload: RunningWorkload }>();
  private status: WorldServerStatus = { generation: 0, pid: process.pid, listeners: [], errors: [] };

  async apply(c: WorldServerConfig): Promise<WorldServerStatus> {
    const errors: string[] = [];
    if (!this.dns || this.dns.address?.address !== c.dnsAddress) {
      await this.dns?.close();
      this.dns = new ClusterDnsServer({ address: c.dnsAddress, port: 53, zone: '.', ttl: 60 });
      try {
        await this.dns.start();
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    this.dns.setRecords(worldRecords(c));
    const want = new Map(worldListeners(c).map((l) => [l.address, l]));
    for (const [address, cur] of this.echo) {
      const next = want.get(address);
      if (next && specKey(next) === cur.spec) continue;
      await cur.workload.close();
      this.echo.delete(address);
    }
    for (const [address, l] of want) {
      if (this.echo.has(address)) continue;
      try {
        const workload = await startServe({
          pod: { name: l.host, namespace: 'world' },
          tcpPorts: l.tcpPorts,
          udpPorts: l.udpPorts,
          bind: address,
        });
        this.echo.set(address, { spec: specKey(l), workload });
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    this.status = {
      generation: c.generation,
      pid: process.pid,
      ...(this.dns.address ? { dns: `${this.dns.address.address}:${this.dns.address.port}` } : {}),
      listeners: [...this.echo.values()].flatMap((e) =>
        e.workload.listeners.map((x) => `${x.proto}://${x.address}:${x.port}`),
      ),
      errors,
    };
    return this.status;
  }

  async close(): Promise<void> {
    await this.dns?.close();
    for (const e of this.echo.values()) await e.workload.close();
    this.echo.clear();
  }
}

function specKey(l: WorldListenerSpec): string {
  return `${l.host}|${[...l.tcpPorts].sort().join(',')}|${[...l.udpPorts].sort().join(',')}`;
}
