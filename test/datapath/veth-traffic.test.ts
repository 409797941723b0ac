// Real traffic: two pod netns behind a private host netns, the programs on the host veths, events into Node.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import {
  type DatapathEvent,
  DROP_POLICY,
  type EndpointLinks,
  inNetns,
  LxcDatapath,
  PolicyReconciler,
  type RingReader,
} from '../../src/datapath/index.js';
import { allow, dirPolicy, OPEN } from './fixtures.js';
import { ensureBpffs, kernelSkipReason, removePinDir, testPinDir } from './harness.js';
import { clientScript, echoServerScript, HOST_IP, Topology } from './netns-topology.js';

const skip = kernelSkipReason();

const A = { name: 'a', ip: '10.244.7.10', identity: 1000, endpointId: 1 };
const B = { name: 'b', ip: '10.244.7.20', identity: 2000, endpointId: 2 };
const ALLOWED_PORT = 8080;
const DENIED_PORT = 9090;

describe('lxc datapath on real veths', { skip }, () => {
  const topo = new Topology();
  const pinDir = testPinDir('traffic');
  let dp: LxcDatapath | undefined;
  const links: EndpointLinks[] = [];
  let reader: RingReader<DatapathEvent> | undefined;
  const events: DatapathEvent[] = [];

  before(async () => {
    ensureBpffs();
    topo.create([A, B]);
    dp = LxcDatapath.load({ pinDir, maxEntries: { porin_ct4: 4096 } });
    const d = dp;
    for (const p of [A, B]) {
      const pod = topo.pod(p.name);
      const ifindex = topo.ifindex(pod.hostIf);
      d.maps.endpoints.set(ifindex, { identity: p.identity, ipv4: p.ip, endpointId: p.endpointId, flags: 0 });
      d.maps.ipcache.set({ prefixlen: 32, addr: p.ip }, { identity: p.identity, flags: 1 });
      links.push(inNetns(topo.netnsPath(topo.host), () => d.attachEndpoint(ifindex)));
    }
    d.maps.ipcache.set({ prefixlen: 32, addr: HOST_IP }, { identity: 1, flags: 0 });
    const rec = new PolicyReconciler(d.policyMaps());
    // a: may open anything, accepts only replies; b: accepts 1000 on 8080 only, sends only replies.
    for (const r of rec.sync([
      { endpointId: A.endpointId, ingress: dirPolicy([]), egress: OPEN },
      {
        endpointId: B.endpointId,
        ingress: dirPolicy([allow('ingress', A.identity, { ports: ALLOWED_PORT, name: 'a-to-b' })]),
        egress: dirPolicy([]),
      },
    ])) {
      assert.ok(r.ok, r.error?.message);
    }
    reader = d.eventReader((e) => events.push(e));
    reader.start();
    const server = topo.spawnIn(topo.pod('b').netns, echoServerScript(B.ip, [ALLOWED_PORT, DENIED_PORT]));
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    assert.equal(String(line).trim(), 'ready');
  });

  after(() => {
    // Each step on its own: a failure in one must not leave the others behind.
    const steps = [
      () => reader?.close(),
      ...links.map((l) => () => inNetns(topo.netnsPath(topo.host), () => l[Symbol.dispose]())),
      () => dp?.close(),
      () => topo.destroy(),
      () => removePinDir(pinDir),
    ];
    for (const step of steps) {
      try {
        step();
      } catch (e) {
        console.error('cleanup:', (e as Error).message);
      }
    }
  });

  it('an allowed TCP connection works both ways (the replies pass by conntrack)', async () => {
    const out = await topo.run(topo.pod('a').netns, clientScript(B.ip, ALLOWED_PORT, 'hello', 3000));
    assert.equal(out, 'echo:hello');
    const ct = dp!.maps.conntrack.entries();
    const egress = ct.find(([k]) => k.scope === 0 && k.saddr === A.ip && k.dport === ALLOWED_PORT);
    const ingress = ct.find(([k]) => k.scope === 1 && k.saddr === A.ip && k.dport === ALLOWED_PORT);
    assert.ok(egress && ingress, 'one entry per endpoint');
    assert.ok(egress[1].revPackets > 0n, 'replies were seen');
  });

  it('a denied connection times out, with drop and policy-verdict events naming both identities', async () => {
    const out = await topo.run(topo.pod('a').netns, clientScript(B.ip, DENIED_PORT, 'nope', 1500));
    assert.equal(out, 'timeout');
    await new Promise((r) => setTimeout(r, 50));
    const drop = events.find((e) => e.type === 'drop' && e.dport === DENIED_PORT);
    assert.ok(drop?.type === 'drop', 'a drop event reached Node');
    assert.equal(drop.reason, DROP_POLICY);
    assert.equal(drop.srcIdentity, A.identity);
    assert.equal(drop.dstIdentity, B.identity);
    assert.equal(drop.direction, 'ingress');
    assert.equal(drop.endpointId, B.endpointId);
    const denied = events.find(
      (e) => e.type === 'policy-verdict' && e.dport === DENIED_PORT && e.direction === 'ingress',
    );
    assert.ok(denied?.type === 'policy-verdict');
    assert.equal(denied.verdict, 'denied');
    const allowed = events.find(
      (e) => e.type === 'policy-verdict' && e.dport === ALLOWED_PORT && e.direction === 'ingress',
    );
    assert.ok(allowed?.type === 'policy-verdict', 'the allowed connection had a verdict too');
    assert.equal(allowed.verdict, 'allowed');
    assert.equal(allowed.srcIdentity, A.identity);
    assert.equal(allowed.dstIdentity, B.identity);
    assert.equal(allowed.matchType, 'l3-l4');
  });

  it('b cannot open connections of its own (egress default deny), and the host is world to nobody', async () => {
    const server = topo.spawnIn(topo.pod('a').netns, echoServerScript(A.ip, [7000]));
    await once(server.stdout!, 'data');
    const out = await topo.run(topo.pod('b').netns, clientScript(A.ip, 7000, 'x', 1500));
    assert.equal(out, 'timeout');
    const drop = events.find((e) => e.type === 'drop' && e.dport === 7000);
    assert.ok(drop?.type === 'drop');
    assert.equal(drop.direction, 'egress');
    assert.equal(drop.srcIdentity, B.identity);
    assert.equal(drop.dstIdentity, A.identity);
    server.kill('SIGKILL');
  });

  it('maps are pinned under the test pin directory and counters moved', () => {
    const m = dp!.metrics();
    assert.ok(m.some((x) => x.reason === 0 && x.packets > 0n));
    assert.ok(m.some((x) => x.reason === DROP_POLICY));
    assert.equal(dp!.eventsLost(), 0n);
  });
});
