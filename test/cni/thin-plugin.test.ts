// The thin plugin and its server: no server, stale/foreign/dying/silent servers, bad and huge stdin, concurrency.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { CURRENT_CNI_VERSION, SUPPORTED_CNI_VERSIONS } from '../../src/cni/cni-version.js';
import { holdFileLock } from '../../src/cni/ip-command.js';
import { hostVethName } from '../../src/cni/veth-names.js';
import { CniLab, namespacesWithPrefix, type PluginRun, SKIP_UNLESS_ROOT, sh } from './cni-lab.js';

let lab: CniLab;
beforeEach(async () => {
  if (!SKIP_UNLESS_ROOT) lab = await CniLab.create();
});
afterEach(async () => {
  if (!lab) return;
  const prefix = lab.prefix;
  await lab.dispose();
  assert.deepEqual(await namespacesWithPrefix(prefix), [], 'no namespace left behind');
});

function assertCniError(r: PluginRun, code: number, msg?: RegExp): void {
  assert.equal(r.exitCode, 1, `exit status 1: ${r.stdout}`);
  assert.equal(r.json?.code, code, `code ${code} expected: ${r.stdout}`);
  assert.equal(typeof r.json.cniVersion, 'string');
  assert.equal(typeof r.json.msg, 'string');
  if (msg) assert.match(r.json.msg, msg);
}

function allocations(): string[] {
  const dir = join(lab.dataDir, 'porin');
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
}

async function add(name: string, conf = lab.conf()): Promise<PluginRun & { netns: string; id: string }> {
  const netns = await lab.addPod(name);
  const id = `${name}-${lab.prefix}`;
  const r = await lab.plugin('ADD', { containerId: id, netns, ifname: 'eth0', stdin: conf });
  return { ...r, netns, id };
}

/** A peer on `path` that does `behave` with each connection once the whole request has arrived. */
async function fakeServer(
  path: string,
  behave: (conn: Socket, request: Buffer) => void,
): Promise<{ server: Server; close(): void }> {
  const conns = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (conn) => {
    conns.add(conn);
    const chunks: Buffer[] = [];
    conn.on('error', () => {});
    conn.on('data', (b: Buffer) => chunks.push(b));
    conn.on('end', () => behave(conn, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    server,
    close: () => {
      for (const c of conns) c.destroy();
      server.close();
    },
  };
}

describe('thin CNI plugin', { skip: SKIP_UNLESS_ROOT }, () => {
  it('VERSION is answered by the plugin alone, equal to the TypeScript constants, whatever stdin holds (even 20 MiB)', async () => {
    await lab.server!.stop();
    for (const stdin of ['', '{not json', lab.conf(), 'x'.repeat(20 << 20)]) {
      const r = await lab.plugin('VERSION', { stdin });
      assert.equal(r.exitCode, 0, r.stdout);
      assert.deepEqual(r.json, {
        cniVersion: CURRENT_CNI_VERSION,
        supportedVersions: SUPPORTED_CNI_VERSIONS,
      });
    }
  });

  it('no server: 11 (try again later) naming the socket, and 50 (not available) for STATUS', async () => {
    await lab.server!.stop();
    assert.ok(!existsSync(lab.socket), 'a stopped server removes its socket');
    const netns = await lab.addPod('a');
    const call = { containerId: 'c1', netns, ifname: 'eth0', stdin: lab.conf() };
    assertCniError(await lab.plugin('ADD', call), 11, new RegExp(`not reachable at ${lab.socket}`));
    assertCniError(await lab.plugin('DEL', call), 11);
    assertCniError(await lab.plugin('STATUS', { stdin: lab.conf() }), 50);
    // The config's cniVersion labels the error.
    const r = await lab.plugin('ADD', { ...call, stdin: lab.conf({ cniVersion: '1.0.0' }) });
    assert.equal(r.json.cniVersion, '1.0.0');
    assert.deepEqual(allocations(), []);
  });

  it('a server frozen, then killed: 11 within timeoutSeconds, 11/50 on its stale socket; a new server takes over', async () => {
    const server = lab.server!;
    const netns = await lab.addPod('a');
    const id = `a-${lab.prefix}`;
    const call = { containerId: id, netns, ifname: 'eth0', stdin: lab.conf({ timeoutSeconds: 1 }) };
    process.kill(server.child.pid!, 'SIGSTOP');
    assertCniError(await lab.plugin('ADD', call), 11, /no answer from the porin CNI server .* within 1 s/);
    process.kill(server.child.pid!, 'SIGKILL');
    await server.stop();
    assert.ok(existsSync(lab.socket), 'a killed server leaves its socket file');
    assertCniError(await lab.plugin('ADD', call), 11, /not reachable/);
    assertCniError(await lab.plugin('STATUS', { stdin: lab.conf() }), 50);
    lab.server = await lab.startServer();
    // What a runtime does after a failed ADD: DEL (idempotent), then ADD again.
    assert.equal((await lab.plugin('DEL', call)).exitCode, 0);
    const r = await lab.plugin('ADD', call);
    assert.equal(r.exitCode, 0, r.stdout);
    const check = await lab.plugin('CHECK', { ...call, stdin: lab.conf({ prevResult: r.json }) });
    assert.equal(check.exitCode, 0, check.stdout);
  });

  it('a server that dies mid-call (waiting for the IPAM lock): 11, and nothing was allocated', async () => {
    const server = lab.server!;
    // Hold the network's IPAM lock from outside: the server's ADD waits for it.
    mkdirSync(join(lab.dataDir, 'porin'), { recursive: true });
    const release = await holdFileLock(join(lab.dataDir, 'porin', 'lock'), 5);
    try {
      const netns = await lab.addPod('a');
      const pending = lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', stdin: lab.conf() });
      await new Promise((r) => setTimeout(r, 500)); // the request reaches the server (or not: 11 either way)
      process.kill(server.child.pid!, 'SIGKILL');
      assertCniError(await pending, 11, /closed the connection/);
    } finally {
      await release();
    }
    await server.stop();
    assert.deepEqual(allocations(), []);
    assert.equal(await lab.ip('-o', 'link', 'show', 'type', 'veth'), '');
  });

  it('peers that break the protocol: closed early, truncated, malformed, silent (with STATUS → 50)', async () => {
    const netns = await lab.addPod('a');
    const cases: Array<[string, (conn: Socket) => void, number, RegExp, Record<string, unknown>?]> = [
      ['closes', (c) => c.destroy(), 11, /closed the connection without answering/],
      ['truncated', (c) => c.end('0'), 11, /closed the connection without answering/],
      ['malformed', (c) => c.end('ok\n{}'), 100, /outside the protocol/],
      ['status out of range', (c) => c.end('300\n'), 100, /outside the protocol/],
      ['silent', () => {}, 11, /no answer .* within 1 s/, { timeoutSeconds: 1 }],
    ];
    for (const [name, behave, code, msg, extra] of cases) {
      const path = join(lab.dir, `${name.replaceAll(' ', '-')}.sock`);
      const peer = await fakeServer(path, behave);
      try {
        const stdin = lab.conf({ socket: path, ...extra });
        assertCniError(
          await lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', stdin }),
          code,
          msg,
        );
        if (name === 'silent') assertCniError(await lab.plugin('STATUS', { stdin }), 50, msg);
      } finally {
        peer.close();
      }
    }
  });

  it('the answer is printed byte for byte with its exit status (2 MiB, non-ASCII)', async () => {
    const body = `{"cniVersion":"1.1.0","x":"${'é'.repeat(1 << 20)}"}\n`;
    const path = join(lab.dir, 'echo.sock');
    let request = '';
    const peer = await fakeServer(path, (c, req) => {
      request = req.toString('latin1');
      c.end(`7\n${body}`);
    });
    try {
      const netns = await lab.addPod('a');
      const stdin = lab.conf({ socket: path });
      const r = await lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', args: 'K=V', stdin });
      assert.equal(r.exitCode, 7);
      assert.equal(r.stdout, body);
      // What the plugin sent: its variables (and no other), its namespace, then stdin unchanged.
      const [head, ...rest] = request.split('\0\0');
      assert.deepEqual(
        head!.split('\0').sort(),
        [
          'CNI_ARGS=K=V',
          'CNI_COMMAND=ADD',
          'CNI_CONTAINERID=c1',
          'CNI_IFNAME=eth0',
          `CNI_NETNS=${netns}`,
          `CNI_PATH=${lab.cniPath.join(':')}`,
          `PORIN_NETNS=${await hostNamespaceId()}`,
          'PORIN-CNI 1',
        ].sort(),
      );
      assert.equal(rest.join('\0\0'), JSON.stringify(stdin));
    } finally {
      peer.close();
    }
  });

  it('a server in another network namespace refuses (7): it would wire the pod into the wrong host', async () => {
    const elsewhere = await lab.addPod('other-host');
    const socket = join(lab.dir, 'other.sock');
    await lab.startServer({ netns: elsewhere, socket });
    const netns = await lab.addPod('a');
    const r = await lab.plugin('ADD', {
      containerId: 'c1',
      netns,
      ifname: 'eth0',
      stdin: lab.conf({ socket }),
    });
    assertCniError(r, 7, /served in another network namespace/);
    assert.deepEqual(allocations(), []);
  });

  it('stdin that is not a JSON object is 6 from the plugin itself; the server is not asked', async () => {
    const netns = await lab.addPod('a');
    for (const stdin of ['', '   ', '{not json', '[]', '"x"', '42', '{"a":1}{', '{"a":1,}', '\ufeff{}']) {
      assertCniError(await lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', stdin }), 6);
    }
    assert.doesNotMatch(lab.server!.log(), /ADD/);
  });

  it('the plugin tells JSON objects from everything else exactly as JSON.parse does (property)', async () => {
    await lab.server!.stop(); // accepted texts then fail with 11/50/7; refused ones with 6
    const socket = join(lab.dir, 'absent.sock');
    const object = fc
      .tuple(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        fc.boolean(),
      )
      .map(([o, indent]) => JSON.stringify({ ...o, socket }, null, indent ? 2 : 0));
    const anyJson = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
    const mutated = fc
      .tuple(
        object,
        fc.nat(),
        fc.nat(3),
        fc.constantFrom('', ',', '"', '}', ']', '{', ':', ' ', '\\', 'x', '0', '-', '\n'),
      )
      .map(([t, at, cut, ins]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + ins + t.slice(Math.min(t.length, i + cut));
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(object, anyJson, mutated, mutated), async (text) => {
        let isObject = false;
        try {
          const v = JSON.parse(text);
          isObject = typeof v === 'object' && v !== null && !Array.isArray(v);
        } catch {
          // not JSON
        }
        const r = await lab.plugin('STATUS', { stdin: text });
        assert.equal(r.exitCode, 1);
        if (isObject) assert.notEqual(r.json?.code, 6, `accepted by JSON.parse: ${text}`);
        else assert.equal(r.json?.code, 6, `refused by JSON.parse: ${text}`);
      }),
      { numRuns: 100 },
    );
  });

  it('huge stdin is refused (6) without hanging; a 2 MiB configuration goes through whole', async () => {
    const netns = await lab.addPod('a');
    const huge = JSON.stringify(lab.conf({ 'cni.dev/padding': 'x'.repeat(17 << 20) }));
    assertCniError(
      await lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', stdin: huge }),
      6,
      /larger than 16777216 bytes/,
    );
    const big = lab.conf({ 'cni.dev/padding': 'y'.repeat(2 << 20) });
    const r = await lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', stdin: big });
    assert.equal(r.exitCode, 0, r.stdout.slice(0, 500));
    assert.match(r.json.ips[0].address, /^10\.244\.0\.\d+\/32$/);
    assert.equal(
      (await lab.plugin('DEL', { containerId: 'c1', netns, ifname: 'eth0', stdin: big })).exitCode,
      0,
    );
    assert.deepEqual(allocations(), []);
  });

  it('bad socket and timeoutSeconds are 7 from the plugin, with the same words as the server', async () => {
    const netns = await lab.addPod('a');
    const call = (extra: Record<string, unknown>) =>
      lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', stdin: lab.conf(extra) });
    for (const socket of ['relative.sock', '/with space', `/${'s'.repeat(107)}`, 42]) {
      assertCniError(await call({ socket }), 7, /^socket must be an absolute path/);
    }
    for (const timeoutSeconds of [0, 1.5, 3601, '10', -1]) {
      assertCniError(await call({ timeoutSeconds }), 7, /^timeoutSeconds must be an integer/);
    }
    assertCniError(await call({ socket: 'x', cniVersion: '1.0.0' }), 7);
  });

  it('24 concurrent ADDs, then 24 concurrent DELs: distinct addresses, every veth, nothing left', async () => {
    const names = Array.from({ length: 24 }, (_, i) => `p${i}`);
    const runs = await Promise.all(names.map((n) => add(n)));
    for (const r of runs) assert.equal(r.exitCode, 0, r.stdout);
    const ips = runs.map((r) => r.json.ips[0].address);
    assert.equal(new Set(ips).size, 24, 'no address handed out twice');
    const veths = await lab.ip('-o', 'link', 'show', 'type', 'veth');
    for (const r of runs) assert.ok(veths.includes(hostVethName(r.id)), `${r.id} has its veth`);
    const dels = await Promise.all(
      runs.map((r) =>
        lab.plugin('DEL', { containerId: r.id, netns: r.netns, ifname: 'eth0', stdin: lab.conf() }),
      ),
    );
    for (const d of dels) assert.equal(d.exitCode, 0, d.stdout);
    assert.deepEqual(allocations(), []);
    assert.equal(await lab.ip('-o', 'link', 'show', 'type', 'veth'), '');
    assert.equal((await lab.ip('route', 'show', 'table', '2004')).trim(), 'blackhole default');
  });

  it('the server survives garbage on its socket and keeps serving', async () => {
    const answer = await new Promise<string>((resolve) => {
      const s = connect(lab.socket);
      let got = '';
      s.on('data', (b) => {
        got += b;
      });
      s.on('end', () => resolve(got));
      s.end('GET / HTTP/1.1\r\n\r\n');
    });
    assert.match(answer, /^1\n/);
    assert.equal(JSON.parse(answer.slice(2)).code, 100);
    const r = await add('a');
    assert.equal(r.exitCode, 0, r.stdout);
  });

  it('`porin cni-server` (the CLI) serves, and exits cleanly on SIGTERM removing its socket', async () => {
    const socket = join(lab.dir, 'cli.sock');
    const cli = fileURLToPath(new URL('../../../bin/porin.js', import.meta.url));
    const server = await lab.startServer({ argv: [process.execPath, cli, 'cni-server'], socket });
    const r = await add('a', lab.conf({ socket }));
    assert.equal(r.exitCode, 0, r.stdout);
    assert.match(server.log(), /ADD a-\S+ → 0/);
    await server.stop();
    assert.equal(server.child.exitCode, 0);
    assert.ok(!existsSync(socket));
  });
});

/** `<dev>:<ino>` of the lab host's namespace, read from inside it. */
async function hostNamespaceId(): Promise<string> {
  const out = await sh('nsenter', [
    `--net=${lab.hostNsPath}`,
    'stat',
    '-L',
    '-c',
    '%d:%i',
    '/proc/self/ns/net',
  ]);
  return out.trim();
}
