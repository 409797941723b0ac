// API route and status line of the L7 proxy, both from the proxy's own report.
import type { RouteTable } from '../api/index.js';
import { ApiError } from '../api/index.js';
import type { L7Proxy, ProxyComponentStatus } from './l7-proxy.js';

export interface ProxyRouteSources {
  l7: L7Proxy | undefined;
}

/** `porin status`'s line for the proxy, computed from what the proxy reports. */
export function proxyComponent(s: ProxyComponentStatus | undefined): {
  name: string;
  ok: boolean;
  message: string;
} {
  if (!s) return { name: 'l7-proxy', ok: false, message: 'disabled (no datapath)' };
  if (!s.running)
    return { name: 'l7-proxy', ok: false, message: 'not running: redirected connections are refused' };
  const r = s.report;
  const listeners = s.listeners
    .map(
      (l) =>
        `${l.type}:${l.port}${l.udp ? '+udp' : ''}${l.open ? '' : ' (closed)'}${l.handler ? '' : ' (no handler)'}`,
    )
    .join(' ');
  const revision =
    s.ackedRevision >= 0 && s.ackedRevision === s.publishedRevision
      ? `policy revision ${s.ackedRevision}`
      : `policy revision ${s.ackedRevision < 0 ? 'none' : s.ackedRevision} (agent has ${s.publishedRevision})`;
  const counters = r
    ? `, ${r.connections.open} open connection(s), ${r.counters.requests ?? 0} request(s), ${r.counters.denied ?? 0} denied`
    : '';
  const ok = s.connected && r !== undefined && s.listeners.every((l) => l.open) && !s.error;
  return {
    name: 'l7-proxy',
    ok,
    message: `pid ${s.pid}, ${s.connected ? 'connected' : 'not connected'}, ${revision}, listeners ${listeners || 'none'}${counters}${s.error ? `; ${s.error}` : ''}`,
  };
}

export function registerProxyRoutes(api: RouteTable, src: ProxyRouteSources): void {
  api.route('GET', '/v1/proxy/status', async () => {
    if (!src.l7) throw new ApiError('PORIN_ERR_NOT_FOUND', 'no L7 proxy: it needs the datapath', 404);
    return src.l7.status();
  });
}
