// Real traffic through pods wired by the plugin: pod to pod and host to pod over TCP; spoofing and escapes are dropped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CniLab, HOST_ADDRESS, namespacesWithPrefix, SKIP_UNLESS_ROOT, sh } from './cni-lab.js';

let lab: CniLab;
beforeEach(async () => {
  if (!SKIP_UNLESS_ROOT) lab = await CniLab.create();
});
afterEach(async () => {
  if (!lab) return;
  const prefix = lab.prefix;
  await lab.dispose();
  assert.deepEqual(await namespacesWithPrefix(prefix), []);
});

const SERVER = `require('net').createServer((s) => s.end('porin-hello ' + s.remoteAddress))
  .listen(8080, '0.0.0.0', () => console.log('ready'));`;

const CLIENT = `const [host, local] = process.argv.slice(1);
const s = require('net').connect({ host, port: 8080, ...(local ? { localAddress: local } : {}) });
let got = ''; s.on('data', (b) => (got += b)); s.on('end', () => { console.log(got); process.exit(0); });
s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(2); });
setTimeout(() => { console.log('TIMEOUT'); process.exit(3); }, 1500);`;

async function addPod(name: string) {
  const netns = await lab.addPod(name);
  const containerId = `${name}-${lab.prefix}`;
  const r = await lab.plugin('ADD', { containerId, netns, ifname: 'eth0', stdin: lab.conf() });
  assert.equal(r.exitCode, 0, r.stdout);
  return { netns, containerId, ip: String(r.json.ips[0].address).replace('/32', '') };
}

/** Starts the TCP server inside `netns`; resolves once it listens. */
function startServer(netns: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', SERVER], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    lab.track(child.pid);
    child.stdout.once('data', () => resolve());
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** Connects from `netns` to host:8080 (optionally from `local`); returns what the client printed. */
async function connect(netns: string, host: string, local?: string): Promise<string> {
  const r = await new Promise<string>((resolve) => {
    const child = spawn(
      'nsenter',
      [`--net=${netns}`, process.execPath, '-e', CLIENT, host, ...(local ? [local] : [])],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    lab.track(child.pid);
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.on('close', () => {
      lab.untrack(child.pid);
      resolve(out.trim());
    });
  });
  return r;
}

/** The host namespace's IPReversePathFilter counter (TcpExt in /proc/net/netstat). */
async function rpFilterDrops(): Promise<number> {
  const lines = (await sh('nsenter', [`--net=${lab.hostNsPath}`, 'cat', '/proc/net/netstat'])).split('\n');
  const names = lines.find((l) => l.startsWith('TcpExt:'))!.split(/\s+/);
  const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]!.split(/\s+/);
  return Number(values[names.indexOf('IPReversePathFilter')]);
}

describe('traffic between pods wired by porin', { skip: SKIP_UNLESS_ROOT }, () => {
  it('pod to pod and host to pod: a TCP connection through the host routing', async () => {
    const a = await addPod('a');
    const b = await addPod('b');
    await startServer(a.netns);
    assert.equal(
      await connect(b.netns, a.ip),
      `porin-hello ${b.ip}`,
      'pod b reaches pod a with its own address',
    );
    assert.equal(
      await connect(lab.hostNsPath, a.ip),
      `porin-hello ${HOST_ADDRESS}`,
      'the host reaches pod a',
    );
  });

  it('a pod cannot send as another pod (rp_filter) and nothing leaves through table 2004', async () => {
    const a = await addPod('a');
    const b = await addPod('b');
    const c = await addPod('c');
    await startServer(a.netns);
    // b claims c's address as well and connects from it: the host drops it on b's veth.
    await sh('nsenter', [`--net=${b.netns}`, 'ip', 'addr', 'add', `${c.ip}/32`, 'dev', 'eth0']);
    const before = await rpFilterDrops();
    assert.equal(await connect(b.netns, a.ip, c.ip), 'TIMEOUT');
    assert.ok((await rpFilterDrops()) > before, 'dropped by the reverse-path filter on the host veth');
    assert.equal(await connect(b.netns, a.ip), `porin-hello ${b.ip}`, 'its own address still works');
    // A destination outside the cluster: table 2004 ends in a blackhole.
    const world = await connect(b.netns, '203.0.113.10');
    assert.ok(['TIMEOUT', 'ERR EHOSTUNREACH', 'ERR ENETUNREACH'].includes(world), world);
  });
});
