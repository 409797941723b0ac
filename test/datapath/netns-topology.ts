// A private "node" for traffic tests: a host netns routing /32s to pod netns over veths (no real host routes).
import { type ChildProcess, spawn } from 'node:child_process';
import { sh } from './harness.js';

/*
 *   porin-dp-<pid>-a            porin-dp-<pid>-h ("host")               porin-dp-<pid>-b
 *   eth0 10.244.7.10/32 ─── veth ─── porin<pid>a  lo 10.0.0.1   porin<pid>b ─── veth ─── eth0 10.244.7.20/32
 *   default via 169.254.1.1 (static neighbour = host veth MAC)                (same)
 *
 * The host netns has no uplink and a blackhole default route: nothing can leave the machine. Forwarding
 * is enabled per host veth only; IPv6 is off in the pods (docs/embedded-cluster.md).
 */

export interface Pod {
  name: string;
  netns: string;
  ip: string;
  /** Host-side veth, in the host netns. */
  hostIf: string;
}

const GATEWAY = '169.254.1.1';
export const HOST_IP = '10.0.0.1';

export class Topology {
  readonly host: string;
  readonly pods: Pod[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly prefix: string;

  constructor(tag = String(process.pid)) {
    this.prefix = `porin-dp-${tag}`;
    this.host = `${this.prefix}-h`;
  }

  netnsPath(ns: string): string {
    return `/run/netns/${ns}`;
  }

  create(pods: Array<{ name: string; ip: string }>): void {
    sh('ip', ['netns', 'add', this.host]);
    this.ipH(['link', 'set', 'lo', 'up']);
    this.ipH(['addr', 'add', `${HOST_IP}/32`, 'dev', 'lo']);
    this.ipH(['route', 'add', 'blackhole', 'default']);
    for (const p of pods) {
      const netns = `${this.prefix}-${p.name}`;
      const hostIf = `porin${process.pid}${p.name}`.slice(0, 15);
      sh('ip', ['netns', 'add', netns]);
      const pod: Pod = { name: p.name, netns, ip: p.ip, hostIf };
      this.pods.push(pod);
      this.ipH(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      sh('ip', ['netns', 'exec', netns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      sh('ip', ['netns', 'exec', netns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
      sh('ip', ['netns', 'exec', this.host, 'sysctl', '-qw', `net.ipv6.conf.${hostIf}.disable_ipv6=1`]);
      const mac = JSON.parse(sh('ip', ['-n', this.host, '-j', 'link', 'show', 'dev', hostIf]))[0]
        .address as string;
      const ipP = (args: string[]) => sh('ip', ['-n', netns, ...args]);
      ipP(['link', 'set', 'lo', 'up']);
      ipP(['link', 'set', 'eth0', 'up']);
      ipP(['addr', 'add', `${p.ip}/32`, 'dev', 'eth0']);
      ipP(['route', 'add', GATEWAY, 'dev', 'eth0', 'scope', 'link']);
      ipP(['route', 'add', 'default', 'via', GATEWAY, 'dev', 'eth0']);
      ipP(['neigh', 'add', GATEWAY, 'lladdr', mac, 'dev', 'eth0', 'nud', 'permanent']);
      this.ipH(['link', 'set', hostIf, 'up']);
      this.ipH(['route', 'add', `${p.ip}/32`, 'dev', hostIf]);
      sh('ip', ['netns', 'exec', this.host, 'sysctl', '-qw', `net.ipv4.conf.${hostIf}.forwarding=1`]);
    }
  }

  private ipH(args: string[]): string {
    return sh('ip', ['-n', this.host, ...args]);
  }

  pod(name: string): Pod {
    const p = this.pods.find((x) => x.name === name);
    if (!p) throw new Error(`no pod ${name}`);
    return p;
  }

  ifindex(hostIf: string): number {
    return JSON.parse(this.ipH(['-j', 'link', 'show', 'dev', hostIf]))[0].ifindex as number;
  }

  /** A Node process in a pod's netns; killed (by its pid) in destroy(). */
  spawnIn(netns: string, script: string): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a script in a netns to completion; resolves with its stdout. */
  async run(netns: string, script: string, timeoutMs = 10_000): Promise<string> {
    const child = this.spawnIn(netns, script);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      err += d;
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`script in ${netns} did not finish in ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out.trim());
        else reject(new Error(`script in ${netns} exited ${code}: ${err.trim()}`));
      });
    });
  }

  /** Kills what it started, deletes the namespaces (and with them the veths). Safe to call twice. */
  destroy(): void {
    for (const c of this.children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
    this.children.clear();
    for (const p of this.pods) sh('ip', ['netns', 'del', p.netns], { allowFail: true });
    sh('ip', ['netns', 'del', this.host], { allowFail: true });
  }
}

/** An echo server on each port; prints "ready" once listening. */
export function echoServerScript(ip: string, ports: number[]): string {
  return `
    const net = require('node:net');
    let n = 0;
    for (const port of ${JSON.stringify(ports)}) {
      net.createServer((s) => s.on('data', (d) => s.write('echo:' + d)).on('error', () => {}))
        .listen(port, ${JSON.stringify(ip)}, () => { if (++n === ${ports.length}) console.log('ready'); });
    }`;
}

/** Connects, sends `msg`, prints the reply, or "timeout" / "error:<code>". */
export function clientScript(ip: string, port: number, msg: string, timeoutMs: number): string {
  return `
    const net = require('node:net');
    const s = net.connect({ host: ${JSON.stringify(ip)}, port: ${port} });
    const t = setTimeout(() => { console.log('timeout'); process.exit(0); }, ${timeoutMs});
    s.on('connect', () => s.write(${JSON.stringify(msg)}));
    s.on('data', (d) => { clearTimeout(t); console.log(String(d)); s.end(); process.exit(0); });
    s.on('error', (e) => { clearTimeout(t); console.log('error:' + e.code); process.exit(0); });`;
}
