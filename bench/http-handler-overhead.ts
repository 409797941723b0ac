// Quick loopback measure of the HTTP handler's own overhead: wrk (HTTP/1.1) and h2load (h2c) against a server
// directly, then through the handler behind a plain TCP listener (no datapath, one method+path rule).
// Usage: npm run build && node dist/bench/http-handler-overhead.js [seconds]. Numbers on a shared machine are noise.
import { execFile, fork } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createHttpHandler } from '../src/proxy/http/index.js';
import { FakeProxy } from '../test/proxy/fake-proxied-connection.js';

const seconds = Number(process.argv[2] ?? 5);

/** The upstream servers run in a child process so they do not share the proxy's event loop. */
async function startServers(): Promise<{ h1: number; h2: number; stop(): void }> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { stdio: 'inherit' });
  const ports = await new Promise<{ h1: number; h2: number }>((resolve) =>
    child.once('message', resolve as never),
  );
  return { ...ports, stop: () => child.kill() };
}

function serve(): void {
  const body = Buffer.from('ok\n');
  const s1 = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  const s2 = http2.createServer();
  s2.on('stream', (stream: http2.ServerHttp2Stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end(body);
  });
  s1.listen(0, '127.0.0.1', () =>
    s2.listen(0, '127.0.0.1', () =>
      process.send?.({ h1: (s1.address() as AddressInfo).port, h2: (s2.address() as AddressInfo).port }),
    ),
  );
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile(cmd, args, { encoding: 'utf8' }, (_e, out, err) => resolve(out + err)),
  );
}

interface Load {
  readonly text: string;
  readonly requests: number;
}

/** This process's CPU time per request while `load` runs: the handler's cost, whatever else loads the machine. */
async function cpuPerRequest(load: () => Promise<Load>): Promise<string> {
  const before = process.cpuUsage();
  const { text, requests } = await load();
  const used = process.cpuUsage(before);
  const us = (used.user + used.system) / Math.max(1, requests);
  return `${text}; proxy process CPU ${us.toFixed(1)} µs/request`;
}

async function wrk(port: number): Promise<Load> {
  const url = `http://127.0.0.1:${port}/ok`;
  const out = await run('wrk', ['-t', '1', '-c', '16', '-d', `${seconds}s`, '--latency', url]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const p99 = /\s99%\s+([\d.]+\w+)/.exec(out)?.[1];
  return { text: `${rps} req/s, p99 ${p99}`, requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0) };
}

async function h2load(port: number): Promise<Load> {
  const out = await run('h2load', [
    '-c',
    '4',
    '-m',
    '16',
    '-D',
    String(seconds),
    `http://127.0.0.1:${port}/ok`,
  ]);
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1];
  const ok = Number(/requests: .*?(\d+) succeeded/.exec(out)?.[1] ?? 0);
  return { text: `${rps} req/s (${ok} succeeded)`, requests: ok };
}

if (process.argv.includes('--serve')) serve();
else {
  const servers = await startServers();
  const handler = createHttpHandler();
  const rules = [{ method: 'GET', path: '/ok' }];
  const p1 = new FakeProxy(handler.handle, {
    upstream: { address: '127.0.0.1', port: servers.h1 },
    rules,
    recordEvents: false,
  });
  const p2 = new FakeProxy(handler.handle, {
    upstream: { address: '127.0.0.1', port: servers.h2 },
    rules,
    recordEvents: false,
  });
  const [proxied1, proxied2] = [await p1.listen(), await p2.listen()];
  console.log(`HTTP/1.1 wrk -c16, ${seconds}s`);
  console.log(`  direct:  ${(await wrk(servers.h1)).text}`);
  console.log(`  proxied: ${await cpuPerRequest(() => wrk(proxied1))}`);
  console.log(`h2c h2load -c4 -m16, ${seconds}s`);
  console.log(`  direct:  ${(await h2load(servers.h2)).text}`);
  console.log(`  proxied: ${await cpuPerRequest(() => h2load(proxied2))}`);
  console.log(`events emitted: ${p1.emitted + p2.emitted}`);
  await Promise.all([p1.close(), p2.close()]);
  handler.close();
  servers.stop();
}
