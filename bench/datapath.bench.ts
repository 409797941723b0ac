// eBPF datapath benchmark: pod-to-pod TCP stream, request/response and new connections per second for
// (a) no programs, (b) Porin with one policy allowing the flow, (c) Porin with 1,000 policies and 5,000
// identities loaded, (d) the same rules as linear iptables FORWARD rules; plus policy change → map
// written latency with the (c) load.
//
// Everything runs inside namespaces `porin-bench-dp-<pid>-{h,a,b}` (test/datapath's Topology: a private
// "host" netns with a blackhole default route and no uplink, two pod netns on veths): no packet can
// leave the machine, iptables rules live only in the private host netns, nothing is pinned. The four
// configurations are interleaved (rounds, each starting one configuration later) because absolute
// numbers swing by ~30 % between runs here; results are medians over rounds.
//
// CPUs: the traffic (clients, servers, and so the softirq work of both veths and the programs) runs on
// CPU 0, this process (the agent's part: draining the event ring) on the others. On these 2-vCPU VMs a
// request/response pair split over two CPUs runs at a quarter of the rate of one on a single CPU, and
// the scheduler flips between the two placements: without pinning, a round could differ 4x by chance.
//
// Events: by default the ring is drained as RingReader.start() does it (woken through epoll whenever
// records arrive). PORIN_BENCH_DP_EVENTS=poll drains it from a 10 ms timer instead (the kernel then
// wakes nobody while the reader lags behind); PORIN_BENCH_DP_EVENTS=off leaves it unread (once full,
// the programs only count lost events): the datapath's cost without the agent's reading.
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  type DatapathEvent,
  type EndpointLinks,
  inNetns,
  LxcDatapath,
  PolicyReconciler,
  type RingReader,
  removeClsact,
} from '../src/datapath/index.js';
import { sh } from '../test/datapath/harness.js';
import {
  buildWorld,
  identityOf,
  type PolicyWorld,
  podKey,
  reconcileEndpoint,
  serverPolicy,
  writeIpcache,
} from './datapath-policy.js';
import { type ProgramCost, programCost } from './datapath-progcost.js';
import { buildTrafficTool, type CountResult, type TrafficTool } from './datapath-tool.js';
import {
  BenchTopology,
  iptablesClear,
  iptablesForwardRules,
  iptablesIsNft,
  iptablesLoad,
  iptablesRules,
  NETNS_PREFIX,
} from './datapath-topology.js';
import type { Measurement } from './measurement.js';
import { Rng } from './synthetic-cluster.js';

const CLIENT = { name: 'a', ip: '10.244.7.10' };
const SERVER = { name: 'b', ip: '10.244.7.20' };
const IPERF_PORT = 5201;
const ECHO_PORT = 7001;
/** Not allowed by any policy and not listened on: the enforcement check. */
const DENIED_PORT = 7002;
const EP_CLIENT = 1;
const EP_SERVER = 2;
const REMOTES = 5000;
const POLICIES = 1000;

const EVENT_MODES = ['epoll', 'poll', 'off'] as const;
type EventMode = (typeof EVENT_MODES)[number];

const CONFIGS = ['a', 'b', 'c', 'd'] as const;
type Config = (typeof CONFIGS)[number];
const CONFIG_LABEL: Record<Config, string> = {
  a: '(a) no programs',
  b: '(b) Porin, 1 policy',
  c: `(c) Porin, ${POLICIES.toLocaleString('en')} policies + ${REMOTES.toLocaleString('en')} identities`,
  d: `(d) iptables, ${POLICIES.toLocaleString('en')} FORWARD rules`,
};

const TESTS = ['stream', 'rr', 'crr'] as const;
type Test = (typeof TESTS)[number];
const TEST_LABEL: Record<Test, string> = {
  stream: 'TCP stream',
  rr: 'TCP request/response',
  crr: 'TCP new connections (connect + request/response + close)',
};
const TEST_UNIT: Record<Test, string> = { stream: 'Gbit/s', rr: '/s', crr: '/s' };

/** The issue's targets, as ratios of medians (in %). */
const RATIO_TARGETS: Array<{ num: Config; den: Config; min: number; what: string }> = [
  { num: 'b', den: 'a', min: 95, what: 'Porin with a policy vs no programs' },
  { num: 'c', den: 'b', min: 98, what: '1,000 policies + 5,000 identities vs 1 policy' },
  { num: 'c', den: 'd', min: 100, what: 'Porin (c) ahead of iptables (d)' },
];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function fmt(test: Test, v: number): string {
  return test === 'stream' ? `${v.toFixed(2)} Gbit/s` : `${(v / 1000).toFixed(2)}k/s`;
}

interface Ctx {
  log: (line: string) => void;
  topo: BenchTopology;
  tool: TrafficTool;
  seconds: number;
  /** Arguments before the tool's mode: `cpu=0` when pinning. */
  pin: string[];
}

async function measure(ctx: Ctx, test: Test, seconds = ctx.seconds): Promise<number> {
  const { topo, tool } = ctx;
  const ns = topo.pod(CLIENT.name).netns;
  const timeout = (seconds + 10) * 1000;
  if (test === 'stream') {
    const out = await topo.exec(
      ns,
      tool.path,
      [...ctx.pin, 'exec', 'iperf3', '-c', SERVER.ip, '-p', String(IPERF_PORT), '-t', String(seconds), '-J'],
      timeout,
    );
    const j = JSON.parse(out) as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
    const bps = j.end?.sum_received?.bits_per_second;
    if (j.error || bps === undefined) throw new Error(`iperf3: ${j.error ?? 'no result'}`);
    return bps / 1e9;
  }
  const out = await topo.exec(
    ns,
    tool.path,
    [...ctx.pin, test, SERVER.ip, String(ECHO_PORT), String(seconds)],
    timeout,
  );
  const r = JSON.parse(out) as CountResult;
  if (r.count === 0) throw new Error(`${test}: no transaction completed (${r.errors} errors)`);
  if (r.errors > 0) ctx.log(`  note: ${test} had ${r.errors} failed connection(s)`);
  return r.count / r.seconds;
}

async function probe(ctx: Ctx, port: number, ms: number): Promise<string> {
  return ctx.topo.exec(
    ctx.topo.pod(CLIENT.name).netns,
    ctx.tool.path,
    ['probe', SERVER.ip, String(port), String(ms)],
    ms + 5000,
  );
}

/** A datapath object with the world's maps written, its reconciler and an event reader. */
interface Porin {
  dp: LxcDatapath;
  reconciler: PolicyReconciler;
  reader: RingReader<DatapathEvent>;
  /** Stops reading and frees the reader. */
  closeReader: () => void;
  events: { count: number };
  world: PolicyWorld;
  serverPolicyEntries: number;
}

function loadPorin(
  world: PolicyWorld,
  ifindex: { client: number; server: number },
  events: EventMode,
  log: (l: string) => void,
) {
  const t0 = performance.now();
  const dp = LxcDatapath.load();
  try {
    for (const [p, id, ifi] of [
      [world.client, EP_CLIENT, ifindex.client],
      [world.server, EP_SERVER, ifindex.server],
    ] as const) {
      dp.maps.endpoints.set(ifi, { identity: identityOf(world, p), ipv4: p.ip, endpointId: id, flags: 0 });
    }
    const ipcache = writeIpcache(world, dp, [CLIENT.ip, SERVER.ip]);
    const reconciler = new PolicyReconciler(dp.policyMaps());
    const rc = reconcileEndpoint(world, reconciler, world.client, EP_CLIENT);
    const rs = reconcileEndpoint(world, reconciler, world.server, EP_SERVER);
    for (const r of [rc, rs]) if (!r.ok) throw new Error(`reconcile: ${r.error?.message}`);
    const counter = { count: 0 };
    // The agent always drains the event ring; so does the bench (decoding every record, as the agent).
    const reader = dp.eventReader(() => {
      counter.count++;
    });
    let timer: NodeJS.Timeout | undefined;
    if (events === 'epoll') reader.start();
    else if (events === 'poll') timer = setInterval(() => reader.poll(), 10);
    const closeReader = () => {
      if (timer) clearInterval(timer);
      reader.close();
    };
    log(
      `  datapath with ${world.policies} CNP(s), ${world.remotes} remote identities: ipcache ${ipcache} entries, ` +
        `server policy ${rs.policyEntries} entries, client ${rc.policyEntries}; loaded in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    return {
      dp,
      reconciler,
      reader,
      closeReader,
      events: counter,
      world,
      serverPolicyEntries: rs.policyEntries,
    } satisfies Porin;
  } catch (e) {
    dp.close();
    throw e;
  }
}

export async function run(opts: { quick: boolean; log?: (line: string) => void }): Promise<Measurement[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  if (process.getuid?.() !== 0) {
    log('skipped: needs root (CAP_BPF, CAP_NET_ADMIN) for namespaces, tc and iptables');
    return [];
  }
  for (const cmd of ['iperf3', 'gcc', 'iptables-restore', 'ip', 'taskset']) {
    if (!sh('sh', ['-c', `command -v ${cmd} || true`]).trim()) {
      log(`skipped: ${cmd} not installed (scripts/setup.sh installs it)`);
      return [];
    }
  }
  const seconds = opts.quick ? 1 : 2;
  const rounds = opts.quick ? 2 : 7;
  const latencyOps = opts.quick ? 40 : 200;
  const nft = iptablesIsNft();
  const eventsEnv = process.env.PORIN_BENCH_DP_EVENTS ?? 'epoll';
  if (!(EVENT_MODES as readonly string[]).includes(eventsEnv))
    throw new Error(`PORIN_BENCH_DP_EVENTS=${eventsEnv}: expected one of ${EVENT_MODES.join(', ')}`);
  const events = eventsEnv as EventMode;
  const cpus = availableParallelism();
  const pin = cpus >= 2 ? ['cpu=0'] : [];
  const agentCpus = cpus > 2 ? `1-${cpus - 1}` : '1';
  const stale = sh('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(NETNS_PREFIX));
  if (stale.length > 0)
    log(`note: namespaces of another (or a crashed) run exist, left alone: ${stale.join(', ')}`);

  // Cleanup: a stack of independent steps, run on success, failure and SIGINT/SIGTERM alike.
  const cleanups: Array<[string, () => void]> = [];
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    for (const [what, step] of cleanups.reverse()) {
      try {
        step();
      } catch (e) {
        log(`cleanup (${what}): ${(e as Error).message}`);
      }
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: cleaning up`);
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const topo = new BenchTopology();
  const hostPath = topo.netnsPath(topo.host);
  let active: Config | undefined;
  let links: EndpointLinks[] = [];
  const porins: Partial<Record<'b' | 'c', Porin>> = {};
  let ifindex = { client: 0, server: 0 };
  let rules = '';
  let ownAffinity: string | undefined;

  const clearConfig = () => {
    const was = active;
    active = undefined;
    if (was === 'b' || was === 'c') {
      const ls = links;
      links = [];
      inNetns(hostPath, () => {
        for (const l of ls) l[Symbol.dispose]();
        removeClsact(ifindex.client);
        removeClsact(ifindex.server);
      });
    } else if (was === 'd') {
      iptablesClear(topo.host, nft);
    }
  };
  const applyConfig = (c: Config) => {
    clearConfig();
    if (c === 'b' || c === 'c') {
      const dp = porins[c]!.dp;
      active = c;
      links = inNetns(hostPath, () => [dp.attachEndpoint(ifindex.client), dp.attachEndpoint(ifindex.server)]);
    } else if (c === 'd') {
      active = c;
      iptablesLoad(topo.host, rules);
    }
  };

  try {
    const tool = buildTrafficTool();
    cleanups.push(['traffic tool', () => tool[Symbol.dispose]()]);
    cleanups.push(['namespaces', () => topo.destroy()]);
    const tSetup = performance.now();
    topo.create([CLIENT, SERVER]);
    const nsClient = topo.pod(CLIENT.name).netns;
    const nsServer = topo.pod(SERVER.name).netns;
    // The connection-rate client opens tens of thousands of connections: let it reuse TIME_WAIT ports.
    sh('ip', ['netns', 'exec', nsClient, 'sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1']);
    sh('ip', ['netns', 'exec', nsClient, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65535']);
    ifindex = {
      client: topo.ifindex(topo.pod(CLIENT.name).hostIf),
      server: topo.ifindex(topo.pod(SERVER.name).hostIf),
    };
    cleanups.push(['configuration', clearConfig]);
    const ctx: Ctx = { log, topo, tool, seconds, pin };
    if (pin.length > 0) {
      // This process (event reading) off the traffic's CPU, all its threads; put back in `finally`.
      ownAffinity = sh('taskset', ['-p', '-c', String(process.pid)])
        .split(':')
        .pop()!
        .trim();
      sh('taskset', ['-a', '-p', '-c', agentCpus, String(process.pid)]);
    }
    log(
      `traffic on CPU ${pin.length > 0 ? 0 : 'any'}, this process (event reader: ${events}) on ` +
        `${pin.length > 0 ? `CPU ${agentCpus}` : 'any'}; ${seconds} s per measurement, ${rounds} rounds`,
    );

    // Worlds: (b) the two pods and the policy allowing the flow; (c) the same plus 5,000 identities and
    // 999 more CNPs on the server.
    const tWorld = performance.now();
    const ports = [IPERF_PORT, ECHO_PORT];
    const worldB = buildWorld({ client: CLIENT, server: SERVER, ports, remotes: 0, policies: 1 });
    const worldC = buildWorld({
      client: CLIENT,
      server: SERVER,
      ports,
      remotes: REMOTES,
      policies: POLICIES,
    });
    log(
      `policy engine: (c) ${worldC.engine.identities.size} identities, ${POLICIES} CNPs built in ${(performance.now() - tWorld).toFixed(0)} ms`,
    );
    for (const [k, world] of [
      ['b', worldB],
      ['c', worldC],
    ] as const) {
      const p = loadPorin(world, ifindex, events, log);
      porins[k] = p;
      cleanups.push([`datapath ${k}`, () => p.dp.close()]);
      cleanups.push([`event reader ${k}`, () => p.closeReader()]);
    }
    rules = iptablesRules(SERVER.ip, worldC.allowed);

    // The server's to_container alone (BPF_PROG_TEST_RUN), (b) and (c) alternated, before any traffic.
    const cost: Record<'b' | 'c', ProgramCost[]> = { b: [], c: [] };
    for (let k = 0; k < 3; k++) {
      for (const c of ['b', 'c'] as const) {
        cost[c].push(
          programCost(
            porins[c]!.dp,
            hostPath,
            { client: CLIENT.ip, server: SERVER.ip, port: ECHO_PORT, ifindex: ifindex.server },
            { repeat: 200_000, syns: 2000, sportBase: 2000 + k * 2100 },
          ),
        );
      }
    }
    const costMed = (c: 'b' | 'c', f: keyof ProgramCost) => median(cost[c].map((x) => x[f]));
    log(
      `  to_container per packet (BPF_PROG_TEST_RUN, medians of 3): established ${costMed('b', 'establishedNs').toFixed(0)} ns (b), ` +
        `${costMed('c', 'establishedNs').toFixed(0)} ns (c); SYN of a new connection ${costMed('b', 'synNs').toFixed(0)} ns (b), ` +
        `${costMed('c', 'synNs').toFixed(0)} ns (c)`,
    );

    // Servers in the server pod: the echo server (request/response, new connections) and iperf3.
    const echo = topo.start(nsServer, tool.path, [...pin, 'server', SERVER.ip, String(ECHO_PORT)]);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('echo server not ready in 5 s')), 5000);
      echo.stdout?.once('data', () => {
        clearTimeout(t);
        resolve();
      });
      echo.once('exit', (code) => reject(new Error(`echo server exited ${code}`)));
    });
    topo.start(nsServer, tool.path, [
      ...pin,
      'exec',
      'iperf3',
      '-s',
      '-B',
      SERVER.ip,
      '-p',
      String(IPERF_PORT),
    ]);
    for (let i = 0; ; i++) {
      if ((await probe(ctx, IPERF_PORT, 500)) === 'open') break;
      if (i > 50) throw new Error('iperf3 server not listening after 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }

    // Check every configuration before measuring it: the allowed ports open, the denied port refused by
    // the server's kernel (no programs) or dropped (the others) — so each configuration enforces.
    for (const c of CONFIGS) {
      applyConfig(c);
      if (c === 'd')
        log(`  iptables (${nft ? 'nf_tables' : 'legacy'}): ${iptablesForwardRules(topo.host)} FORWARD rules`);
      for (const port of ports) {
        const r = await probe(ctx, port, 2000);
        if (r !== 'open') throw new Error(`${CONFIG_LABEL[c]}: allowed port ${port} is ${r}`);
      }
      const denied = await probe(ctx, DENIED_PORT, 300);
      const expect = c === 'a' ? 'refused' : 'timeout';
      if (denied !== expect)
        throw new Error(`${CONFIG_LABEL[c]}: denied port ${DENIED_PORT} is ${denied}, not ${expect}`);
      for (const t of TESTS) await measure(ctx, t, t === 'stream' ? 1 : 0.5); // warm-up; the tools work here
      clearConfig();
    }
    log(`setup and checks: ${((performance.now() - tSetup) / 1000).toFixed(1)} s`);

    // Interleaved rounds.
    const samples: Record<Test, Record<Config, number[]>> = {
      stream: { a: [], b: [], c: [], d: [] },
      rr: { a: [], b: [], c: [], d: [] },
      crr: { a: [], b: [], c: [], d: [] },
    };
    const eventsSeen: Record<'b' | 'c', number> = { b: 0, c: 0 };
    /** This process's CPU time per second of measuring, per configuration (the event reader's cost). */
    const ownCpu: Record<Config, number[]> = { a: [], b: [], c: [], d: [] };
    const tRounds = performance.now();
    const loadBefore = loadavg()[0]!;
    for (let r = 0; r < rounds; r++) {
      const order = CONFIGS.map((_, i) => CONFIGS[(i + r) % CONFIGS.length]!);
      const line: string[] = [];
      for (const c of order) {
        applyConfig(c);
        const before = c === 'b' || c === 'c' ? porins[c]!.events.count : 0;
        const vals: string[] = [];
        const cpu0 = process.cpuUsage();
        const wall0 = performance.now();
        for (const t of TESTS) {
          const v = await measure(ctx, t);
          samples[t][c].push(v);
          vals.push(fmt(t, v));
        }
        const cpu = process.cpuUsage(cpu0);
        ownCpu[c].push((cpu.user + cpu.system) / 1000 / (performance.now() - wall0));
        if (c === 'b' || c === 'c') eventsSeen[c] += porins[c]!.events.count - before;
        clearConfig();
        line.push(`${c}: ${vals.join(' ')}`);
      }
      log(`round ${r + 1}/${rounds}: ${line.join(' | ')}`);
    }
    const roundsSeconds = (performance.now() - tRounds) / 1000;
    for (const k of ['b', 'c'] as const) {
      const p = porins[k]!;
      const metrics = p.dp.metrics();
      const fwd = metrics.find((m) => m.reason === 0 && m.direction === 'ingress');
      const drops = metrics
        .filter((m) => m.reason !== 0)
        .map((m) => `${m.direction} ${m.reason}: ${m.packets}`);
      log(
        `  datapath ${k}: ${eventsSeen[k]} events read during the rounds, ${p.dp.eventsLost()} lost; ` +
          `${fwd?.packets ?? 0n} packets forwarded to pods; drops ${drops.length > 0 ? drops.join(', ') : 'none'} ` +
          '(the enforcement checks drop a few)',
      );
    }
    log(
      `  this process's CPU while measuring (median, % of one CPU): ${CONFIGS.map((c) => `${c} ${(100 * median(ownCpu[c])).toFixed(0)} %`).join(', ')}`,
    );
    log(
      `rounds: ${(roundsSeconds / rounds).toFixed(1)} s each, ${roundsSeconds.toFixed(0)} s in all; ` +
        `1-minute load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after ` +
        `(the bench itself keeps about one CPU busy: more means other work shared the machine)`,
    );

    // Policy change → map written, with the (c) load: upsert (then remove) one CNP on the server.
    const pc = porins.c!;
    const local = new Map([
      [podKey(worldC.client), { pod: worldC.client, id: EP_CLIENT }],
      [podKey(worldC.server), { pod: worldC.server, id: EP_SERVER }],
    ]);
    const apply = (changed: readonly string[]): { added: number; deleted: number; reconcileMs: number } => {
      let added = 0;
      let deleted = 0;
      let reconcileMs = 0;
      for (const key of changed) {
        const l = local.get(key);
        if (!l) continue;
        const policy = worldC.engine.policyOf(key);
        const t = performance.now();
        const res = pc.reconciler.reconcile({
          endpointId: l.id,
          ingress: policy.ingress,
          egress: policy.egress,
        });
        reconcileMs += performance.now() - t;
        if (!res.ok) throw new Error(`reconcile: ${res.error?.message}`);
        added += res.added;
        deleted += res.deleted;
      }
      return { added, deleted, reconcileMs };
    };
    const rng = new Rng(11);
    const addMs: number[] = [];
    const removeMs: number[] = [];
    const addReconcileMs: number[] = [];
    const warm = 10;
    for (let i = 0; i < latencyOps + warm; i++) {
      const cnp = serverPolicy(`churn-${i}`, { peer: `p-${rng.int(REMOTES)}` }, [20000 + i]);
      const t0 = performance.now();
      const added = apply(worldC.engine.upsert(cnp).endpoints);
      const t1 = performance.now();
      const removed = apply(worldC.engine.remove(cnp).endpoints);
      const t2 = performance.now();
      if (added.added < 1 || removed.deleted < 1)
        throw new Error(`policy change wrote nothing (added ${added.added}, deleted ${removed.deleted})`);
      if (i < warm) continue;
      addMs.push(t1 - t0);
      removeMs.push(t2 - t1);
      addReconcileMs.push(added.reconcileMs);
    }
    log(
      `policy changes: ${latencyOps} adds + ${latencyOps} removes of one CNP on the server ` +
        `(${pc.serverPolicyEntries} entries); of an add, PolicyReconciler.reconcile took p50 ${percentile(addReconcileMs, 50).toFixed(2)} ms`,
    );

    // Results.
    const out: Measurement[] = [];
    const med = (t: Test, c: Config) => median(samples[t][c]);
    const header = `${'test'.padEnd(18)} ${CONFIGS.map((c) => c.padStart(13)).join('')}   spread (max/min−1) a b c d`;
    log(`\nmedians over ${rounds} rounds of ${seconds} s per measurement`);
    log(header);
    for (const t of TESTS) {
      const spread = CONFIGS.map((c) => {
        const s = samples[t][c];
        return `${((Math.max(...s) / Math.min(...s) - 1) * 100).toFixed(0)}%`;
      }).join(' ');
      log(`${t.padEnd(18)} ${CONFIGS.map((c) => fmt(t, med(t, c)).padStart(13)).join('')}   ${spread}`);
    }
    log('');
    for (const t of TESTS) {
      for (const c of CONFIGS) {
        const base: Config | undefined = c === 'b' ? 'a' : c === 'c' ? 'b' : c === 'd' ? 'a' : undefined;
        out.push({
          name: `${TEST_LABEL[t]}, ${CONFIG_LABEL[c]}`,
          value: med(t, c),
          unit: TEST_UNIT[t],
          ...(base ? { baseline: { name: CONFIG_LABEL[base].split(' ')[0]!, value: med(t, base) } } : {}),
        });
      }
      for (const rt of RATIO_TARGETS) {
        const ratio = (100 * med(t, rt.num)) / med(t, rt.den);
        const paired = median(samples[t][rt.num].map((v, i) => v / samples[t][rt.den][i]!)) * 100;
        log(
          `${TEST_LABEL[t].split(' (')[0]} (${rt.num})/(${rt.den}) ${ratio.toFixed(1)} % ` +
            `(target ≥ ${rt.min} %: ${ratio >= rt.min ? 'met' : 'MISSED'}; median of per-round ratios ${paired.toFixed(1)} %) — ${rt.what}`,
        );
        out.push({
          name: `${TEST_LABEL[t].split(' (')[0]}: (${rt.num})/(${rt.den}), ${rt.what}`,
          value: ratio,
          unit: '%',
          target: { kind: 'min', value: rt.min },
        });
      }
    }
    for (const [f, what] of [
      ['establishedNs', 'an established packet'],
      ['synNs', 'the SYN of a new connection'],
    ] as const) {
      for (const c of ['b', 'c'] as const) {
        out.push({
          name: `to_container (server ingress) on ${what}, ${CONFIG_LABEL[c]} (BPF_PROG_TEST_RUN)`,
          value: costMed(c, f),
          unit: 'ns',
          ...(c === 'c' ? { baseline: { name: '(b)', value: costMed('b', f) } } : {}),
        });
      }
    }
    const pAdd50 = percentile(addMs, 50);
    const pAdd99 = percentile(addMs, 99);
    log(
      `policy change → map written (engine upsert → reconcile done), ${POLICIES.toLocaleString('en')} CNPs + ${REMOTES.toLocaleString('en')} identities: ` +
        `add p50 ${pAdd50.toFixed(2)} ms p99 ${pAdd99.toFixed(2)} ms; remove p50 ${percentile(removeMs, 50).toFixed(2)} ms p99 ${percentile(removeMs, 99).toFixed(2)} ms`,
    );
    const what = `policy change → map written (${POLICIES.toLocaleString('en')} CNPs, ${REMOTES.toLocaleString('en')} identities)`;
    out.push({ name: `${what}: add one CNP, p50`, value: pAdd50, unit: 'ms' });
    out.push({ name: `${what}: add one CNP, p99`, value: pAdd99, unit: 'ms' });
    out.push({ name: `${what}: remove one CNP, p50`, value: percentile(removeMs, 50), unit: 'ms' });
    out.push({ name: `${what}: remove one CNP, p99`, value: percentile(removeMs, 99), unit: 'ms' });
    return out;
  } finally {
    const running = topo.running();
    await topo.stopAll(3000);
    cleanup();
    if (ownAffinity) {
      try {
        sh('taskset', ['-a', '-p', '-c', ownAffinity, String(process.pid)]);
      } catch (e) {
        log(`cleanup (CPU affinity): ${(e as Error).message}`);
      }
    }
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    // Verify: nothing of ours is left.
    const left = sh('ip', ['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n.startsWith(`${NETNS_PREFIX}${process.pid}`));
    const pins = existsSync('/sys/fs/bpf')
      ? readdirSync('/sys/fs/bpf').filter((f) => f.startsWith('porin-bench'))
      : [];
    const alive = topo.running();
    log(
      `cleanup: ${left.length === 0 && pins.length === 0 ? 'no namespaces or pins left' : `LEFT: ${[...left, ...pins].join(', ')}`}; ` +
        `${running.length} process(es) killed by pid${alive.length > 0 ? `, still alive: ${alive.join(', ')}` : ''}`,
    );
  }
}
