// `GET /v1/watch`: store events as newline-delimited JSON, with heartbeats, until either side closes.

import type { ServerResponse } from 'node:http';
import type { ObjectStore, WatchEvent, WatchFilter } from '../cluster/store/index.js';
import type { WatchLine } from './api-types.js';
import { kindFrom } from './object-routes.js';
import type { RouteTable } from './route-handler.js';

/** A client that falls this far behind is cut off; it resumes from the last resourceVersion it saw. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** `streams` collects the open responses so the server can end them when it closes. */
export function registerWatchRoute(
  server: RouteTable,
  store: ObjectStore,
  streams: Set<ServerResponse>,
  heartbeatMs: number,
): void {
  server.route('GET', '/v1/watch', (req, res) => {
    const filter: WatchFilter = {};
    const kind = req.query.get('kind');
    if (kind) filter.kind = kindFrom(kind);
    const namespace = req.query.get('namespace');
    if (namespace) filter.namespace = namespace;
    const from = req.query.get('resourceVersion') || undefined;

    // Subscribing throws synchronously (410 Gone, 422 bad revision) before any header is sent.
    const write = (line: WatchLine) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(`${JSON.stringify(line)}\n`);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    const unsubscribe = store.watch(filter, from, (e: WatchEvent) => write(e));
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.flushHeaders();
    const heartbeat = setInterval(() => write({ type: 'HEARTBEAT' }), heartbeatMs);
    streams.add(res);
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    res.once('close', cleanup);
    if (req.raw.destroyed) cleanup(); // the client left before we subscribed
    return undefined;
  });
}
