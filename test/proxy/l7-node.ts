// A private node for proxy tests: pods in netns, the datapath and proxy routing in a "host" netns, engine-driven policy, the proxy process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProxySnapshot, type LocalEndpointRef } from '../../src/agent/proxy-snapshot.js';
import {
  type EndpointLinks,
  inNetns,
  type LxcDatapath,
  PolicyReconciler,
  PROXY_ROUTING,
  type TcLink,
} from '../../src/datapath/index.js';
import { ensureProxyRouting, teardownProxyRouting } from '../../src/host/proxy-routing.js';
import { PolicyEngine } from '../../src/policy/index.js';
import { ns, pod } from '../../src/policy/test-fixtures.js';
import type { ListenerSpec, PolicySnapshot } from '../../src/proxy/feed-protocol.js';
import type { Resource } from '../../src/resources/index.js';
import { loadTestDatapath } from '../datapath/harness.js';
import { HOST_IP, Topology } from '../datapath/netns-topology.js';

const mainJs = fileURLToPath(new URL('../../src/proxy/main.js', import.meta.url));
const lineHandler = fileURLToPath(new URL('./line-handler.js', import.meta.url));

export interface NodePod {
  name: string;
  ip: string;
  labels: Record<string, string>;
}

export class L7Node {
  readonly topo: Topology;
  readonly engine = new PolicyEngine({ deploymentsAsPods: false });
  readonly runDir = mkdtempSync(join(tmpdir(), 'porin-l7-'));
  dp: LxcDatapath | undefined;
  rec: PolicyReconciler | undefined;
  proxy: ChildProcess | undefined;
  proxyLog = '';
  private readonly links: Array<EndpointLinks | TcLink> = [];
  private readonly refs: LocalEndpointRef[] = [];

  constructor(
    tag: string,
    readonly pods: NodePod[],
    readonly listeners: ListenerSpec[],
  ) {
    this.topo = new Topology(`${process.pid}${tag}`);
  }

  /** Namespaces, routing, datapath, endpoints; policy objects are applied with apply(). */
  create(): void {
    this.topo.create(this.pods.map((p) => ({ name: p.name, ip: p.ip })));
    const dev = ensureProxyRouting(PROXY_ROUTING, { netns: this.topo.host });
    const dp = loadTestDatapath({ config: { proxyIfindex: dev.ifindex } });
    this.dp = dp;
    this.engine.upsert(ns('default'));
    for (const p of this.pods) this.engine.upsert(pod('default', p.name, p.labels, p.ip));
    const port = (t: string) => this.listeners.find((l) => l.type === t)?.port ?? 0;
    this.rec = new PolicyReconciler(dp.policyMaps(), {
      proxyPort: (e) => port(e.l7?.[0]?.type ?? 'http'),
    });
    const hostNs = this.topo.netnsPath(this.topo.host);
    this.pods.forEach((p, i) => {
      const ifindex = this.topo.ifindex(this.topo.pod(p.name).hostIf);
      const identity = this.engine.endpoint(`default/${p.name}`)!.identity.id;
      const info = { identity, ipv4: p.ip, endpointId: i + 1, flags: 0 };
      dp.maps.endpoints.set(ifindex, info);
      dp.maps.endpointsByAddr.set({ addr: p.ip }, info);
      this.refs.push({ key: `default/${p.name}`, ip: p.ip, id: i + 1, identity });
      this.links.push(inNetns(hostNs, () => dp.attachEndpoint(ifindex)));
    });
    this.links.push(inNetns(hostNs, () => dp.attachProxyDevice(dev.ifindex)));
    this.sync();
  }

  /** Upserts objects into the engine and writes every endpoint's policy and the ipcache to the kernel. */
  apply(...objects: Resource[]): void {
    for (const o of objects) this.engine.upsert(o);
    this.sync();
  }

  /** Removes objects from the engine and writes the resulting policy. */
  remove(...objects: Resource[]): void {
    for (const o of objects) this.engine.remove(o);
    this.sync();
  }

  private sync(): void {
    const dp = this.dp!;
    // The host netns's address is the host (identity 1), as a node address is in a cluster.
    dp.maps.ipcache.set({ prefixlen: 32, addr: HOST_IP }, { identity: 1, flags: 0 });
    for (const e of this.engine.ipcache.entries()) {
      if (e.prefix.family !== 4) continue;
      const addr = [24, 16, 8, 0].map((s) => (Number(e.prefix.addr) >>> s) & 0xff).join('.');
      dp.maps.ipcache.set({ prefixlen: e.prefix.bits, addr }, { identity: e.identity, flags: 0 });
    }
    for (const r of this.refs) {
      const p = this.engine.policyOf(r.key);
      const res = this.rec!.reconcile({ endpointId: r.id, ingress: p.ingress, egress: p.egress });
      if (!res.ok) throw new Error(res.error?.message);
    }
  }

  snapshot(revision: number): PolicySnapshot {
    return buildProxySnapshot({
      revision,
      listeners: this.listeners,
      engine: this.engine,
      endpoints: this.refs,
    });
  }

  /**
   * Starts the proxy process in the host netns — with the test line handler for http, or (`builtin`) the
   * real handlers — and resolves once it is ready.
   */
  startProxy(extra: string[] = [], opts: { builtin?: boolean } = {}): Promise<void> {
    const args = ['netns', 'exec', this.topo.host, process.execPath, mainJs, '--run-dir', this.runDir];
    if (!opts.builtin) args.push('--no-builtin-handlers', '--handler', `http=${lineHandler}:handleLines`);
    args.push(...extra);
    const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proxy = child;
    return new Promise((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        this.proxyLog += d;
        if (this.proxyLog.includes('ready:')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`proxy exited ${code}: ${this.proxyLog}`)));
    });
  }

  killProxy(): Promise<void> {
    const p = this.proxy;
    if (!p || p.exitCode !== null) return Promise.resolve();
    return new Promise((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  }

  destroy(): void {
    const hostNs = this.topo.netnsPath(this.topo.host);
    const steps = [
      () => this.proxy?.kill('SIGKILL'),
      ...this.links.map((l) => () => inNetns(hostNs, () => l[Symbol.dispose]())),
      () => this.dp?.close(),
      () => teardownProxyRouting(PROXY_ROUTING, { netns: this.topo.host }),
      () => this.topo.destroy(),
      () => rmSync(this.runDir, { recursive: true, force: true }),
    ];
    for (const s of steps) {
      try {
        s();
      } catch (e) {
        console.error('cleanup:', (e as Error).message);
      }
    }
  }
}

/** A line server on each port: answers "ok:<line>:<peer address>". Prints "ready". */
export function lineServerScript(ip: string, ports: number[]): string {
  return `
    const net = require('node:net'); let n = 0;
    for (const port of ${JSON.stringify(ports)})
      net.createServer((s) => { let b = ''; s.setEncoding('utf8'); s.on('error', () => {});
        s.on('data', (d) => { b += d; let i; while ((i = b.indexOf('\\n')) >= 0) { const l = b.slice(0, i); b = b.slice(i + 1); s.write('ok:' + l + ':' + s.remoteAddress + '\\n'); } });
      }).listen(port, ${JSON.stringify(ip)}, () => { if (++n === ${ports.length}) console.log('ready'); });`;
}

/**
 * A client holding one connection: every line on its stdin is sent, every answer line printed; "closed"
 * when the connection ends.
 */
export function lineClientScript(ip: string, port: number): string {
  return `
    const net = require('node:net');
    const s = net.connect({ host: ${JSON.stringify(ip)}, port: ${port} });
    s.setEncoding('utf8'); let b = '';
    s.on('data', (d) => { b += d; let i; while ((i = b.indexOf('\\n')) >= 0) { console.log(b.slice(0, i)); b = b.slice(i + 1); } });
    s.on('close', () => { console.log('closed'); process.exit(0); });
    s.on('error', (e) => console.log('error:' + e.code));
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => s.write(d));`;
}
