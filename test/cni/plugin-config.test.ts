// Unit tests (no root): configuration and environment validation, IPv4 helpers, veth identity, porinConflist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCniArgs, parseCniEnv } from '../../src/cni/cni-env.js';
import { CniError } from '../../src/cni/cni-error.js';
import { allocatableRange, formatIPv4, parseCidr4, parseIPv4 } from '../../src/cni/ipv4.js';
import { parsePluginConfig } from '../../src/cni/plugin-config.js';
import { porinConflist } from '../../src/cni/porin-conflist.js';
import { vethIdentity } from '../../src/cni/veth-names.js';

const base = {
  cniVersion: '1.1.0',
  name: 'porin',
  type: 'porin',
  podCIDR: '10.244.0.0/24',
  dataDir: '/tmp/x',
};

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CniError, String(e));
    return e.code;
  }
  return 0;
}

describe('porin plugin configuration', () => {
  it('defaults: gateway 169.254.1.1, table 2004', () => {
    const c = parsePluginConfig({ ...base });
    assert.equal(c.gateway, '169.254.1.1');
    assert.equal(c.routeTable, 2004);
    assert.equal(c.mtu, undefined);
    assert.ok(Object.isFrozen(c));
  });
  it('codes: 1 version, 2 unsupported field, 7 invalid value; slash keys pass through', () => {
    assert.equal(
      code(() => parsePluginConfig({ ...base, cniVersion: '0.4.0' })),
      1,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, cniVersion: 'x' })),
      7,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, bridge: 'cni0' })),
      2,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, ipMasq: true })),
      2,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, ipMasq: false })),
      0,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, ipam: {} })),
      0,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16' })),
      0,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, clusterCIDR: 'nope' })),
      7,
    );
    assert.equal(
      code(() =>
        parsePluginConfig({ ...base, 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] }),
      ),
      0,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, 'cni.dev/valid-attachments': [{ containerID: 'a' }] })),
      7,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, dns: { nameservers: 'x' } })),
      7,
    );
    assert.equal(
      code(() => parsePluginConfig({ ...base, routeTable: 2004.5 })),
      7,
    );
  });
  it('environment: per-command requirements and CNI_ARGS', () => {
    assert.deepEqual(parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=web-0;;X='), {
      IgnoreUnknown: '1',
      K8S_POD_NAME: 'web-0',
      X: '',
    });
    assert.equal(
      code(() => parseCniArgs('novalue')),
      4,
    );
    assert.equal(parseCniEnv({ CNI_COMMAND: 'VERSION' }).command, 'VERSION');
    assert.equal(parseCniEnv({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }).command, 'GC');
    assert.equal(
      code(() => parseCniEnv({ CNI_COMMAND: 'STATUS' })),
      4,
    );
    const del = parseCniEnv({
      CNI_COMMAND: 'DEL',
      CNI_CONTAINERID: 'c',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/a:/b',
    });
    assert.equal(del.netns, '', 'DEL without CNI_NETNS is allowed');
    assert.deepEqual(del.path, ['/a', '/b']);
    assert.equal(
      code(() =>
        parseCniEnv({ CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0', CNI_PATH: '/a' }),
      ),
      4,
    );
  });
});

describe('IPv4 helpers and names', () => {
  it('parses strictly and computes the allocatable range', () => {
    assert.equal(parseIPv4('010.0.0.1'), undefined);
    assert.equal(parseIPv4('256.0.0.1'), undefined);
    assert.equal(formatIPv4(parseIPv4('10.244.0.255')!), '10.244.0.255');
    assert.equal(parseCidr4('10.244.0.1/24'), undefined);
    assert.deepEqual(parseCidr4('10.244.0.1/24', false), { network: parseIPv4('10.244.0.0'), bits: 24 });
    const [first, last] = allocatableRange(parseCidr4('10.244.0.0/24')!)!;
    assert.equal(formatIPv4(first), '10.244.0.2', 'network and .1 skipped');
    assert.equal(formatIPv4(last), '10.244.0.254', 'broadcast skipped');
    assert.equal(allocatableRange(parseCidr4('10.244.0.0/31')!), undefined);
  });
  it('veth identity: 15-character host name, stable locally administered MACs', () => {
    const v = vethIdentity('abc123');
    assert.match(v.hostName, /^porin[0-9a-f]{10}$/);
    assert.equal(v.hostName.length, 15);
    assert.deepEqual(vethIdentity('abc123'), v);
    assert.notEqual(vethIdentity('abc124').hostName, v.hostName);
    assert.match(v.hostMac, /^02:/);
    assert.match(v.podMac, /^06:/);
  });
});

describe('porinConflist', () => {
  it('porin alone speaks 1.1.0; with reference plugins 1.0.0 and CHECK off because of portmap', () => {
    const alone = porinConflist({ podCIDR: '10.244.0.0/24', dataDir: '/var/lib/porin/ipam' });
    assert.deepEqual(alone, {
      cniVersion: '1.1.0',
      cniVersions: ['1.0.0', '1.1.0'],
      name: 'porin',
      plugins: [{ type: 'porin', podCIDR: '10.244.0.0/24', dataDir: '/var/lib/porin/ipam' }],
    });
    const all = porinConflist({
      podCIDR: '10.244.0.0/24',
      dataDir: '/d',
      gateway: '169.254.1.1',
      routeTable: 2004,
      mtu: 1400,
      portmap: true,
      bandwidth: { ingressRate: 1000 },
      tuning: { sysctl: { 'net.core.somaxconn': '512' } },
    });
    assert.equal(all.cniVersion, '1.0.0');
    assert.equal(all.disableCheck, true);
    assert.deepEqual(all.plugins.slice(1), [
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'bandwidth', capabilities: { bandwidth: true }, ingressRate: 1000 },
      { type: 'tuning', sysctl: { 'net.core.somaxconn': '512' } },
    ]);
    assert.equal(
      porinConflist({ podCIDR: '10.244.0.0/24', dataDir: '/d', tuning: true }).disableCheck,
      undefined,
    );
  });
});
