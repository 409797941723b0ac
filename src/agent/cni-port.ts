// The runtime's CNI port: Porin's network configuration list run through the libcni-style chain invoker; the
// thin `porin` plugin it executes hands each call back to the agent's CNI server.
import { join } from 'node:path';
import type { CniPort } from '../cluster/runtime/index.js';
import { type CniConflist, CniServer, invokeCniChain, linkPorinPlugin, porinConflist } from '../cni/index.js';
import { type ClusterConfig, paths } from '../config/cluster-config.js';

/** The agent's CNI server socket: `$PORIN_RUN_DIR/cni.sock`. */
export function cniSocket(c: ClusterConfig): string {
  return join(c.runDir, 'cni.sock');
}

/**
 * Serves the thin plugin in the agent: it wires pods in the agent's network namespace, which is the one the
 * runtime executes the plugin in (the cluster's host).
 */
export function startCniServer(c: ClusterConfig, log: (line: string) => void): Promise<CniServer> {
  return CniServer.listen({ socket: cniSocket(c), log: (l) => log(`cni: ${l}`) });
}

export function porinNetwork(c: ClusterConfig): CniConflist {
  return porinConflist({
    socket: cniSocket(c),
    podCIDR: c.podCIDR,
    clusterCIDR: c.clusterCIDR,
    serviceCIDR: c.serviceCIDR,
    gateway: c.gateway,
    routeTable: c.routeTable,
    dataDir: paths(c).ipam,
  });
}

/** What the agent's health check asks the network plugin: CNI STATUS through the whole chain. */
export interface CniStatusPort {
  status(): Promise<void>;
}

export function cniPort(c: ClusterConfig): CniPort & CniStatusPort {
  const conflist = porinNetwork(c);
  const cniPath = [linkPorinPlugin(join(c.stateDir, 'cni-bin')), '/usr/lib/cni'];
  const rt = (containerId: string, netns: string, args: Record<string, string> = {}) => ({
    containerId,
    netns,
    ifname: 'eth0',
    args,
    cniPath,
    cacheDir: paths(c).cniCache,
  });
  return {
    async add(containerId, netns, pod) {
      const result = await invokeCniChain(
        conflist,
        'ADD',
        rt(containerId, netns, {
          K8S_POD_NAMESPACE: pod.namespace,
          K8S_POD_NAME: pod.name,
          K8S_POD_INFRA_CONTAINER_ID: containerId,
          ...(pod.ip ? { IP: pod.ip } : {}),
        }),
      );
      const ip = result.ips?.[0]?.address?.split('/')[0];
      if (!ip) throw new Error('the CNI result has no address');
      return { ip };
    },
    async del(containerId, netns) {
      await invokeCniChain(conflist, 'DEL', rt(containerId, netns));
    },
    /** CNI STATUS, executed as a runtime executes it: the thin plugin asks the agent's server. */
    async status() {
      await invokeCniChain(conflist, 'STATUS', rt('porin-status', ''));
    },
  };
}
