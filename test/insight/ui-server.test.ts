// The UI server on a real socket pair: the page and its token, the refusals (Host, Origin, token), the gateway to a headless agent, SSE.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CliError } from '../../src/cli/cli-error.js';
import { uiCommand } from '../../src/cli/ui.js';
import { TOKEN_HEADER, TOKEN_PLACEHOLDER, UiServer } from '../../src/ui-server/index.js';
import { type HeadlessAgent, startHeadlessAgent } from './headless-agent.js';
import { L3L4_POLICY, manifests, starWarsObjects } from './synthetic-cluster.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('UI server', () => {
  let agent: HeadlessAgent;
  let ui: UiServer;
  let uiDir: string;
  let origin: string;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(ui.port, 'POST', path, { body, headers: { origin, [TOKEN_HEADER]: ui.token, ...headers } });

  before(async () => {
    agent = await startHeadlessAgent(starWarsObjects());
    uiDir = await mkdtemp(join(tmpdir(), 'porin-ui-dist-'));
    await mkdir(join(uiDir, 'assets'));
    await writeFile(
      join(uiDir, 'index.html'),
      `<meta name="porin-token" content="${TOKEN_PLACEHOLDER}"><script src="/assets/app-1.js"></script>`,
    );
    await writeFile(join(uiDir, 'assets', 'app-1.js'), 'console.log(1)');
    ui = new UiServer({ agentSocket: agent.socketPath, port: 0, uiDir });
    await ui.listen();
    origin = `http://127.0.0.1:${ui.port}`;
  });

  after(async () => {
    await ui.close();
    await agent.close();
    await rm(uiDir, { recursive: true, force: true });
  });

  test('serves the page with a fresh token and strict security headers; assets are immutable', async () => {
    const page = await call(ui.port, 'GET', '/');
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(`content="${ui.token}"`));
    assert.ok(ui.token.length >= 40);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal((await call(ui.port, 'GET', '/flows')).status, 200, 'client-side routes serve the app');
    const asset = await call(ui.port, 'GET', '/assets/app-1.js');
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal((await call(ui.port, 'GET', '/assets/../../etc/passwd')).status, 404);
    const other = new UiServer({ agentSocket: agent.socketPath, port: 0, uiDir });
    assert.notEqual(other.token, ui.token, 'a token per server start');
  });

  test('refuses other Hosts (DNS rebinding), and state changes without the token or from another Origin', async () => {
    const rebound = await call(ui.port, 'GET', '/api/status', {
      headers: { host: `evil.example:${ui.port}` },
    });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /unexpected Host/);
    const obj = manifests(L3L4_POLICY);
    const noToken = await call(ui.port, 'POST', '/api/apply', {
      body: { objects: obj },
      headers: { origin },
    });
    assert.equal(noToken.status, 403);
    assert.match(noToken.body, /token is missing/);
    const wrongToken = await post('/api/apply', { objects: obj }, { [TOKEN_HEADER]: 'x'.repeat(43) });
    assert.equal(wrongToken.status, 403);
    assert.match(wrongToken.body, /token is wrong/);
    const csrf = await post('/api/apply', { objects: obj }, { origin: 'http://evil.example' });
    assert.equal(csrf.status, 403);
    assert.match(
      (JSON.parse(csrf.body) as { error: { message: string } }).error.message,
      /Origin "http:\/\/evil.example" is not this server/,
    );
    const noOrigin = await call(ui.port, 'POST', '/api/apply', {
      body: { objects: obj },
      headers: { [TOKEN_HEADER]: ui.token },
    });
    assert.equal(noOrigin.status, 403);
    assert.equal((await agent.objects.list('CiliumNetworkPolicy')).items.length, 0, 'nothing was applied');
    const ok = await post('/api/apply', { objects: obj });
    assert.equal(ok.status, 200, ok.body);
    assert.equal((await agent.objects.list('CiliumNetworkPolicy')).items.length, 1);
    await agent.objects.delete([{ kind: 'CiliumNetworkPolicy', namespace: 'default', name: 'rule1' }]);
    await agent.settle();
  });

  test('binds to loopback only', () => {
    assert.throws(
      () => new UiServer({ agentSocket: agent.socketPath, address: '0.0.0.0', uiDir }),
      /not a loopback address/,
    );
    assert.throws(
      () => new UiServer({ agentSocket: agent.socketPath, address: '192.0.2.1', uiDir }),
      /not a loopback address/,
    );
  });

  test('policy check: field-path errors from src/resources, lint and selected pods from the agent', async () => {
    const invalid = await post('/api/policy/check', {
      object: {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'x' },
        spec: { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '99999' }] }] }] },
      },
    });
    assert.equal(invalid.status, 200);
    const r = JSON.parse(invalid.body) as { issues: { path: string; severity: string }[] };
    assert.ok(
      r.issues.some((i) => i.severity === 'error' && i.path === 'spec.ingress[0].toPorts[0].ports[0].port'),
      invalid.body,
    );
    const valid = JSON.parse(
      (await post('/api/policy/check', { object: manifests(L3L4_POLICY)[0] })).body,
    ) as {
      issues: unknown[];
      selected: { name: string }[];
      agent: boolean;
    };
    assert.deepEqual(valid.issues, []);
    assert.equal(valid.agent, true);
    assert.deepEqual(
      valid.selected.map((s) => s.name),
      ['deathstar-6fb5694d-a1', 'deathstar-6fb5694d-b2'],
    );
  });

  test('flows: history with observe flags, live over SSE, the graph and the impact preview', async () => {
    agent.datapath.connect('xwing', 'deathstar-6fb5694d-a1', 80, 'TCP', 2);
    agent.datapath.connect('tiefighter', 'deathstar-6fb5694d-a1', 80, 'TCP', 1);
    const hist = await post('/api/flows', {
      flags: [
        ['from-pod', 'xwing'],
        ['type', 'policy-verdict'],
      ],
      number: 10,
    });
    assert.equal(hist.status, 200, hist.body);
    const items = (JSON.parse(hist.body) as { items: { flow: { source: { pod_name: string } } }[] }).items;
    assert.equal(items.length, 4);
    assert.ok(items.every((i) => i.flow.source.pod_name === 'xwing'));
    const badFlag = await post('/api/flows', { flags: [['verdict', 'SOMETIMES']] });
    assert.equal(badFlag.status, 400);
    assert.match(badFlag.body, /SOMETIMES/);

    // SSE: history first, then a new flow as it happens.
    const events: string[] = [];
    const sse = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const q = new URLSearchParams({
        flags: JSON.stringify([
          ['from-pod', 'xwing'],
          ['to-pod', 'deathstar'],
        ]),
        last: '5',
      });
      const req = request(
        { host: '127.0.0.1', port: ui.port, path: `/api/flows/stream?${q}`, agent: false },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(sse.headers['content-type'], 'text/event-stream; charset=utf-8');
    sse.setEncoding('utf8');
    sse.on('data', (c: string) => events.push(c));
    await new Promise((r) => setTimeout(r, 300));
    agent.datapath.connect('xwing', 'deathstar-6fb5694d-b2', 80, 'TCP', 1);
    await new Promise((r) => setTimeout(r, 400));
    sse.destroy();
    const text = events.join('');
    assert.match(text, /event: ready/);
    const batches = [...text.matchAll(/event: flows\ndata: (.*)\n/g)].map(
      (m) => JSON.parse(m[1]!) as unknown[],
    );
    assert.ok(batches.length >= 1, text);
    assert.ok(batches.flat().length >= 1);

    const graph = JSON.parse((await call(ui.port, 'GET', '/api/graph?group=workload')).body) as {
      nodes: { id: string }[];
      edges: { id: string }[];
    };
    assert.ok(graph.nodes.some((n) => n.id === 'default/Deployment/deathstar'));
    assert.ok(graph.edges.some((e) => e.id.startsWith('default/label/app.kubernetes.io/name=xwing->')));
    const impact = await post('/api/policy/impact', { policy: manifests(L3L4_POLICY)[0] });
    assert.equal(impact.status, 200, impact.body);
    assert.equal((JSON.parse(impact.body) as { newDrops: number }).newDrops, 3);
  });

  test('without an agent: status says so, routes answer 503, validation still works', async () => {
    const lonely = new UiServer({ agentSocket: join(uiDir, 'no-agent.sock'), port: 0, uiDir });
    await lonely.listen();
    try {
      const status = JSON.parse((await call(lonely.port, 'GET', '/api/status')).body) as {
        agent: boolean;
        error: { code: string };
      };
      assert.equal(status.agent, false);
      assert.equal(status.error.code, 'PORIN_ERR_AGENT_NOT_RUNNING');
      assert.equal((await call(lonely.port, 'GET', '/api/graph')).status, 503);
      const o = `http://127.0.0.1:${lonely.port}`;
      const check = await call(lonely.port, 'POST', '/api/policy/check', {
        body: { object: manifests(L3L4_POLICY)[0] },
        headers: { origin: o, [TOKEN_HEADER]: lonely.token },
      });
      const r = JSON.parse(check.body) as { issues: unknown[]; agent: boolean };
      assert.deepEqual(r.issues, []);
      assert.equal(r.agent, false);
    } finally {
      await lonely.close();
    }
  });

  test('porin ui: serves until stopped, talks to the agent on --socket, refuses a non-loopback --address', async () => {
    const out = {
      text: '',
      write(t: string) {
        this.text += t;
      },
      color: false,
    };
    await assert.rejects(
      uiCommand(['--address', '0.0.0.0'], out),
      (e: unknown) => e instanceof CliError && /not a loopback address/.test(e.message),
    );
    await assert.rejects(
      uiCommand(['--port', '70000'], out),
      (e: unknown) => e instanceof CliError && /--port must be 0-65535/.test(e.message),
    );
    const stop = new AbortController();
    let url = '';
    const done = uiCommand(['--port', '0', '--socket', agent.socketPath], out, {
      signal: stop.signal,
      onListening: (u) => {
        url = u;
      },
    }).catch((e: unknown) => e);
    for (let i = 0; i < 100 && !url; i++) await new Promise((r) => setTimeout(r, 20));
    if (!url) {
      const e = await done;
      // The app must be built for `porin ui` (npm run build); the server itself is tested above.
      assert.ok(e instanceof CliError && /not built/.test(e.message), String(e));
      return;
    }
    const port = Number(new URL(url).port);
    const status = JSON.parse((await call(port, 'GET', '/api/status')).body) as { agent: boolean };
    assert.equal(status.agent, true);
    assert.match(out.text, /Porin UI: http:\/\/127\.0\.0\.1:\d+\//);
    stop.abort();
    assert.equal(await done, 0);
  });
});
