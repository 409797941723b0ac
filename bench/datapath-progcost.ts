// The server pod's to_container program alone, per packet, through BPF_PROG_TEST_RUN: free of the
// scheduling noise of real traffic, so (b) and (c) can be told apart at the nanosecond level.
import { inNetns, type LxcDatapath } from '../src/datapath/index.js';
import { TCP_ACK, TCP_PSH, TCP_SYN, tcpPacket } from '../test/datapath/packet.js';

export interface ProgramCost {
  /** A packet of an established connection towards the server (conntrack, ipcache, policy lookups). */
  establishedNs: number;
  /** A SYN of a new connection (all that, plus the conntrack entry and two events). */
  synNs: number;
}

/**
 * Runs in the namespace of the server's host veth (the program finds its endpoint by skb->ifindex).
 * `sportBase` picks source ports no other packet used, so every SYN is a new connection: call this
 * before any traffic, with a distinct base per call.
 */
export function programCost(
  dp: LxcDatapath,
  netnsPath: string,
  flow: { client: string; server: string; port: number; ifindex: number },
  opts: { repeat: number; syns: number; sportBase: number },
): ProgramCost {
  return inNetns(netnsPath, () => {
    const run = (pkt: Uint8Array, repeat: number) => {
      const r = dp.toContainer.testRun(pkt, { ifindex: flow.ifindex, repeat });
      if (r.retval !== 0) throw new Error(`to_container returned ${r.retval} (expected TC_ACT_OK)`);
      return r.durationNs;
    };
    const data = tcpPacket(flow.client, opts.sportBase, flow.server, flow.port, TCP_ACK | TCP_PSH);
    run(data, 1); // the first packet creates the conntrack entry; the rest are established
    const establishedNs = run(data, opts.repeat);
    let synTotal = 0;
    for (let i = 1; i <= opts.syns; i++)
      synTotal += run(tcpPacket(flow.client, opts.sportBase + i, flow.server, flow.port, TCP_SYN), 1);
    return { establishedNs, synNs: synTotal / opts.syns };
  });
}
