// nodeport.bpf.c on crafted packets (BPF_PROG_TEST_RUN): DNAT and reverse NAT, reject, Maglev, affinity.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { formatIPv4, NodePortDatapath, SockLbDatapath } from '../../src/datapath/index.js';
import type { EndpointSlice, Service } from '../../src/resources/index.js';
import { LbReconciler, lbConfig, serviceFrontends } from '../../src/services/index.js';
import { IPPROTO_TCP, IPPROTO_UDP, packet, TCP_ACK, TCP_FIN, TCP_SYN, tcp, udp } from '../datapath/packet.js';
import { IS_ROOT } from './lb-lab.js';

const NODE = '198.51.100.1';
const CLIENT = '198.51.100.10';
const TC_ACT_OK = 0;
const TC_ACT_SHOT = 2;
const TC_ACT_REDIRECT = 7;
const M = 251;
const CFG = lbConfig({ nodeName: 'n1', nodeAddresses: [NODE], maglevTableSize: M });

function sum16(bytes: Uint8Array, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < bytes.length; i += 2) s += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2) s += bytes[bytes.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Fills in the TCP/UDP checksum of an Ethernet+IPv4 packet (pseudo-header included). */
function withL4Checksum(p: Uint8Array): Uint8Array {
  const v = new DataView(p.buffer, p.byteOffset);
  const proto = p[23]!;
  const l4 = p.subarray(34);
  const off = proto === IPPROTO_TCP ? 16 : 6;
  v.setUint16(34 + off, 0);
  const pseudo = new Uint8Array(12);
  pseudo.set(p.subarray(26, 34), 0);
  pseudo[9] = proto;
  new DataView(pseudo.buffer).setUint16(10, l4.length);
  const c = ~sum16(l4, sum16(pseudo)) & 0xffff;
  v.setUint16(34 + off, c === 0 && proto === IPPROTO_UDP ? 0xffff : c);
  return p;
}

/** Both checksums verify (a valid checksum sums to 0xffff). */
function checksumsValid(p: Uint8Array): boolean {
  const ipOk = sum16(p.subarray(14, 34)) === 0xffff;
  const pseudo = new Uint8Array(12);
  pseudo.set(p.subarray(26, 34), 0);
  pseudo[9] = p[23]!;
  new DataView(pseudo.buffer).setUint16(10, p.length - 34);
  return ipOk && sum16(p.subarray(34), sum16(pseudo)) === 0xffff;
}

interface Tuple {
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

function tuple(p: Uint8Array): Tuple {
  const v = new DataView(p.buffer, p.byteOffset);
  return {
    src: formatIPv4(v.getUint32(26)),
    dst: formatIPv4(v.getUint32(30)),
    sport: v.getUint16(34),
    dport: v.getUint16(36),
  };
}

const syn = (sport: number, dst: string, dport: number, src = CLIENT) =>
  withL4Checksum(packet(src, dst, IPPROTO_TCP, tcp(sport, dport, TCP_SYN)));

function svc(name: string, spec: Partial<Service['spec']>, annotations?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { type: 'NodePort', ports: [{ name: 'p', port: 80, protocol: 'TCP' }], ...spec },
  };
}

function slice(
  name: string,
  addrs: string[],
  nodeName = 'n1',
  protocol: 'TCP' | 'UDP' = 'TCP',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: addrs.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName })),
    ports: [{ name: 'p', port: 8080, protocol }],
  };
}

const pods = (n: number) => Array.from({ length: n }, (_, i) => `10.244.5.${i + 1}`);

describe('nodeport.bpf.c on packets', { skip: IS_ROOT ? false : 'needs root' }, () => {
  let sock: SockLbDatapath;
  let np: NodePortDatapath;
  let r: LbReconciler;
  const set = (s: Service, slices: EndpointSlice[]) =>
    r.setService(`default/${s.metadata.name}`, serviceFrontends(s, slices, CFG));
  const run = (p: Uint8Array) => np.ingress.testRun(p);
  const clearCt = () => {
    for (const k of np.conntrack.keys()) np.conntrack.delete(k);
  };

  before(() => {
    sock = SockLbDatapath.load({ maglevTableSize: M });
    np = NodePortDatapath.load({ maglevTableSize: M, reuseMaps: sock.sharedMapFds() });
    r = new LbReconciler(sock.maps, { tableSize: M, seed: CFG.maglevSeed });
  });
  after(() => {
    np?.close();
    sock?.close();
  });
  beforeEach(clearCt);

  it('DNATs a new flow to a backend with valid checksums, and reverse-NATs its replies', () => {
    set(
      svc('web', {
        clusterIP: '10.96.5.5',
        ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30080 }],
      }),
      [slice('web', pods(3))],
    );
    const out = run(syn(40000, NODE, 30080));
    assert.equal(out.retval, TC_ACT_OK);
    const t = tuple(out.dataOut);
    assert.ok(pods(3).includes(t.dst), t.dst);
    assert.equal(t.dport, 8080);
    assert.equal(t.src, CLIENT);
    assert.ok(checksumsValid(out.dataOut), 'checksums after DNAT');
    // The next packet of the flow follows the entry.
    const again = run(withL4Checksum(packet(CLIENT, NODE, IPPROTO_TCP, tcp(40000, 30080, TCP_ACK))));
    assert.equal(tuple(again.dataOut).dst, t.dst);
    // The backend's reply leaves with the frontend as its source.
    const reply = np.egress.testRun(
      withL4Checksum(packet(t.dst, CLIENT, IPPROTO_TCP, tcp(8080, 40000, TCP_SYN | TCP_ACK))),
    );
    assert.equal(reply.retval, TC_ACT_OK);
    assert.deepEqual(tuple(reply.dataOut), { src: NODE, sport: 30080, dst: CLIENT, dport: 40000 });
    assert.ok(checksumsValid(reply.dataOut), 'checksums after reverse NAT');
    // Replies of flows it did not translate pass untouched.
    const other = withL4Checksum(packet('10.244.5.9', CLIENT, IPPROTO_TCP, tcp(8080, 40001, TCP_ACK)));
    assert.deepEqual(tuple(np.egress.testRun(other).dataOut), tuple(other));
  });

  it('UDP: DNAT with a valid checksum', () => {
    set(
      svc('dns', { type: 'NodePort', ports: [{ name: 'p', port: 53, protocol: 'UDP', nodePort: 30053 }] }),
      [slice('dns', pods(2), 'n1', 'UDP')],
    );
    const out = run(withL4Checksum(packet(CLIENT, NODE, IPPROTO_UDP, udp(5000, 30053))));
    assert.ok(pods(2).includes(tuple(out.dataOut).dst));
    assert.ok(checksumsValid(out.dataOut));
  });

  it('ClusterIPs and unknown addresses pass untouched', () => {
    set(
      svc('web', {
        clusterIP: '10.96.5.5',
        ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30080 }],
      }),
      [slice('web', pods(3))],
    );
    for (const [dst, port] of [
      ['10.96.5.5', 80],
      [NODE, 30081],
      ['198.51.100.99', 30080],
    ] as const) {
      const p = syn(40000, dst, port);
      const out = run(p);
      assert.equal(out.retval, TC_ACT_OK);
      assert.deepEqual(tuple(out.dataOut), tuple(p));
    }
    assert.equal(np.conntrack.keys().length, 0);
  });

  it('no backend: an ICMP port unreachable goes back out; Local with none here: dropped', () => {
    set(svc('empty', { ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30090 }] }), []);
    const inPkt = syn(40000, NODE, 30090);
    const out = run(inPkt);
    assert.equal(out.retval, TC_ACT_REDIRECT);
    const o = out.dataOut;
    assert.equal(o.length, 14 + 20 + 8 + 28);
    assert.equal(o[23], 1, 'ICMP');
    assert.equal(formatIPv4(new DataView(o.buffer, o.byteOffset).getUint32(26)), NODE);
    assert.equal(formatIPv4(new DataView(o.buffer, o.byteOffset).getUint32(30)), CLIENT);
    assert.deepEqual([o[34], o[35]], [3, 3], 'destination unreachable, port unreachable');
    assert.deepEqual([...o.subarray(42)], [...inPkt.subarray(14, 42)], 'quotes the IP header and 8 bytes');
    assert.equal(sum16(o.subarray(14, 34)), 0xffff, 'IP checksum');
    assert.equal(sum16(o.subarray(34)), 0xffff, 'ICMP checksum');
    assert.deepEqual([...o.subarray(0, 6)], [...inPkt.subarray(6, 12)], 'back to the sender');

    set(
      svc('far', {
        externalTrafficPolicy: 'Local',
        ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30091 }],
      }),
      [slice('far', pods(2), 'n2')],
    );
    assert.equal(run(syn(40000, NODE, 30091)).retval, TC_ACT_SHOT);
  });

  it('LoadBalancer and external IPs are translated like node ports', () => {
    const s = svc('lb', {
      type: 'LoadBalancer',
      externalIPs: ['203.0.113.7'],
      ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30100 }],
    });
    s.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    set(s, [slice('lb', pods(2))]);
    for (const dst of ['192.0.2.10', '203.0.113.7']) {
      const out = run(syn(41000, dst, 80));
      assert.ok(pods(2).includes(tuple(out.dataOut).dst), dst);
    }
  });

  it('a FIN-closed flow is re-balanced by its next SYN; an open one is not', () => {
    set(svc('web', { ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30080 }] }), [
      slice('web', pods(8)),
    ]);
    const first = tuple(run(syn(42000, NODE, 30080)).dataOut).dst;
    for (let i = 0; i < 10; i++)
      assert.equal(tuple(run(syn(42000, NODE, 30080)).dataOut).dst, first, 'retransmitted SYN');
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      run(withL4Checksum(packet(CLIENT, NODE, IPPROTO_TCP, tcp(42000, 30080, TCP_FIN | TCP_ACK))));
      seen.add(tuple(run(syn(42000, NODE, 30080)).dataOut).dst);
    }
    assert.ok(seen.size > 1, 'random selection after close');
  });

  it('Maglev: a flow maps to the same backend every time, and removing one of N moves about 1/N of flows', () => {
    const maglev = { 'service.cilium.io/lb-algorithm': 'maglev' };
    const ports = [{ name: 'p', port: 80, protocol: 'TCP' as const, nodePort: 30200 }];
    set(svc('mg', { ports }, maglev), [slice('mg', pods(4))]);
    const pick = () => {
      const out = new Map<number, string>();
      for (let sport = 20000; sport < 20400; sport++) {
        out.set(sport, tuple(run(syn(sport, NODE, 30200)).dataOut).dst);
        clearCt();
      }
      return out;
    };
    const a = pick();
    const b = pick();
    assert.deepEqual([...a], [...b], 'same flow, same backend, without conntrack');
    assert.equal(new Set(a.values()).size, 4);
    set(svc('mg', { ports }, maglev), [
      slice(
        'mg',
        pods(4).filter((p) => p !== '10.244.5.2'),
      ),
    ]);
    const c = pick();
    let moved = 0;
    for (const [sport, was] of a) {
      const now = c.get(sport)!;
      assert.notEqual(now, '10.244.5.2');
      if (was !== '10.244.5.2' && now !== was) moved++;
    }
    // Flows on surviving backends stay put (Maglev moves only a few percent of the others).
    assert.ok(moved <= 0.06 * a.size, `${moved} flows of surviving backends moved`);
  });

  it('ClientIP affinity: every flow of a client reaches one backend', () => {
    set(
      svc('st', {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30300 }],
      }),
      [slice('st', pods(5))],
    );
    for (const client of ['198.51.100.20', '198.51.100.21']) {
      const seen = new Set<string>();
      for (let sport = 30000; sport < 30040; sport++)
        seen.add(tuple(run(syn(sport, NODE, 30300, client)).dataOut).dst);
      assert.equal(seen.size, 1, client);
    }
    assert.equal(sock.maps.affinity.entries().filter(([k]) => k.netns === 0).length, 2);
  });
});
