// API routes behind `porin service list` and `porin bpf lb list`: the load balancer as its maps hold it.
import type { RouteTable } from '../api/index.js';
import { ApiError } from '../api/index.js';
import { dumpLbMaps } from '../services/index.js';
import type { LoadBalancer } from './load-balancer.js';

export function registerLbRoutes(api: RouteTable, lb: () => LoadBalancer | undefined): void {
  const need = (): LoadBalancer => {
    const l = lb();
    if (!l)
      throw new ApiError('PORIN_ERR_NOT_FOUND', 'the load balancer is not running (datapath disabled)', 404);
    return l;
  };
  api.route('GET', '/v1/lb/services', () => ({ items: need().frontends() }));
  api.route('GET', '/v1/lb/maps', () => {
    const l = need();
    return {
      ...dumpLbMaps(l.sock.maps),
      netnsRegistered: l.sock.maps.netns.keys().length,
      socketReverseEntries: l.sock.maps.reverseSk.keys().length,
      affinityEntries: l.sock.maps.affinity.keys().length,
      conntrackEntries: l.nodePort.conntrack.keys().length,
      reconciler: l.reconciler.status(),
    };
  });
}
