// The redirect's packet-level rules through BPF_PROG_TEST_RUN: the proxy's mark, upstream replies, mid-stream redirects, no listener.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  CT_F_PROXY_UPSTREAM,
  type DatapathEvent,
  DROP_PROXY_LOOKUP_FAILED,
  type LxcDatapath,
  PolicyReconciler,
  PROXY_MARK_FROM_PROXY,
  PROXY_MARK_MASK,
  PROXY_MARK_TO_PROXY,
} from '../../src/datapath/index.js';
import { allow, dirPolicy, OPEN, TC_ACT_OK, TC_ACT_SHOT } from './fixtures.js';
import { kernelSkipReason, loadTestDatapath } from './harness.js';
import { TCP_ACK, TCP_SYN, tcpPacket } from './packet.js';

const skip = kernelSkipReason();
const IFINDEX = 1;
const EP = 7;
const POD = '10.244.0.10';
const POD_ID = 1000;
const PEER = '10.244.0.20';
const PEER_ID = 2000;
/** No socket listens on it in this namespace: a lookup finds nothing. */
const PROXY_PORT = 15999;

let current: LxcDatapath | undefined;
afterEach(() => {
  current?.close();
  current = undefined;
});

function env() {
  const dp = loadTestDatapath();
  current = dp;
  const events: DatapathEvent[] = [];
  const reader = dp.eventReader((e) => events.push(e));
  dp.maps.endpoints.set(IFINDEX, { identity: POD_ID, ipv4: POD, endpointId: EP, flags: 0 });
  dp.maps.ipcache.set({ prefixlen: 32, addr: POD }, { identity: POD_ID, flags: 0 });
  dp.maps.ipcache.set({ prefixlen: 32, addr: PEER }, { identity: PEER_ID, flags: 0 });
  const rec = new PolicyReconciler(dp.policyMaps(), { proxyPort: () => PROXY_PORT });
  const run = (prog: 'fromContainer' | 'toContainer', pkt: Uint8Array, mark = 0) => {
    const r = dp[prog].testRun(pkt, { ifindex: IFINDEX, mark });
    reader.poll();
    return r;
  };
  return {
    dp,
    events,
    out: (pkt: Uint8Array, mark = 0) => run('fromContainer', pkt, mark),
    in: (pkt: Uint8Array, mark = 0) => run('toContainer', pkt, mark),
    policy: (ingress: Parameters<typeof dirPolicy>[0] | typeof OPEN, egress: typeof OPEN) => {
      const r = rec.reconcile({
        endpointId: EP,
        ingress: Array.isArray(ingress) ? dirPolicy(ingress) : ingress,
        egress,
      });
      assert.ok(r.ok, r.error?.message);
    },
  };
}

describe('the redirect at packet level', { skip }, () => {
  it("the proxy's own connection enters the pod without policy, tracked so that the pod's replies go back to the proxy", () => {
    const t = env();
    t.policy(dirPolicy([]), dirPolicy([])); // both directions in default deny, nothing allowed
    assert.equal(
      t.in(tcpPacket(PEER, 41000, POD, 80, TCP_SYN)).retval,
      TC_ACT_SHOT,
      'an ordinary SYN is denied',
    );
    const syn = t.in(tcpPacket(PEER, 41001, POD, 80, TCP_SYN), PROXY_MARK_FROM_PROXY);
    assert.equal(syn.retval, TC_ACT_OK, 'the proxy-marked SYN passes: both ends were judged at the redirect');
    const entry = t.dp.maps.conntrack.entries().find(([k]) => k.sport === 41001);
    assert.ok(entry, 'tracked');
    assert.equal(entry[0].scope, 1);
    assert.equal(entry[1].flags & CT_F_PROXY_UPSTREAM, CT_F_PROXY_UPSTREAM);
    assert.equal(
      t.events.filter((e) => e.type === 'policy-verdict' && e.sport === 41001).length,
      0,
      'no second verdict',
    );
    const reply = t.out(tcpPacket(POD, 80, PEER, 41001, TCP_SYN | TCP_ACK));
    assert.equal(reply.retval, TC_ACT_OK);
    assert.equal(
      reply.markOut & PROXY_MARK_MASK,
      PROXY_MARK_TO_PROXY,
      'the reply is marked for local delivery',
    );
    const other = t.out(tcpPacket(POD, 80, PEER, 41000, TCP_SYN | TCP_ACK));
    assert.equal(other.retval, TC_ACT_SHOT, 'no entry, no reply');
  });

  it('a mark other than the proxy’s buys nothing', () => {
    const t = env();
    t.policy(dirPolicy([]), OPEN);
    assert.equal(t.in(tcpPacket(PEER, 41002, POD, 80, TCP_SYN), PROXY_MARK_TO_PROXY).retval, TC_ACT_SHOT);
    assert.equal(
      t.in(tcpPacket(PEER, 41003, POD, 80, TCP_SYN), PROXY_MARK_FROM_PROXY | 0x10000).retval,
      TC_ACT_SHOT,
    );
  });

  it('no proxy socket: a redirected SYN is dropped (PROXY_LOOKUP_FAILED) with a redirected verdict first', () => {
    const t = env();
    t.policy(OPEN, dirPolicy([allow('egress', PEER_ID, { ports: 80, l7: true })]));
    const r = t.out(tcpPacket(POD, 42000, PEER, 80, TCP_SYN));
    assert.equal(r.retval, TC_ACT_SHOT);
    const v = t.events.find((e) => e.type === 'policy-verdict');
    assert.ok(v?.type === 'policy-verdict' && v.verdict === 'redirected' && v.proxyPort === PROXY_PORT);
    const d = t.events.find((e) => e.type === 'drop');
    assert.equal(d?.type === 'drop' && d.reason, DROP_PROXY_LOOKUP_FAILED);
    assert.equal(t.dp.maps.conntrack.keys().length, 0, 'nothing tracked for a refused connection');
  });

  it('a TCP connection established before its port became redirected is refused mid-stream, not let through', () => {
    const t = env();
    t.policy(OPEN, dirPolicy([allow('egress', PEER_ID, { ports: 80 })]));
    assert.equal(t.out(tcpPacket(POD, 43000, PEER, 80, TCP_SYN)).retval, TC_ACT_OK);
    t.policy(OPEN, dirPolicy([allow('egress', PEER_ID, { ports: 80, l7: true })]));
    assert.equal(t.out(tcpPacket(POD, 43000, PEER, 80, TCP_ACK)).retval, TC_ACT_SHOT);
    const d = t.events.find((e) => e.type === 'drop');
    assert.equal(d?.type === 'drop' && d.reason, DROP_PROXY_LOOKUP_FAILED);
  });
});
