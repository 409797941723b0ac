// Root test: the world in a private host namespace — ExternalHosts answer curl, dig and UDP from a pod behind it.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MemoryObjectStore } from '../../src/cluster/store/index.js';
import { runningWorldPid, WorldController, worldProcessPaths } from '../../src/cluster/world/index.js';
import type { WorldNetworkOptions } from '../../src/host/index.js';
import type { ExternalHost } from '../../src/resources/index.js';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0 && existsSync('/usr/sbin/ip') && existsSync('/usr/bin/dig');
const hex = randomBytes(3).toString('hex');
const PREFIX = `porin-dnsw${hex}`;
const HOST = `${PREFIX}-host`;
const POD = `${PREFIX}-pod`;
const POD_IF = `pdw${hex}p`;
const NETWORK: WorldNetworkOptions = {
  hostNetns: HOST,
  prefix: PREFIX,
  hostIf: `pdw${hex}h`,
  tables: ['main', 2004],
};

const host = (name: string, spec: ExternalHost['spec']): ExternalHost => ({
  apiVersion: 'porin.io/v1alpha1',
  kind: 'ExternalHost',
  metadata: { name },
  spec,
});

async function ip(...args: string[]): Promise<string> {
  return (await exec('ip', args)).stdout;
}
async function inPod(...argv: string[]): Promise<string> {
  try {
    return (await exec('ip', ['netns', 'exec', POD, ...argv], { timeout: 15_000 })).stdout;
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? '');
  }
}
const digShort = async (...args: string[]) =>
  (await inPod('dig', '+short', '+tries=1', '+time=2', ...args)).trim();
const digStatus = async (...args: string[]) =>
  /status: ([A-Z]+)/.exec(await inPod('dig', '+tries=1', '+time=2', ...args))?.[1];

/** Kills what still runs in the test's namespaces (only ours: they are named with this run's prefix). */
function cleanup(): void {
  for (const ns of [POD, HOST, `${PREFIX}_world`]) {
    let out = '';
    try {
      out = execFileSync('ip', ['netns', 'pids', ns], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      continue;
    }
    for (const pid of out
      .split('\n')
      .map(Number)
      .filter((n) => n > 1)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** Namespaces of this test left by a run that died more than 10 minutes ago (with their world veths). */
function sweepStale(): void {
  if (!existsSync('/run/netns')) return;
  for (const name of readdirSync('/run/netns')) {
    if (!name.startsWith('porin-dnsw') || Date.now() - statSync(`/run/netns/${name}`).mtimeMs < 10 * 60_000)
      continue;
    let out = '';
    try {
      out = execFileSync('ip', ['netns', 'pids', name], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      // no pids
    }
    for (const pid of out
      .split('\n')
      .map(Number)
      .filter((n) => n > 1)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // gone
    }
  }
}

describe('the world (private host namespace)', { skip: isRoot ? false : 'needs root, ip and dig' }, () => {
  const store = new MemoryObjectStore();
  const dir = mkdtempSync(join(tmpdir(), 'porin-world-'));
  let world: WorldController;
  let clusterDns: ChildProcess | undefined;

  before(async () => {
    sweepStale();
    await ip('netns', 'add', HOST);
    await ip('-n', HOST, 'link', 'set', 'lo', 'up');
    // The cluster's pod routing as on a node: pod-sourced traffic looks up table 2004, which ends in a blackhole.
    await ip('-n', HOST, 'route', 'add', 'blackhole', 'default', 'table', '2004');
    await ip('-n', HOST, 'rule', 'add', 'from', '10.244.0.0/16', 'lookup', '2004', 'pref', '2004');
    await ip('netns', 'add', POD);
    await ip('-n', HOST, 'link', 'add', POD_IF, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', POD);
    await ip('-n', HOST, 'addr', 'add', '10.244.0.1/32', 'dev', POD_IF);
    await ip('-n', HOST, 'link', 'set', POD_IF, 'up');
    await ip('-n', HOST, 'route', 'add', '10.244.0.5/32', 'dev', POD_IF);
    await ip('-n', HOST, 'route', 'add', '10.244.0.5/32', 'dev', POD_IF, 'table', '2004');
    await exec('ip', ['netns', 'exec', HOST, 'sysctl', '-qw', `net.ipv4.conf.${POD_IF}.forwarding=1`]);
    await ip('-n', POD, 'link', 'set', 'lo', 'up');
    await ip('-n', POD, 'addr', 'add', '10.244.0.5/32', 'dev', 'eth0');
    await ip('-n', POD, 'link', 'set', 'eth0', 'up');
    await ip('-n', POD, 'route', 'add', '10.244.0.1', 'dev', 'eth0', 'scope', 'link');
    await ip('-n', POD, 'route', 'add', 'default', 'via', '10.244.0.1', 'dev', 'eth0');
    await store.apply([
      host('api-github-com', {
        hostnames: ['api.github.com'],
        addresses: ['203.0.113.10'],
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 7, protocol: 'UDP' },
        ],
        ttl: 30,
      }),
      host('support-github-com', {
        hostnames: ['support.github.com'],
        addresses: ['203.0.113.11'],
        ports: [{ port: 80, protocol: 'TCP' }],
      }),
      host('dual', {
        hostnames: ['dual.example.org'],
        addresses: ['198.51.100.20', '2001:db8::20'],
        ports: [{ port: 8080, protocol: 'TCP' }],
      }),
    ]);
    world = new WorldController({ store, network: NETWORK, dir: join(dir, 'world') });
    await world.start();
  });

  after(async () => {
    clusterDns?.kill('SIGKILL');
    world?.teardown();
    cleanup();
    for (const ns of [POD, HOST]) await exec('ip', ['netns', 'del', ns]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the hosts: HTTP echo sees the pod address (no masquerade)', async () => {
    assert.ok(world.status().ok, world.status().message);
    const body = JSON.parse(await inPod('curl', '-s', '--max-time', '5', 'http://203.0.113.10/'));
    assert.equal(body.pod, 'api-github-com');
    assert.equal(body.client.address, '10.244.0.5');
    assert.equal(body.server.address, '203.0.113.10');
    assert.match(await inPod('curl', '-s', '--max-time', '5', 'http://198.51.100.20:8080/hostname'), /dual/);
    // A port the host does not declare is closed.
    assert.equal(
      await inPod(
        'curl',
        '-s',
        '--max-time',
        '3',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        'http://203.0.113.10:8080/',
      ),
      '000',
    );
  });

  it('UDP echo on the declared UDP port', async () => {
    const out = await inPod(
      process.execPath,
      '-e',
      "const s=require('dgram').createSocket('udp4');s.on('message',m=>{console.log(String(m));process.exit(0)});s.send('hostname',7,'203.0.113.10');setTimeout(()=>process.exit(1),3000)",
    );
    assert.equal(out.trim(), 'api-github-com');
  });

  it("the world's DNS: A/AAAA for declared names with their TTL, NODATA for parents, NXDOMAIN otherwise", async () => {
    assert.equal(await digShort('@192.0.2.53', 'api.github.com'), '203.0.113.10');
    assert.match(
      await inPod('dig', '+noall', '+answer', '@192.0.2.53', 'API.GitHub.com'),
      /\s30\s+IN\s+A\s+203\.0\.113\.10/,
    );
    assert.equal(await digShort('@192.0.2.53', 'dual.example.org', 'AAAA'), '2001:db8::20');
    assert.equal(await digStatus('@192.0.2.53', 'github.com'), 'NOERROR');
    assert.equal(await digShort('@192.0.2.53', 'github.com'), '');
    assert.equal(await digStatus('@192.0.2.53', 'www.example.com'), 'NXDOMAIN');
    assert.equal(await digShort('@192.0.2.53', '+tcp', 'support.github.com'), '203.0.113.11');
  });

  it('the host namespace routes only the documentation ranges to the world: no default route', async () => {
    assert.equal((await ip('-n', HOST, 'route', 'show', 'default')).trim(), '');
    const t2004 = await ip('-n', HOST, 'route', 'show', 'table', '2004');
    for (const p of ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'])
      assert.match(t2004, new RegExp(`${p.replace(/\./g, '\\.')} via 169\\.254\\.53\\.2`));
    assert.match(t2004, /blackhole default/);
    // Something outside the ranges dies in the pod table's blackhole.
    assert.equal(
      await inPod(
        'curl',
        '-s',
        '--max-time',
        '2',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        'http://8.8.8.8/',
      ),
      '000',
    );
  });

  it('cluster DNS forwards names outside the cluster zone to the world', async () => {
    await ip('-n', HOST, 'addr', 'add', '10.96.0.10/32', 'dev', 'lo');
    clusterDns = spawn(
      'ip',
      [
        'netns',
        'exec',
        HOST,
        process.execPath,
        join(import.meta.dirname, 'cluster-dns-in-netns.js'),
        '10.96.0.10',
        '192.0.2.53',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((r) => clusterDns!.stdout!.once('data', r));
    assert.equal(await digShort('@10.96.0.10', 'api.github.com'), '203.0.113.10');
    assert.equal(await digStatus('@10.96.0.10', 'nothing.example.net'), 'NXDOMAIN');
  });

  it('follows the store: a new host appears, a deleted one disappears', async () => {
    await store.apply([
      host('new-host', {
        hostnames: ['new.example.net'],
        addresses: ['198.51.100.30'],
        ports: [{ port: 80, protocol: 'TCP' }],
      }),
    ]);
    await store.delete([{ kind: 'ExternalHost', name: 'support-github-com' }]);
    for (let i = 0; i < 100 && world.status().hosts !== 3; i++) await new Promise((r) => setTimeout(r, 50));
    await world.sync();
    assert.equal(await digShort('@192.0.2.53', 'new.example.net'), '198.51.100.30');
    assert.equal(
      JSON.parse(await inPod('curl', '-s', '--max-time', '5', 'http://198.51.100.30/')).pod,
      'new-host',
    );
    assert.equal(await digStatus('@192.0.2.53', 'support.github.com'), 'NXDOMAIN');
    assert.equal(
      await inPod(
        'curl',
        '-s',
        '--max-time',
        '2',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        'http://203.0.113.11/',
      ),
      '000',
    );
    assert.doesNotMatch(await ip('-n', `${PREFIX}_world`, 'addr'), /203\.0\.113\.11/);
  });

  it('a new controller (agent restart) adopts the running world server', async () => {
    const pid = runningWorldPid(worldProcessPaths(join(dir, 'world')));
    world.stop();
    world = new WorldController({ store, network: NETWORK, dir: join(dir, 'world') });
    await world.start();
    assert.equal(runningWorldPid(worldProcessPaths(join(dir, 'world'))), pid);
    assert.equal(await digShort('@192.0.2.53', 'api.github.com'), '203.0.113.10');
  });

  it('teardown removes the world, its routes and its veth', async () => {
    world.teardown();
    assert.doesNotMatch(await ip('netns', 'list'), new RegExp(`${PREFIX}_world`));
    assert.doesNotMatch(await ip('-n', HOST, 'route', 'show', 'table', '2004'), /203\.0\.113/);
    assert.doesNotMatch(await ip('-n', HOST, 'link'), new RegExp(NETWORK.hostIf!));
  });
});
