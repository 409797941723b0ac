// Host-side plumbing of the embedded cluster: blackholes first, the pod routing table, the DNS device.
import type { ClusterConfig } from '../config/cluster-config.js';
import { HostSafetyError } from './host-safety-error.js';
import { ipBatch, runSync } from './run-command.js';

interface RouteJson {
  type?: string;
  dst?: string;
  dev?: string;
  gateway?: string;
}

function routes(args: readonly string[]): RouteJson[] {
  const out = runSync(['ip', '-j', 'route', 'show', ...args], { allowFail: true }).trim();
  return out ? (JSON.parse(out) as RouteJson[]) : [];
}

const describe = (r: RouteJson) =>
  [
    r.type && r.type !== 'unicast' ? r.type : '',
    r.dst,
    r.gateway ? `via ${r.gateway}` : '',
    r.dev ? `dev ${r.dev}` : '',
  ]
    .filter(Boolean)
    .join(' ');

/**
 * The blackhole for `cidr` in `table`: added when missing, kept when it is already there (ours, from a
 * previous start). Any other route for exactly that prefix belongs to someone else, and overwriting it
 * could send their traffic into a blackhole or ours out of the machine: refuse, and say why.
 */
function ensureBlackhole(cidr: string, table?: number): string | undefined {
  const tableArgs = table === undefined ? [] : ['table', String(table)];
  const existing = routes(['exact', cidr, ...tableArgs]);
  if (existing.length === 0)
    return `route add blackhole ${cidr}${table === undefined ? '' : ` table ${table}`}`;
  const foreign = existing.find((r) => r.type !== 'blackhole');
  if (foreign)
    throw new HostSafetyError(
      `the host already has the route "${describe(foreign)}"${table === undefined ? '' : ` in table ${table}`}; Porin needs a blackhole for ${cidr} there and will not overwrite it. Remove that route, or run the cluster in a private network namespace (porin up --host-netns NAME).`,
    );
  return undefined;
}

/**
 * Idempotent. Order matters for safety: the blackholes for the pod and service CIDRs go in before any
 * pod or service address is used, so a packet that escapes the datapath dies on the host. Nothing is
 * changed unless every check passes.
 */
export function ensureHostNetwork(c: ClusterConfig): void {
  const adds = [
    ensureBlackhole(c.clusterCIDR),
    ensureBlackhole(c.serviceCIDR),
    ensureBlackhole('default', c.routeTable),
  ].filter((l): l is string => l !== undefined);
  ipBatch(adds);
  const rules = runSync(['ip', 'rule', 'show', 'pref', String(c.routeTable)]);
  if (!rules.includes(`lookup ${c.routeTable}`)) {
    ipBatch([`rule add from ${c.clusterCIDR} lookup ${c.routeTable} pref ${c.routeTable}`]);
  }
  const link = runSync(['ip', '-br', 'link', 'show', 'dev', c.hostDevice], { allowFail: true });
  // No dummy driver on this kernel: a veth pair whose both ends stay on the host holds the address.
  if (!link.trim()) ipBatch([`link add ${c.hostDevice} type veth peer name ${c.hostDevice}p`]);
  ipBatch([
    `link set ${c.hostDevice}p up`,
    `link set ${c.hostDevice} up`,
    `addr replace ${c.dnsBackendIP}/32 dev ${c.hostDevice}`,
  ]);
}

/** Removes what ensureHostNetwork made (blackholes only if they are still blackholes); missing pieces are fine. */
export function teardownHostNetwork(c: ClusterConfig): void {
  const ours = (cidr: string) =>
    routes(['exact', cidr]).some((r) => r.type === 'blackhole') ? [`route del blackhole ${cidr}`] : [];
  ipBatch(
    [
      `rule del pref ${c.routeTable}`,
      `route flush table ${c.routeTable}`,
      `link del ${c.hostDevice}`,
      ...ours(c.clusterCIDR),
      ...ours(c.serviceCIDR),
    ],
    { force: true },
  );
}
