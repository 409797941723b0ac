// Root test: a pod-like network namespace resolves cluster names through its resolv.conf and a real glibc resolver.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { buildClusterRecords, ClusterDnsServer, resolvConf } from '../../src/cluster/dns/index.js';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0 && existsSync('/usr/sbin/ip') && existsSync('/etc/resolv.conf');

const suffix = randomBytes(3).toString('hex');
const NS = `porin-dnstest-${suffix}`;
const HOST_IF = `porin-dt${suffix}`; // 14 characters: within IFNAMSIZ
const PEER_IF = `porin-dp${suffix}`;
const HOST_IP = '10.244.250.1';
const POD_IP = '10.244.250.2';
const NETNS_ETC = '/etc/netns';
const BLACKHOLES = ['10.244.0.0/16', '10.96.0.0/16'];

async function ip(...args: string[]): Promise<string> {
  return (await exec('ip', args)).stdout;
}

/** Runs a command inside the namespace (with its /etc/netns resolv.conf bind-mounted, as `ip netns exec` does). */
async function inPod(...argv: string[]): Promise<string> {
  const { stdout } = await exec('ip', ['netns', 'exec', NS, ...argv], { timeout: 15_000 });
  return stdout;
}

/** Namespaces of this test left behind by a run that died more than 10 minutes ago. */
function sweepStale(): void {
  const dir = '/run/netns';
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('porin-dnstest-')) continue;
    if (Date.now() - statSync(`${dir}/${name}`).mtimeMs < 10 * 60_000) continue;
    try {
      execFile('ip', ['netns', 'del', name]);
      rmSync(`${NETNS_ETC}/${name}`, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

describe('cluster DNS from inside a pod network namespace', {
  skip: !isRoot && 'needs root and iproute2',
}, () => {
  const addedBlackholes: string[] = [];
  let createdEtcNetns = false;
  let dns: ClusterDnsServer | undefined;
  let world: dgram.Socket | undefined;

  before(async () => {
    sweepStale();
    // Safety rule: pod and service CIDRs are blackholed on the host before any of their addresses is used.
    const existing = await ip('route', 'show', 'type', 'blackhole');
    for (const cidr of BLACKHOLES) {
      if (existing.split('\n').some((l) => l.includes(cidr))) continue;
      await ip('route', 'add', 'blackhole', cidr);
      addedBlackholes.push(cidr);
    }
    await ip('netns', 'add', NS);
    await ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', PEER_IF);
    await ip('link', 'set', PEER_IF, 'netns', NS);
    await ip('-n', NS, 'link', 'set', PEER_IF, 'name', 'eth0');
    await ip('-n', NS, 'addr', 'add', `${POD_IP}/30`, 'dev', 'eth0');
    await ip('-n', NS, 'link', 'set', 'eth0', 'up');
    await ip('-n', NS, 'link', 'set', 'lo', 'up');
    await ip('addr', 'add', `${HOST_IP}/30`, 'dev', HOST_IF);
    await ip('link', 'set', HOST_IF, 'up');

    // "The world": an upstream DNS server of our own on loopback, answering one documentation address.
    world = dgram.createSocket('udp4');
    world.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const question = q.questions?.[0];
      const known = question?.name === 'www.example.org' && question.type === 'A';
      const out = dnsPacket.encode({
        type: 'response',
        id: q.id ?? 0,
        flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
        questions: q.questions ?? [],
        answers: known ? [{ name: 'www.example.org', type: 'A', ttl: 60, data: '198.51.100.7' }] : [],
      });
      world!.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => world!.bind(0, '127.0.0.1', r));

    dns = new ClusterDnsServer({
      address: HOST_IP,
      port: 53,
      upstreams: [{ address: '127.0.0.1', port: world.address().port }],
      upstreamTimeoutMs: 1000,
    });
    await dns.start();
    dns.setRecords(
      buildClusterRecords({
        services: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'web', namespace: 'default' },
            spec: { clusterIP: '10.96.7.7', ports: [{ name: 'http', port: 80 }] },
          },
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'db', namespace: 'prod' },
            spec: { clusterIP: '10.96.7.8' },
          },
        ],
      }),
    );

    if (!existsSync(NETNS_ETC)) {
      mkdirSync(NETNS_ETC);
      createdEtcNetns = true;
    }
    mkdirSync(`${NETNS_ETC}/${NS}`, { recursive: true });
    writeFileSync(
      `${NETNS_ETC}/${NS}/resolv.conf`,
      resolvConf({ namespace: 'default', nameserver: HOST_IP }),
    );
  });

  after(async () => {
    await dns?.close();
    world?.close();
    const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
    await quiet(ip('netns', 'del', NS));
    await quiet(ip('link', 'del', HOST_IF)); // normally gone with the namespace
    for (const cidr of addedBlackholes) await quiet(ip('route', 'del', 'blackhole', cidr));
    rmSync(`${NETNS_ETC}/${NS}`, { recursive: true, force: true });
    if (createdEtcNetns) {
      try {
        rmdirSync(NETNS_ETC);
      } catch {
        // another namespace's files arrived meanwhile: leave the directory
      }
    }
  });

  it('the namespace sees the pod resolv.conf', async () => {
    assert.equal(
      await inPod('cat', '/etc/resolv.conf'),
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.244.250.1\noptions ndots:5\n',
    );
  });

  it('glibc resolves a short service name through the search path', async () => {
    assert.match(
      await inPod('getent', 'ahostsv4', 'web'),
      /^10\.96\.7\.7\s+STREAM\s+web\.default\.svc\.cluster\.local$/m,
    );
    assert.match(
      await inPod('getent', 'hosts', 'db.prod'),
      /^10\.96\.7\.8\s+db\.prod\.svc\.cluster\.local$/m,
    );
  });

  it('an unknown name fails; a name outside the zone is forwarded to the upstream', async () => {
    await assert.rejects(inPod('getent', 'ahostsv4', 'nope'), (err: { code?: number }) => err.code === 2);
    assert.match(await inPod('getent', 'ahostsv4', 'www.example.org'), /^198\.51\.100\.7\s/m);
  });

  it('Node.js in the namespace resolves it too (dns.lookup → getaddrinfo)', async () => {
    const out = await inPod(
      process.execPath,
      '-e',
      "require('node:dns').lookup('web', { family: 4 }, (e, a) => console.log(e ? e.code : a))",
    );
    assert.equal(out.trim(), '10.96.7.7');
  });

  it('dig in the namespace uses the search list and gets SRV records', {
    skip: !existsSync('/usr/bin/dig') && 'dig not installed',
  }, async () => {
    assert.equal((await inPod('dig', '+short', '+search', 'web')).trim(), '10.96.7.7');
    assert.equal(
      (await inPod('dig', '+short', 'SRV', '_http._tcp.web.default.svc.cluster.local')).trim(),
      '0 100 80 web.default.svc.cluster.local.',
    );
  });
});
