// The L7 redirect on real veths: sk_assign + fwmark to a transparent proxy, both ends' policies, the proxy's marks, UDP.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CT_F_PROXY_UPSTREAM,
  type DatapathEvent,
  type DirectionInput,
  DROP_POLICY,
  DROP_PROXY_LOOKUP_FAILED,
  type EndpointLinks,
  inNetns,
  type LxcDatapath,
  PolicyReconciler,
  PROXY_ROUTING,
  type RingReader,
  type TcLink,
} from '../../src/datapath/index.js';
import { ensureProxyRouting, teardownProxyRouting } from '../../src/host/proxy-routing.js';
import { allow, dirPolicy } from './fixtures.js';
import { kernelSkipReason, loadTestDatapath, sh } from './harness.js';
import { HOST_IP, Topology } from './netns-topology.js';

const skip = kernelSkipReason();

const A = { name: 'a', ip: '10.244.7.10', identity: 1000, endpointId: 1 };
const B = { name: 'b', ip: '10.244.7.20', identity: 2000, endpointId: 2 };
const W = { name: 'w', ip: '203.0.113.9' }; // a "world" host: routed through the node, no programs
const PROXY_TCP = 15001;
const PROXY_UDP = 15053;
const NO_PROXY = 15999;
/** Ports on b: egress-redirected, ingress-redirected, both, denied on ingress, no listener, from outside. */
const P = { egress: 8080, ingress: 8081, both: 8082, denied: 8083, noProxy: 8084, outside: 8085, udp: 5353 };
/** A server off the node (on w), reached through the proxy. */
const WORLD_PORT = 8090;
const proxyScript = fileURLToPath(new URL('./transparent-proxy.js', import.meta.url));

/** A server on b that answers "<port>:<peer address>:<data>" (so the test sees who connected). */
const serverScript = (ip: string, ports: number[]) => `
  const net = require('node:net'); let n = 0;
  for (const port of ${JSON.stringify(ports)})
    net.createServer((s) => s.on('data', (d) => s.write(port + ':' + s.remoteAddress + ':' + d)).on('error', () => {}))
      .listen(port, ${JSON.stringify(ip)}, () => { if (++n === ${ports.length}) console.log('ready'); });`;

/** Sends msgs one after another on one connection, printing each answer; "timeout" when one does not come. */
const tcpClient = (ip: string, port: number, msgs: string[], timeoutMs = 2000) => `
  const net = require('node:net'); const msgs = ${JSON.stringify(msgs)}; const out = [];
  const s = net.connect({ host: ${JSON.stringify(ip)}, port: ${port} });
  const t = setTimeout(() => { console.log(JSON.stringify(out.concat('timeout'))); process.exit(0); }, ${timeoutMs});
  s.on('connect', () => s.write(msgs.shift()));
  s.on('data', (d) => { out.push(String(d)); if (msgs.length) s.write(msgs.shift()); else { clearTimeout(t); console.log(JSON.stringify(out)); process.exit(0); } });
  s.on('error', (e) => { clearTimeout(t); console.log(JSON.stringify(out.concat('error:' + e.code))); process.exit(0); });`;

/** A connected UDP socket: only datagrams from the address it sent to are delivered to it. */
const udpClient = (ip: string, port: number, msg: string) => `
  const s = require('node:dgram').createSocket('udp4');
  const t = setTimeout(() => { console.log('timeout'); process.exit(0); }, 2000);
  s.connect(${port}, ${JSON.stringify(ip)}, () => { console.log('port:' + s.address().port); s.send(${JSON.stringify(msg)}); });
  s.on('message', (m, r) => { clearTimeout(t); console.log(r.address + ':' + r.port + ' ' + m); process.exit(0); });`;

describe('L7 redirect on real veths', { skip }, () => {
  const topo = new Topology(`${process.pid}r`);
  let dp: LxcDatapath | undefined;
  const links: Array<EndpointLinks | TcLink> = [];
  let reader: RingReader<DatapathEvent> | undefined;
  let rec: PolicyReconciler;
  const events: DatapathEvent[] = [];
  let proxy: ChildProcess | undefined;
  const proxyLines: Array<Record<string, unknown>> = [];
  const hostNs = () => topo.netnsPath(topo.host);
  const accepted = () =>
    proxyLines.filter((l) => l.accepted) as Array<{
      accepted: { local: { address: string; port: number }; remote: { address: string } };
    }>;
  const inPod = (pod: string, script: string) => topo.run(topo.pod(pod).netns, script);

  const policy = (ep: typeof A, ingress: DirectionInput, egress: DirectionInput) => {
    const r = rec.reconcile({ endpointId: ep.endpointId, ingress, egress });
    assert.ok(r.ok, r.error?.message);
  };

  before(async () => {
    topo.create([A, B, W]);
    const proxyDev = ensureProxyRouting(PROXY_ROUTING, { netns: topo.host });
    dp = loadTestDatapath({ config: { proxyIfindex: proxyDev.ifindex } });
    const d = dp;
    for (const p of [A, B]) {
      const ifindex = topo.ifindex(topo.pod(p.name).hostIf);
      const info = { identity: p.identity, ipv4: p.ip, endpointId: p.endpointId, flags: 0 };
      d.maps.endpoints.set(ifindex, info);
      d.maps.endpointsByAddr.set({ addr: p.ip }, info);
      d.maps.ipcache.set({ prefixlen: 32, addr: p.ip }, { identity: p.identity, flags: 1 });
      links.push(inNetns(hostNs(), () => d.attachEndpoint(ifindex)));
    }
    links.push(inNetns(hostNs(), () => d.attachProxyDevice(proxyDev.ifindex)));
    d.maps.ipcache.set({ prefixlen: 32, addr: HOST_IP }, { identity: 1, flags: 0 });
    rec = new PolicyReconciler(d.policyMaps(), {
      proxyPort: (e) => (e.portLo === P.noProxy ? NO_PROXY : e.protocol === 17 ? PROXY_UDP : PROXY_TCP),
    });
    const l7 = { l7: true };
    policy(A, dirPolicy([]), {
      entries: [
        allow('egress', B.identity, { ports: P.egress, ...l7 }),
        allow('egress', B.identity, { ports: P.ingress }),
        allow('egress', B.identity, { ports: P.both, ...l7 }),
        allow('egress', B.identity, { ports: P.denied, ...l7 }),
        allow('egress', B.identity, { ports: P.noProxy, ...l7 }),
        allow('egress', B.identity, { ports: P.udp, protocol: 17, ...l7 }),
        allow('egress', 2, { ports: WORLD_PORT, ...l7 }),
        allow('egress', 2, { ports: 80 }),
      ],
      defaultDeny: true,
    });
    policy(
      B,
      {
        entries: [
          allow('ingress', A.identity, { ports: P.egress }),
          allow('ingress', A.identity, { ports: P.ingress, ...l7 }),
          allow('ingress', A.identity, { ports: P.both, ...l7 }),
          allow('ingress', A.identity, { ports: P.noProxy }),
          allow('ingress', A.identity, { ports: P.udp, protocol: 17 }),
          allow('ingress', 2, { ports: P.outside, ...l7 }),
          allow('ingress', 1, { ports: P.outside, ...l7 }),
        ],
        defaultDeny: true,
        allowLocalhost: false,
      },
      dirPolicy([]),
    );
    reader = d.eventReader((e) => events.push(e));
    reader.start();
    const server = topo.spawnIn(
      topo.pod('b').netns,
      serverScript(
        B.ip,
        Object.values(P).filter((p) => p !== P.udp),
      ),
    );
    proxy = spawn(
      'ip',
      ['netns', 'exec', topo.host, process.execPath, proxyScript, String(PROXY_TCP), String(PROXY_UDP)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buf = '';
    const ready = new Promise<void>((resolve, reject) => {
      proxy!.stdout!.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
          buf = buf.slice(i + 1);
          proxyLines.push(line);
          if (line.ready) resolve();
        }
      });
      proxy!.stderr!.on('data', (d) => process.stderr.write(`proxy: ${d}`));
      proxy!.on('exit', (code) => reject(new Error(`proxy exited ${code}`)));
    });
    const world = topo.spawnIn(topo.pod('w').netns, serverScript(W.ip, [WORLD_PORT]));
    const lines = await Promise.all([
      new Promise<string>((r) => server.stdout!.once('data', (d) => r(String(d).trim()))),
      new Promise<string>((r) => world.stdout!.once('data', (d) => r(String(d).trim()))),
      ready,
    ]);
    assert.deepEqual(lines.slice(0, 2), ['ready', 'ready']);
  });

  after(() => {
    const steps = [
      () => proxy?.kill('SIGKILL'),
      () => reader?.close(),
      ...links.map((l) => () => inNetns(hostNs(), () => l[Symbol.dispose]())),
      () => dp?.close(),
      () => teardownProxyRouting(PROXY_ROUTING, { netns: topo.host }),
      () => topo.destroy(),
    ];
    for (const step of steps) {
      try {
        step();
      } catch (e) {
        console.error('cleanup:', (e as Error).message);
      }
    }
  });

  it('egress: a redirected connection reaches the transparent listener with the original destination as its local address', async () => {
    const out = JSON.parse(await inPod('a', tcpClient(B.ip, P.egress, ['one', 'two', 'three'])));
    assert.deepEqual(
      out,
      [`${P.egress}:${A.ip}:one`, `${P.egress}:${A.ip}:two`, `${P.egress}:${A.ip}:three`],
      'the server sees the client, replies flow, later packets follow',
    );
    const acc = accepted().filter((l) => l.accepted.local.port === P.egress);
    assert.equal(acc.length, 1);
    assert.deepEqual(acc[0]!.accepted.local, { address: B.ip, port: P.egress });
    assert.equal(acc[0]!.accepted.remote.address, A.ip);
    const ct = dp!.maps.conntrack.entries();
    const orig = ct.find(([k]) => k.scope === 0 && k.saddr === A.ip && k.dport === P.egress);
    assert.equal(orig?.[1].proxyPort, PROXY_TCP, 'conntrack remembers the proxy port');
    assert.ok(orig![1].fwdPackets >= 4n, 'established packets went the same way');
    const up = ct.find(
      ([k, v]) => k.scope === 1 && k.dport === P.egress && (v.flags & CT_F_PROXY_UPSTREAM) !== 0,
    );
    assert.ok(up, "the proxy's upstream connection is tracked on b's ingress as the proxy's");
    assert.equal(up[0].saddr, A.ip);
    const v = events.find(
      (e) => e.type === 'policy-verdict' && e.dport === P.egress && e.direction === 'egress',
    );
    assert.ok(v?.type === 'policy-verdict' && v.verdict === 'redirected' && v.proxyPort === PROXY_TCP);
    assert.ok(
      events.some((e) => e.type === 'trace' && e.observationPoint === 'to-proxy' && e.dport === P.egress),
    );
  });

  it("ingress: a local destination's redirect is applied in the source's hook", async () => {
    const before = accepted().length;
    const out = JSON.parse(await inPod('a', tcpClient(B.ip, P.ingress, ['x'])));
    assert.deepEqual(out, [`${P.ingress}:${A.ip}:x`]);
    assert.equal(accepted().length, before + 1);
    const v = events.find(
      (e) => e.type === 'policy-verdict' && e.dport === P.ingress && e.direction === 'ingress',
    );
    assert.ok(v?.type === 'policy-verdict' && v.verdict === 'redirected' && v.endpointId === B.endpointId);
  });

  it("both ends redirect: one proxy hop; the proxy's marked connection is not redirected again", async () => {
    const before = accepted().length;
    const out = JSON.parse(await inPod('a', tcpClient(B.ip, P.both, ['y'])));
    assert.deepEqual(out, [`${P.both}:${A.ip}:y`]);
    assert.equal(accepted().length, before + 1, 'exactly one accept');
  });

  it('a peer the destination denies is dropped in the kernel before any redirect', async () => {
    const before = accepted().length;
    const out = JSON.parse(await inPod('a', tcpClient(B.ip, P.denied, ['z'], 1200)));
    assert.deepEqual(out, ['timeout']);
    assert.equal(accepted().length, before);
    const d = events.find((e) => e.type === 'drop' && e.dport === P.denied);
    assert.ok(d?.type === 'drop');
    assert.equal(d.reason, DROP_POLICY);
    assert.equal(d.direction, 'ingress');
    assert.equal(d.endpointId, B.endpointId);
  });

  it('no proxy listening on the port: dropped with PROXY_LOOKUP_FAILED and counted, never let through', async () => {
    const out = JSON.parse(await inPod('a', tcpClient(B.ip, P.noProxy, ['n'], 1200)));
    assert.deepEqual(out, ['timeout']);
    const d = events.find((e) => e.type === 'drop' && e.dport === P.noProxy);
    assert.ok(d?.type === 'drop');
    assert.equal(d.reason, DROP_PROXY_LOOKUP_FAILED);
    const m = dp!.metrics().find((x) => x.reason === DROP_PROXY_LOOKUP_FAILED && x.direction === 'egress');
    assert.ok(m && m.packets >= 1n);
  });

  it('UDP: redirected to the proxy socket, the original destination recorded, the reply comes from it', async () => {
    const out = await inPod('a', udpClient(B.ip, P.udp, 'q1'));
    const [portLine, reply] = out.split('\n');
    assert.equal(reply, `${B.ip}:${P.udp} udp:q1`, 'the connected socket accepted the rewritten reply');
    const clientPort = Number(portLine!.slice('port:'.length));
    const dg = proxyLines.find((l) => l.datagram) as { datagram: { from: string } } | undefined;
    assert.equal(dg?.datagram.from, `${A.ip}:${clientPort}`);
    assert.deepEqual(dp!.maps.udpOrig.get({ addr: A.ip, port: clientPort, protocol: 17 }), {
      addr: B.ip,
      port: P.udp,
      proxyPort: PROXY_UDP,
    });
  });

  it('from outside the node (a world address) to a pod whose ingress redirects: through the proxy device', async () => {
    const before = accepted().length;
    const out = JSON.parse(await topo.run(topo.pod('w').netns, tcpClient(B.ip, P.outside, ['w1', 'w2'])));
    assert.deepEqual(out, [`${P.outside}:${W.ip}:w1`, `${P.outside}:${W.ip}:w2`]);
    assert.equal(accepted().length, before + 1);
  });

  it('egress to a server off the node: its replies to the proxy (sent to the pod address) reach the proxy', async () => {
    const before = accepted().length;
    const out = JSON.parse(await inPod('a', tcpClient(W.ip, WORLD_PORT, ['far', 'away'])));
    assert.deepEqual(out, [`${WORLD_PORT}:${A.ip}:far`, `${WORLD_PORT}:${A.ip}:away`]);
    assert.equal(accepted().length, before + 1);
  });

  it('to a ClusterIP (DNAT in the host before to_container) whose backend redirects: answers come from the ClusterIP', async () => {
    const vip = '10.96.0.50';
    sh('ip', [
      'netns',
      'exec',
      topo.host,
      'iptables',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-d',
      vip,
      '-p',
      'tcp',
      '--dport',
      '80',
      '-j',
      'DNAT',
      '--to-destination',
      `${B.ip}:${P.ingress}`,
    ]);
    const before = accepted().length;
    const out = JSON.parse(await inPod('a', tcpClient(vip, 80, ['v1', 'v2'])));
    assert.deepEqual(
      out,
      [`${P.ingress}:${A.ip}:v1`, `${P.ingress}:${A.ip}:v2`],
      'the connected client accepted the answers',
    );
    assert.equal(accepted().length, before + 1);
  });

  it('from the host to a pod whose ingress redirects (allow-localhost off): through the proxy device', async () => {
    const before = accepted().length;
    const out = JSON.parse(await topo.run(topo.host, tcpClient(B.ip, P.outside, ['h'])));
    assert.deepEqual(out, [`${P.outside}:${HOST_IP}:h`]);
    assert.equal(accepted().length, before + 1);
  });

  it('with the proxy gone, new connections are refused in the kernel', async () => {
    proxy!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const out = JSON.parse(await inPod('a', tcpClient(B.ip, P.egress, ['late'], 1000)));
    assert.deepEqual(out, ['timeout']);
    assert.ok(sh('ip', ['-n', topo.host, 'rule', 'show']).includes('lookup 2005'));
  });
});
