// The embedded cluster's outside world: a network namespace holding the ExternalHost addresses, reached over a
// veth pair from the cluster's host namespace, with routes there for the documentation ranges only.
import { ipBatch, runSync } from './run-command.js';

export interface WorldNetworkOptions {
  /** The cluster's host network namespace (its name under /run/netns); undefined: the current namespace. */
  readonly hostNetns?: string;
  /** The cluster's prefix (`porin`, `porin-NAME`): the world namespace is `<prefix>_world`. */
  readonly prefix: string;
  /** Host-side veth name, at most 15 characters; default `porinw0` (it lives in the cluster's host namespace). */
  readonly hostIf?: string;
  /** Routing tables of the host namespace that get the world routes: `main` and the pod table. */
  readonly tables: readonly (number | 'main')[];
  /** The /30 between host and world: host side .1, world side .2; default 169.254.53.0. */
  readonly linkNet?: string;
}

export interface WorldNetwork {
  readonly netns: string;
  readonly hostNetns: string | undefined;
  readonly hostIf: string;
  readonly hostAddress: string;
  readonly worldAddress: string;
}

/** The IPv4 documentation ranges: the only prefixes the host namespace routes into the world (never a default). */
export const WORLD_ROUTED_PREFIXES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'] as const;
const WORLD_IF = 'eth0';

/** `<prefix>_world`: an underscore, which cluster names cannot hold, so no cluster's host namespace can clash. */
export function worldNetnsName(prefix: string): string {
  return `${prefix}_world`;
}

export function worldNetwork(o: WorldNetworkOptions): WorldNetwork {
  const base = (o.linkNet ?? '169.254.53.0').split('.').map(Number);
  const at = (n: number) => [...base.slice(0, 3), (base[3] ?? 0) + n].join('.');
  const hostIf = o.hostIf ?? 'porinw0';
  if (hostIf.length > 15) throw new Error(`world veth name "${hostIf}" is longer than 15 characters`);
  return {
    netns: worldNetnsName(o.prefix),
    hostNetns: o.hostNetns,
    hostIf,
    hostAddress: at(1),
    worldAddress: at(2),
  };
}

const inHost = (w: WorldNetwork) => (w.hostNetns ? { netns: w.hostNetns } : {});
const ipArgs = (netns: string | undefined) => (netns ? ['ip', '-n', netns] : ['ip']);

/**
 * Creates (idempotently) the world namespace, the veth pair and the routes:
 * - world: `lo` up, `eth0` with the link address, a default route back to the host (the world's own view);
 * - host: the link address, forwarding on the world veth only, and in each table a route per documentation
 *   range via the world. Nothing else changes in the host namespace: no default route, no NAT, no uplink.
 */
export function ensureWorldNetwork(o: WorldNetworkOptions): WorldNetwork {
  const w = worldNetwork(o);
  const nsList = runSync(['ip', 'netns', 'list'], { allowFail: true });
  if (!nsList.split('\n').some((l) => l.split(' ')[0] === w.netns)) ipBatch([`netns add ${w.netns}`]);
  const link = runSync([...ipArgs(w.hostNetns), '-br', 'link', 'show', 'dev', w.hostIf], { allowFail: true });
  if (!link.trim())
    ipBatch([`link add ${w.hostIf} type veth peer name ${WORLD_IF} netns ${w.netns}`], inHost(w));
  ipBatch(
    [`link set lo up`, `addr replace ${w.worldAddress}/30 dev ${WORLD_IF}`, `link set ${WORLD_IF} up`],
    {
      netns: w.netns,
    },
  );
  ipBatch([`route replace default via ${w.hostAddress} dev ${WORLD_IF}`], { netns: w.netns });
  ipBatch([`addr replace ${w.hostAddress}/30 dev ${w.hostIf}`, `link set ${w.hostIf} up`], inHost(w));
  sysctl(w.hostNetns, `net.ipv4.conf.${w.hostIf}.forwarding`, '1');
  sysctl(w.hostNetns, `net.ipv4.conf.${w.hostIf}.rp_filter`, '1');
  const routes: string[] = [];
  for (const t of o.tables)
    for (const p of WORLD_ROUTED_PREFIXES)
      routes.push(
        `route replace ${p} via ${w.worldAddress} dev ${w.hostIf}${t === 'main' ? '' : ` table ${t}`}`,
      );
  ipBatch(routes, inHost(w));
  return w;
}

/** Makes the world hold exactly `addresses` (plus its link address) on its interface: adds first, then removes. */
export function setWorldAddresses(w: WorldNetwork, addresses: readonly string[]): void {
  const current = new Set<string>();
  const out = runSync(['ip', '-n', w.netns, '-o', 'addr', 'show', 'dev', WORLD_IF], { allowFail: true });
  for (const m of out.matchAll(/inet6? ([0-9a-f.:]+)\/(32|128)\b/g)) current.add(m[1]!);
  const want = new Set(addresses);
  const add = [...want].filter((a) => !current.has(a));
  const del = [...current].filter((a) => !want.has(a) && !a.startsWith('fe80'));
  const full = (a: string) => (a.includes(':') ? `${a}/128` : `${a}/32`);
  // IPv6 addresses skip duplicate address detection: the world is the only holder by construction.
  ipBatch(
    [
      ...add.map((a) => `addr add ${full(a)} dev ${WORLD_IF}${a.includes(':') ? ' nodad' : ''}`),
      ...del.map((a) => `addr del ${full(a)} dev ${WORLD_IF}`),
    ],
    { netns: w.netns },
  );
}

/** Removes the world: its processes (by the pids given), the routes, the veth pair and the namespace. */
export function teardownWorldNetwork(o: WorldNetworkOptions): void {
  const w = worldNetwork(o);
  const routes: string[] = [];
  for (const t of o.tables)
    for (const p of WORLD_ROUTED_PREFIXES) routes.push(`route del ${p}${t === 'main' ? '' : ` table ${t}`}`);
  ipBatch([...routes, `link del ${w.hostIf}`], { ...inHost(w), force: true });
  ipBatch([`netns del ${w.netns}`], { force: true });
}

/** The pids running inside the world namespace. */
export function worldPids(o: WorldNetworkOptions): number[] {
  return runSync(['ip', 'netns', 'pids', worldNetnsName(o.prefix)], { allowFail: true })
    .split('\n')
    .map(Number)
    .filter((n) => n > 1);
}

function sysctl(netns: string | undefined, key: string, value: string): void {
  const argv = [...(netns ? ['ip', 'netns', 'exec', netns] : []), 'sysctl', '-qw', `${key}=${value}`];
  runSync(argv);
}
