// AgentClient: a clear error when no agent runs, timeouts, and closing watch streams.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryObjectStore } from '../cluster/store/index.js';
import { AGENT_NOT_RUNNING_MESSAGE, AgentClient } from './agent-client.js';
import { isApiError } from './api-error.js';
import { ApiServer } from './api-server.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'porin-client-'));
  dirs.push(d);
  return d;
}

test('no socket, or a socket nobody serves: "the Porin agent is not running"', async () => {
  const dir = await tempDir();
  const client = new AgentClient(join(dir, 'agent.sock'));
  for (const call of [
    () => client.list('Pod'),
    () => client.apply([]),
    () => client.watch({}, undefined, () => {}),
  ]) {
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(isApiError(e, 'PORIN_ERR_AGENT_NOT_RUNNING'));
      assert.equal(e.message, AGENT_NOT_RUNNING_MESSAGE);
      assert.equal(e.message, 'the Porin agent is not running: start it with `porin up`');
      return true;
    });
  }
  // A socket file left behind by a crashed agent: a child listens, then is killed.
  const stale = join(dir, 'stale.sock');
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise((r) => child.stdout!.once('data', r));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok((await stat(stale)).isSocket());
  await writeFile(join(dir, 'file.sock'), '');
  for (const path of [stale, join(dir, 'file.sock')]) {
    await assert.rejects(new AgentClient(path).healthz(), (e: unknown) =>
      isApiError(e, 'PORIN_ERR_AGENT_NOT_RUNNING'),
    );
  }
});

test('a request the agent does not answer times out with PORIN_ERR_TIMEOUT', async () => {
  const dir = await tempDir();
  const server = new ApiServer({
    store: new MemoryObjectStore(),
    socketPath: join(dir, 'agent.sock'),
    closeGraceMs: 20,
  });
  server.route('GET', '/v1/hang', () => new Promise(() => {}));
  await server.listen();
  try {
    const client = new AgentClient(server.socketPath, { timeoutMs: 50 });
    await assert.rejects(client.request('GET', '/v1/hang'), (e: unknown) =>
      isApiError(e, 'PORIN_ERR_TIMEOUT'),
    );
  } finally {
    await server.close(); // cuts the hanging request after the grace period
  }
});

test('closing a watch stream resolves done with "closed" and stops events', async () => {
  const dir = await tempDir();
  const store = new MemoryObjectStore();
  const server = new ApiServer({ store, socketPath: join(dir, 'agent.sock') });
  await server.listen();
  try {
    const client = new AgentClient(server.socketPath);
    let count = 0;
    const stream = await client.watch({ kind: 'Namespace' }, undefined, () => count++);
    await client.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'one' } }]);
    const deadline = Date.now() + 2000;
    while (count < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    stream.close();
    assert.equal(await stream.done, 'closed');
    await client.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'two' } }]);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(count, 1);
    assert.equal(server.streams.size, 0);
  } finally {
    await server.close();
  }
});
