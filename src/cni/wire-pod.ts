// Wires a pod to the host (veth pair, /32 address, gateway route + static neighbour, host /32 routes) and unwires it.
import { existsSync, writeFileSync } from 'node:fs';
import { CNI_CODE, CniError } from './cni-error.js';
import { type CommandRunner, ipBatch, ipBatchOrThrow, spawnCommand } from './ip-command.js';
import type { VethIdentity } from './veth-names.js';

export interface PodWiring {
  readonly veth: VethIdentity;
  /** Interface name inside the pod (CNI_IFNAME). */
  readonly ifname: string;
  /** Network namespace path (CNI_NETNS). */
  readonly netns: string;
  /** Pod address, dotted quad (assigned as /32). */
  readonly ip: string;
  /** The pod's gateway (169.254.1.1): a link-scope route and a permanent neighbour at the host veth's MAC. */
  readonly gateway: string;
  /** Policy routing table that also gets the pod's /32 route (2004). */
  readonly routeTable: number;
  readonly mtu?: number;
}

/** Sysctls written on the host veth: forwarding only here (never globally), strict reverse-path filter. */
export const HOST_VETH_SYSCTLS: ReadonlyArray<readonly [string, string]> = [
  ['forwarding', '1'],
  ['rp_filter', '1'],
];

/** Sysctls written inside the pod: no IPv6 at all. */
const POD_SYSCTLS: ReadonlyArray<readonly [string, string]> = [
  ['net/ipv6/conf/all/disable_ipv6', '1'],
  ['net/ipv6/conf/default/disable_ipv6', '1'],
];

const HAS_IPV6 = existsSync('/proc/sys/net/ipv6');

function writeSysctl(path: string, value: string): void {
  try {
    writeFileSync(`/proc/sys/${path}`, value);
  } catch (e) {
    throw new CniError(
      CNI_CODE.IO_FAILURE,
      `cannot set ${path.replaceAll('/', '.')}=${value}`,
      (e as Error).message,
    );
  }
}

/**
 * Creates and configures everything for one pod in two processes: `ip -batch` on the host (the veth is
 * created with its pod end directly inside the namespace, so a pod-side name such as eth0 never clashes with
 * a host interface), the host veth's sysctls written from here, then one `nsenter … sh` inside the pod (IPv6
 * off, then `ip -batch`). On failure, whatever this call created is removed again.
 */
export async function wirePod(w: PodWiring, runner: CommandRunner = spawnCommand): Promise<void> {
  const { veth, ifname, ip, gateway } = w;
  const mtu = w.mtu ? ` mtu ${w.mtu}` : '';
  // `route add` (not replace): if another pod still had this address, the kernel refuses the duplicate.
  // The host veth comes up before its sysctls are written; no packet can flow until the pod end is up.
  const host = await ipBatch(
    [
      `link add ${veth.hostName} address ${veth.hostMac}${mtu} type veth peer name ${ifname} address ${veth.podMac}${mtu} netns ${w.netns}`,
      `link set ${veth.hostName} up`,
      `route add ${ip}/32 dev ${veth.hostName} scope link`,
      `route add ${ip}/32 dev ${veth.hostName} scope link table ${w.routeTable}`,
    ],
    { runner },
  );
  if (host.code !== 0) {
    const failedLine = Number(/Command failed -:(\d+)/.exec(host.stderr)?.[1] ?? 0);
    if (failedLine === 1 && /File exists/.test(host.stderr)) {
      throw new CniError(
        CNI_CODE.INTERFACE_EXISTS,
        `host interface ${veth.hostName} already exists`,
        'a previous ADD for this container was not followed by DEL',
      );
    }
    if (failedLine !== 1) await ipBatch([`link del ${veth.hostName}`], { runner });
    throw new CniError(
      CNI_CODE.IP_COMMAND_FAILED,
      `cannot create ${veth.hostName} and its routes`,
      host.stderr.trim(),
    );
  }
  try {
    for (const [key, value] of HOST_VETH_SYSCTLS) writeSysctl(`net/ipv4/conf/${veth.hostName}/${key}`, value);
    if (HAS_IPV6) writeSysctl(`net/ipv6/conf/${veth.hostName}/disable_ipv6`, '1');
    await ipBatchOrThrow(
      `cannot configure ${ifname} in ${w.netns}`,
      [
        'link set lo up',
        `link set ${ifname} up`,
        `addr add ${ip}/32 dev ${ifname}`,
        `route replace ${gateway} dev ${ifname} scope link`,
        `route replace default via ${gateway} dev ${ifname}`,
        `neigh replace ${gateway} lladdr ${veth.hostMac} dev ${ifname} nud permanent`,
      ],
      { netns: w.netns, sysctls: POD_SYSCTLS, runner },
    );
  } catch (e) {
    await ipBatch([`link del ${veth.hostName}`], { runner });
    throw e;
  }
}

/**
 * Removes the pod's veth pair (deleting the host end removes both ends and every route through it).
 * Returns false when there was nothing to remove; that is not an error (DEL is idempotent).
 */
export async function unwirePod(hostName: string, runner: CommandRunner = spawnCommand): Promise<boolean> {
  const r = await ipBatch([`link del ${hostName}`], { runner });
  if (r.code === 0) return true;
  if (/Cannot find device|does not exist/.test(r.stderr)) return false;
  throw new CniError(CNI_CODE.IP_COMMAND_FAILED, `cannot delete ${hostName}`, r.stderr.trim());
}

/** Removes several host veths, ignoring the ones already gone (GC). */
export async function unwireMany(
  hostNames: readonly string[],
  runner: CommandRunner = spawnCommand,
): Promise<void> {
  if (hostNames.length === 0) return;
  await ipBatch(
    hostNames.map((n) => `link del ${n}`),
    { force: true, runner },
  );
}
