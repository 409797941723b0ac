// Issue 8's L7 benchmark: direct, L3/L4 only, Porin's proxy with one HTTP rule, haproxy with the same rule — interleaved, ratios printed.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProxyFeedClient } from '../src/agent/proxy-feed.js';
import { cnp } from '../src/policy/test-fixtures.js';
import { HOST_IP } from '../test/datapath/netns-topology.js';
import { L7Node } from '../test/proxy/l7-node.js';
import type { BenchOptions, Measurement } from './measurement.js';

/*
 * Pods a (client: wrk, h2load, a rate-limited Node client) and b (a Node HTTP/1.1 server on 80, an h2c server
 * on 81) behind a private host netns with the datapath and the proxy routing. Configurations, one after the
 * other in every round:
 *   (a) direct, no policy          (b) an L3/L4 policy only (a → b on 80, 81)
 *   (c) one HTTP rule (GET /public) through Porin's proxy
 *   (d) haproxy in the host netns as a reverse proxy enforcing the same rule (a → 10.0.0.1:8080/8081), L3/L4 at b
 * Per configuration: wrk keep-alive, wrk connection-per-request, h2load (h2c), and the p99 latency at half of
 * (c)'s keep-alive rate. Targets (issue 8): (c) ≥ 0.8 × (d) requests/s; p99 of (c) − p99 of (b) ≤ 1 ms at that
 * rate; the proxy's memory does not grow over the run.
 */

const HTTP_MODULE = fileURLToPath(new URL('../src/proxy/http/index.js', import.meta.url));
const PROXY_PORT = 14180;
const A = { name: 'a', ip: '10.244.12.10', labels: { app: 'bench-client' } };
const B = { name: 'b', ip: '10.244.12.20', labels: { app: 'bench-server' } };

const SERVER = `
  const http = require('node:http'), http2 = require('node:http2');
  const answer = (path, res) => { const ok = path === '/public'; res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' }); res.end(ok ? 'ok' : 'no'); };
  http.createServer((req, res) => answer(req.url, res)).listen(80, '${B.ip}');
  http2.createServer((req, res) => answer(req.url, res)).listen(81, '${B.ip}', () => console.log('ready'));`;

/** Open loop: `rate` requests/s for `seconds` over keep-alive connections; prints p50/p99 in ms. */
const RATE_CLIENT = (url: string, rate: number, seconds: number) => `
  const http = require('node:http'); const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const lat = []; let sent = 0, done = 0, errors = 0; const total = ${rate * seconds};
  const t0 = performance.now();
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * ${rate}));
    for (; sent < due; sent++) { const s = performance.now();
      http.get(${JSON.stringify(url)}, { agent }, (res) => { res.resume(); res.on('end', () => { lat.push(performance.now() - s); if (++done + errors === total) end(); }); })
        .on('error', () => { if (done + ++errors === total) end(); }); }
    if (sent >= total) clearInterval(tick);
  }, 1);
  function end() { lat.sort((a, b) => a - b); const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
    console.log(JSON.stringify({ p50: q(0.5), p99: q(0.99), errors })); process.exit(0); }`;

const HAPROXY_CFG = `
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend h1
  bind ${HOST_IP}:8080
  http-request deny deny_status 403 unless { method GET } { path /public }
  default_backend b1
frontend h2
  bind ${HOST_IP}:8081 proto h2
  http-request deny deny_status 403 unless { method GET } { path /public }
  default_backend b2
backend b1
  server s ${B.ip}:80
backend b2
  server s ${B.ip}:81 proto h2
`;

function sh(argv: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs }, (e, out, err) =>
      e ? reject(new Error(`${argv.join(' ')}: ${err || e.message}`)) : resolve(out),
    ),
  );
}

type Config = 'a-direct' | 'b-l3l4' | 'c-porin' | 'd-haproxy';
interface Result {
  keepAlive: number;
  perRequest: number;
  h2: number;
  p99: number;
}

export async function l7Proxy({ quick, log }: BenchOptions): Promise<Measurement[]> {
  if (process.getuid?.() !== 0) return skip(log, 'needs root');
  for (const tool of ['wrk', 'h2load', 'haproxy'])
    if (!existsSync(`/usr/bin/${tool}`) && !existsSync(`/usr/sbin/${tool}`))
      return skip(log, `${tool} is missing (scripts/setup.sh installs it)`);
  if (!existsSync(HTTP_MODULE)) return skip(log, 'no HTTP handler (src/proxy/http) in this build');
  const secs = quick ? 2 : 10;
  const rounds = quick ? 1 : 3;
  const node = new L7Node('bench', [A, B], [{ type: 'http', port: PROXY_PORT }]);
  let haproxy: ChildProcess | undefined;
  const feed = new ProxyFeedClient({ socketPath: `${node.runDir}/proxy.sock`, onEvents: () => {}, log });
  try {
    node.create();
    const server = node.topo.spawnIn(node.topo.pod('b').netns, SERVER);
    await new Promise((r) => server.stdout!.once('data', r));
    await node.startProxy([], { builtin: true });
    feed.start();
    const cfg = join(node.runDir, 'haproxy.cfg');
    writeFileSync(cfg, HAPROXY_CFG);
    haproxy = spawn('ip', ['netns', 'exec', node.topo.host, 'haproxy', '-db', '-f', cfg], {
      stdio: 'ignore',
    });
    const l3l4 = cnp('default', 'bench', {
      endpointSelector: { matchLabels: B.labels },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: A.labels }],
          toPorts: [{ ports: [{ port: '80' }, { port: '81' }] }],
        },
      ],
    });
    const l7 = cnp('default', 'bench', {
      endpointSelector: { matchLabels: B.labels },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: A.labels }],
          toPorts: [
            {
              ports: [{ port: '80' }, { port: '81' }],
              rules: { http: [{ method: 'GET', path: '/public' }] },
            },
          ],
        },
      ],
    });
    let revision = 0;
    const configure = async (c: Config) => {
      if (c === 'a-direct') node.remove(l3l4);
      else node.apply(c === 'c-porin' ? l7 : l3l4);
      feed.publish(node.snapshot(++revision));
      if (!(await feed.waitForAck(revision, 5000))) throw new Error('the proxy did not acknowledge');
    };
    const target = (c: Config) =>
      c === 'd-haproxy' ? { ip: HOST_IP, h1: 8080, h2: 8081 } : { ip: B.ip, h1: 80, h2: 81 };
    const inA = (argv: string[]) => sh(['ip', 'netns', 'exec', node.topo.pod('a').netns, ...argv]);
    const wrk = async (url: string, close: boolean) => {
      const out = await inA([
        'wrk',
        '-t2',
        '-c16',
        `-d${secs}s`,
        ...(close ? ['-H', 'Connection: close'] : []),
        url,
      ]);
      if (/Socket errors|Non-2xx/.test(out) || !/Requests\/sec:\s+[1-9]/.test(out))
        log(`wrk ${url}: ${out.trim().split('\n').slice(-4).join('; ')}`);
      return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
    };
    const h2 = async (url: string) => {
      const out = await inA(['h2load', '-c8', '-m4', '-D', String(secs), url]);
      return Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? 0);
    };
    const proxyRss = () => {
      const pid = Number(readFileSync(join(node.runDir, 'proxy.pid'), 'utf8'));
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    };
    const all: Record<Config, Result[]> = { 'a-direct': [], 'b-l3l4': [], 'c-porin': [], 'd-haproxy': [] };
    const order: Config[] = ['a-direct', 'b-l3l4', 'c-porin', 'd-haproxy'];
    let rssStart = 0;
    for (let round = 0; round < rounds; round++) {
      for (const c of round % 2 ? [...order].reverse() : order) {
        await configure(c);
        const t = target(c);
        const r: Result = {
          keepAlive: await wrk(`http://${t.ip}:${t.h1}/public`, false),
          perRequest: await wrk(`http://${t.ip}:${t.h1}/public`, true),
          h2: await h2(`http://${t.ip}:${t.h2}/public`),
          p99: 0,
        };
        all[c].push(r);
        log(
          `round ${round + 1} ${c}: keep-alive ${r.keepAlive.toFixed(0)}/s, per-request ${r.perRequest.toFixed(0)}/s, h2 ${r.h2.toFixed(0)}/s`,
        );
        if (c === 'c-porin' && rssStart === 0) rssStart = proxyRss();
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
    const rate = Math.max(1, Math.floor(median(all['c-porin'].map((r) => r.keepAlive)) / 2));
    const p99 = async (c: Config) => {
      await configure(c);
      const t = target(c);
      const out = await inA([
        process.execPath,
        '-e',
        RATE_CLIENT(`http://${t.ip}:${t.h1}/public`, rate, secs),
      ]);
      return (JSON.parse(out) as { p99: number }).p99;
    };
    const latency = { b: [] as number[], c: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      latency.b.push(await p99('b-l3l4'));
      latency.c.push(await p99('c-porin'));
    }
    const rssEnd = proxyRss();
    const m = (c: Config, k: keyof Result) => median(all[c].map((r) => r[k]));
    const out: Measurement[] = [];
    for (const [k, label] of [
      ['keepAlive', 'HTTP/1.1 keep-alive'],
      ['perRequest', 'HTTP/1.1 connection per request'],
      ['h2', 'HTTP/2 (h2c)'],
    ] as const) {
      out.push({
        name: `l7 ${label}: (c) Porin's proxy`,
        value: m('c-porin', k),
        unit: '/s',
        target: { kind: 'min', value: 0.8 * m('d-haproxy', k) },
        baseline: { name: '(b) L3/L4 only', value: m('b-l3l4', k) },
      });
      log(
        `${label}: (a) ${m('a-direct', k).toFixed(0)}/s (b) ${m('b-l3l4', k).toFixed(0)}/s (c) ${m('c-porin', k).toFixed(0)}/s (d) ${m('d-haproxy', k).toFixed(0)}/s; (c)/(d) ${(m('c-porin', k) / m('d-haproxy', k)).toFixed(3)}, (c)/(b) ${(m('c-porin', k) / m('b-l3l4', k)).toFixed(3)}`,
      );
    }
    out.push({
      name: `l7 added p99 latency (c) − (b) at ${rate}/s`,
      value: median(latency.c) - median(latency.b),
      unit: 'ms',
      target: { kind: 'max', value: 1 },
    });
    out.push({
      name: 'l7 proxy memory growth over the run',
      value: rssEnd - rssStart,
      unit: 'MiB',
      target: { kind: 'max', value: 16 },
    });
    return out;
  } finally {
    feed.close();
    haproxy?.kill('SIGKILL');
    node.destroy();
  }
}

function skip(log: (l: string) => void, why: string): Measurement[] {
  log(`l7 bench skipped: ${why}`);
  return [];
}
