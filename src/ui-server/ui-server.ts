// The web UI's server: the single-page app and its /api gateway to the agent, on a loopback address only.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentClient } from '../api/agent-client.js';
import { ApiError } from '../api/api-error.js';
import { sendJson } from '../api/http-json.js';
import { ApiGateway } from './api-gateway.js';
import { allowedHosts, checkRequest, isLoopback } from './request-guard.js';
import { DEFAULT_UI_DIR, StaticFiles, securityHeaders } from './static-files.js';

export const DEFAULT_UI_PORT = 12000;
export const DEFAULT_UI_ADDRESS = '127.0.0.1';

export interface UiServerOptions {
  /** The agent's API socket. */
  agentSocket: string;
  /** Default 12000; 0 picks a free port. */
  port?: number;
  /** A loopback address (default 127.0.0.1); anything else is refused. */
  address?: string;
  /** The built app (default dist/ui). */
  uiDir?: string;
  /** The page token (default: 32 random bytes, new on every start). */
  token?: string;
}

export class UiServer {
  readonly token: string;
  private readonly server: Server;
  private readonly gateway: ApiGateway;
  private readonly files: StaticFiles;
  private hosts = new Set<string>();
  readonly address: string;

  constructor(readonly options: UiServerOptions) {
    this.address = options.address ?? DEFAULT_UI_ADDRESS;
    if (!isLoopback(this.address)) {
      throw new ApiError(
        'PORIN_ERR_BAD_REQUEST',
        `--address ${this.address} is not a loopback address: the UI serves only this machine (127.0.0.1, ::1 or localhost)`,
        0,
      );
    }
    this.token = options.token ?? randomBytes(32).toString('base64url');
    this.files = new StaticFiles(options.uiDir ?? DEFAULT_UI_DIR, this.token);
    this.gateway = new ApiGateway(new AgentClient(options.agentSocket, { timeoutMs: 60_000 }));
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  get built(): boolean {
    return this.files.built;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    const host = this.address.includes(':') ? `[${this.address}]` : this.address;
    return `http://${host === 'localhost' ? 'localhost' : host}:${this.port}/`;
  }

  /** Listens; rejects with EADDRINUSE (and the like) as Node reports them. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? DEFAULT_UI_PORT, this.address.replace(/^\[|\]$/g, ''), () => {
        this.server.off('error', reject);
        this.hosts = allowedHosts(this.address.replace(/^\[|\]$/g, ''), this.port);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.gateway.close();
    if (!this.server.listening) return;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    const cut = setTimeout(() => this.server.closeAllConnections(), 1000);
    await closed;
    clearTimeout(cut);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    const refusal = checkRequest(req, this.hosts, this.token);
    if (refusal) {
      sendJson(res, refusal.status, { error: { code: refusal.code, message: refusal.message } });
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://ui').pathname);
    } catch {
      sendJson(res, 400, { error: { code: 'PORIN_ERR_BAD_REQUEST', message: 'malformed path' } });
      return;
    }
    if (await this.gateway.handle(path, req, res)) return;
    const method = req.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && this.files.serve(path, res, method === 'HEAD')) return;
    sendJson(res, 404, {
      error: { code: 'PORIN_ERR_ROUTE_NOT_FOUND', message: `nothing at ${method} ${path}` },
    });
  }
}
