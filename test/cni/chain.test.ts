// invokeCniChain: porin followed by Debian's reference portmap, bandwidth and tuning; errors; STATUS and GC.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CniChainError } from '../../src/cni/chain-error.js';
import { type CniConflist, type CniRuntimeConf, invokeCniChain } from '../../src/cni/invoke-chain.js';
import { porinConflist } from '../../src/cni/porin-conflist.js';
import { hostVethName } from '../../src/cni/veth-names.js';
import { CniLab, HOST_ADDRESS, namespacesWithPrefix, SKIP_UNLESS_ROOT, sh, shQuiet } from './cni-lab.js';

const HAVE_REFERENCE_PLUGINS = ['portmap', 'bandwidth', 'tuning'].every((p) =>
  existsSync(`/usr/lib/cni/${p}`),
);
const HAVE_IPTABLES = existsSync('/usr/sbin/iptables');

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

function runtime(name: string, netns: string, extra: Partial<CniRuntimeConf> = {}): CniRuntimeConf {
  return {
    containerId: `${name}-${lab.prefix}`,
    netns,
    ifname: 'eth0',
    args: { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: name },
    cniPath: lab.cniPath,
    cacheDir: lab.cacheDir,
    exec: lab.exec,
    ...extra,
  };
}

async function expectChainError(p: Promise<unknown>, want: Partial<CniChainError>): Promise<CniChainError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CniChainError, `a CniChainError, got ${e}`);
    for (const [k, v] of Object.entries(want))
      assert.equal((e as unknown as Record<string, unknown>)[k], v, `${k} of ${e.message}`);
    return e;
  }
  assert.fail('expected a CniChainError');
}

function allocations(network = 'porin'): string[] {
  const dir = join(lab.dataDir, network);
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
}

function cached(): string[] {
  const dir = join(lab.cacheDir, 'results');
  return existsSync(dir) ? readdirSync(dir) : [];
}

const SERVER = `require('net').createServer((s) => s.end('porin-hostport')).listen(8080, '0.0.0.0', () => console.log('ready'));`;
const CLIENT = `const s = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
let got = ''; s.on('data', (b) => (got += b)); s.on('end', () => { console.log(got); process.exit(0); });
s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(2); });
setTimeout(() => { console.log('TIMEOUT'); process.exit(3); }, 1500);`;

function nodeIn(netns: string, script: string, args: string[], waitForOutput: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    lab.track(child.pid);
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      if (waitForOutput) resolve(out);
    });
    child.on('close', (code) => {
      lab.untrack(child.pid);
      if (waitForOutput) reject(new Error(`exited ${code}`));
      else resolve(out.trim());
    });
  });
}

describe('invokeCniChain', { skip: SKIP_UNLESS_ROOT }, () => {
  it('porin + portmap + bandwidth + tuning: ADD, CHECK and DEL through the chain', {
    skip:
      !HAVE_REFERENCE_PLUGINS || !HAVE_IPTABLES ? 'needs containernetworking-plugins and iptables' : false,
  }, async () => {
    const conflist = porinConflist({
      podCIDR: '10.244.0.0/24',
      dataDir: lab.dataDir,
      socket: lab.socket,
      portmap: true,
      bandwidth: true,
      tuning: { sysctl: { 'net.core.somaxconn': '512' } },
    });
    assert.equal(conflist.disableCheck, true, 'CHECK is off by default when portmap is chained');
    assert.deepEqual(
      conflist.plugins.map((p) => p.type),
      ['porin', 'portmap', 'bandwidth', 'tuning'],
    );
    const netns = await lab.addPod('web');
    const rt = runtime('web', netns, {
      capabilityArgs: {
        portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp' }],
        bandwidth: {
          ingressRate: 8_000_000,
          ingressBurst: 80_000_000,
          egressRate: 8_000_000,
          egressBurst: 80_000_000,
        },
      },
    });
    const result = await invokeCniChain(conflist, 'ADD', rt);
    assert.equal(result.cniVersion, '1.0.0', 'negotiated down to what the reference plugins speak');
    const hostVeth = hostVethName(rt.containerId);
    assert.equal(result.interfaces?.[0]?.name, hostVeth);
    assert.equal(result.interfaces?.[1]?.sandbox, netns);
    const ip = result.ips![0]!.address.replace('/32', '');
    assert.deepEqual(cached(), [`porin-${rt.containerId}-eth0`], 'the result is cached like libcni');

    // tuning: the sysctl inside the pod.
    assert.equal(
      (await sh('nsenter', [`--net=${netns}`, 'cat', '/proc/sys/net/core/somaxconn'])).trim(),
      '512',
    );
    // bandwidth: a token bucket on the host veth (traffic towards the pod) and an ifb for the other way.
    const qdiscs = JSON.parse(await lab.ip('-json', 'link', 'show')) as Array<{ ifname: string }>;
    const tc = await sh('nsenter', [`--net=${lab.hostNsPath}`, 'tc', 'qdisc', 'show', 'dev', hostVeth]);
    assert.match(tc, /qdisc tbf .* rate 8Mbit/, tc);
    assert.ok(
      qdiscs.some((l) => l.ifname.startsWith('bwp')),
      'an ifb device shapes pod egress',
    );
    // portmap: a hostPort connection to the host's own address reaches the pod's server.
    await nodeIn(netns, SERVER, [], true);
    assert.equal(await nodeIn(lab.hostNsPath, CLIENT, [HOST_ADDRESS, '18080'], false), 'porin-hostport');
    assert.equal(await nodeIn(lab.hostNsPath, CLIENT, [ip, '8080'], false), 'porin-hostport');
    // From the host's loopback too (portmap sets route_localnet on the host veth and masquerades).
    assert.equal(await nodeIn(lab.hostNsPath, CLIENT, ['127.0.0.1', '18080'], false), 'porin-hostport');
    const nat = await sh('nsenter', [`--net=${lab.hostNsPath}`, 'iptables', '-t', 'nat', '-S']);
    assert.match(nat, /CNI-HOSTPORT-DNAT/);

    await invokeCniChain(conflist, 'CHECK', rt); // disableCheck: returns without running plugins
    try {
      await invokeCniChain({ ...conflist, disableCheck: false }, 'CHECK', rt);
    } catch (e) {
      // Debian 12's portmap 1.1.1 looks for ip6tables rules it never made (containernetworking/plugins#819).
      assert.ok(e instanceof CniChainError && e.plugin === 'portmap' && /ipv6/.test(e.message), String(e));
    }
    // Without portmap, the rest of the chain checks out against the same cached result.
    const noPortmap = {
      ...conflist,
      disableCheck: false,
      plugins: conflist.plugins.filter((p) => p.type !== 'portmap'),
    };
    await invokeCniChain(noPortmap, 'CHECK', rt);
    await invokeCniChain(conflist, 'DEL', rt);
    await invokeCniChain(conflist, 'DEL', rt); // twice: fine
    assert.deepEqual(allocations(), []);
    assert.deepEqual(cached(), []);
    const links = JSON.parse(await lab.ip('-json', 'link', 'show')) as Array<{ ifname: string }>;
    assert.deepEqual(
      links.map((l) => l.ifname),
      ['lo'],
      'veth and ifb are gone',
    );
    const natAfter = await sh('nsenter', [`--net=${lab.hostNsPath}`, 'iptables', '-t', 'nat', '-S']);
    assert.doesNotMatch(natAfter, /CNI-DN-/, 'the per-container DNAT chain is gone');
  });

  it('CHECK through the chain reports the failing plugin with its CNI code', async () => {
    const conflist = porinConflist({ podCIDR: '10.244.0.0/24', dataDir: lab.dataDir, socket: lab.socket });
    const netns = await lab.addPod('a');
    const rt = runtime('a', netns);
    await invokeCniChain(conflist, 'ADD', rt);
    await invokeCniChain(conflist, 'CHECK', rt);
    await sh('nsenter', [`--net=${netns}`, 'ip', 'route', 'del', 'default']);
    const e = await expectChainError(invokeCniChain(conflist, 'CHECK', rt), {
      code: 'CNI_PLUGIN_FAILED',
      plugin: 'porin',
      command: 'CHECK',
      cniCode: 112,
    });
    assert.match(e.cniMsg ?? '', /via 169\.254\.1\.1/);
    await invokeCniChain(conflist, 'DEL', rt);
    await expectChainError(invokeCniChain(conflist, 'CHECK', rt), { code: 'CNI_NO_CACHED_RESULT' });
  });

  it('typed errors: plugin error codes, missing plugins, no common version, bad lists', async () => {
    const netns = await lab.addPod('a');
    const rt = runtime('a', netns);
    const bad = porinConflist({ podCIDR: '10.244.0.1/24', dataDir: lab.dataDir, socket: lab.socket });
    await expectChainError(invokeCniChain(bad, 'ADD', rt), {
      code: 'CNI_PLUGIN_FAILED',
      plugin: 'porin',
      command: 'ADD',
      cniCode: 7,
    });
    const missing: CniConflist = {
      cniVersion: '1.0.0',
      name: 'porin',
      plugins: [{ type: 'porin-no-such-plugin' }],
    };
    await expectChainError(invokeCniChain(missing, 'ADD', rt), { code: 'CNI_PLUGIN_NOT_FOUND' });
    if (HAVE_REFERENCE_PLUGINS) {
      const tooNew: CniConflist = {
        ...porinConflist({
          podCIDR: '10.244.0.0/24',
          dataDir: lab.dataDir,
          socket: lab.socket,
          tuning: true,
        }),
        cniVersion: '1.1.0',
      };
      delete tooNew.cniVersions;
      await expectChainError(invokeCniChain(tooNew, 'ADD', rt), {
        code: 'CNI_INCOMPATIBLE_VERSION',
        cniCode: 1,
      });
    }
    await expectChainError(invokeCniChain({ cniVersion: '1.1.0', name: 'x', plugins: [] }, 'ADD', rt), {
      code: 'CNI_BAD_CONFIG',
    });
    await expectChainError(
      invokeCniChain({ cniVersion: 'one', name: 'x', plugins: [{ type: 'porin' }] }, 'ADD', rt),
      { code: 'CNI_BAD_CONFIG' },
    );
    assert.deepEqual(allocations(), []);
    assert.deepEqual(cached(), []);
  });

  it('STATUS at 1.1.0, and a no-op when the list negotiates 1.0.0', async () => {
    const conflist = porinConflist({ podCIDR: '10.244.9.0/30', dataDir: lab.dataDir, socket: lab.socket });
    const rt = runtime('a', '');
    await invokeCniChain(conflist, 'STATUS', rt);
    const netns = await lab.addPod('a');
    await invokeCniChain(conflist, 'ADD', { ...rt, netns });
    await expectChainError(invokeCniChain(conflist, 'STATUS', rt), {
      code: 'CNI_PLUGIN_FAILED',
      cniCode: 50,
    });
    if (HAVE_REFERENCE_PLUGINS) {
      const chained = porinConflist({
        podCIDR: '10.244.9.0/30',
        dataDir: lab.dataDir,
        socket: lab.socket,
        tuning: true,
      });
      await invokeCniChain(chained, 'STATUS', rt); // 1.0.0: STATUS does not exist yet
    }
    await invokeCniChain(conflist, 'DEL', { ...rt, netns });
  });

  it('GC: stale cached attachments are deleted, then every plugin sweeps with the valid list', async () => {
    const conflist = porinConflist({ podCIDR: '10.244.0.0/24', dataDir: lab.dataDir, socket: lab.socket });
    const a = runtime('a', await lab.addPod('a'));
    const b = runtime('b', await lab.addPod('b'));
    const c = runtime('c', await lab.addPod('c'));
    for (const rt of [a, b, c]) await invokeCniChain(conflist, 'ADD', rt);
    // c's cache entry is lost (as after a crash): only the plugin's own GC can find its address.
    await shQuiet('rm', ['-f', join(lab.cacheDir, 'results', `porin-${c.containerId}-eth0`)]);
    await expectChainError(invokeCniChain(conflist, 'GC', a), { code: 'CNI_BAD_CONFIG' });
    await invokeCniChain(conflist, 'GC', {
      ...a,
      validAttachments: [{ containerID: a.containerId, ifname: 'eth0' }],
    });
    assert.deepEqual(cached(), [`porin-${a.containerId}-eth0`]);
    assert.equal(allocations().length, 1);
    const veths = await lab.ip('-o', 'link', 'show', 'type', 'veth');
    assert.ok(veths.includes(hostVethName(a.containerId)));
    assert.ok(!veths.includes(hostVethName(b.containerId)) && !veths.includes(hostVethName(c.containerId)));
    await invokeCniChain(conflist, 'CHECK', a);
    await invokeCniChain(conflist, 'DEL', a);
    assert.deepEqual(allocations(), []);
  });
});
