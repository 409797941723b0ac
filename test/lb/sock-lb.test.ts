// Socket LB in the kernel: cgroup hooks translate frontends to backends for registered namespaces only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CgroupLink, IPPROTO, SockLbDatapath } from '../../src/datapath/index.js';
import type { EndpointSlice, Service } from '../../src/resources/index.js';
import { LbReconciler, lbConfig, serviceFrontends } from '../../src/services/index.js';
import {
  IS_ROOT,
  LbLab,
  sweepLeftovers,
  tcpClients,
  tcpIdentityServers,
  udpClients,
  udpIdentityServers,
} from './lb-lab.js';

const VIP = '10.96.9.9';
const BACKENDS = ['10.244.9.1', '10.244.9.2', '10.244.9.3'];

/** A Service and its EndpointSlice, through the real model and reconciler into the kernel maps. */
function service(
  r: LbReconciler,
  name: string,
  port: { port: number; protocol: 'TCP' | 'UDP'; target: number },
  backends: string[],
  spec: Partial<Service['spec']> = {},
  nodeName = 'n1',
): void {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'ClusterIP',
      clusterIP: VIP,
      ports: [{ name: 'p', port: port.port, protocol: port.protocol }],
      ...spec,
    },
  };
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: backends.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName })),
    ports: [{ name: 'p', port: port.target, protocol: port.protocol }],
  };
  r.setService(`default/${name}`, serviceFrontends(svc, [slice], CFG));
}

const CFG = lbConfig({ nodeName: 'n1' });

describe('socket LB (cgroup connect4/sendmsg4/recvmsg4/getpeername4)', {
  skip: IS_ROOT ? false : 'needs root',
}, () => {
  let lab: LbLab;
  let lb: SockLbDatapath;
  let links: CgroupLink[] = [];
  let ours: string;
  let foreign: string;
  let dnsId: number;
  let stickyId: number;

  before(async () => {
    sweepLeftovers();
    lab = new LbLab();
    lb = SockLbDatapath.load({
      maglevTableSize: 251,
      maxEntries: { porin_lb4_reverse_sk: 1024, porin_lb4_affinity: 1024 },
    });
    links = lb.attach(lab.cgroup);
    ours = lab.netns('ours', BACKENDS);
    // Same backends, plus a real server on the VIP itself: what an untouched socket reaches.
    foreign = lab.netns('foreign', [...BACKENDS, VIP]);
    lb.registerNetns(lab.nsPath(ours));
    await lab.serve(ours, tcpIdentityServers(BACKENDS, 8080));
    await lab.serve(ours, udpIdentityServers(BACKENDS, 5353));
    await lab.serve(foreign, tcpIdentityServers([VIP], 80));
    const r = new LbReconciler(lb.maps, { tableSize: 251, seed: 1 });
    service(r, 'tcp', { port: 80, protocol: 'TCP', target: 8080 }, BACKENDS);
    service(r, 'dns', { port: 53, protocol: 'UDP', target: 5353 }, BACKENDS);
    service(r, 'empty', { port: 81, protocol: 'TCP', target: 8080 }, []);
    // internalTrafficPolicy Local with every endpoint on another node: no local backend.
    service(
      r,
      'remote',
      { port: 82, protocol: 'TCP', target: 8080 },
      BACKENDS,
      { internalTrafficPolicy: 'Local' },
      'n2',
    );
    service(r, 'sticky', { port: 83, protocol: 'TCP', target: 8080 }, BACKENDS, {
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    });
    service(r, 'udp-empty', { port: 54, protocol: 'UDP', target: 5353 }, []);
    assert.deepEqual(r.status().errors, []);
    dnsId = r.frontendId(`${VIP}:53/UDP`)!;
    stickyId = r.frontendId(`${VIP}:83/TCP`)!;
  });

  after(async () => {
    for (const l of links) l.detach();
    lb?.close();
    await lab?.dispose();
  });

  it('TCP connect to a frontend reaches a backend; getpeername shows the frontend', async () => {
    const res = JSON.parse(await lab.run(ours, tcpClients(VIP, 80, 30)));
    const replies = new Set(res.map((r: { reply?: string }) => r.reply));
    for (const r of res) {
      assert.equal(r.error, undefined);
      assert.equal(r.peer, `${VIP}:80`);
    }
    for (const r of replies) assert.ok(BACKENDS.map((b) => `${b}:8080`).includes(r as string), String(r));
    // Random selection over three backends: 30 connections all on one backend would be (1/3)^29.
    assert.ok(replies.size > 1, `one backend only: ${[...replies]}`);
  });

  it('UDP sendmsg reaches a backend and the reply comes from the frontend (unconnected and connected)', async () => {
    for (const connected of [false, true]) {
      const res = JSON.parse(await lab.run(ours, udpClients(VIP, 53, 12, connected)));
      for (const r of res) {
        assert.equal(r.error, undefined, JSON.stringify(r));
        assert.equal(r.from, `${VIP}:53`, `connected=${connected}`);
        assert.match(r.reply, /^10\.244\.9\.[123]:5353$/);
      }
    }
  });

  it('addresses that are not frontends are untouched', async () => {
    const direct = JSON.parse(await lab.run(ours, tcpClients('10.244.9.2', 8080, 3)));
    for (const r of direct) assert.deepEqual(r, { reply: '10.244.9.2:8080', peer: '10.244.9.2:8080' });
    // The VIP on a port with no frontend: not translated, so it meets the namespace's (absent) route.
    const other = JSON.parse(await lab.run(ours, tcpClients(VIP, 8080, 1)));
    assert.equal(other[0].error, 'ENETUNREACH');
  });

  it('a frontend with no backend refuses at once: ECONNREFUSED for TCP connect and UDP send', async () => {
    const tcp = JSON.parse(await lab.run(ours, tcpClients(VIP, 81, 2)));
    for (const r of tcp) assert.equal(r.error, 'ECONNREFUSED');
    const udp = JSON.parse(await lab.run(ours, udpClients(VIP, 54, 1)));
    assert.equal(udp[0].error, 'ECONNREFUSED');
    const udpc = JSON.parse(await lab.run(ours, udpClients(VIP, 54, 1, true)));
    assert.equal(udpc[0].error, 'ECONNREFUSED');
    // No Local backend on this node: refused as unreachable (kube-proxy drops these).
    const local = JSON.parse(await lab.run(ours, tcpClients(VIP, 82, 1)));
    assert.equal(local[0].error, 'EHOSTUNREACH');
  });

  it('ClientIP affinity keeps a namespace on one backend', async () => {
    const res = JSON.parse(await lab.run(ours, tcpClients(VIP, 83, 20)));
    const replies = new Set(res.map((r: { reply?: string }) => r.reply));
    assert.equal(replies.size, 1, [...replies].join(' '));
    assert.equal(res[0].peer, `${VIP}:83`);
    const entries = lb.maps.affinity.entries();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]![0].revNatIndex, stickyId);
    assert.equal(entries[0]![0].netns, 1);
  });

  it('sockets of a namespace that is not registered are not translated', async () => {
    const res = JSON.parse(await lab.run(foreign, tcpClients(VIP, 80, 3)));
    for (const r of res) assert.deepEqual(r, { reply: `${VIP}:80`, peer: `${VIP}:80` });
  });

  it('a stale reverse entry (frontend gone) is dropped instead of applied', async () => {
    const before = lb.maps.reverseSk.entries().filter(([, v]) => v.revNatIndex === dnsId).length;
    assert.ok(before > 0);
    lb.maps.reverseNat.delete(dnsId);
    const res = JSON.parse(await lab.run(ours, udpClients(VIP, 53, 1)));
    assert.match(res[0].from, /^10\.244\.9\.[123]:5353$/);
    lb.maps.reverseNat.set(dnsId, { address: VIP, port: 53, protocol: IPPROTO.UDP });
  });
});
