// The typed client of the agent API, used by the CLI: objects, watch streams, health and status.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { ListResult, ObjectRef, WatchEvent, WatchFilter } from '../cluster/store/index.js';
import type { Resource, ResourceKind } from '../resources/index.js';
import { ApiError, type ApiErrorCode, type ErrorBody } from './api-error.js';
import {
  type ApplyResponse,
  CLUSTER_SCOPE,
  type DeleteResponse,
  type HealthResponse,
  type ListResponse,
  type WatchLine,
} from './api-types.js';

export const AGENT_NOT_RUNNING_MESSAGE = 'the Porin agent is not running: start it with `porin up`';

export interface AgentClientOptions {
  /** Per request, not for watch streams (default 30 s). */
  timeoutMs?: number;
}

export interface WatchStream {
  /** Ends the stream; `done` then resolves with `closed`. */
  close(): void;
  /**
   * `closed` when we closed it, `ended` when the agent did (it is stopping, or cut off a client
   * that fell behind: watch again from the last resourceVersion seen). Rejects on a broken connection.
   */
  readonly done: Promise<'closed' | 'ended'>;
}

export class AgentClient {
  constructor(
    readonly socketPath: string,
    private readonly options: AgentClientOptions = {},
  ) {}

  list(kind?: ResourceKind, namespace?: string): Promise<ListResult> {
    const q = new URLSearchParams();
    if (kind) q.set('kind', kind);
    if (namespace) q.set('namespace', namespace);
    const qs = q.toString();
    return this.request<ListResponse>('GET', `/v1/objects${qs ? `?${qs}` : ''}`);
  }

  /** `undefined` when there is no such object. */
  async get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined> {
    const path = `/v1/objects/${enc(kind)}/${enc(namespace || CLUSTER_SCOPE)}/${enc(name)}`;
    try {
      return await this.request<Resource>('GET', path);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'PORIN_ERR_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** Validates and applies all or nothing (PORIN_ERR_INVALID with `details.issues` when any object is invalid). */
  apply(objects: unknown[], options: { namespace?: string } = {}): Promise<ApplyResponse> {
    return this.request<ApplyResponse>('POST', '/v1/apply', { objects, ...options });
  }

  async delete(refs: ObjectRef[], options: { ignoreNotFound?: boolean } = {}): Promise<Resource[]> {
    return (await this.request<DeleteResponse>('POST', '/v1/delete', { refs, ...options })).deleted;
  }

  healthz(): Promise<HealthResponse> {
    return this.request<HealthResponse>('GET', '/v1/healthz');
  }

  /** `GET /v1/status`, a route the agent registers. */
  status<T = unknown>(): Promise<T> {
    return this.request<T>('GET', '/v1/status');
  }

  /**
   * Streams events until closed. Resolves once the agent accepted the watch; rejects with
   * PORIN_ERR_GONE (410) when `fromResourceVersion` is too old: list again and watch from there.
   */
  watch(
    filter: WatchFilter,
    fromResourceVersion: string | undefined,
    onEvent: (e: WatchEvent) => void,
  ): Promise<WatchStream> {
    const q = new URLSearchParams();
    if (filter.kind) q.set('kind', filter.kind);
    if (filter.namespace) q.set('namespace', filter.namespace);
    if (fromResourceVersion) q.set('resourceVersion', fromResourceVersion);
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        socketPath: this.socketPath,
        path: `/v1/watch?${q}`,
        method: 'GET',
        agent: false,
      });
      // Errors after the stream was handed out are `done`'s (rejecting here is then a no-op).
      req.on('error', (e) => reject(this.connectionError(e)));
      req.once('response', (res) => {
        if (res.statusCode !== 200) {
          void readBody(res).then((text) => reject(errorFrom(res.statusCode ?? 0, text)), reject);
          return;
        }
        resolve(this.stream(req, res, onEvent));
      });
      req.end();
    });
  }

  /** Any route, for extensions the agent registers. */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    return new Promise<T>((resolve, reject) => {
      const req = httpRequest({
        socketPath: this.socketPath,
        path,
        method,
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      });
      const timeoutMs = this.options.timeoutMs ?? 30_000;
      req.setTimeout(timeoutMs, () =>
        req.destroy(
          new ApiError(
            'PORIN_ERR_TIMEOUT',
            `the Porin agent did not answer ${method} ${path} within ${timeoutMs} ms`,
            0,
          ),
        ),
      );
      req.on('error', (e) => reject(e instanceof ApiError ? e : this.connectionError(e)));
      req.once('response', (res) => {
        readBody(res).then((text) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(errorFrom(status, text));
          if (status === 204 || text === '') return resolve(undefined as T);
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(
              new ApiError(
                'PORIN_ERR_AGENT_PROTOCOL',
                `the Porin agent sent a response that is not JSON (${method} ${path})`,
                status,
              ),
            );
          }
        }, reject);
      });
      req.end(payload);
    });
  }

  private stream(
    req: ReturnType<typeof httpRequest>,
    res: IncomingMessage,
    onEvent: (e: WatchEvent) => void,
  ): WatchStream {
    let closedByUs = false;
    let buffered = '';
    const done = new Promise<'closed' | 'ended'>((resolve, reject) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
          if (line.trim() === '') continue;
          let parsed: WatchLine;
          try {
            parsed = JSON.parse(line) as WatchLine;
          } catch {
            req.destroy();
            return reject(
              new ApiError(
                'PORIN_ERR_AGENT_PROTOCOL',
                'the Porin agent sent a watch line that is not JSON',
                200,
              ),
            );
          }
          if (parsed.type === 'HEARTBEAT') continue;
          if (parsed.type === 'ERROR') {
            req.destroy();
            return reject(new ApiError(parsed.error.code as ApiErrorCode, parsed.error.message, 200));
          }
          if (!closedByUs) onEvent(parsed);
        }
      });
      res.once('end', () => resolve(closedByUs ? 'closed' : 'ended'));
      res.once('close', () => resolve(closedByUs ? 'closed' : 'ended'));
      res.on('error', (e) => (closedByUs ? resolve('closed') : reject(e)));
    });
    // A caller that never awaits `done` must not get an unhandled rejection.
    done.catch(() => undefined);
    return {
      close: () => {
        closedByUs = true;
        req.destroy();
      },
      done,
    };
  }

  private connectionError(e: Error): ApiError {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      return new ApiError(
        'PORIN_ERR_AGENT_NOT_RUNNING',
        AGENT_NOT_RUNNING_MESSAGE,
        0,
        { socketPath: this.socketPath },
        { cause: e },
      );
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return new ApiError(
        'PORIN_ERR_AGENT_UNREACHABLE',
        `cannot connect to the Porin agent at ${this.socketPath}: permission denied (run as root)`,
        0,
        undefined,
        { cause: e },
      );
    }
    return new ApiError(
      'PORIN_ERR_AGENT_UNREACHABLE',
      `cannot talk to the Porin agent at ${this.socketPath}: ${e.message}`,
      0,
      undefined,
      {
        cause: e,
      },
    );
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

function errorFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error && typeof body.error.code === 'string') {
      return new ApiError(
        body.error.code,
        body.error.message ?? `HTTP ${status}`,
        status,
        body.error.details,
      );
    }
  } catch {
    // not an API error body
  }
  return new ApiError(
    'PORIN_ERR_AGENT_PROTOCOL',
    `the Porin agent answered HTTP ${status}: ${text.slice(0, 200)}`,
    status,
  );
}
