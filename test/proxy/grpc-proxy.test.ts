// gRPC through the HTTP handler: a real @grpc/grpc-js client, the built-in grpc-echo server, Cilium-style rules.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { grpcEchoPackageDefinition, startGrpcEcho } from '../../src/cluster/workloads/index.js';
import type { RunningWorkload } from '../../src/cluster/workloads/running-workload.js';
import type { PortRuleHTTP } from '../../src/resources/index.js';
import { type ProxyFixture, startProxy } from './proxy-fixture.js';
import type { Upstream } from './upstreams.js';

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

/** The gRPC server as an Upstream for the fixture (it only needs the port and close()). */
async function grpcUpstream(): Promise<{ up: Upstream; server: RunningWorkload }> {
  const server = await startGrpcEcho({
    port: 0,
    bind: '127.0.0.1',
    pod: { name: 'echo-0', namespace: 'default' },
  });
  const up = {
    port: server.listeners[0]!.port,
    seen: [],
    connections: 0,
    events: undefined as never,
    openGate() {},
    close: () => server.close(),
  } satisfies Upstream;
  return { up, server };
}

// Cilium's gRPC guide: a gRPC method is the HTTP/2 path /<package>.<Service>/<Method>, matched with method POST.
const RULES: PortRuleHTTP[] = [
  { method: 'POST', path: '/porin\\.echo\\.v1\\.Echo/Echo' },
  { method: 'POST', path: '/porin\\.echo\\.v1\\.Echo/EchoStream' },
  { method: 'POST', path: '/grpc\\.health\\.v1\\.Health/Check' },
];

describe('gRPC through the proxy (grpc-js client → proxy → grpc-echo)', () => {
  let f: ProxyFixture;
  let echo: AnyClient;
  let health: AnyClient;
  before(async () => {
    const { up } = await grpcUpstream();
    f = await startProxy(RULES, { upstream: up });
    const addr = `127.0.0.1:${f.port}`;
    echo = new pkg.porin.echo.v1.Echo(addr, grpc.credentials.createInsecure());
    health = new pkg.grpc.health.v1.Health(addr, grpc.credentials.createInsecure());
  });
  after(async () => {
    echo.close();
    health.close();
    await f.close();
  });

  it('an allowed unary call passes', async () => {
    const r = await unary<{ message: string; pod: string }>(echo, 'echo', { message: 'through the proxy' });
    assert.equal(r.message, 'through the proxy');
    assert.equal(r.pod, 'echo-0');
    assert.deepEqual(await unary(health, 'check', { service: '' }), { status: 'SERVING' });
  });

  it('a denied call ends with PERMISSION_DENIED (trailers-only, grpc-status 7)', async () => {
    const watch = health.watch!({ service: '' }) as grpc.ClientReadableStream<unknown>;
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      watch.on('error', resolve);
      watch.on('data', () => resolve(new Error('data arrived') as grpc.ServiceError));
    });
    assert.equal(err.code, grpc.status.PERMISSION_DENIED);
    assert.equal(err.details, 'Access denied\r\n', "Envoy's grpc-message is the 403 body");
    const ev = f.proxy.events.filter((e) => e.l7.http?.url?.endsWith('/grpc.health.v1.Health/Watch'));
    assert.deepEqual(
      ev.map((e) => `${e.l7.type} ${e.verdict} ${e.l7.http?.code ?? '-'}`),
      ['REQUEST DROPPED -', 'RESPONSE FORWARDED 200'],
    );
  });

  it('server streaming works, message after message', async () => {
    const stream = echo.echoStream!({ message: 'm', count: 25, intervalMs: 1 }) as grpc.ClientReadableStream<{
      sequence: number;
    }>;
    const seq: number[] = [];
    for await (const m of stream) seq.push(m.sequence);
    assert.deepEqual(
      seq,
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  it("the server's own errors come through with their status and message", async () => {
    await assert.rejects(unary(echo, 'echo', { message: 'nope', failWithCode: grpc.status.ABORTED }), {
      code: grpc.status.ABORTED,
      details: 'nope',
    });
  });

  it('each call is judged: allowed and denied calls interleave on one connection', async () => {
    const results = await Promise.allSettled([
      unary(echo, 'echo', { message: 'a' }),
      unary(health, 'check', { service: 'porin.echo.v1.Echo' }),
      new Promise((resolve, reject) => {
        const w = health.watch!({ service: '' }) as grpc.ClientReadableStream<unknown>;
        w.on('error', reject);
        w.on('data', resolve);
      }),
      unary(echo, 'echo', { message: 'b' }),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as grpc.ServiceError).code)),
      ['ok', 'ok', grpc.status.PERMISSION_DENIED, 'ok'],
    );
  });
});

describe('gRPC: upstream unreachable', () => {
  it('a call to a server that refuses connections fails with UNAVAILABLE', async () => {
    const { up } = await grpcUpstream();
    const f = await startProxy(RULES, { upstream: up, deadUpstream: 1 });
    const echo = new pkg.porin.echo.v1.Echo(`127.0.0.1:${f.port}`, grpc.credentials.createInsecure());
    try {
      await assert.rejects(unary(echo, 'echo', { message: 'x' }), { code: grpc.status.UNAVAILABLE });
      assert.equal(f.proxy.count('upstream-error'), 1);
    } finally {
      echo.close();
      await f.close();
    }
  });
});

describe('gRPC: a quiet stream outlives the idle timeout', () => {
  it('a server stream with gaps longer than idleTimeoutMs is not cut (idle = no open stream)', async () => {
    const { up } = await grpcUpstream();
    const f = await startProxy(RULES, { upstream: up, options: { idleTimeoutMs: 200 } });
    const echo = new pkg.porin.echo.v1.Echo(`127.0.0.1:${f.port}`, grpc.credentials.createInsecure());
    try {
      const stream = echo.echoStream!({
        message: 'slow',
        count: 3,
        intervalMs: 450,
      }) as grpc.ClientReadableStream<{
        sequence: number;
      }>;
      const seq: number[] = [];
      for await (const m of stream) seq.push(m.sequence);
      assert.deepEqual(seq, [0, 1, 2]);
      assert.equal(f.proxy.count('timeout'), 0);
    } finally {
      echo.close();
      await f.close();
    }
  });
});
