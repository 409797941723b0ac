import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Listener } from './running-workload.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  listeners: Listener[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `main.js` with args and waits for its `ready` line. */
async function startWorkload(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...env },
  });
  children.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ listeners: Listener[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 10_000);
    lines.on('line', (line) => {
      const ev = JSON.parse(line) as { event: string; listeners: Listener[] };
      if (ev.event === 'ready') {
        clearTimeout(timer);
        resolve(ev);
      }
    });
    exited.then(({ code }) => reject(new Error(`exited ${code} before ready; stderr: ${stderr}`)));
  });
  return { child, listeners: ready.listeners, exited };
}

async function stop(s: Started): Promise<void> {
  s.child.kill('SIGTERM');
  const { code, signal } = await s.exited;
  assert.equal(signal, null);
  assert.equal(code, 0, 'SIGTERM ends a workload cleanly');
}

function request(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; localPort: number }> {
  return new Promise((resolve, reject) => {
    let localPort = 0;
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        data += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers, localPort }),
      );
    });
    req.on('socket', (s) => s.on('connect', () => (localPort = s.localPort ?? 0)));
    req.on('error', reject);
    req.end(body);
  });
}

function udpExchange(port: number, payload: string): Promise<{ reply: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('no UDP reply'));
    }, 3000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      const localPort = sock.address().port;
      sock.close();
      resolve({ reply: msg.toString(), localPort });
    });
    sock.send(payload, port, '127.0.0.1');
  });
}

describe('workloads main.js', () => {
  it('serve: HTTP echo on every --tcp port, UDP echo on every --udp port, clean SIGTERM', async () => {
    const s = await startWorkload(
      ['serve', '--bind', '127.0.0.1', '--tcp', '0', '--tcp', '0', '--udp', '0'],
      {
        POD_NAME: 'web-7f9c',
        POD_NAMESPACE: 'prod',
      },
    );
    try {
      const tcp = s.listeners.filter((l) => l.proto === 'tcp');
      const udp = s.listeners.filter((l) => l.proto === 'udp');
      assert.equal(tcp.length, 2);
      assert.equal(udp.length, 1);
      for (const l of tcp) {
        const r = await request(l.port, 'POST', '/api/v1/things?x=1', 'payload');
        assert.equal(r.status, 200);
        const report = JSON.parse(r.body);
        assert.deepEqual(report, {
          pod: 'web-7f9c',
          namespace: 'prod',
          client: { address: '127.0.0.1', port: r.localPort },
          server: { address: '127.0.0.1', port: l.port },
          method: 'POST',
          path: '/api/v1/things?x=1',
          host: `127.0.0.1:${l.port}`,
        });
      }
      const port = tcp[0]!.port;
      assert.deepEqual((({ status, body }) => ({ status, body }))(await request(port, 'GET', '/healthz')), {
        status: 200,
        body: 'ok',
      });
      assert.equal((await request(port, 'GET', '/hostname')).body, 'web-7f9c');
      assert.equal((await request(port, 'GET', '/echo?msg=hi%20there')).body, 'hi there');
      const ip = await request(port, 'GET', '/clientip');
      assert.equal(ip.body, `127.0.0.1:${ip.localPort}`);

      const u = udp[0]!.port;
      assert.equal(
        (await udpExchange(u, 'hello\x00world')).reply,
        'hello\x00world',
        'datagrams echo unchanged',
      );
      assert.equal((await udpExchange(u, 'hostname')).reply, 'web-7f9c');
      assert.equal((await udpExchange(u, 'hostname\n')).reply, 'web-7f9c');
      assert.equal((await udpExchange(u, 'echo ping')).reply, 'ping');
      const cip = await udpExchange(u, 'clientip');
      assert.equal(cip.reply, `127.0.0.1:${cip.localPort}`);
    } finally {
      await stop(s);
    }
  });

  it('serve --hostname-only answers the pod name to everything (agnhost serve-hostname)', async () => {
    const s = await startWorkload([
      'serve',
      '--bind',
      '127.0.0.1',
      '--tcp',
      '0',
      '--udp',
      '0',
      '--name',
      'sh-1',
      '--hostname-only',
    ]);
    try {
      assert.equal((await request(s.listeners[0]!.port, 'GET', '/anything')).body, 'sh-1');
      assert.equal((await udpExchange(s.listeners[1]!.port, 'x')).reply, 'sh-1');
    } finally {
      await stop(s);
    }
  });

  it('serve closes keep-alive connections on SIGTERM instead of waiting for them', async () => {
    const s = await startWorkload(['serve', '--bind', '127.0.0.1', '--tcp', '0', '--name', 'ka']);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port: s.listeners[0]!.port, path: '/', agent }, (res) =>
          res.resume().on('end', resolve),
        )
        .on('error', reject),
    );
    const t0 = Date.now();
    await stop(s);
    assert.ok(Date.now() - t0 < 1500, 'no wait for the idle keep-alive connection');
    agent.destroy();
  });

  it('deathstar: the Star Wars demo API, and the exhaust port panics the process like the real image', async () => {
    const s = await startWorkload([
      'deathstar',
      '--bind',
      '127.0.0.1',
      '--port',
      '0',
      '--name',
      'deathstar-1',
    ]);
    const port = s.listeners[0]!.port;
    const info = await request(port, 'GET', '/v1');
    assert.equal(info.status, 200);
    assert.equal(JSON.parse(info.body).name, 'Death Star');
    assert.ok(JSON.parse(info.body).api.includes('PUT   /v1/exhaust-port'));
    assert.equal((await request(port, 'GET', '/v1/')).status, 200, 'the demo calls /v1/');
    const landed = await request(port, 'POST', '/v1/request-landing');
    assert.deepEqual([landed.status, landed.body], [200, 'Ship landed\n']);
    assert.equal((await request(port, 'GET', '/v1/nothing')).status, 404);
    const t0 = Date.now();
    const boom = await request(port, 'PUT', '/v1/exhaust-port');
    assert.equal(boom.status, 503);
    assert.match(boom.body, /^Panic: deathstar exploded\n\ngoroutine 1 \[running\]:\n/);
    const { code } = await s.exited;
    assert.equal(code, 2, 'a Go panic exits with status 2');
    assert.ok(Date.now() - t0 >= 1900, 'it explodes about 2 s later');
  });

  it('deathstar --no-explode keeps running; idle sleeps until SIGTERM', async () => {
    const d = await startWorkload(['deathstar', '--bind', '127.0.0.1', '--port', '0', '--no-explode']);
    assert.equal((await request(d.listeners[0]!.port, 'PUT', '/v1/exhaust-port')).status, 503);
    const idle = await startWorkload(['idle', '--name', 'tiefighter']);
    assert.deepEqual(idle.listeners, []);
    await new Promise((r) => setTimeout(r, 2200));
    assert.equal(d.child.exitCode, null, 'no explosion');
    assert.equal(idle.child.exitCode, null, 'idle stays up');
    await stop(d);
    await stop(idle);
  });

  it('rejects bad usage with exit status 64', async () => {
    for (const args of [
      ['serve'],
      ['nope'],
      ['serve', '--tcp', '70000'],
      ['serve', '--tcp', '80', '--bogus'],
    ]) {
      const child = spawn(process.execPath, [MAIN, ...args], { stdio: 'ignore' });
      const code = await new Promise((r) => child.on('exit', r));
      assert.equal(code, 64, args.join(' '));
    }
  });
});
