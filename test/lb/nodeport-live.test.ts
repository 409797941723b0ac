// Real clients from an outside namespace to NodePort, LoadBalancer and external IPs; hairpin through a service.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type CgroupLink,
  type DeviceLinks,
  ifNameToIndex,
  inNetns,
  LB_NETNS_HOST,
  NodePortDatapath,
  SockLbDatapath,
} from '../../src/datapath/index.js';
import type { EndpointSlice, Service } from '../../src/resources/index.js';
import { LbReconciler, lbConfig, serviceFrontends } from '../../src/services/index.js';
import {
  IS_ROOT,
  LbLab,
  sh,
  sweepLeftovers,
  tcpClients,
  tcpIdentityServers,
  udpClients,
  udpIdentityServers,
} from './lb-lab.js';

const NODE = '198.51.100.1';
const WORLD = '198.51.100.10';
const POD_A = '10.244.5.1';
const POD_B = '10.244.5.2';
const M = 251;
const CFG = lbConfig({ nodeName: 'n1', nodeAddresses: [NODE], maglevTableSize: M });

/*
 *   world (198.51.100.10) ── veth ── ext (198.51.100.1) [host ns: nodeport_in/out on ext] ── veths ── pods a, b
 * The world routes the load-balancer pool, external IPs and the service CIDR via the node; the node
 * blackholes the service CIDR. Socket LB programs sit on the lab's cgroup for the host and pod namespaces.
 */
describe('packet LB from outside, live', { skip: IS_ROOT ? false : 'needs root' }, () => {
  let lab: LbLab;
  let sock: SockLbDatapath;
  let np: NodePortDatapath;
  let r: LbReconciler;
  let links: CgroupLink[] = [];
  let dev: DeviceLinks | undefined;
  let host: string;
  let world: string;
  let podA: string;
  let podB: string;
  const set = (s: Service, slices: EndpointSlice[]) =>
    r.setService(`default/${s.metadata.name}`, serviceFrontends(s, slices, CFG));

  function pod(name: string, ip: string, hostIf: string): string {
    const ns = lab.netns(name);
    sh('ip', ['-n', host, 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    const mac = JSON.parse(sh('ip', ['-n', host, '-j', 'link', 'show', 'dev', hostIf]))[0].address as string;
    for (const args of [
      ['addr', 'add', `${ip}/32`, 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link'],
      ['route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0'],
      ['neigh', 'add', '169.254.1.1', 'lladdr', mac, 'dev', 'eth0', 'nud', 'permanent'],
    ])
      sh('ip', ['-n', ns, ...args]);
    sh('ip', ['-n', host, 'link', 'set', hostIf, 'up']);
    sh('ip', ['-n', host, 'route', 'add', `${ip}/32`, 'dev', hostIf]);
    sh('ip', ['netns', 'exec', host, 'sysctl', '-qw', `net.ipv4.conf.${hostIf}.forwarding=1`]);
    return ns;
  }

  const slice = (name: string, addrs: string[], protocol: 'TCP' | 'UDP' = 'TCP'): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: addrs.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'n1' })),
    ports: [{ name: 'p', port: 8080, protocol }],
  });

  before(async () => {
    sweepLeftovers();
    lab = new LbLab();
    const rand = randomBytes(3).toString('hex');
    host = lab.netns('host', ['10.0.0.1']);
    world = lab.netns('world');
    const ext = `lbx${rand}`;
    sh('ip', ['-n', host, 'link', 'add', ext, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', world]);
    sh('ip', ['-n', host, 'addr', 'add', `${NODE}/24`, 'dev', ext]);
    sh('ip', ['-n', host, 'link', 'set', ext, 'up']);
    sh('ip', ['netns', 'exec', host, 'sysctl', '-qw', `net.ipv4.conf.${ext}.forwarding=1`]);
    sh('ip', ['-n', host, 'route', 'add', 'blackhole', '10.96.0.0/16']);
    sh('ip', ['-n', world, 'addr', 'add', `${WORLD}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', world, 'link', 'set', 'eth0', 'up']);
    for (const net of ['192.0.2.0/24', '203.0.113.0/24', '10.96.0.0/16'])
      sh('ip', ['-n', world, 'route', 'add', net, 'via', NODE]);
    podA = pod('a', POD_A, `lba${rand}`);
    podB = pod('b', POD_B, `lbb${rand}`);

    sock = SockLbDatapath.load({ maglevTableSize: M });
    np = NodePortDatapath.load({ maglevTableSize: M, reuseMaps: sock.sharedMapFds() });
    r = new LbReconciler(sock.maps, { tableSize: M, seed: CFG.maglevSeed });
    links = sock.attach(lab.cgroup);
    sock.registerNetns(lab.nsPath(host), LB_NETNS_HOST);
    sock.registerNetns(lab.nsPath(podA));
    sock.registerNetns(lab.nsPath(podB));
    dev = inNetns(lab.nsPath(host), () => np.attachDevice(ifNameToIndex(ext)));

    await lab.serve(podA, tcpIdentityServers([POD_A], 8080));
    await lab.serve(podB, tcpIdentityServers([POD_B], 8080));
    await lab.serve(podA, udpIdentityServers([POD_A], 8080));

    const web: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        type: 'LoadBalancer',
        clusterIP: '10.96.5.5',
        externalIPs: ['203.0.113.7'],
        ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30080 }],
      },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
    };
    set(web, [slice('web', [POD_A, POD_B])]);
    set(
      {
        ...web,
        metadata: { name: 'empty', namespace: 'default' },
        spec: {
          type: 'NodePort',
          clusterIP: '10.96.5.6',
          ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30090 }],
        },
        status: {},
      },
      [],
    );
    set(
      {
        ...web,
        metadata: { name: 'udp', namespace: 'default' },
        spec: {
          type: 'NodePort',
          clusterIP: '10.96.5.7',
          ports: [{ name: 'p', port: 53, protocol: 'UDP', nodePort: 30053 }],
        },
        status: {},
      },
      [slice('udp', [POD_A], 'UDP')],
    );
    // Only pod a serves `self`: a reaches itself through the service's load-balancer address.
    set(
      {
        ...web,
        metadata: { name: 'self', namespace: 'default' },
        spec: {
          type: 'LoadBalancer',
          clusterIP: '10.96.5.8',
          ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30081 }],
        },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.20' }] } },
      },
      [slice('self', [POD_A])],
    );
    assert.deepEqual(r.status().errors, []);
  });

  after(async () => {
    dev?.[Symbol.dispose]();
    for (const l of links) l.detach();
    np?.close();
    sock?.close();
    await lab?.dispose();
  });

  const replies = (out: string) =>
    JSON.parse(out) as Array<{ reply?: string; peer?: string; error?: string }>;

  it('node port, load-balancer IP and external IP reach the backends; the client sees the address it dialled', async () => {
    for (const [addr, port] of [
      [NODE, 30080],
      ['192.0.2.10', 80],
      ['203.0.113.7', 80],
    ] as const) {
      const res = replies(await lab.run(world, tcpClients(addr, port, 12)));
      const seen = new Set<string>();
      for (const x of res) {
        assert.equal(x.error, undefined, `${addr}:${port}: ${x.error}`);
        assert.equal(x.peer, `${addr}:${port}`);
        seen.add(x.reply!);
      }
      assert.ok(
        [...seen].every((s) => s === `${POD_A}:8080` || s === `${POD_B}:8080`),
        [...seen].join(),
      );
      assert.equal(seen.size, 2, `${addr}:${port} reached one pod only`);
    }
  });

  it('UDP through a node port: the reply comes from the node port', async () => {
    const res = JSON.parse(await lab.run(world, udpClients(NODE, 30053, 3)));
    for (const x of res) assert.deepEqual(x, { reply: `${POD_A}:8080`, from: `${NODE}:30053` });
  });

  it('a node port with no backend is refused at once (ICMP port unreachable → ECONNREFUSED)', async () => {
    const res = replies(await lab.run(world, tcpClients(NODE, 30090, 2)));
    for (const x of res) assert.equal(x.error, 'ECONNREFUSED');
  });

  it('cluster IPs are not reachable from outside', async () => {
    const res = replies(await lab.run(world, tcpClients('10.96.5.5', 80, 1)));
    assert.equal(res[0]!.error, 'timeout');
  });

  it('the node itself and pods reach node ports through the socket LB', async () => {
    for (const ns of [host, podB]) {
      const res = replies(await lab.run(ns, tcpClients(NODE, 30080, 6)));
      for (const x of res) {
        assert.equal(x.error, undefined, x.error);
        assert.equal(x.peer, `${NODE}:30080`);
      }
    }
  });

  it('hairpin: a pod reaches itself through its own service', async () => {
    for (const [addr, port] of [
      ['192.0.2.20', 80],
      ['10.96.5.8', 80],
    ] as const) {
      const res = replies(await lab.run(podA, tcpClients(addr, port, 3)));
      for (const x of res) assert.deepEqual(x, { reply: `${POD_A}:8080`, peer: `${addr}:${port}` });
    }
  });
});
