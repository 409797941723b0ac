// CHECK: verifies that the pod's interface, address, routes, neighbour, host side and IPAM match prevResult.
import { readFileSync } from 'node:fs';
import { CNI_CODE, CniError } from './cni-error.js';
import type { CniInterface, CniIpConfig, CniRoute } from './cni-types.js';
import { type CommandRunner, ipBatch, parseJsonLines, spawnCommand } from './ip-command.js';
import type { IpamStore } from './ipam-store.js';
import { formatIPv4, parseIPv4 } from './ipv4.js';
import type { PorinNetConf } from './plugin-config.js';
import { vethIdentity } from './veth-names.js';
import { HOST_VETH_SYSCTLS } from './wire-pod.js';

interface IpLink {
  ifname?: string;
  address?: string;
  flags?: string[];
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
}
interface IpRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  scope?: string;
}
interface IpNeigh {
  dst?: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

function fail(code: number, msg: string, details?: string): never {
  throw new CniError(code, msg, details);
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${path}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** What prevResult says Porin created for this attachment. */
function expected(conf: PorinNetConf, ifname: string, netns: string) {
  const prev = conf.prevResult ?? {};
  const interfaces = (Array.isArray(prev.interfaces) ? prev.interfaces : []) as CniInterface[];
  const podIndex = interfaces.findIndex((i) => i?.name === ifname && i?.sandbox === netns);
  if (podIndex < 0) fail(CNI_CODE.CHECK_INTERFACE, `prevResult has no interface ${ifname} in ${netns}`);
  const ips = ((Array.isArray(prev.ips) ? prev.ips : []) as CniIpConfig[]).filter(
    (i) => i?.interface === podIndex,
  );
  const v4 = ips
    .map((i) => String(i.address ?? ''))
    .find((a) => a.endsWith('/32') && parseIPv4(a.slice(0, -3)) !== undefined);
  if (!v4) fail(CNI_CODE.CHECK_ADDRESS, `prevResult has no /32 IPv4 address on ${ifname}`);
  const routes = (Array.isArray(prev.routes) ? prev.routes : []) as CniRoute[];
  return { pod: interfaces[podIndex]!, ip: v4.slice(0, -3), routes };
}

/** Throws a CniError with a CHECK_* code (or UNKNOWN_CONTAINER) naming the first mismatch. */
export async function checkPod(
  conf: PorinNetConf,
  containerId: string,
  ifname: string,
  netns: string,
  store: IpamStore,
  runner: CommandRunner = spawnCommand,
): Promise<void> {
  const veth = vethIdentity(containerId);
  const want = expected(conf, ifname, netns);
  const allocation = store.find(containerId, ifname);

  // Host: the possibly failing `link show dev` goes last, so the route lines before it always print.
  const host = await ipBatch(
    [
      `route show ${want.ip}/32 table main`,
      `route show ${want.ip}/32 table ${conf.routeTable}`,
      `link show dev ${veth.hostName}`,
    ],
    { json: true, force: true, runner },
  );
  const [mainRoutes = [], tableRoutes = [], hostLinks = []] = parseJsonLines(host.stdout) as [
    IpRoute[],
    IpRoute[],
    IpLink[],
  ];
  const hostLink = hostLinks[0];
  if (!hostLink && !allocation)
    fail(CNI_CODE.UNKNOWN_CONTAINER, `container ${containerId} is not attached to ${conf.name}`);
  if (!hostLink) fail(CNI_CODE.CHECK_INTERFACE, `host interface ${veth.hostName} is missing`);
  if (hostLink.address !== veth.hostMac) {
    fail(
      CNI_CODE.CHECK_INTERFACE,
      `host interface ${veth.hostName} has MAC ${hostLink.address}, expected ${veth.hostMac}`,
    );
  }
  if (!hostLink.flags?.includes('UP'))
    fail(CNI_CODE.CHECK_INTERFACE, `host interface ${veth.hostName} is down`);
  for (const [table, routes] of [
    ['main', mainRoutes],
    [String(conf.routeTable), tableRoutes],
  ] as const) {
    if (!routes.some((r) => r.dev === veth.hostName)) {
      fail(
        CNI_CODE.CHECK_ROUTE,
        `host route ${want.ip}/32 dev ${veth.hostName} is missing from table ${table}`,
      );
    }
  }
  for (const [key, value] of HOST_VETH_SYSCTLS) {
    const got = readSysctl(`net/ipv4/conf/${veth.hostName}/${key}`);
    if (got !== value)
      fail(CNI_CODE.CHECK_SYSCTL, `net.ipv4.conf.${veth.hostName}.${key} is ${got}, expected ${value}`);
  }

  // Pod: whole tables (a show that names a missing device would abort the batch).
  const pod = await ipBatch(['addr show', 'route show table main', 'neigh show'], {
    netns,
    json: true,
    force: true,
    runner,
  });
  if (pod.code !== 0 && pod.stdout.trim() === '') {
    fail(CNI_CODE.CHECK_INTERFACE, `cannot inspect network namespace ${netns}`, pod.stderr.trim());
  }
  const [links = [], routes = [], neighs = []] = parseJsonLines(pod.stdout) as [
    IpLink[],
    IpRoute[],
    IpNeigh[],
  ];
  const link = links.find((l) => l.ifname === ifname);
  if (!link) fail(CNI_CODE.CHECK_INTERFACE, `interface ${ifname} is missing in ${netns}`);
  if (want.pod.mac && link.address !== want.pod.mac) {
    fail(CNI_CODE.CHECK_INTERFACE, `interface ${ifname} has MAC ${link.address}, expected ${want.pod.mac}`);
  }
  if (!link.flags?.includes('UP')) fail(CNI_CODE.CHECK_INTERFACE, `interface ${ifname} is down`);
  if (!link.addr_info?.some((a) => a.family === 'inet' && a.local === want.ip && a.prefixlen === 32)) {
    fail(CNI_CODE.CHECK_ADDRESS, `address ${want.ip}/32 is missing on ${ifname}`);
  }
  const gw = conf.gateway;
  if (!routes.some((r) => r.dst === gw && r.dev === ifname && r.scope === 'link' && !r.gateway)) {
    fail(CNI_CODE.CHECK_ROUTE, `route ${gw} dev ${ifname} scope link is missing`);
  }
  // Only the routes Porin put there (later plugins may add or change others).
  for (const r of want.routes) {
    if (r?.gw !== gw) continue;
    const dst = r.dst === '0.0.0.0/0' ? 'default' : String(r.dst).replace(/\/32$/, '');
    if (!routes.some((x) => x.dst === dst && x.gateway === gw && x.dev === ifname)) {
      fail(CNI_CODE.CHECK_ROUTE, `route ${r.dst} via ${gw} dev ${ifname} is missing`);
    }
  }
  const neigh = neighs.find((n) => n.dst === gw && n.dev === ifname);
  if (!neigh?.state?.includes('PERMANENT') || neigh.lladdr !== veth.hostMac) {
    fail(
      CNI_CODE.CHECK_NEIGHBOUR,
      `permanent neighbour ${gw} lladdr ${veth.hostMac} dev ${ifname} is missing`,
    );
  }
  if (!allocation || formatIPv4(allocation.ip) !== want.ip) {
    fail(
      CNI_CODE.CHECK_ALLOCATION,
      `IPAM holds ${allocation ? formatIPv4(allocation.ip) : 'no address'} for this attachment, expected ${want.ip}`,
    );
  }
}
