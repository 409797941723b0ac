// The API server on a real Unix socket: object routes, validation, errors, watch streams, extensions.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MemoryObjectStore, type WatchEvent } from '../cluster/store/index.js';
import type { Pod } from '../resources/index.js';
import { AgentClient } from './agent-client.js';
import { ApiError, isApiError } from './api-error.js';
import { ApiServer } from './api-server.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function start(options: { heartbeatSeconds?: number; maxBodyBytes?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'porin-api-'));
  dirs.push(dir);
  const store = new MemoryObjectStore();
  const server = new ApiServer({ store, socketPath: join(dir, 'agent.sock'), ...options });
  await server.listen();
  return { store, server, client: new AgentClient(server.socketPath), socketPath: server.socketPath };
}

function raw(
  socketPath: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const podManifest = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: name }, ...extra },
  spec: { containers: [{ name: 'main', image: 'porin/echo' }] },
});

function rejectsWith(code: string, status?: number) {
  return (e: unknown) => {
    assert.ok(isApiError(e), `expected an ApiError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (status !== undefined) assert.equal(e.status, status);
    return true;
  };
}

describe('ApiServer', () => {
  let ctx: Awaited<ReturnType<typeof start>>;
  before(async () => {
    ctx = await start({ heartbeatSeconds: 0.05 });
  });
  after(async () => ctx.server.close());

  test('healthz answers with the store revision', async () => {
    assert.deepEqual(await ctx.client.healthz(), { status: 'ok', resourceVersion: '0' });
  });

  test('apply validates, defaults the namespace, and reports created/unchanged/configured', async () => {
    const first = await ctx.client.apply([
      podManifest('a'),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } },
    ]);
    assert.deepEqual(
      first.results.map((r) => [r.result, r.object.metadata.namespace, r.object.metadata.name]),
      [
        ['created', 'default', 'a'],
        ['created', undefined, 'prod'],
      ],
    );
    const again = await ctx.client.apply([podManifest('a')]);
    assert.equal(again.results[0]!.result, 'unchanged');
    const changed = await ctx.client.apply([podManifest('a', { labels: { app: 'a', v: '2' } })], {
      namespace: 'default',
    });
    assert.equal(changed.results[0]!.result, 'configured');
    const inProd = await ctx.client.apply([podManifest('b')], { namespace: 'prod' });
    assert.equal(inProd.results[0]!.object.metadata.namespace, 'prod');
  });

  test('list by kind (names as users type them) and namespace; get; cluster-scoped get with _', async () => {
    const pods = await ctx.client.list('Pod');
    assert.deepEqual(
      pods.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      ['default/a', 'prod/b'],
    );
    assert.equal(pods.resourceVersion, (await ctx.store.list('Pod')).resourceVersion);
    assert.equal((await ctx.client.list('Pod', 'prod')).items.length, 1);
    const viaAlias = JSON.parse(
      (await raw(ctx.socketPath, 'GET', '/v1/objects?kind=po&namespace=prod')).body,
    );
    assert.equal(viaAlias.items[0].metadata.name, 'b');
    const all = await ctx.client.list();
    assert.ok(all.items.some((o) => o.kind === 'Namespace') && all.items.some((o) => o.kind === 'Pod'));
    assert.equal((await ctx.client.get('Pod', 'default', 'a'))?.metadata.labels?.v, '2');
    assert.equal((await ctx.client.get('Namespace', undefined, 'prod'))?.kind, 'Namespace');
    assert.equal(await ctx.client.get('Pod', 'default', 'nope'), undefined);
    const missing = await raw(ctx.socketPath, 'GET', '/v1/objects/Pod/default/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body), {
      error: { code: 'PORIN_ERR_NOT_FOUND', message: 'Pod default/nope not found' },
    });
    await assert.rejects(ctx.client.list('Widget' as never), rejectsWith('PORIN_ERR_BAD_REQUEST', 400));
  });

  test('one invalid object rejects the whole batch with 422 and the issues; nothing is applied', async () => {
    const before = (await ctx.store.list('Pod')).resourceVersion;
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [] } };
    await assert.rejects(ctx.client.apply([podManifest('ok'), bad]), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 'PORIN_ERR_INVALID');
      assert.equal(e.status, 422);
      assert.match(e.message, /^nothing applied: objects\[1\]\.metadata\.name: /);
      const issues = (e.details as { issues: { path: string; severity: string }[] }).issues;
      assert.deepEqual(issues.map((i) => i.path).sort(), [
        'objects[1].metadata.name',
        'objects[1].spec.containers',
      ]);
      assert.ok(issues.every((i) => i.severity === 'error'));
      return true;
    });
    await assert.rejects(
      ctx.client.apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }]),
      rejectsWith('PORIN_ERR_INVALID', 422),
    );
    assert.equal((await ctx.store.list('Pod')).resourceVersion, before);
    assert.equal(await ctx.client.get('Pod', 'default', 'ok'), undefined);
  });

  test('a Service whose node port or external IP another Service holds is refused with the field path', async () => {
    const svc = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30007 }], ...spec },
    });
    await ctx.client.apply([svc('np1', { externalIPs: ['203.0.113.9'] })]);
    await assert.rejects(ctx.client.apply([svc('np2', {})]), (e: unknown) => {
      assert.ok(e instanceof ApiError && e.code === 'PORIN_ERR_INVALID');
      assert.match(
        e.message,
        /objects\[0\]\.spec\.ports\[0\]\.nodePort: 30007: provided port is already allocated \(Service default\/np1\)/,
      );
      return true;
    });
    await assert.rejects(
      ctx.client.apply([
        svc('np3', { type: 'ClusterIP', ports: [{ port: 80 }], externalIPs: ['203.0.113.9'] }),
      ]),
      /objects\[0\]\.spec\.externalIPs\[0\]: 203\.0\.113\.9:80\/TCP is already used by Service default\/np1/,
    );
    // Re-applying the holder itself is fine; two clashing services in one batch are not.
    await ctx.client.apply([svc('np1', { externalIPs: ['203.0.113.9'] })]);
    await assert.rejects(
      ctx.client.apply([
        svc('x1', { ports: [{ port: 80, nodePort: 30008 }] }),
        svc('x2', { ports: [{ port: 81, nodePort: 30008 }] }),
      ]),
      /objects\[1\]\.spec\.ports\[0\]\.nodePort/,
    );
    assert.equal(await ctx.client.get('Service', 'default', 'x1'), undefined);
  });

  test('apply returns warnings, and lets the store name objects that only have generateName', async () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'orphan-slice' },
      addressType: 'IPv4',
      endpoints: [],
    };
    const res = await ctx.client.apply([slice, { ...podManifest(''), metadata: { generateName: 'job-' } }]);
    assert.equal(res.warnings.length, 1);
    assert.match(res.warnings[0]!.message, /kubernetes\.io\/service-name/);
    assert.match(res.results[1]!.object.metadata.name, /^job-[a-z0-9]{5}$/);
  });

  test('a stale resourceVersion is 409 Conflict', async () => {
    const current = (await ctx.client.get('Pod', 'default', 'a')) as Pod;
    await ctx.client.apply([podManifest('a', { labels: { app: 'a', v: '3' } })]);
    current.metadata.labels = { app: 'a', v: '4' };
    await assert.rejects(ctx.client.apply([current]), rejectsWith('PORIN_ERR_CONFLICT', 409));
  });

  test('delete: all or nothing, 404 for a missing ref unless ignoreNotFound; a namespace takes its objects', async () => {
    await assert.rejects(
      ctx.client.delete([
        { kind: 'Pod', namespace: 'default', name: 'a' },
        { kind: 'Pod', name: 'ghost' },
      ]),
      rejectsWith('PORIN_ERR_NOT_FOUND', 404),
    );
    assert.ok(await ctx.client.get('Pod', 'default', 'a'));
    const deleted = await ctx.client.delete(
      [
        { kind: 'Pod', name: 'ghost' },
        { kind: 'Namespace', name: 'prod' },
      ],
      {
        ignoreNotFound: true,
      },
    );
    assert.deepEqual(
      deleted.map((o) => `${o.kind}/${o.metadata.name}`),
      ['Pod/b', 'Namespace/prod'],
    );
  });

  test('malformed requests: bad JSON 400, unknown route 404, wrong method 405', async () => {
    const badJson = await raw(ctx.socketPath, 'POST', '/v1/apply', '{"objects": [');
    assert.equal(badJson.status, 400);
    assert.equal(JSON.parse(badJson.body).error.code, 'PORIN_ERR_BAD_REQUEST');
    const noObjects = await raw(ctx.socketPath, 'POST', '/v1/apply', '{"items": []}');
    assert.equal(noObjects.status, 400);
    const unknown = await raw(ctx.socketPath, 'GET', '/v2/things');
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body).error.code, 'PORIN_ERR_ROUTE_NOT_FOUND');
    const method = await raw(ctx.socketPath, 'DELETE', '/v1/apply');
    assert.equal(method.status, 405);
    assert.equal(JSON.parse(method.body).error.code, 'PORIN_ERR_METHOD_NOT_ALLOWED');
  });

  test('watch streams existing objects then changes, as NDJSON with heartbeats', async () => {
    const events: WatchEvent[] = [];
    const stream = await ctx.client.watch({ kind: 'Pod', namespace: 'default' }, undefined, (e) =>
      events.push(e),
    );
    await ctx.client.apply([podManifest('w1')]);
    await ctx.client.delete([{ kind: 'Pod', name: 'w1' }]);
    await ctx.client.apply([podManifest('elsewhere')], { namespace: 'other' });
    const deadline = Date.now() + 2000;
    while (!events.some((e) => e.type === 'DELETED') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    stream.close();
    assert.equal(await stream.done, 'closed');
    const names = events.map((e) => `${e.type} ${e.object.metadata.name}`);
    assert.ok(names.indexOf('ADDED w1') < names.indexOf('DELETED w1'), names.join());
    assert.ok(names.includes('ADDED a'));
    assert.ok(!names.some((n) => n.includes('elsewhere')));
    const rvs = events
      .filter((e) => e.object.metadata.name === 'w1')
      .map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs[0]! < rvs[1]!);
  });

  test('watch lines on the wire, heartbeats included', async () => {
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const rv = '0';
      const req = request(
        { socketPath: ctx.socketPath, path: `/v1/watch?kind=Namespace&resourceVersion=${rv}` },
        (res) => {
          assert.equal(res.headers['content-type'], 'application/x-ndjson; charset=utf-8');
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            lines.push(...c.split('\n').filter(Boolean));
            if (lines.some((l) => l.includes('HEARTBEAT'))) {
              req.destroy();
              resolve();
            }
          });
        },
      );
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
      req.end();
    });
    const parsed = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      parsed.filter((l) => l.type !== 'HEARTBEAT').map((l) => `${l.type} ${l.object.metadata.name}`),
      ['ADDED prod', 'DELETED prod'],
    );
    assert.ok(parsed.some((l) => l.type === 'HEARTBEAT'));
  });

  test('watch from a revision the store no longer has is 410 Gone', async () => {
    await assert.rejects(
      ctx.client.watch({}, '999999', () => {}),
      rejectsWith('PORIN_ERR_GONE', 410),
    );
    await assert.rejects(
      ctx.client.watch({}, 'x', () => {}),
      rejectsWith('PORIN_ERR_INVALID', 422),
    );
  });

  test('the agent can add routes; handler errors become JSON errors', async () => {
    ctx.server.route('GET', '/v1/status', () => ({ pods: 3, datapath: 'ready' }));
    ctx.server.route('GET', '/v1/maps/:name', (req) => ({ name: req.params.name }));
    ctx.server.route('POST', '/v1/echo', async (req) => req.json());
    ctx.server.route('GET', '/v1/teapot', () => {
      throw new ApiError('PORIN_ERR_BAD_REQUEST', 'short and stout', 418);
    });
    ctx.server.route('GET', '/v1/broken', () => {
      throw new Error('boom');
    });
    assert.throws(() => ctx.server.route('GET', '/v1/status', () => ({})), /already registered/);
    assert.deepEqual(await ctx.client.status(), { pods: 3, datapath: 'ready' });
    assert.deepEqual(await ctx.client.request('GET', '/v1/maps/policy%2F1'), { name: 'policy/1' });
    assert.deepEqual(await ctx.client.request('POST', '/v1/echo', { x: [1] }), { x: [1] });
    await assert.rejects(ctx.client.request('GET', '/v1/teapot'), rejectsWith('PORIN_ERR_BAD_REQUEST', 418));
    await assert.rejects(ctx.client.request('GET', '/v1/broken'), (e: unknown) => {
      assert.ok(isApiError(e, 'PORIN_ERR_INTERNAL'));
      assert.equal(e.status, 500);
      assert.match(e.message, /boom/);
      return true;
    });
  });
});

describe('ApiServer lifecycle', () => {
  test('an oversized body is 413', async () => {
    const ctx = await start({ maxBodyBytes: 100 });
    try {
      await assert.rejects(
        ctx.client.apply([podManifest('x'.repeat(200))]),
        rejectsWith('PORIN_ERR_PAYLOAD_TOO_LARGE', 413),
      );
    } finally {
      await ctx.server.close();
    }
  });

  test('close ends watch streams; a second server on a live socket is refused; a stale socket is replaced', async () => {
    const ctx = await start();
    const stream = await ctx.client.watch({}, undefined, () => {});
    const other = new ApiServer({ store: new MemoryObjectStore(), socketPath: ctx.socketPath });
    await assert.rejects(other.listen(), rejectsWith('PORIN_ERR_SOCKET_IN_USE'));
    await ctx.server.close();
    assert.equal(await stream.done, 'ended');
    await assert.rejects(ctx.client.healthz(), rejectsWith('PORIN_ERR_AGENT_NOT_RUNNING'));
    await other.listen();
    assert.equal((await ctx.client.healthz()).status, 'ok');
    await other.close();
  });
});
