// The runtime's CNI port: Porin's network configuration list run through the libcni-style chain invoker.
import { join } from 'node:path';
import type { CniPort } from '../cluster/runtime/index.js';
import { type CniConflist, invokeCniChain, linkPorinPlugin, porinConflist } from '../cni/index.js';
import { type ClusterConfig, paths } from '../config/cluster-config.js';

export function porinNetwork(c: ClusterConfig): CniConflist {
  return porinConflist({
    podCIDR: c.podCIDR,
    clusterCIDR: c.clusterCIDR,
    serviceCIDR: c.serviceCIDR,
    gateway: c.gateway,
    routeTable: c.routeTable,
    dataDir: paths(c).ipam,
  });
}

export function cniPort(c: ClusterConfig): CniPort {
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
  };
}
