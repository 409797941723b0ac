// CNI conformance of the `porin` plugin binary: VERSION, ADD result and wiring, CHECK, DEL, errors, STATUS, GC.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { hostVethName, vethIdentity } from '../../src/cni/veth-names.js';
import { CniLab, namespacesWithPrefix, SKIP_UNLESS_ROOT, sh } from './cni-lab.js';

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

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

/** Creates pod `name` and ADDs it; returns what a runtime would keep. */
async function addPod(name: string, conf = lab.conf(), args?: string) {
  const netns = await lab.addPod(name);
  const containerId = `${name}-${lab.prefix}`;
  const r = await lab.plugin('ADD', {
    containerId,
    netns,
    ifname: 'eth0',
    stdin: conf,
    ...(args ? { args } : {}),
  });
  assert.equal(r.exitCode, 0, `ADD ${name}: ${r.stdout}`);
  return { netns, containerId, result: r.json };
}

function allocations(network = 'porin'): string[] {
  const dir = join(lab.dataDir, network);
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
}

async function inPod(netns: string, ...cmd: string[]): Promise<string> {
  return sh('nsenter', [`--net=${netns}`, ...cmd]);
}

async function json<T>(netns: string | null, ...args: string[]): Promise<T> {
  const out = netns ? await inPod(netns, 'ip', '-json', ...args) : await lab.ip('-json', ...args);
  return JSON.parse(out) as T;
}

function assertCniError(r: { exitCode: number; json: unknown }, code: number, msg?: RegExp): void {
  assert.notEqual(r.exitCode, 0, 'an error exits non-zero');
  const e = r.json as Record<string, unknown>;
  assert.ok(e && typeof e === 'object', 'the error is JSON on stdout');
  assert.equal(typeof e.cniVersion, 'string');
  assert.equal(e.code, code, `code ${code} expected: ${JSON.stringify(e)}`);
  assert.equal(typeof e.msg, 'string');
  for (const k of Object.keys(e))
    assert.ok(['cniVersion', 'code', 'msg', 'details'].includes(k), `unexpected key ${k}`);
  if (msg) assert.match(String(e.msg), msg);
}

describe('porin CNI plugin: conformance', { skip: SKIP_UNLESS_ROOT }, () => {
  it('VERSION reports 1.0.0 and 1.1.0, with or without stdin', async () => {
    for (const stdin of ['{"cniVersion":"1.0.0"}', '']) {
      const r = await lab.plugin('VERSION', { stdin });
      assert.equal(r.exitCode, 0);
      assert.deepEqual(r.json, { cniVersion: '1.1.0', supportedVersions: ['1.0.0', '1.1.0'] });
    }
  });

  for (const cniVersion of ['1.0.0', '1.1.0']) {
    it(`ADD at ${cniVersion}: the result, field by field`, async () => {
      const dns = {
        nameservers: ['10.96.0.10'],
        search: ['default.svc.cluster.local'],
        options: ['ndots:5'],
      };
      const { netns, containerId, result } = await addPod('a', lab.conf({ cniVersion, dns, mtu: 1400 }));
      const v = vethIdentity(containerId);
      const keys = ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'];
      assert.deepEqual(Object.keys(result).sort(), [...keys].sort());
      assert.equal(result.cniVersion, cniVersion);
      assert.equal(result.interfaces.length, 2);
      const [host, pod] = result.interfaces;
      assert.equal(host.name, hostVethName(containerId));
      assert.match(host.name, /^porin[0-9a-f]{10}$/);
      assert.match(host.mac, MAC);
      assert.equal(host.sandbox, undefined, 'host interface has no sandbox');
      assert.equal(pod.name, 'eth0');
      assert.match(pod.mac, MAC);
      assert.equal(pod.sandbox, netns);
      if (cniVersion === '1.1.0') {
        assert.equal(host.mtu, 1400);
        assert.equal(pod.mtu, 1400);
      } else {
        assert.equal(pod.mtu, undefined, 'mtu is a 1.1 field');
      }
      assert.equal(result.ips.length, 1);
      assert.deepEqual(Object.keys(result.ips[0]).sort(), ['address', 'gateway', 'interface']);
      assert.match(result.ips[0].address, /^10\.244\.0\.\d+\/32$/);
      assert.equal(result.ips[0].gateway, '169.254.1.1');
      assert.equal(result.ips[0].interface, 1, 'the address is on the pod interface');
      assert.deepEqual(result.routes, [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }]);
      assert.deepEqual(result.dns, dns);
      assert.equal(host.mac, v.hostMac);
      assert.equal(pod.mac, v.podMac);
    });
  }

  it('ADD wires the pod and the host as the contract says', async () => {
    const { netns, containerId, result } = await addPod('a', lab.conf({ mtu: 1400 }));
    const ip = result.ips[0].address.replace('/32', '');
    const hostName = hostVethName(containerId);
    const v = vethIdentity(containerId);
    // pod side
    const links = await json<
      Array<{
        ifname: string;
        address: string;
        flags: string[];
        mtu: number;
        addr_info: Array<{ family: string; local: string; prefixlen: number }>;
      }>
    >(netns, 'addr', 'show');
    const eth0 = links.find((l) => l.ifname === 'eth0')!;
    assert.equal(eth0.address, v.podMac);
    assert.ok(eth0.flags.includes('UP'));
    assert.equal(eth0.mtu, 1400);
    assert.deepEqual(
      eth0.addr_info.map((a) => `${a.family} ${a.local}/${a.prefixlen}`),
      [`inet ${ip}/32`],
      'exactly the /32, and no IPv6 address',
    );
    assert.ok(links.find((l) => l.ifname === 'lo')!.flags.includes('UP'), 'lo is up');
    const routes = await json<Array<{ dst: string; gateway?: string; dev: string; scope?: string }>>(
      netns,
      'route',
      'show',
    );
    assert.ok(routes.some((r) => r.dst === '169.254.1.1' && r.dev === 'eth0' && r.scope === 'link'));
    assert.ok(routes.some((r) => r.dst === 'default' && r.gateway === '169.254.1.1' && r.dev === 'eth0'));
    const neigh = await json<Array<{ dst: string; lladdr: string; state: string[] }>>(
      netns,
      'neigh',
      'show',
      'dev',
      'eth0',
    );
    assert.deepEqual(
      neigh.map((n) => [n.dst, n.lladdr, n.state]),
      [['169.254.1.1', v.hostMac, ['PERMANENT']]],
    );
    assert.equal((await inPod(netns, 'cat', '/proc/sys/net/ipv6/conf/all/disable_ipv6')).trim(), '1');
    assert.equal((await inPod(netns, 'cat', '/proc/sys/net/ipv6/conf/default/disable_ipv6')).trim(), '1');
    // host side
    const hostLink = (
      await json<Array<{ address: string; flags: string[]; mtu: number }>>(
        null,
        'link',
        'show',
        'dev',
        hostName,
      )
    )[0]!;
    assert.equal(hostLink.address, v.hostMac);
    assert.ok(hostLink.flags.includes('UP'));
    assert.equal(hostLink.mtu, 1400);
    for (const table of ['main', '2004']) {
      const r = await json<Array<{ dst: string; dev: string; scope: string }>>(
        null,
        'route',
        'show',
        `${ip}/32`,
        'table',
        table,
      );
      assert.deepEqual(
        r.map((x) => [x.dst, x.dev, x.scope]),
        [[ip, hostName, 'link']],
        `host /32 in table ${table}`,
      );
    }
    const sysctl = (p: string) => inPod(lab.hostNsPath, 'cat', `/proc/sys/net/${p}`).then((s) => s.trim());
    assert.equal(await sysctl(`ipv4/conf/${hostName}/forwarding`), '1');
    assert.equal(await sysctl(`ipv4/conf/${hostName}/rp_filter`), '1');
    assert.equal(await sysctl('ipv4/ip_forward'), '0', 'global forwarding stays off');
    assert.equal(await sysctl('ipv4/conf/lo/forwarding'), '0');
    // IPAM
    assert.deepEqual(allocations(), [ip]);
    assert.equal(readFileSync(join(lab.dataDir, 'porin', ip), 'utf8'), `${containerId}\r\neth0`);
  });

  it('CHECK passes after ADD, fails with 112 once the pod route is gone, and needs prevResult', async () => {
    const { netns, containerId, result } = await addPod('a');
    const call = { containerId, netns, ifname: 'eth0', stdin: lab.conf({ prevResult: result }) };
    const ok = await lab.plugin('CHECK', call);
    assert.equal(ok.exitCode, 0, ok.stdout);
    assert.equal(ok.stdout, '', 'CHECK prints nothing on success');
    await inPod(netns, 'ip', 'route', 'del', 'default');
    assertCniError(await lab.plugin('CHECK', call), 112, /0\.0\.0\.0\/0 via 169\.254\.1\.1/);
    await inPod(netns, 'ip', 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0');
    assert.equal((await lab.plugin('CHECK', call)).exitCode, 0);
    await inPod(netns, 'ip', 'neigh', 'del', '169.254.1.1', 'dev', 'eth0');
    assertCniError(await lab.plugin('CHECK', call), 113);
    assertCniError(await lab.plugin('CHECK', { ...call, stdin: lab.conf() }), 7, /prevResult/);
  });

  it('CHECK of an unknown container is code 3', async () => {
    const netns = await lab.addPod('ghost');
    const prevResult = {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', sandbox: netns }],
      ips: [{ address: '10.244.0.9/32', interface: 0 }],
    };
    const r = await lab.plugin('CHECK', {
      containerId: 'ghost',
      netns,
      ifname: 'eth0',
      stdin: lab.conf({ prevResult }),
    });
    assertCniError(r, 3);
  });

  it('DEL releases everything, and DEL twice is fine', async () => {
    const { netns, containerId, result } = await addPod('a');
    const ip = result.ips[0].address.replace('/32', '');
    const call = { containerId, netns, ifname: 'eth0', stdin: lab.conf({ prevResult: result }) };
    for (let i = 0; i < 2; i++) {
      const r = await lab.plugin('DEL', call);
      assert.equal(r.exitCode, 0, r.stdout);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(allocations(), []);
    assert.equal(await lab.ip('-o', 'link', 'show', 'type', 'veth'), '');
    for (const table of ['main', '2004'])
      assert.equal(await lab.ip('route', 'show', `${ip}/32`, 'table', table), '');
    assert.ok(
      !(await inPod(netns, 'ip', '-o', 'link')).includes('eth0'),
      'the pod end went with the host end',
    );
  });

  it('DEL with the namespace gone, or no CNI_NETNS at all, succeeds and releases the address', async () => {
    const a = await addPod('a');
    await lab.deletePod('a');
    const r = await lab.plugin('DEL', {
      containerId: a.containerId,
      netns: a.netns,
      ifname: 'eth0',
      stdin: lab.conf(),
    });
    assert.equal(r.exitCode, 0, r.stdout);
    const b = await addPod('b');
    const r2 = await lab.plugin('DEL', { containerId: b.containerId, ifname: 'eth0', stdin: lab.conf() });
    assert.equal(r2.exitCode, 0, r2.stdout);
    assert.deepEqual(allocations(), []);
    assert.equal(await lab.ip('-o', 'link', 'show', 'type', 'veth'), '');
  });

  it('ADD into a namespace that does not exist is code 3 and reserves nothing', async () => {
    const r = await lab.plugin('ADD', {
      containerId: 'x1',
      netns: '/var/run/netns/porin-does-not-exist',
      ifname: 'eth0',
      stdin: lab.conf(),
    });
    assertCniError(r, 3);
    assert.deepEqual(allocations(), []);
  });

  it('a second ADD without DEL is refused (104) and leaves the first attachment intact', async () => {
    const a = await addPod('a');
    const r = await lab.plugin('ADD', {
      containerId: a.containerId,
      netns: a.netns,
      ifname: 'eth0',
      stdin: lab.conf(),
    });
    assertCniError(r, 104);
    const check = await lab.plugin('CHECK', {
      containerId: a.containerId,
      netns: a.netns,
      ifname: 'eth0',
      stdin: lab.conf({ prevResult: a.result }),
    });
    assert.equal(check.exitCode, 0, check.stdout);
  });

  it('CNI_ARGS IP= picks the address; a taken one is 103', async () => {
    const a = await addPod('a', lab.conf(), 'IgnoreUnknown=1;K8S_POD_NAME=a;IP=10.244.0.77');
    assert.equal(a.result.ips[0].address, '10.244.0.77/32');
    const netns = await lab.addPod('b');
    const r = await lab.plugin('ADD', {
      containerId: 'b',
      netns,
      ifname: 'eth0',
      args: 'IP=10.244.0.77',
      stdin: lab.conf(),
    });
    assertCniError(r, 103);
    assert.deepEqual(allocations(), ['10.244.0.77']);
  });

  it('bad configuration is code 7, undecodable is 6, unsupported fields are 2', async () => {
    const netns = await lab.addPod('a');
    const call = (stdin: string | object) =>
      lab.plugin('ADD', { containerId: 'c1', netns, ifname: 'eth0', stdin });
    assertCniError(await call(lab.conf({ podCIDR: '10.244.0.1/24' })), 7, /podCIDR/);
    assertCniError(await call(lab.conf({ podCIDR: undefined })), 7, /podCIDR/);
    assertCniError(await call(lab.conf({ podCIDR: '10.244.0.0/31' })), 7, /podCIDR/);
    assertCniError(await call(lab.conf({ name: '-bad' })), 7, /name/);
    assertCniError(await call(lab.conf({ routeTable: 254 })), 7, /routeTable/);
    assertCniError(await call(lab.conf({ gateway: '10.244.0.5' })), 7, /gateway/);
    assertCniError(await call(lab.conf({ dataDir: 'relative' })), 7, /dataDir/);
    assertCniError(await call(lab.conf({ mtu: 20 })), 7, /mtu/);
    assertCniError(await call(lab.conf({ cniVersion: undefined })), 7, /cniVersion/);
    assertCniError(await call('{not json'), 6);
    assertCniError(await call('[]'), 6);
    assertCniError(await call(lab.conf({ ipMasq: true })), 2, /ipMasq=true/);
    assertCniError(await call(lab.conf({ ipam: { type: 'host-local' } })), 2, /ipam=/);
    assertCniError(await call(lab.conf({ podCidr: 'x' })), 2, /podCidr="x"/);
    assert.deepEqual(allocations(), [], 'nothing reserved by a refused call');
    assert.equal(await lab.ip('-o', 'link', 'show', 'type', 'veth'), '');
  });

  it('bad environment is code 4, naming the variable', async () => {
    const netns = await lab.addPod('a');
    const base = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: lab.cniPath.join(':'),
    };
    const cases: Array<[Record<string, string | undefined>, RegExp]> = [
      [{ CNI_COMMAND: undefined }, /CNI_COMMAND/],
      [{ CNI_COMMAND: 'FROB' }, /CNI_COMMAND/],
      [{ CNI_CONTAINERID: undefined }, /CNI_CONTAINERID/],
      [{ CNI_CONTAINERID: '-x' }, /CNI_CONTAINERID/],
      [{ CNI_IFNAME: 'averyveryverylongname' }, /CNI_IFNAME/],
      [{ CNI_IFNAME: 'et/h0' }, /CNI_IFNAME/],
      [{ CNI_NETNS: undefined }, /CNI_NETNS/],
      [{ CNI_PATH: undefined }, /CNI_PATH/],
      [{ CNI_ARGS: 'K8S_POD_NAME' }, /CNI_ARGS/],
      [{ CNI_ARGS: 'IP=192.0.2.7' }, /CNI_ARGS/],
    ];
    for (const [patch, msg] of cases) {
      const env = Object.fromEntries(
        Object.entries({ ...base, ...patch }).filter(([, v]) => v !== undefined),
      ) as Record<string, string>;
      assertCniError(await lab.plugin('ADD', { env, stdin: lab.conf() }), 4, msg);
    }
    assert.deepEqual(allocations(), []);
  });

  it('an unsupported cniVersion is code 1 (and STATUS/GC need 1.1.0)', async () => {
    const netns = await lab.addPod('a');
    for (const v of ['0.3.1', '0.4.0', '2.0.0']) {
      const r = await lab.plugin('ADD', {
        containerId: 'c1',
        netns,
        ifname: 'eth0',
        stdin: lab.conf({ cniVersion: v }),
      });
      assertCniError(r, 1, new RegExp(v.replaceAll('.', '\\.')));
    }
    assertCniError(await lab.plugin('STATUS', { stdin: lab.conf({ cniVersion: '1.0.0' }) }), 1);
    assertCniError(
      await lab.plugin('GC', { stdin: lab.conf({ cniVersion: '1.0.0', 'cni.dev/valid-attachments': [] }) }),
      1,
    );
  });

  it('STATUS: ready, 50 once the pool is exhausted, ready again after DEL', async () => {
    // /30: .0 network, .1 gateway-in-CIDR, .3 broadcast: exactly one address (.2).
    const conf = lab.conf({ podCIDR: '10.244.9.0/30' });
    const ready = await lab.plugin('STATUS', { stdin: conf });
    assert.equal(ready.exitCode, 0, ready.stdout);
    assert.equal(ready.stdout, '');
    const a = await addPod('a', conf);
    assert.equal(a.result.ips[0].address, '10.244.9.2/32');
    assertCniError(await lab.plugin('STATUS', { stdin: conf }), 50);
    const netns = await lab.addPod('b');
    assertCniError(await lab.plugin('ADD', { containerId: 'b', netns, ifname: 'eth0', stdin: conf }), 102);
    await lab.plugin('DEL', { containerId: a.containerId, netns: a.netns, ifname: 'eth0', stdin: conf });
    assert.equal((await lab.plugin('STATUS', { stdin: conf })).exitCode, 0);
  });

  it('GC releases addresses (and host veths) of attachments not in cni.dev/valid-attachments', async () => {
    const a = await addPod('a');
    const b = await addPod('b');
    const c = await addPod('c');
    assert.equal(allocations().length, 3);
    assertCniError(await lab.plugin('GC', { stdin: lab.conf() }), 7, /valid-attachments/);
    const valid = [{ containerID: a.containerId, ifname: 'eth0' }];
    const r = await lab.plugin('GC', { stdin: lab.conf({ 'cni.dev/valid-attachments': valid }) });
    assert.equal(r.exitCode, 0, r.stdout);
    assert.deepEqual(allocations(), [a.result.ips[0].address.replace('/32', '')]);
    const veths = await lab.ip('-o', 'link', 'show', 'type', 'veth');
    assert.ok(veths.includes(hostVethName(a.containerId)));
    assert.ok(!veths.includes(hostVethName(b.containerId)) && !veths.includes(hostVethName(c.containerId)));
    const check = await lab.plugin('CHECK', {
      containerId: a.containerId,
      netns: a.netns,
      ifname: 'eth0',
      stdin: lab.conf({ prevResult: a.result }),
    });
    assert.equal(check.exitCode, 0, check.stdout);
  });

  it('addresses go round robin and skip network, .1 and broadcast', async () => {
    const conf = lab.conf({ podCIDR: '10.244.9.0/29' }); // .2 … .6
    const got: string[] = [];
    for (const n of ['a', 'b', 'c', 'd', 'e']) got.push((await addPod(n, conf)).result.ips[0].address);
    assert.deepEqual(got, [
      '10.244.9.2/32',
      '10.244.9.3/32',
      '10.244.9.4/32',
      '10.244.9.5/32',
      '10.244.9.6/32',
    ]);
    const netns = await lab.addPod('f');
    assertCniError(await lab.plugin('ADD', { containerId: 'f', netns, ifname: 'eth0', stdin: conf }), 102);
    // Free .3, then the next ADD continues after the last reserved (.6) and wraps to .3 (not .2 again).
    await lab.plugin('DEL', { containerId: `b-${lab.prefix}`, ifname: 'eth0', stdin: conf });
    const r = await lab.plugin('ADD', { containerId: 'f', netns, ifname: 'eth0', stdin: conf });
    assert.equal(r.json.ips[0].address, '10.244.9.3/32');
  });
});
