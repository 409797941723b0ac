// The datapath bench's private node (test/datapath's Topology under the bench's own names), the
// processes it runs in the namespaces, and the iptables configuration (d).
import { type ChildProcess, spawn } from 'node:child_process';
import { sh } from '../test/datapath/harness.js';
import { Topology } from '../test/datapath/netns-topology.js';

/** Every namespace the bench creates starts with this (PLATFORM.md's rule for this bench). */
export const NETNS_PREFIX = 'porin-bench-dp-';

/**
 * test/datapath's Topology (host netns with a blackhole default route and no uplink, one veth per pod,
 * /32 routes, static gateway neighbour), with namespaces named `porin-bench-dp-<pid>-*` instead of
 * `porin-dp-<pid>-*`. Topology takes no name prefix, so its two naming fields are set here, and checked:
 * should Topology change how it names things, create() refuses rather than make other names.
 */
export class BenchTopology extends Topology {
  private readonly procs = new Set<ChildProcess>();

  constructor() {
    super();
    const prefix = `${NETNS_PREFIX}${process.pid}`;
    Object.assign(this, { prefix, host: `${prefix}-h` });
  }

  override create(pods: Array<{ name: string; ip: string }>): void {
    const self = this as unknown as { prefix?: string };
    if (self.prefix !== `${NETNS_PREFIX}${process.pid}` || !this.host.startsWith(NETNS_PREFIX))
      throw new Error('Topology no longer names its namespaces from `prefix`/`host`: update BenchTopology');
    let failure: unknown;
    try {
      super.create(pods);
    } catch (e) {
      failure = e;
    }
    // Whatever happened, every namespace made so far must carry the bench's prefix.
    const bad = [this.host, ...this.pods.map((p) => p.netns)].filter((n) => !n.startsWith(NETNS_PREFIX));
    if (bad.length > 0) {
      this.destroy();
      throw new Error(`namespaces outside ${NETNS_PREFIX}*: ${bad.join(', ')} (deleted)`);
    }
    if (failure !== undefined) throw failure;
  }

  /** A long-running process in a namespace (killed by pid in destroy()). */
  start(netns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', netns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.add(child);
    child.on('exit', () => this.procs.delete(child));
    child.on('error', () => this.procs.delete(child));
    return child;
  }

  /** Runs a command in a namespace to completion (killed after timeoutMs); resolves with its stdout. */
  exec(netns: string, cmd: string, args: string[], timeoutMs: number): Promise<string> {
    const child = this.start(netns, cmd, args);
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
        if (child.pid !== undefined) child.kill('SIGKILL');
        reject(new Error(`${cmd} in ${netns} did not finish in ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      // 'close', not 'exit': only then has all of stdout been read.
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out.trim());
        else
          reject(
            new Error(`${cmd} ${args.join(' ')} in ${netns} exited ${code}: ${err.trim() || out.trim()}`),
          );
      });
    });
  }

  /** Processes still running (for the leftover check). */
  running(): number[] {
    return [...this.procs]
      .filter((c) => c.exitCode === null && c.signalCode === null && c.pid !== undefined)
      .map((c) => c.pid!);
  }

  /** Kills what it started, each by its pid, and waits until they exited (or timeoutMs passed). */
  async stopAll(timeoutMs: number): Promise<void> {
    const live = [...this.procs].filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = live.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
    for (const c of live) if (c.pid !== undefined) c.kill('SIGKILL');
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /** Kills what it started (each by its pid), then deletes the namespaces. Safe to call twice. */
  override destroy(): void {
    for (const c of this.procs) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
    this.procs.clear();
    super.destroy();
  }
}

/** One (source, port) pair an iptables rule allows towards the server pod. */
export interface AllowRule {
  source: string;
  port: number;
}

/**
 * The rules an iptables dataplane would install in the node's FORWARD chain for the server pod: accept
 * established traffic first, then one rule per (source /32, port), then drop the rest for that pod.
 */
export function iptablesRules(server: string, rules: readonly AllowRule[]): string {
  const lines = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ...rules.map(
      (r) => `-A FORWARD -s ${r.source}/32 -d ${server}/32 -p tcp -m tcp --dport ${r.port} -j ACCEPT`,
    ),
    `-A FORWARD -d ${server}/32 -j DROP`,
    'COMMIT',
    '',
  ];
  return lines.join('\n');
}

/** Whether `iptables` is the nf_tables flavour (then its table is removed with nft afterwards). */
export function iptablesIsNft(): boolean {
  return sh('iptables', ['--version']).includes('nf_tables');
}

/** Loads the rules into the namespace's filter table (only that namespace's). */
export function iptablesLoad(netns: string, rules: string): void {
  if (!netns.startsWith(NETNS_PREFIX)) throw new Error(`refusing iptables outside ${NETNS_PREFIX}*`);
  sh('ip', ['netns', 'exec', netns, 'iptables-restore'], { input: rules });
}

/** The FORWARD chain's rule count in the namespace (for checks). */
export function iptablesForwardRules(netns: string): number {
  return sh('ip', ['netns', 'exec', netns, 'iptables', '-S', 'FORWARD'])
    .split('\n')
    .filter((l) => l.startsWith('-A ')).length;
}

/**
 * Takes the rules out of the namespace so that nothing (no rule, no conntrack) stays behind for the
 * other configurations: with nf_tables the whole table goes (`nft`, if installed); otherwise the chain
 * is flushed (an empty base chain stays hooked, which costs next to nothing). Verified empty after.
 */
export function iptablesClear(netns: string, nft: boolean): void {
  if (!netns.startsWith(NETNS_PREFIX)) throw new Error(`refusing iptables outside ${NETNS_PREFIX}*`);
  let gone = false;
  if (nft) {
    try {
      sh('ip', ['netns', 'exec', netns, 'nft', 'delete', 'table', 'ip', 'filter']);
      gone = true;
    } catch {
      // no nft binary (the nftables package): flush instead
    }
  }
  if (!gone) sh('ip', ['netns', 'exec', netns, 'iptables', '-F', 'FORWARD']);
  const left = iptablesForwardRules(netns);
  if (left !== 0) throw new Error(`${left} FORWARD rule(s) still in ${netns}`);
}
