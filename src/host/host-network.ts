// Host-side plumbing of the embedded cluster: blackholes first, the pod routing table, the DNS device.
import type { ClusterConfig } from '../config/cluster-config.js';
import { ipBatch, runSync } from './run-command.js';

/**
 * Idempotent. Order matters for safety: the blackholes for the pod and service CIDRs go in before any
 * pod or service address is used, so a packet that escapes the datapath dies on the host.
 */
export function ensureHostNetwork(c: ClusterConfig): void {
  ipBatch([`route replace blackhole ${c.clusterCIDR}`, `route replace blackhole ${c.serviceCIDR}`]);
  ipBatch([`route replace blackhole default table ${c.routeTable}`]);
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
    `addr replace ${c.dnsServiceIP}/32 dev ${c.hostDevice}`,
  ]);
}

/** Removes what ensureHostNetwork made; missing pieces are fine. */
export function teardownHostNetwork(c: ClusterConfig): void {
  ipBatch(
    [
      `rule del pref ${c.routeTable}`,
      `route flush table ${c.routeTable}`,
      `link del ${c.hostDevice}`,
      `route del blackhole ${c.clusterCIDR}`,
      `route del blackhole ${c.serviceCIDR}`,
    ],
    { force: true },
  );
}
