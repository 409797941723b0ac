// The agent's HTTP API on a Unix socket: object routes, watch streams, health, and routes the agent adds.
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import type { ObjectStore } from '../cluster/store/index.js';
import { ApiError, toApiError } from './api-error.js';
import { readJsonBody, sendJson } from './http-json.js';
import { registerObjectRoutes } from './object-routes.js';
import type { ApiRequest, RouteHandler, RouteTable } from './route-handler.js';
import { Router } from './router.js';
import { registerWatchRoute } from './watch-route.js';

export interface ApiServerOptions {
  store: ObjectStore;
  socketPath: string;
  /** Socket file permissions (default 0o600: the API can start processes as the agent's user). */
  socketMode?: number;
  /** Seconds between heartbeat lines on watch streams (default 10). */
  heartbeatSeconds?: number;
  maxBodyBytes?: number;
  /** How long `close` lets requests in progress finish before cutting them (default 2 s). */
  closeGraceMs?: number;
}

export class ApiServer implements RouteTable {
  private readonly router = new Router<RouteHandler>();
  private readonly server: Server;
  /** Open watch streams, ended when the server closes. */
  readonly streams = new Set<ServerResponse>();

  constructor(readonly options: ApiServerOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.route('GET', '/v1/healthz', async () => ({
      status: 'ok',
      resourceVersion: (await options.store.list('Namespace')).resourceVersion,
    }));
    registerObjectRoutes(this, options.store);
    registerWatchRoute(this, options.store, this.streams, (options.heartbeatSeconds ?? 10) * 1000);
  }

  get socketPath(): string {
    return this.options.socketPath;
  }

  /** Adds a route; `path` may have `:name` parameters. Throws if the same method and path exist. */
  route(method: string, path: string, handler: RouteHandler): void {
    this.router.add(method, path, handler);
  }

  /** Listens on the socket, replacing a stale socket file; refuses if another agent answers there. */
  async listen(): Promise<void> {
    const path = this.options.socketPath;
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    if (await socketAnswers(path)) {
      throw new ApiError(
        'PORIN_ERR_SOCKET_IN_USE',
        `another process is serving ${path} (is an agent already running?)`,
        0,
      );
    }
    await rm(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, this.options.socketMode ?? 0o600);
  }

  /**
   * Stops accepting, ends watch streams and idle connections, gives requests in progress a grace
   * period, then cuts what is left. Resolves when every connection is closed.
   */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const res of this.streams) res.end();
    this.server.closeIdleConnections();
    const grace = setTimeout(() => this.server.closeAllConnections(), this.options.closeGraceMs ?? 2000);
    await closed;
    clearTimeout(grace);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://porin-agent');
      const match = this.router.match(req.method ?? 'GET', url.pathname);
      if (!match) {
        throw new ApiError(
          'PORIN_ERR_ROUTE_NOT_FOUND',
          `no such API route: ${req.method} ${url.pathname}`,
          404,
        );
      }
      if ('methodNotAllowed' in match) {
        res.setHeader('allow', match.methodNotAllowed.join(', '));
        throw new ApiError(
          'PORIN_ERR_METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${url.pathname} (allowed: ${match.methodNotAllowed.join(', ')})`,
          405,
        );
      }
      const request: ApiRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        params: match.params,
        query: url.searchParams,
        json: () => readJsonBody(req, this.options.maxBodyBytes),
        raw: req,
      };
      const result = await match.handler(request, res);
      if (res.headersSent || res.writableEnded) return;
      if (result === undefined) {
        res.writeHead(204);
        res.end();
      } else sendJson(res, 200, result);
    } catch (e) {
      const error = toApiError(e);
      if (!res.headersSent) sendJson(res, error.status, error.toBody());
      else res.destroy(error);
    }
  }
}

/** True when something accepts connections on `path` (a live agent), false for no file or a stale one. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
