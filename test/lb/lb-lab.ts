// Kernel test lab for the load balancer: a child cgroup of our own, private network namespaces, processes.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';

export const CGROUP_ROOT = '/sys/fs/cgroup/unified';
const CGROUP_PREFIX = 'porin-lb-test-';
const NETNS_PREFIX = 'porin-lbt';

export const IS_ROOT = process.getuid?.() === 0;

export function sh(cmd: string, args: string[], opts: { allowFail?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (opts.allowFail) return '';
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes what earlier runs of these tests left behind (dead owners only): namespaces and empty cgroups. */
export function sweepLeftovers(): void {
  for (const ns of sh('ip', ['netns', 'list'], { allowFail: true }).split('\n')) {
    const name = ns.split(' ')[0] ?? '';
    const m = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name);
    if (m && !alive(Number(m[1]))) sh('ip', ['netns', 'del', name], { allowFail: true });
  }
  if (!existsSync(CGROUP_ROOT)) return;
  for (const d of readdirSync(CGROUP_ROOT)) {
    if (!d.startsWith(CGROUP_PREFIX)) continue;
    const procs = readFileSync(`${CGROUP_ROOT}/${d}/cgroup.procs`, 'utf8').trim();
    if (procs === '') {
      try {
        rmdirSync(`${CGROUP_ROOT}/${d}`);
      } catch {
        // in use by a concurrent run
      }
    }
  }
}

/**
 * A child cgroup (`/sys/fs/cgroup/unified/porin-lb-test-<rand>`) that only this lab's processes join,
 * and network namespaces named `porin-lbt<pid>-<rand>-<name>`. Processes are started through `sh`,
 * which moves itself into the cgroup before exec'ing the command, so the test runner itself stays where
 * it was. dispose() kills them (by pid), deletes the namespaces and removes the cgroup.
 */
export class LbLab {
  readonly cgroup: string;
  private readonly tag: string;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();

  constructor() {
    const rand = randomBytes(4).toString('hex');
    this.tag = `${NETNS_PREFIX}${process.pid}-${rand}`;
    this.cgroup = `${CGROUP_ROOT}/${CGROUP_PREFIX}${rand}`;
    mkdirSync(this.cgroup);
  }

  /** A namespace with lo up; `addresses` go on lo as /32s. Returns its name. */
  netns(name: string, addresses: string[] = []): string {
    const ns = `${this.tag}-${name}`;
    sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const a of addresses) sh('ip', ['-n', ns, 'addr', 'add', `${a}/32`, 'dev', 'lo']);
    return ns;
  }

  nsPath(ns: string): string {
    return `/run/netns/${ns}`;
  }

  /** A Node script inside `ns`, as a process of the lab's cgroup. */
  spawn(ns: string, script: string): ChildProcess {
    const child = spawn(
      'sh',
      [
        '-c',
        `echo $$ > ${this.cgroup}/cgroup.procs && exec ip netns exec "$1" "$2" -e "$3"`,
        'sh',
        ns,
        process.execPath,
        script,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a script to completion; resolves with its stdout (trimmed). */
  run(ns: string, script: string, timeoutMs = 15_000): Promise<string> {
    const child = this.spawn(ns, script);
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
        reject(new Error(`script in ${ns} did not finish in ${timeoutMs} ms: ${err}`));
      }, timeoutMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out.trim());
        else reject(new Error(`script in ${ns} exited ${code}: ${err.trim()}`));
      });
    });
  }

  /** Starts a long-running script and waits for it to print `ready`. */
  async serve(ns: string, script: string): Promise<ChildProcess> {
    const child = this.spawn(ns, script);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`server in ${ns} not ready: ${err}`)), 10_000);
      child.stderr?.on('data', (d) => {
        err += d;
      });
      child.stdout?.on('data', (d) => {
        out += d;
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`server in ${ns} exited ${code}: ${err}`)));
    });
    return child;
  }

  async dispose(): Promise<void> {
    const exits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.once('exit', () => resolve()))),
    );
    for (const c of this.children)
      if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5000))]);
    for (const ns of this.namespaces) sh('ip', ['netns', 'del', ns], { allowFail: true });
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(this.cgroup);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`could not remove ${this.cgroup}`);
  }
}

/** TCP servers answering each connection with "<own address>:<port>" and closing. */
export function tcpIdentityServers(addrs: string[], port: number): string {
  return `
    const net = require('node:net');
    let n = 0;
    for (const a of ${JSON.stringify(addrs)}) {
      net.createServer((s) => { s.on('error', () => {}); s.end(a + ':${port}'); })
        .listen(${port}, a, () => { if (++n === ${addrs.length}) console.log('ready'); });
    }`;
}

/** UDP servers answering each datagram with "<own address>:<port>". */
export function udpIdentityServers(addrs: string[], port: number): string {
  return `
    const dgram = require('node:dgram');
    let n = 0;
    for (const a of ${JSON.stringify(addrs)}) {
      const s = dgram.createSocket('udp4');
      s.on('message', (m, r) => s.send(a + ':${port}', r.port, r.address));
      s.bind(${port}, a, () => { if (++n === ${addrs.length}) console.log('ready'); });
    }`;
}

/**
 * `count` sequential TCP connections to host:port; prints a JSON list of
 * { reply, peer } (peer = the socket's remote address:port, i.e. getpeername) or { error: code }.
 */
export function tcpClients(host: string, port: number, count: number): string {
  return `
    const net = require('node:net');
    const out = [];
    const one = () => new Promise((resolve) => {
      const s = net.connect({ host: ${JSON.stringify(host)}, port: ${port} });
      let reply = '';
      let peer = '';
      const t = setTimeout(() => { s.destroy(); resolve({ error: 'timeout' }); }, 3000);
      s.on('connect', () => { peer = s.remoteAddress + ':' + s.remotePort; });
      s.on('data', (d) => { reply += d; });
      s.on('end', () => { clearTimeout(t); resolve({ reply, peer }); });
      s.on('error', (e) => { clearTimeout(t); resolve({ error: e.code }); });
    });
    (async () => { for (let i = 0; i < ${count}; i++) out.push(await one()); console.log(JSON.stringify(out)); })();`;
}

/**
 * UDP: `count` datagrams to host:port, each from a new unconnected socket (or, with `connected`, a
 * connected one); prints a JSON list of { reply, from } (from = the reply's source) or { error }.
 */
export function udpClients(host: string, port: number, count: number, connected = false): string {
  return `
    const dgram = require('node:dgram');
    const out = [];
    const one = () => new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      const t = setTimeout(() => { s.close(); resolve({ error: 'timeout' }); }, 3000);
      const done = (r) => { clearTimeout(t); try { s.close(); } catch {} resolve(r); };
      s.on('message', (m, r) => done({ reply: String(m), from: r.address + ':' + r.port }));
      s.on('error', (e) => done({ error: e.code }));
      const send = () => s.send('hi', ${connected ? '' : `${port}, ${JSON.stringify(host)}, `}(e) => { if (e) done({ error: e.code }); });
      ${connected ? `s.connect(${port}, ${JSON.stringify(host)}, (e) => { if (e) done({ error: e.code }); else send(); });` : 'send();'}
    });
    (async () => { for (let i = 0; i < ${count}; i++) out.push(await one()); console.log(JSON.stringify(out)); })();`;
}
