// Builds the ADD result (spec 1.0/1.1), appending Porin's interfaces, address and route to a prevResult.
import type { CniInterface, CniIpConfig, CniResult, CniRoute } from './cni-types.js';
import { versionAtLeast } from './cni-version.js';
import type { PorinNetConf } from './plugin-config.js';
import type { PodWiring } from './wire-pod.js';

function listOf<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/**
 * The result of ADD: interfaces [host veth, pod interface], the /32 address on the pod interface with the
 * gateway, and the default route via the gateway. A prevResult (Porin chained after another plugin) is kept:
 * its entries come first and Porin's interface indexes are shifted past them.
 */
export function addResult(conf: PorinNetConf, w: PodWiring): CniResult {
  const prev = conf.prevResult ?? {};
  const interfaces = listOf<CniInterface>(prev.interfaces);
  const base = interfaces.length;
  const withMtu = conf.mtu !== undefined && versionAtLeast(conf.cniVersion, '1.1.0');
  const hostIf: CniInterface = { name: w.veth.hostName, mac: w.veth.hostMac };
  const podIf: CniInterface = { name: w.ifname, mac: w.veth.podMac, sandbox: w.netns };
  if (withMtu) {
    hostIf.mtu = conf.mtu!;
    podIf.mtu = conf.mtu!;
  }
  const ips: CniIpConfig[] = [
    ...listOf<CniIpConfig>(prev.ips),
    { address: `${w.ip}/32`, gateway: w.gateway, interface: base + 1 },
  ];
  const routes: CniRoute[] = [...listOf<CniRoute>(prev.routes), { dst: '0.0.0.0/0', gw: w.gateway }];
  const result: CniResult = {
    cniVersion: conf.cniVersion,
    interfaces: [...interfaces, hostIf, podIf],
    ips,
    routes,
  };
  const dns = conf.dns ?? (prev.dns as CniResult['dns'] | undefined);
  if (dns) result.dns = dns;
  return result;
}
