// API routes of the L7 proxy: its status (from its own report) and the policy barrier `porin apply` waits on.
import type { RouteTable } from '../api/index.js';
import { ApiError } from '../api/index.js';
import type { L7Proxy, ProxyComponentStatus } from './l7-proxy.js';

export interface ProxyRouteSources {
  l7: L7Proxy | undefined;
  /** The store revision the engine and the datapath have applied. */
  appliedRevision(): number;
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
  // ?revision=N&timeout=MS[&l7=true]: the engine and datapath applied store revision N (and, with l7,
  // the proxy acknowledged a snapshot that includes it).
  api.route('GET', '/v1/policy/wait', async (req) => {
    const revision = Number(req.query.get('revision') ?? 0);
    const timeout = Math.min(Number(req.query.get('timeout') ?? 5000), 60_000);
    if (!Number.isInteger(revision) || revision < 0 || !Number.isFinite(timeout))
      throw new ApiError('PORIN_ERR_BAD_REQUEST', 'revision and timeout must be numbers', 400);
    const deadline = Date.now() + timeout;
    while (src.appliedRevision() < revision && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const datapath = src.appliedRevision() >= revision;
    if (!datapath)
      return {
        revision,
        inForce: false,
        reason: `the agent has applied revision ${src.appliedRevision()} only`,
      };
    if (req.query.get('l7') !== 'true') return { revision, inForce: true };
    if (!src.l7) return { revision, inForce: false, reason: 'L7 rules need the datapath and the L7 proxy' };
    const p = await src.l7.waitFor(revision, Math.max(0, deadline - Date.now()));
    return { revision, inForce: p.ok, ...(p.reason ? { reason: p.reason } : {}) };
  });
}
