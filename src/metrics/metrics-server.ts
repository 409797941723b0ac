// Serving /metrics: a node:http handler, the agent API route, and a TCP listener (127.0.0.1:9965 by default).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { RouteTable } from '../api/route-handler.js';
import type { PorinMetrics } from './porin-metrics.js';

export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** Hubble's metrics port. */
export const DEFAULT_METRICS_PORT = 9965;

async function writeMetrics(metrics: PorinMetrics, res: ServerResponse): Promise<void> {
  try {
    const text = await metrics.text();
    res.writeHead(200, {
      'content-type': metrics.contentType,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics collection failed: ${(e as Error).message}\n`);
  }
}

/** A request handler answering GET /metrics (404 elsewhere, 405 for other methods). */
export function metricsHandler(metrics: PorinMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    void writeMetrics(metrics, res);
  };
}

/** Adds `GET /v1/metrics` (the same exposition text) to the agent API. */
export function registerMetricsRoute(api: RouteTable, metrics: PorinMetrics): void {
  api.route('GET', '/v1/metrics', async (_req, res) => {
    await writeMetrics(metrics, res);
    return undefined;
  });
}

/** Listens for Prometheus scrapes; resolves with the listening server (close it on shutdown). */
export function serveMetrics(
  metrics: PorinMetrics,
  opts: { host?: string; port?: number } = {},
): Promise<Server> {
  const server = createServer(metricsHandler(metrics));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_METRICS_PORT, opts.host ?? DEFAULT_METRICS_HOST, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
