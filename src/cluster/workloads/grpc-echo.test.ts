import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { grpcEchoPackageDefinition } from './grpc-protos.js';
import type { Listener } from './running-workload.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

type Method = (...args: unknown[]) => unknown;
type AnyClient = grpc.Client & Record<string, Method>;
type Ctor = new (address: string, creds: grpc.ChannelCredentials) => AnyClient;
const pkg = grpc.loadPackageDefinition(grpcEchoPackageDefinition()) as unknown as {
  grpc: { health: { v1: { Health: Ctor } } };
  porin: { echo: { v1: { Echo: Ctor } } };
};

function unary<T>(client: AnyClient, method: string, req: object): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method]!(req, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res))),
  );
}

async function startWorkload(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [MAIN, 'grpc-echo', '--port', '0', '--bind', '127.0.0.1', '--name', 'echo-1', '--namespace', 'grpc'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const lines = createInterface({ input: child.stdout! });
  const listeners = await new Promise<Listener[]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no ready line')), 15_000);
    lines.on('line', (l) => {
      const ev = JSON.parse(l) as { event: string; kind: string; listeners: Listener[] };
      if (ev.event === 'ready') {
        clearTimeout(t);
        assert.equal(ev.kind, 'grpc-echo');
        resolve(ev.listeners);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  return { child, port: listeners[0]!.port };
}

describe('grpc-echo workload (real grpc-js client)', () => {
  it('serves grpc.health.v1 Check/Watch and porin.echo.v1 Echo/EchoStream, then stops on SIGTERM', async () => {
    const { child, port } = await startWorkload();
    const addr = `127.0.0.1:${port}`;
    const creds = grpc.credentials.createInsecure();
    const health = new pkg.grpc.health.v1.Health(addr, creds);
    const echo = new pkg.porin.echo.v1.Echo(addr, creds);
    try {
      assert.deepEqual(await unary(health, 'check', { service: '' }), { status: 'SERVING' });
      assert.deepEqual(await unary(health, 'check', { service: 'porin.echo.v1.Echo' }), {
        status: 'SERVING',
      });
      await assert.rejects(unary(health, 'check', { service: 'nope' }), { code: grpc.status.NOT_FOUND });

      const watch = health.watch!({ service: 'nope' }) as grpc.ClientReadableStream<{ status: string }>;
      const first = await new Promise<{ status: string }>((resolve) => watch.once('data', resolve));
      assert.equal(first.status, 'SERVICE_UNKNOWN');
      watch.on('error', () => {});
      watch.cancel();

      const r = await unary<Record<string, unknown>>(echo, 'echo', { message: 'hi' });
      assert.equal(r.message, 'hi');
      assert.equal(r.pod, 'echo-1');
      assert.equal(r.namespace, 'grpc');
      assert.match(String(r.peer), /^127\.0\.0\.1:\d+$/, 'the caller as the server saw it');
      await assert.rejects(unary(echo, 'echo', { message: 'nope', failWithCode: grpc.status.ABORTED }), {
        code: grpc.status.ABORTED,
        details: 'nope',
      });

      const stream = echo.echoStream!({
        message: 'tick',
        count: 3,
        intervalMs: 5,
      }) as grpc.ClientReadableStream<{
        sequence: number;
        message: string;
      }>;
      const got: number[] = [];
      for await (const m of stream) {
        assert.equal(m.message, 'tick');
        got.push(m.sequence);
      }
      assert.deepEqual(got, [0, 1, 2]);
    } finally {
      health.close();
      echo.close();
    }
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0);
  });
});
