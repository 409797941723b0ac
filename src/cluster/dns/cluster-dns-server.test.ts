import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket, { type DecodedPacket, type OptAnswer, type Packet, type RecordType } from 'dns-packet';
import { ClusterDnsServer } from './cluster-dns-server.js';
import { type DnsServerAddress, exchangeTcp, exchangeUdp } from './dns-exchange.js';
import { frameTcp, TcpMessageReader } from './dns-wire.js';

type Transport = 'udp' | 'tcp';
type Decoded = DecodedPacket & { rcode: string };

const COOKIE = Buffer.from('0123456789abcdef', 'hex');

async function ask(
  server: DnsServerAddress,
  name: string,
  type: RecordType,
  transport: Transport,
  edns?: number,
): Promise<Decoded> {
  const query = dnsPacket.encode({
    type: 'query',
    id: Math.floor(Math.random() * 65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns
      ? [
          {
            name: '.',
            type: 'OPT',
            udpPayloadSize: edns,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [{ code: 10, data: COOKIE } as never],
          },
        ]
      : [],
  });
  const raw =
    transport === 'udp' ? await exchangeUdp(server, query, 3000) : await exchangeTcp(server, query, 3000);
  const resp = dnsPacket.decode(raw) as Decoded;
  assert.equal(resp.id, query.readUInt16BE(0));
  return resp;
}

const data = (p: Decoded) => (p.answers ?? []).map((a) => ('data' in a ? a.data : undefined));

/** A DNS server of our own on loopback playing the upstream ("the world"): UDP and TCP on one port. */
async function startUpstream(answer: (q: DecodedPacket, transport: Transport) => Packet | 'drop') {
  const received: { transport: Transport; packet: DecodedPacket }[] = [];
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const port = udp.address().port;
  const reply = (raw: Buffer, transport: Transport): Buffer | undefined => {
    const q = dnsPacket.decode(raw);
    received.push({ transport, packet: q });
    const a = answer(q, transport);
    if (a === 'drop') return undefined;
    return dnsPacket.encode({
      type: 'response',
      id: q.id ?? 0,
      questions: q.questions ?? [],
      ...a,
      flags: (a.flags ?? 0) | dnsPacket.RECURSION_AVAILABLE,
    });
  };
  udp.on('message', (msg, rinfo) => {
    const out = reply(msg, 'udp');
    if (out) udp.send(out, rinfo.port, rinfo.address);
  });
  const tcp = net.createServer((sock) => {
    const reader = new TcpMessageReader();
    sock.on('data', (chunk) => {
      for (const m of reader.push(chunk)) {
        const out = reply(m, 'tcp');
        if (out) sock.write(frameTcp(out));
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
  return {
    address: { address: '127.0.0.1', port },
    received,
    close: () =>
      Promise.all([
        new Promise((r) => udp.close(() => r(undefined))),
        new Promise((r) => tcp.close(() => r(undefined))),
      ]),
  };
}

const a = (name: string, address: string) => ({
  name,
  type: 'A' as const,
  ttl: 60,
  class: 'IN' as const,
  data: address,
});

const worldAnswer = (q: DecodedPacket, transport: Transport): Packet | 'drop' => {
  const { name, type } = q.questions![0]!;
  if (name === 'www.example.org' && type === 'A') return { answers: [a(name, '198.51.100.7')] };
  if (name === 'db.example.org' && type === 'A') return { answers: [a(name, '198.51.100.8')] };
  if (name === 'big.example.org') {
    if (transport === 'udp') return { flags: dnsPacket.TRUNCATED_RESPONSE };
    return { answers: Array.from({ length: 40 }, (_, i) => a(name, `198.51.100.${i + 10}`)) };
  }
  if (name === 'slow.example.org') return 'drop';
  return { flags: 3 };
};

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(() => r(undefined)));
  return port;
}

describe('ClusterDnsServer on loopback', () => {
  let world: Awaited<ReturnType<typeof startUpstream>>;
  let dns: ClusterDnsServer;
  let addr: DnsServerAddress;

  before(async () => {
    world = await startUpstream(worldAnswer);
    dns = new ClusterDnsServer({
      address: '127.0.0.1',
      port: 0,
      upstreams: [world.address],
      upstreamTimeoutMs: 500,
      upstreamAttempts: 1,
    });
    addr = await dns.start();
    dns.setClusterState({
      services: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'default' },
          spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'ext', namespace: 'default' },
          spec: { type: 'ExternalName', externalName: 'db.example.org' },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'many', namespace: 'default' },
          spec: { clusterIP: 'None' },
        },
      ],
      endpointSlices: [
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: 'many-1',
            namespace: 'default',
            labels: { 'kubernetes.io/service-name': 'many' },
          },
          addressType: 'IPv4',
          endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`] })),
        },
      ],
      pods: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'client', namespace: 'default' },
          spec: { containers: [] },
          status: { podIP: '10.244.0.5' },
        },
      ],
    });
  });
  after(async () => {
    await dns?.close();
    await world?.close();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`${transport}: service and pod A records, authoritative, TTL 5`, async () => {
      const r = await ask(addr, 'web.default.svc.cluster.local', 'A', transport);
      assert.equal(r.rcode, 'NOERROR');
      assert.ok(r.flag_aa && r.flag_rd && r.flag_ra);
      assert.deepEqual(data(r), ['10.96.0.20']);
      assert.equal(r.answers![0]!.type === 'A' && r.answers![0]!.ttl, 5);
      assert.deepEqual(data(await ask(addr, '10-244-0-5.default.pod.cluster.local', 'A', transport)), [
        '10.244.0.5',
      ]);
    });

    it(`${transport}: SRV for a named port, with the target address as additional`, async () => {
      const r = await ask(addr, '_http._tcp.web.default.svc.cluster.local', 'SRV', transport);
      assert.deepEqual(data(r), [
        { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' },
      ]);
      assert.deepEqual(
        (r.additionals ?? []).map((x) => [x.name, 'data' in x && x.data]),
        [['web.default.svc.cluster.local', '10.96.0.20']],
      );
    });

    it(`${transport}: NXDOMAIN with the SOA in authority; NODATA for AAAA`, async () => {
      const nx = await ask(addr, 'nope.default.svc.cluster.local', 'A', transport);
      assert.equal(nx.rcode, 'NXDOMAIN');
      assert.deepEqual(nx.answers, []);
      assert.equal(nx.authorities![0]!.type, 'SOA');
      assert.equal(nx.authorities![0]!.name, 'cluster.local');
      const nodata = await ask(addr, 'web.default.svc.cluster.local', 'AAAA', transport);
      assert.equal(nodata.rcode, 'NOERROR');
      assert.deepEqual(nodata.answers, []);
      assert.equal(nodata.authorities![0]!.type, 'SOA');
    });

    it(`${transport}: forwards names outside the zone to the upstream, EDNS0 options passed through`, async () => {
      const before = world.received.length;
      const r = await ask(addr, 'www.example.org', 'A', transport, 1232);
      assert.equal(r.rcode, 'NOERROR');
      assert.ok(!r.flag_aa);
      assert.deepEqual(data(r), ['198.51.100.7']);
      const seen = world.received.slice(before);
      assert.deepEqual(
        seen.map((s) => s.transport),
        [transport],
        'the client transport is kept',
      );
      const opt = seen[0]!.packet.additionals?.find((x): x is OptAnswer => x.type === 'OPT');
      assert.equal(opt?.udpPayloadSize, 1232);
      assert.deepEqual(
        opt?.options.map((o) => [o.code, o.data?.toString('hex')]),
        [[10, COOKIE.toString('hex')]],
      );
      assert.equal(
        (await ask(addr, 'missing.example.org', 'A', transport)).rcode,
        'NXDOMAIN',
        'upstream rcode passed on',
      );
    });

    it(`${transport}: an ExternalName CNAME is chased upstream`, async () => {
      const r = await ask(addr, 'ext.default.svc.cluster.local', 'A', transport);
      assert.deepEqual(
        (r.answers ?? []).map((x) => [x.name, x.type, 'data' in x && x.data]),
        [
          ['ext.default.svc.cluster.local', 'CNAME', 'db.example.org'],
          ['db.example.org', 'A', '198.51.100.8'],
        ],
      );
    });
  }

  it('retries over TCP when the upstream truncates; truncates for UDP clients that cannot take the answer', async () => {
    const big = await ask(addr, 'big.example.org', 'A', 'udp', 4096);
    assert.equal(big.answers?.length, 40);
    assert.ok(!big.flag_tc);
    const small = await ask(addr, 'big.example.org', 'A', 'udp');
    assert.ok(small.flag_tc, '512-byte client gets TC');
    assert.deepEqual(small.answers, []);
    assert.deepEqual(small.questions, [{ name: 'big.example.org', type: 'A', class: 'IN' }]);
    assert.equal((await ask(addr, 'big.example.org', 'A', 'tcp')).answers?.length, 40);
  });

  it('truncates large cluster answers over UDP (TC) and gives them whole over TCP', async () => {
    const udp = await ask(addr, 'many.default.svc.cluster.local', 'A', 'udp');
    assert.ok(udp.flag_tc);
    assert.deepEqual(udp.answers, []);
    assert.equal((await ask(addr, 'many.default.svc.cluster.local', 'A', 'udp', 4096)).answers?.length, 60);
    assert.equal((await ask(addr, 'many.default.svc.cluster.local', 'A', 'tcp')).answers?.length, 60);
  });

  it('answers SERVFAIL when the upstream is down, silent, or missing', async () => {
    const down = new ClusterDnsServer({
      address: '127.0.0.1',
      port: 0,
      upstreams: [`127.0.0.1:${await freePort()}`],
      upstreamTimeoutMs: 300,
      upstreamAttempts: 2,
    });
    const none = new ClusterDnsServer({ address: '127.0.0.1', port: 0 });
    try {
      const downAddr = await down.start();
      for (const t of ['udp', 'tcp'] as const) {
        const r = await ask(downAddr, 'www.example.org', 'A', t, 1232);
        assert.equal(r.rcode, 'SERVFAIL', t);
        assert.equal(r.additionals?.[0]?.type, 'OPT', 'an EDNS client gets OPT back');
      }
      const t0 = Date.now();
      assert.equal((await ask(addr, 'slow.example.org', 'A', 'udp')).rcode, 'SERVFAIL');
      assert.ok(Date.now() - t0 >= 450, 'after the upstream timeout');
      const noneAddr = await none.start();
      const r = await ask(noneAddr, 'www.example.org', 'A', 'udp');
      assert.equal(r.rcode, 'SERVFAIL');
      assert.ok(!r.flag_ra, 'no recursion available without upstreams');
      assert.ok(down.stats().upstreamFailures >= 2);
    } finally {
      await down.close();
      await none.close();
    }
  });

  it('answers FORMERR to undecodable queries and NOTIMP to other opcodes', async () => {
    const garbage = Buffer.concat([
      Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0x3f, 0x61]),
    ]);
    const form = await dns.handle(garbage, 'udp');
    assert.equal((dnsPacket.decode(form!) as Decoded).rcode, 'FORMERR');
    assert.equal(dnsPacket.decode(form!).id, 0x1234);
    assert.equal(await dns.handle(Buffer.from([1, 2, 3]), 'udp'), undefined, 'too short to answer');
    const notify = dnsPacket.encode({
      type: 'query',
      id: 7,
      flags: 4 << 11,
      questions: [{ name: 'cluster.local', type: 'SOA' }],
    });
    assert.equal((dnsPacket.decode((await dns.handle(notify, 'udp'))!) as Decoded).rcode, 'NOTIMP');
    const response = dnsPacket.encode({ type: 'response', id: 8, questions: [{ name: 'x', type: 'A' }] });
    assert.equal(await dns.handle(response, 'udp'), undefined, 'responses are never answered');
  });

  it('serves several pipelined queries on one TCP connection', async () => {
    const sock = net.connect(addr.port, addr.address);
    const reader = new TcpMessageReader();
    const got: Decoded[] = [];
    const done = new Promise<void>((resolve) =>
      sock.on('data', (chunk) => {
        for (const m of reader.push(chunk)) got.push(dnsPacket.decode(m) as Decoded);
        if (got.length === 3) resolve();
      }),
    );
    const names = [
      'web.default.svc.cluster.local',
      '10-244-0-5.default.pod.cluster.local',
      'nope.default.svc.cluster.local',
    ];
    sock.write(
      Buffer.concat(
        names.map((name, i) =>
          frameTcp(dnsPacket.encode({ type: 'query', id: i + 1, questions: [{ name, type: 'A' }] })),
        ),
      ),
    );
    await done;
    sock.destroy();
    assert.deepEqual(
      got.sort((x, y) => (x.id ?? 0) - (y.id ?? 0)).map((p) => [p.id, p.rcode]),
      [
        [1, 'NOERROR'],
        [2, 'NOERROR'],
        [3, 'NXDOMAIN'],
      ],
    );
  });

  it('setRecords replaces the records live; close() frees the port', async () => {
    const own = new ClusterDnsServer({ address: '127.0.0.1', port: 0, zone: 'porin.test' });
    const at = await own.start();
    own.setRecords([{ name: 'a.b.svc.porin.test', type: 'A', address: '10.96.1.1' }]);
    assert.deepEqual(data(await ask(at, 'a.b.svc.porin.test', 'A', 'udp')), ['10.96.1.1']);
    own.setRecords([]);
    assert.equal((await ask(at, 'a.b.svc.porin.test', 'A', 'udp')).rcode, 'NXDOMAIN');
    await own.close();
    const again = new ClusterDnsServer({ address: '127.0.0.1', port: at.port });
    await again.start();
    await again.close();
  });

  it('rejects bad configuration with stable codes', async () => {
    assert.throws(() => new ClusterDnsServer({ address: 'nope' }), { code: 'PORIN_ERR_DNS_CONFIG' });
    assert.throws(() => new ClusterDnsServer({ address: '127.0.0.1', zone: 'bad..zone' }), {
      code: 'PORIN_ERR_DNS_CONFIG',
    });
    assert.throws(() => new ClusterDnsServer({ address: '127.0.0.1', upstreams: ['resolver.example'] }), {
      code: 'PORIN_ERR_DNS_CONFIG',
    });
    const clash = new ClusterDnsServer({ address: '127.0.0.1', port: addr.port });
    await assert.rejects(clash.start(), { code: 'PORIN_ERR_DNS_BIND' });
  });
});
