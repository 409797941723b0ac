// Host side of the L7 redirect: the fwmark rule, the local-delivery table and the proxy device (idempotent; torn down by teardown/sweep).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PROXY_ROUTING } from '../datapath/maps/proxy.js';
import { ipBatch, runSync, succeeds } from './run-command.js';

/**
 * The proxy device: a veth pair kept on the host (no dummy driver on this kernel). to_container redirects
 * packets for the proxy whose source is not a local pod to the ingress of its first end, where the
 * datapath's proxy_ingress program assigns them to the proxy's socket.
 */
export const PROXY_DEVICE = 'porinpx0';
export const PROXY_DEVICE_PEER = 'porinpx1';

const hex = (n: number) => `0x${n.toString(16)}`;

/** The datapath's numbers (bpf/lib/proxy.h; PROXY_ROUTING in src/datapath/maps/proxy.ts). */
export interface ProxyRoutingNumbers {
  /** The "to proxy" mark and the mask it is compared under. */
  readonly mark: number;
  readonly mask: number;
  readonly table: number;
  readonly rulePref: number;
}

export interface ProxyRoutingOptions {
  /** A named network namespace to work in (`ip -n`); default: the caller's. */
  netns?: string;
  /**
   * Where to remember the host's own `net.ipv4.tcp_early_demux` before Porin turns it off, so teardown
   * gives the machine its value back (the agent passes a file in its run directory).
   */
  savedSysctls?: string;
}

/*
 * Packets redirected to the proxy device re-enter the IP layer, and netfilter would track them afresh:
 * for a connection to a ClusterIP (DNAT'd by the service NAT before to_container saw it) the new entry
 * clashes with the DNAT entry, and the proxy's answers would leave un-translated. Not tracking them keeps
 * the DNAT entry the one that answers (the proxy's replies are un-NATed in OUTPUT, as the pod's would be).
 */
const NOTRACK = [
  'PREROUTING',
  '-i',
  PROXY_DEVICE,
  '-m',
  'comment',
  '--comment',
  'porin: L7 proxy redirects',
  '-j',
  'NOTRACK',
];

function iptables(args: string[], netns: string | undefined): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, 'iptables', ...args] : ['iptables', ...args];
}

function sysctl(key: string, value: string, netns: string | undefined): void {
  const argv = ['sysctl', '-qw', `${key}=${value}`];
  runSync(netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv);
}

/**
 * Packets the datapath marked "to proxy" are delivered locally, whatever their destination:
 *   ip rule add fwmark 0x200/0xf00 lookup 2005 pref 2003
 *   ip route replace local 0.0.0.0/0 dev lo table 2005
 * plus the proxy device, up, without reverse-path filtering (its packets come from anywhere) and
 * accepting local sources (the host's own connections to pods), and TCP early demux off in the
 * namespace (below). Returns the device's ifindex, which the
 * datapath is loaded with (porin_config.proxy_ifindex). Idempotent.
 */
export function ensureProxyRouting(
  r: ProxyRoutingNumbers = PROXY_ROUTING,
  opts: ProxyRoutingOptions = {},
): { ifindex: number } {
  const ns = opts.netns;
  const n = ns ? ['-n', ns] : [];
  const rules = runSync(['ip', ...n, 'rule', 'show', 'pref', String(r.rulePref)]);
  if (!rules.includes(`lookup ${r.table}`)) {
    ipBatch([`rule add fwmark ${hex(r.mark)}/${hex(r.mask)} lookup ${r.table} pref ${r.rulePref}`], {
      netns: ns,
    });
  }
  ipBatch([`route replace local 0.0.0.0/0 dev lo table ${r.table}`], { netns: ns });
  const link = runSync(['ip', ...n, '-br', 'link', 'show', 'dev', PROXY_DEVICE], { allowFail: true });
  if (!link.trim())
    ipBatch([`link add ${PROXY_DEVICE} type veth peer name ${PROXY_DEVICE_PEER}`], { netns: ns });
  ipBatch([`link set ${PROXY_DEVICE_PEER} up`, `link set ${PROXY_DEVICE} up`], { netns: ns });
  sysctl(`net.ipv4.conf.${PROXY_DEVICE}.rp_filter`, '0', ns);
  sysctl(`net.ipv4.conf.${PROXY_DEVICE}.accept_local`, '1', ns);
  sysctl(`net.ipv6.conf.${PROXY_DEVICE}.disable_ipv6`, '1', ns);
  sysctl(`net.ipv6.conf.${PROXY_DEVICE_PEER}.disable_ipv6`, '1', ns);
  // Early demux would attach the proxy's socket to a packet from outside the node before routing, and
  // the forwarding path drops packets that carry a socket: they must first reach to_container, which
  // redirects them to the proxy device. (Pod sources are assigned in from_container, host sources are local.)
  if (opts.savedSysctls && !existsSync(opts.savedSysctls)) {
    const before = readSysctl('net.ipv4.tcp_early_demux', ns);
    if (before !== undefined)
      writeFileSync(opts.savedSysctls, JSON.stringify({ 'net.ipv4.tcp_early_demux': before }));
  }
  sysctl('net.ipv4.tcp_early_demux', '0', ns);
  if (!succeeds(iptables(['-t', 'raw', '-C', ...NOTRACK], ns)))
    runSync(iptables(['-t', 'raw', '-A', ...NOTRACK], ns));
  const info = JSON.parse(runSync(['ip', ...n, '-j', 'link', 'show', 'dev', PROXY_DEVICE])) as Array<{
    ifindex: number;
  }>;
  return { ifindex: info[0]!.ifindex };
}

/**
 * Removes the rule, the table, the device and the NOTRACK rule, and restores the sysctls ensureProxyRouting
 * saved; missing pieces are fine.
 */
export function teardownProxyRouting(
  r: ProxyRoutingNumbers = PROXY_ROUTING,
  opts: ProxyRoutingOptions = {},
): void {
  const ns = opts.netns;
  ipBatch([`rule del pref ${r.rulePref}`, `route flush table ${r.table}`, `link del ${PROXY_DEVICE}`], {
    netns: ns,
    force: true,
  });
  while (succeeds(iptables(['-t', 'raw', '-D', ...NOTRACK], ns))) {
    // one copy removed per call
  }
  if (opts.savedSysctls && existsSync(opts.savedSysctls)) {
    try {
      const saved = JSON.parse(readFileSync(opts.savedSysctls, 'utf8')) as Record<string, string>;
      for (const [k, v] of Object.entries(saved)) sysctl(k, v, ns);
      rmSync(opts.savedSysctls, { force: true });
    } catch {
      // an unreadable record: leave the sysctl as it is rather than guess
    }
  }
}

function readSysctl(key: string, netns: string | undefined): string | undefined {
  const argv = ['sysctl', '-n', key];
  const out = runSync(netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv, { allowFail: true }).trim();
  return out === '' ? undefined : out;
}
