// Porin's default network configuration list: the `porin` plugin, optionally followed by portmap, bandwidth, tuning.
import type { CniDns } from './cni-types.js';
import type { CniConflist, CniPluginConf } from './invoke-chain.js';

export interface PorinConflistOptions {
  /** Network name (default `porin`); IPAM state goes to `<dataDir>/<name>/`. */
  name?: string;
  podCIDR: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** Default 169.254.1.1. */
  gateway?: string;
  /** Default 2004. */
  routeTable?: number;
  dataDir: string;
  /** The CNI server's unix socket (default /run/porin/cni.sock). */
  socket?: string;
  /** How long the plugin waits for the server (default 50 s). */
  timeoutSeconds?: number;
  mtu?: number;
  dns?: CniDns;
  /** The reference `portmap` plugin (hostPort through iptables DNAT; runtime capability `portMappings`). */
  portmap?: boolean | { snat?: boolean };
  /** The reference `bandwidth` plugin (tc shaping; runtime capability `bandwidth`, or static rates here). */
  bandwidth?:
    | boolean
    | { ingressRate?: number; ingressBurst?: number; egressRate?: number; egressBurst?: number };
  /** The reference `tuning` plugin (sysctls, MTU, promiscuous mode inside the pod). */
  tuning?: boolean | { sysctl?: Record<string, string>; mtu?: number; promisc?: boolean };
  /**
   * Tell runtimes not to run CHECK. Default: true when portmap is chained, because Debian 12's portmap
   * (plugins 1.1.1) fails CHECK on IPv4-only pods by looking for ip6tables rules it never created
   * (containernetworking/plugins#819, fixed in 1.2.0).
   */
  disableCheck?: boolean;
}

function opt<T extends object>(v: boolean | T | undefined): T | undefined {
  return v === true ? ({} as T) : v || undefined;
}

/**
 * Builds the list. Alone, `porin` runs at spec 1.1.0 (STATUS, GC). With reference plugins the list says
 * 1.0.0 (Debian's plugins stop there) and offers both through `cniVersions`, so a runtime or
 * `invokeCniChain` picks 1.1.0 once every plugin supports it.
 */
export function porinConflist(opts: PorinConflistOptions): CniConflist {
  const porin: CniPluginConf = { type: 'porin', podCIDR: opts.podCIDR, dataDir: opts.dataDir };
  if (opts.clusterCIDR) porin.clusterCIDR = opts.clusterCIDR;
  if (opts.serviceCIDR) porin.serviceCIDR = opts.serviceCIDR;
  if (opts.gateway) porin.gateway = opts.gateway;
  if (opts.routeTable !== undefined) porin.routeTable = opts.routeTable;
  if (opts.socket) porin.socket = opts.socket;
  if (opts.timeoutSeconds !== undefined) porin.timeoutSeconds = opts.timeoutSeconds;
  if (opts.mtu !== undefined) porin.mtu = opts.mtu;
  if (opts.dns) porin.dns = opts.dns;
  const plugins: CniPluginConf[] = [porin];
  const portmap = opt(opts.portmap);
  if (portmap)
    plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: portmap.snat ?? true });
  const bandwidth = opt(opts.bandwidth);
  if (bandwidth) plugins.push({ type: 'bandwidth', capabilities: { bandwidth: true }, ...bandwidth });
  const tuning = opt(opts.tuning);
  if (tuning) plugins.push({ type: 'tuning', ...tuning });
  const chained = plugins.length > 1;
  const list: CniConflist = {
    cniVersion: chained ? '1.0.0' : '1.1.0',
    cniVersions: ['1.0.0', '1.1.0'],
    name: opts.name ?? 'porin',
    plugins,
  };
  if (opts.disableCheck ?? Boolean(portmap)) list.disableCheck = true;
  return list;
}
