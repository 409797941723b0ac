// Packet-level tests of bpf/lxc.bpf.c through BPF_PROG_TEST_RUN: crafted packets, maps filled by the reconciler.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  type DatapathEvent,
  type DirectionInput,
  DROP_EP_NOT_READY,
  DROP_INVALID_SIP,
  DROP_NO_CONFIG,
  DROP_POLICY,
  DROP_POLICY_AUTH_REQUIRED,
  DROP_POLICY_DENY,
  DROP_PROXY_LOOKUP_FAILED,
  type LxcDatapath,
  PolicyReconciler,
  portRangePrefixes,
} from '../../src/datapath/index.js';
import { allow, deny, dirPolicy, OPEN, TC_ACT_OK, TC_ACT_SHOT } from './fixtures.js';
import { kernelSkipReason, loadTestDatapath } from './harness.js';
import {
  eth,
  IPPROTO_ICMP,
  IPPROTO_SCTP,
  IPPROTO_UDP,
  icmp,
  icmpError,
  ipv4,
  packet,
  sctp,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  tcpPacket,
  udp,
  udpPacket,
} from './packet.js';

const skip = kernelSkipReason();

// The endpoint under test sits on lo (ifindex 1): BPF_PROG_TEST_RUN needs a real device of this netns.
const IFINDEX = 1;
const EP = 7;
const POD = '10.244.0.10';
const POD_ID = 1000;
const PEER = '10.244.0.20';
const PEER_ID = 2000;
const OTHER = '10.244.0.30';
const OTHER_ID = 3000;
const HOST = '10.0.0.1';
const WORLD = '203.0.113.5';

interface Env {
  dp: LxcDatapath;
  rec: PolicyReconciler;
  events: DatapathEvent[];
  /** Packet leaving the pod. */
  out(pkt: Uint8Array): number;
  /** Packet entering the pod. */
  in(pkt: Uint8Array): number;
  policy(ingress: DirectionInput, egress: DirectionInput): void;
}

let current: LxcDatapath | undefined;
afterEach(() => {
  current?.close();
  current = undefined;
});

function env(opts: { endpoint?: boolean; ingress?: DirectionInput; egress?: DirectionInput } = {}): Env {
  const dp = loadTestDatapath();
  current = dp;
  const events: DatapathEvent[] = [];
  const reader = dp.eventReader((e) => events.push(e));
  const rec = new PolicyReconciler(dp.policyMaps());
  if (opts.endpoint !== false) {
    dp.maps.endpoints.set(IFINDEX, { identity: POD_ID, ipv4: POD, endpointId: EP, flags: 0 });
  }
  for (const [addr, identity] of [
    [POD, POD_ID],
    [PEER, PEER_ID],
    [OTHER, OTHER_ID],
    [HOST, 1],
  ] as const) {
    dp.maps.ipcache.set({ prefixlen: 32, addr }, { identity, flags: 0 });
  }
  const run = (prog: 'fromContainer' | 'toContainer', pkt: Uint8Array) => {
    const { retval } = dp[prog].testRun(pkt, { ifindex: IFINDEX });
    reader.poll();
    return retval;
  };
  const e: Env = {
    dp,
    rec,
    events,
    out: (pkt) => run('fromContainer', pkt),
    in: (pkt) => run('toContainer', pkt),
    policy(ingress, egress) {
      const r = rec.reconcile({ endpointId: EP, ingress, egress });
      assert.ok(r.ok, r.error?.message);
    },
  };
  if (opts.ingress || opts.egress) e.policy(opts.ingress ?? OPEN, opts.egress ?? OPEN);
  return e;
}

const drops = (events: DatapathEvent[]) => events.filter((e) => e.type === 'drop');
const verdicts = (events: DatapathEvent[]) => events.filter((e) => e.type === 'policy-verdict');

describe('lxc datapath: packets through BPF_PROG_TEST_RUN', { skip }, () => {
  it('an allow that requires authentication fails closed: AUTH_REQUIRED, while a plain allow next to it passes', () => {
    const e = env({
      ingress: dirPolicy([
        { ...allow('ingress', PEER_ID, { ports: 80 }), auth: 'required' },
        allow('ingress', OTHER_ID, { ports: 80 }),
      ]),
    });
    assert.equal(e.in(tcpPacket(PEER, 40000, POD, 80, TCP_SYN)), TC_ACT_SHOT);
    const d = drops(e.events)[0];
    assert.equal(d?.type === 'drop' && d.reason, DROP_POLICY_AUTH_REQUIRED);
    assert.equal(e.in(tcpPacket(OTHER, 40001, POD, 80, TCP_SYN)), TC_ACT_OK);
    // A plain allow and an authenticated one for the same peer and port: the strictest (auth) decides.
    e.policy(
      dirPolicy([
        { ...allow('ingress', PEER_ID, { ports: 80 }), auth: 'required' },
        allow('ingress', PEER_ID, { ports: [80, 81] }),
      ]),
      OPEN,
    );
    assert.equal(e.in(tcpPacket(PEER, 40002, POD, 80, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(
      e.in(tcpPacket(PEER, 40003, POD, 81, TCP_SYN)),
      TC_ACT_OK,
      'port 81 has only the plain allow',
    );
  });

  it('fails closed: no endpoint entry → EP_NOT_READY, no policy config → NO_CONFIG', () => {
    const a = env({ endpoint: false });
    assert.equal(a.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(drops(a.events)[0]?.type === 'drop' && drops(a.events)[0]?.reason, DROP_EP_NOT_READY);
    a.dp.close();
    const b = env();
    assert.equal(b.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_SHOT);
    const d = drops(b.events)[0];
    assert.equal(d?.type === 'drop' && d.reason, DROP_NO_CONFIG);
  });

  it('without default deny everything passes, and the first packet gets an allowed verdict', () => {
    const t = env({ ingress: OPEN, egress: OPEN });
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_OK);
    assert.equal(t.in(tcpPacket(OTHER, 40000, POD, 22, TCP_SYN)), TC_ACT_OK);
    const v = verdicts(t.events);
    assert.equal(v.length, 2);
    assert.ok(
      v.every((e) => e.type === 'policy-verdict' && e.verdict === 'allowed' && e.matchType === 'none'),
    );
  });

  it('allow: an identity + TCP port entry lets exactly that through; default deny drops the rest (POLICY 133)', () => {
    const t = env({ egress: dirPolicy([allow('egress', PEER_ID, { ports: 80 })]) });
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_OK);
    assert.equal(t.out(tcpPacket(POD, 40001, PEER, 81, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(t.out(tcpPacket(POD, 40002, OTHER, 80, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(t.out(udpPacket(POD, 40003, PEER, 80)), TC_ACT_SHOT);
    assert.equal(t.out(tcpPacket(POD, 40004, WORLD, 80, TCP_SYN)), TC_ACT_SHOT);
    assert.deepEqual(
      drops(t.events).map((e) => e.type === 'drop' && e.reason),
      [DROP_POLICY, DROP_POLICY, DROP_POLICY, DROP_POLICY],
    );
    const ok = verdicts(t.events)[0];
    assert.ok(ok?.type === 'policy-verdict');
    assert.equal(ok.verdict, 'allowed');
    assert.equal(ok.matchType, 'l3-l4');
    assert.deepEqual(
      t.rec.cookies.origins(ok.cookie).map((o) => o.name),
      [`allow-${PEER_ID}`],
    );
  });

  it('deny beats allow, also when the allow is more specific (POLICY_DENY 181)', () => {
    const t = env({
      egress: dirPolicy([
        allow('egress', 0, { protocol: 6 }),
        allow('egress', PEER_ID, { ports: 80 }),
        deny('egress', PEER_ID, { ports: [0, 1023] }),
      ]),
    });
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(t.out(tcpPacket(POD, 40001, PEER, 8080, TCP_SYN)), TC_ACT_OK);
    assert.equal(t.out(tcpPacket(POD, 40002, OTHER, 80, TCP_SYN)), TC_ACT_OK);
    const d = drops(t.events);
    assert.equal(d.length, 1);
    assert.ok(d[0]?.type === 'drop');
    assert.equal(d[0].reason, DROP_POLICY_DENY);
    assert.deepEqual(
      t.rec.cookies.origins(d[0].cookie).map((o) => o.section),
      ['egressDeny'],
    );
  });

  it('a wildcard deny (identity 0) beats an identity allow', () => {
    const t = env({ ingress: dirPolicy([allow('ingress', PEER_ID), deny('ingress', 0, { ports: 22 })]) });
    assert.equal(t.in(tcpPacket(PEER, 40000, POD, 22, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(t.in(tcpPacket(PEER, 40001, POD, 80, TCP_SYN)), TC_ACT_OK);
  });

  it('identity 0 (any) entries match every remote identity, world included', () => {
    const t = env({ ingress: dirPolicy([allow('ingress', 0, { ports: 443 })]) });
    for (const [src, sport] of [
      [PEER, 40000],
      [OTHER, 40001],
      [WORLD, 40002],
    ] as const) {
      assert.equal(t.in(tcpPacket(src, sport, POD, 443, TCP_SYN)), TC_ACT_OK, src);
    }
    assert.equal(t.in(tcpPacket(PEER, 40003, POD, 444, TCP_SYN)), TC_ACT_SHOT);
    const v = verdicts(t.events)[0];
    assert.ok(v?.type === 'policy-verdict');
    assert.equal(v.matchType, 'l4-only');
  });

  it('port ranges become prefix-masked port keys, exact at both ends', () => {
    const t = env({ ingress: dirPolicy([allow('ingress', PEER_ID, { ports: [8000, 8100] })]) });
    const keys = t.dp.maps.policy.keys().filter((k) => k.remote === PEER_ID);
    assert.equal(keys.length, portRangePrefixes(8000, 8100).length);
    let sport = 41000;
    for (const [port, expected] of [
      [7999, TC_ACT_SHOT],
      [8000, TC_ACT_OK],
      [8063, TC_ACT_OK],
      [8064, TC_ACT_OK],
      [8100, TC_ACT_OK],
      [8101, TC_ACT_SHOT],
    ] as const) {
      assert.equal(t.in(tcpPacket(PEER, sport++, POD, port, TCP_SYN)), expected, `port ${port}`);
    }
  });

  it('replies of an allowed connection pass without policy, a new connection the other way does not', () => {
    const t = env({ ingress: dirPolicy([]), egress: dirPolicy([allow('egress', PEER_ID, { ports: 80 })]) });
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_OK);
    assert.equal(t.in(tcpPacket(PEER, 80, POD, 40000, TCP_SYN | TCP_ACK)), TC_ACT_OK);
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_ACK)), TC_ACT_OK);
    assert.equal(t.in(tcpPacket(PEER, 80, POD, 40000, TCP_ACK)), TC_ACT_OK);
    // ingress is default deny with no entries: only replies get in
    assert.equal(t.in(tcpPacket(PEER, 80, POD, 40001, TCP_SYN)), TC_ACT_SHOT);
    const traces = t.events.filter((e) => e.type === 'trace');
    assert.deepEqual(
      traces.map((e) => e.ctStatus),
      ['new', 'reply'],
      'traces are aggregated: the first packet and the first reply, not every ACK',
    );
  });

  it('TCP state: SYN → SYN-RECV → ESTABLISHED → FIN both ways → CLOSING; a new SYN reopens', () => {
    const t = env({ egress: dirPolicy([allow('egress', PEER_ID, { ports: 80 })]) });
    const state = () => t.dp.maps.conntrack.entries().find(([k]) => k.sport === 40000 && k.scope === 0)?.[1];
    t.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN));
    assert.equal(state()?.tcpState, 1);
    t.in(tcpPacket(PEER, 80, POD, 40000, TCP_SYN | TCP_ACK));
    assert.equal(state()?.tcpState, 2);
    t.out(tcpPacket(POD, 40000, PEER, 80, TCP_ACK));
    assert.equal(state()?.tcpState, 3);
    const established = state()!;
    assert.ok(established.expiresNs - established.createdNs > 60n * 1_000_000_000n, 'established timeout');
    t.out(tcpPacket(POD, 40000, PEER, 80, TCP_FIN | TCP_ACK));
    assert.equal(state()?.tcpState, 4);
    t.in(tcpPacket(PEER, 80, POD, 40000, TCP_FIN | TCP_ACK));
    assert.equal(state()?.tcpState, 5);
    const closing = state()!;
    assert.ok(closing.expiresNs - closing.createdNs < 60n * 1_000_000_000n, 'close timeout');
    const before = verdicts(t.events).length;
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_OK);
    assert.equal(state()?.tcpState, 1);
    assert.equal(verdicts(t.events).length, before + 1, 'the reopened connection is a new verdict');
  });

  it('RST closes a connection; a lone RST creates no entry', () => {
    const t = env({ egress: dirPolicy([allow('egress', PEER_ID, { ports: 80 })]) });
    assert.equal(t.out(tcpPacket(POD, 40010, PEER, 80, TCP_RST)), TC_ACT_OK);
    assert.equal(t.dp.maps.conntrack.keys().length, 0);
    t.out(tcpPacket(POD, 40011, PEER, 80, TCP_SYN));
    t.in(tcpPacket(PEER, 80, POD, 40011, TCP_RST | TCP_ACK));
    assert.equal(t.dp.maps.conntrack.entries()[0]?.[1].tcpState, 5);
  });

  it('a denied SYN: a drop event and a policy verdict with the reason and both identities', () => {
    const t = env({ ingress: dirPolicy([deny('ingress', OTHER_ID, { ports: 5432 })], false) });
    assert.equal(t.in(tcpPacket(OTHER, 40000, POD, 5432, TCP_SYN)), TC_ACT_SHOT);
    const d = drops(t.events);
    assert.equal(d.length, 1);
    const drop = d[0]!;
    assert.ok(drop.type === 'drop');
    assert.equal(drop.reason, DROP_POLICY_DENY);
    assert.equal(drop.reasonName, 'POLICY_DENY');
    assert.equal(drop.srcIdentity, OTHER_ID);
    assert.equal(drop.dstIdentity, POD_ID);
    assert.equal(drop.direction, 'ingress');
    assert.equal(drop.endpointId, EP);
    assert.deepEqual(
      [drop.saddr, drop.sport, drop.daddr, drop.dport, drop.protocol],
      [OTHER, 40000, POD, 5432, 6],
    );
    assert.equal(drop.l4Info, TCP_SYN);
    const v = verdicts(t.events)[0];
    assert.ok(v?.type === 'policy-verdict');
    assert.equal(v.verdict, 'denied');
    assert.equal(v.dropReason, DROP_POLICY_DENY);
    assert.equal(v.matchType, 'l3-l4');
    assert.equal(v.srcIdentity, OTHER_ID);
    // drops are counted per direction and reason
    const m = t.dp.metrics().find((x) => x.reason === DROP_POLICY_DENY);
    assert.equal(m?.packets, 1n);
  });

  it('egress: a source address other than the endpoint’s is dropped (INVALID_SIP)', () => {
    const t = env({ ingress: OPEN, egress: OPEN });
    assert.equal(t.out(tcpPacket(OTHER, 40000, PEER, 80, TCP_SYN)), TC_ACT_SHOT);
    const d = drops(t.events)[0];
    assert.equal(d?.type === 'drop' && d.reason, DROP_INVALID_SIP);
  });

  it('allow-localhost admits the host unless a deny matches', () => {
    const t = env({ ingress: dirPolicy([], true, true) });
    assert.equal(t.in(tcpPacket(HOST, 40000, POD, 8080, TCP_SYN)), TC_ACT_OK);
    const v = verdicts(t.events)[0];
    assert.ok(v?.type === 'policy-verdict');
    assert.equal(v.matchType, 'localhost');
    assert.equal(t.in(tcpPacket(PEER, 40000, POD, 8080, TCP_SYN)), TC_ACT_SHOT);
    t.policy(dirPolicy([deny('ingress', 1, { ports: 8080 })], true, true), OPEN);
    assert.equal(t.in(tcpPacket(HOST, 40001, POD, 8080, TCP_SYN)), TC_ACT_SHOT);
  });

  it('address blocks match any address inside (pods too), the most specific prefix carrying enclosing rules', () => {
    const t = env({
      egress: dirPolicy([
        allow('egress', '203.0.113.0/24'),
        deny('egress', '203.0.0.0/16', { ports: 22 }),
        allow('egress', '10.244.0.0/16', { ports: 80 }),
      ]),
    });
    assert.equal(t.out(tcpPacket(POD, 40000, WORLD, 443, TCP_SYN)), TC_ACT_OK);
    assert.equal(t.out(tcpPacket(POD, 40001, WORLD, 22, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(t.out(tcpPacket(POD, 40002, '203.0.1.1', 443, TCP_SYN)), TC_ACT_SHOT);
    assert.equal(
      t.out(tcpPacket(POD, 40003, PEER, 80, TCP_SYN)),
      TC_ACT_OK,
      'a pod address inside the block',
    );
    assert.equal(t.out(tcpPacket(POD, 40004, PEER, 81, TCP_SYN)), TC_ACT_SHOT);
    const d = drops(t.events).map((e) => e.type === 'drop' && e.reason);
    assert.deepEqual(d, [DROP_POLICY_DENY, DROP_POLICY, DROP_POLICY]);
    const v = verdicts(t.events)[0];
    assert.ok(v?.type === 'policy-verdict');
    assert.equal(v.matchType, 'address');
  });

  it('ICMP: echo by type, the echo reply via conntrack, an ICMP error of a tracked flow as related', () => {
    const t = env({
      ingress: dirPolicy([]),
      egress: dirPolicy([
        allow('egress', PEER_ID, { protocol: IPPROTO_ICMP, ports: 8 }),
        allow('egress', PEER_ID, { protocol: IPPROTO_UDP, ports: 53 }),
      ]),
    });
    assert.equal(t.out(packet(POD, PEER, IPPROTO_ICMP, icmp(8, 0, 77))), TC_ACT_OK);
    assert.equal(t.in(packet(PEER, POD, IPPROTO_ICMP, icmp(0, 0, 77))), TC_ACT_OK);
    assert.equal(t.in(packet(PEER, POD, IPPROTO_ICMP, icmp(0, 0, 78))), TC_ACT_SHOT, 'an unsolicited reply');
    assert.equal(
      t.out(packet(POD, PEER, IPPROTO_ICMP, icmp(13, 0, 1))),
      TC_ACT_SHOT,
      'timestamp: type 13 not allowed',
    );
    const query = ipv4({ src: POD, dst: PEER, protocol: IPPROTO_UDP }, udp(5353, 53));
    assert.equal(t.out(eth(query)), TC_ACT_OK);
    assert.equal(t.in(packet(PEER, POD, IPPROTO_ICMP, icmpError(3, 3, query))), TC_ACT_OK);
    assert.ok(t.events.some((e) => e.type === 'trace' && e.ctStatus === 'related'));
    const unrelated = ipv4({ src: POD, dst: PEER, protocol: IPPROTO_UDP }, udp(5354, 53));
    assert.equal(t.in(packet(PEER, POD, IPPROTO_ICMP, icmpError(3, 3, unrelated))), TC_ACT_SHOT);
    const v = verdicts(t.events).find((e) => e.protocol === IPPROTO_ICMP);
    assert.equal(v?.dport, 8, 'ICMP events carry the type as dport');
  });

  it('SCTP is matched by port like TCP and UDP', () => {
    const t = env({
      ingress: dirPolicy([allow('ingress', PEER_ID, { protocol: IPPROTO_SCTP, ports: 9000 })]),
    });
    assert.equal(t.in(packet(PEER, POD, IPPROTO_SCTP, sctp(5000, 9000))), TC_ACT_OK);
    assert.equal(t.in(packet(PEER, POD, IPPROTO_SCTP, sctp(5000, 9001))), TC_ACT_SHOT);
  });

  it('non-first fragments are refused (no ports to decide on), non-IPv4 is refused, ARP passes', () => {
    const t = env({ ingress: OPEN, egress: OPEN });
    const frag = eth(
      ipv4({ src: POD, dst: PEER, protocol: IPPROTO_UDP, fragOffset: 10 }, new Uint8Array(16)),
    );
    assert.equal(t.out(frag), TC_ACT_SHOT);
    assert.equal(drops(t.events)[0]?.type === 'drop' && drops(t.events)[0]?.reasonName, 'FRAG_NOSUPPORT');
    assert.equal(t.out(eth(new Uint8Array(40), 0x86dd)), TC_ACT_SHOT);
    assert.equal(t.out(eth(new Uint8Array(28), 0x0806)), TC_ACT_OK);
  });

  it('an ingress L7 entry with no proxy device configured (proxy_ifindex 0): refused, never let through', () => {
    const t = env();
    const rec = new PolicyReconciler(t.dp.policyMaps(), { proxyPort: () => 15001 });
    rec.reconcile({
      endpointId: EP,
      ingress: dirPolicy([allow('ingress', PEER_ID, { ports: 80, l7: true })]),
      egress: OPEN,
    });
    assert.equal(t.in(tcpPacket(PEER, 40000, POD, 80, TCP_SYN)), TC_ACT_SHOT);
    const v = verdicts(t.events)[0];
    assert.ok(v?.type === 'policy-verdict');
    assert.equal(v.verdict, 'redirected');
    assert.equal(v.proxyPort, 15001);
    const d = drops(t.events)[0];
    assert.equal(d?.type === 'drop' && d.reason, DROP_PROXY_LOOKUP_FAILED);
  });

  it('an L7 entry whose proxy port is unknown (0) is a drop, not an allow', () => {
    const t = env({ ingress: dirPolicy([allow('ingress', PEER_ID, { ports: 80, l7: true })]) });
    assert.equal(t.in(tcpPacket(PEER, 40000, POD, 80, TCP_SYN)), TC_ACT_SHOT);
    const v = verdicts(t.events)[0];
    assert.ok(v?.type === 'policy-verdict');
    assert.equal(v.verdict, 'denied');
    assert.equal(v.dropReason, DROP_PROXY_LOOKUP_FAILED);
  });

  it('a policy change applies to established connections (non-reply packets are always checked)', () => {
    const t = env({ egress: dirPolicy([allow('egress', PEER_ID, { ports: 80 })]) });
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_SYN)), TC_ACT_OK);
    t.policy(OPEN, dirPolicy([]));
    assert.equal(t.out(tcpPacket(POD, 40000, PEER, 80, TCP_ACK)), TC_ACT_SHOT);
  });
});
