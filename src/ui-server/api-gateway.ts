// The page's /api routes: the agent's API over its Unix socket (which crosses network namespaces), flows and watches as server-sent events.
//
//   GET  /api/status                          agent status + flow status ({agent: false} without an agent)
//   GET  /api/objects?kind=&namespace=        objects            GET /api/objects/:kind/:namespace/:name
//   GET  /api/watch?kind=                     SSE "events": store watch events
//   GET  /api/graph?since=&until=&group=      the service map (aggregated by the agent)
//   POST /api/flows                           {flags?, number?, first?, since?, until?} → {items}
//   GET  /api/flows/stream?flags=&last=&since=  SSE "flows": history, then live flows and lost-event notices
//   POST /api/flows/filters                   {flags} → the FlowFilterSet `porin observe` would send
//   POST /api/policy/check                    {object} → validation, lint, selected pods
//   POST /api/policy/impact|generate|trace    the agent's insight routes
//   POST /api/apply                           {objects} → the agent's all-or-nothing apply
// Filters are `porin observe` flags (`[["from-pod", "xwing"], ["verdict", "DROPPED"]]`), compiled by the
// same code as the CLI (src/flow/filter-flags.ts) and applied by the agent (src/flow/flow-filter.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentClient } from '../api/agent-client.js';
import { ApiError, toApiError } from '../api/api-error.js';
import { readJsonBody, sendJson } from '../api/http-json.js';
import { type Params, Router } from '../api/router.js';
import { filterSetFromFlags } from '../flow/filter-flags.js';
import type { FlowFilterSet, FlowsResponse, GetFlowsRequest } from '../flow/flow.js';
import { HttpFlowSource } from '../flow/flow-client.js';
import { FlowError } from '../flow/flow-error.js';
import { formatTimeNs, nowNs, resolveTimeSpec } from '../flow/flow-time.js';
import { pipeFromAgent } from './agent-pipe.js';
import { checkPolicy } from './policy-check.js';
import { SseStream } from './sse.js';

export interface GatewayRequest {
  raw: IncomingMessage;
  query: URLSearchParams;
  params: Params;
  json(): Promise<Record<string, unknown>>;
}

type Handler = (req: GatewayRequest, res: ServerResponse) => Promise<unknown>;

const MAX_BODY = 2 * 1024 * 1024;

function bad(message: string, path?: string): ApiError {
  return new ApiError('PORIN_ERR_BAD_REQUEST', message, 400, path ? { path } : undefined);
}

/** `[["from-pod", "xwing"], ["not"], ["verdict", "DROPPED"]]` → FlowFilterSet (400 naming the flag on error). */
export function filtersFromFlags(raw: unknown): FlowFilterSet {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw bad('flags must be a list of [name, value] pairs', 'flags');
  const flags = raw.map((f, i): [string, string?] => {
    if (!Array.isArray(f) || typeof f[0] !== 'string' || (f[1] !== undefined && typeof f[1] !== 'string'))
      throw bad('each flag is [name] or [name, value] (strings)', `flags[${i}]`);
    return f[1] === undefined ? [f[0]] : [f[0], f[1]];
  });
  try {
    return filterSetFromFlags(flags);
  } catch (e) {
    if (e instanceof FlowError) throw bad(e.message, e.path ? `flags.${e.path}` : 'flags');
    throw e;
  }
}

function timeSpec(v: unknown, name: string): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    return formatTimeNs(resolveTimeSpec(v, nowNs(), name));
  } catch (e) {
    throw bad((e as Error).message, name);
  }
}

function agentError(e: unknown): ApiError {
  const err = toApiError(e);
  // No response at all: the agent is not there (503), not a fault of the page's request.
  if (err.status === 0) return new ApiError(err.code, err.message, 503, err.details);
  return err;
}

export class ApiGateway {
  private readonly router = new Router<Handler>();
  private readonly flows: HttpFlowSource;
  /** Open event streams, closed with the server. */
  readonly streams = new Set<SseStream<unknown>>();

  constructor(private readonly agent: AgentClient) {
    this.flows = new HttpFlowSource(agent.socketPath);
    // Passed through to the agent, its answer piped back unparsed.
    const pass =
      (method: string, path: (r: GatewayRequest) => string, body: boolean) =>
      async (r: GatewayRequest, res: ServerResponse) =>
        pipeFromAgent(
          agent.socketPath,
          method,
          path(r),
          body ? JSON.stringify(await r.json()) : undefined,
          res,
        );
    const r = this.router;
    r.add('GET', '/api/status', () => this.status());
    r.add(
      'GET',
      '/api/objects',
      pass('GET', (q) => `/v1/objects?${q.query}`, false),
    );
    r.add(
      'GET',
      '/api/objects/:kind/:namespace/:name',
      pass(
        'GET',
        (q) =>
          `/v1/objects/${['kind', 'namespace', 'name'].map((k) => encodeURIComponent(q.params[k]!)).join('/')}`,
        false,
      ),
    );
    r.add(
      'GET',
      '/api/graph',
      pass('GET', (q) => `/v1/flows/graph?${q.query}`, false),
    );
    r.add('POST', '/api/flows', (q) => this.history(q));
    r.add('POST', '/api/flows/filters', async (q) => filtersFromFlags((await q.json()).flags));
    r.add('GET', '/api/flows/stream', (q, res) => this.flowStream(q, res));
    r.add('GET', '/api/watch', (q, res) => this.watch(q, res));
    r.add('POST', '/api/policy/check', async (q) => checkPolicy((await q.json()).object, this.agent));
    for (const name of ['impact', 'generate', 'trace'])
      r.add(
        'POST',
        `/api/policy/${name}`,
        pass('POST', () => `/v1/policy/${name}`, true),
      );
    r.add(
      'POST',
      '/api/apply',
      pass('POST', () => '/v1/apply', true),
    );
  }

  /** True when the path is an API route (answered, possibly with an error); false otherwise. */
  async handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!path.startsWith('/api/')) return false;
    try {
      const url = new URL(req.url ?? '/', 'http://ui');
      const m = this.router.match(req.method ?? 'GET', path);
      if (!m) throw new ApiError('PORIN_ERR_ROUTE_NOT_FOUND', `no such route: ${req.method} ${path}`, 404);
      if ('methodNotAllowed' in m) {
        res.setHeader('allow', m.methodNotAllowed.join(', '));
        throw new ApiError('PORIN_ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`, 405);
      }
      let body: Record<string, unknown> | undefined;
      const r: GatewayRequest = {
        raw: req,
        query: url.searchParams,
        params: m.params,
        json: async () => {
          if (body) return body;
          const b = await readJsonBody(req, MAX_BODY);
          if (!b || typeof b !== 'object' || Array.isArray(b)) throw bad('the body must be a JSON object');
          body = b as Record<string, unknown>;
          return body;
        },
      };
      const result = await m.handler(r, res);
      if (!res.headersSent && !res.writableEnded) sendJson(res, 200, result ?? {});
    } catch (e) {
      const err = agentError(e);
      if (!res.headersSent) sendJson(res, err.status, err.toBody());
      else res.destroy();
    }
    return true;
  }

  private async status(): Promise<unknown> {
    try {
      const [agent, flows] = await Promise.all([
        this.agent.status(),
        this.agent.request('GET', '/v1/flows/status').catch(() => undefined),
      ]);
      return { agent: true, socket: this.agent.socketPath, status: agent, flows };
    } catch (e) {
      const err = toApiError(e);
      return { agent: false, socket: this.agent.socketPath, error: { code: err.code, message: err.message } };
    }
  }

  private async history(q: GatewayRequest): Promise<unknown> {
    const b = await q.json();
    const r: GetFlowsRequest = { ...filtersFromFlags(b.flags) };
    if (b.number !== undefined) {
      if (typeof b.number !== 'number' || !Number.isInteger(b.number) || b.number < 0)
        throw bad('number must be a non-negative integer', 'number');
      r.number = b.number;
    }
    if (b.first === true) r.first = true;
    const since = timeSpec(b.since, 'since');
    const until = timeSpec(b.until, 'until');
    if (since) r.since = since;
    if (until) r.until = until;
    return this.agent.request('POST', '/v1/flows', r);
  }

  private async flowStream(q: GatewayRequest, res: ServerResponse): Promise<void> {
    let flags: unknown;
    try {
      flags = JSON.parse(q.query.get('flags') ?? '[]');
    } catch {
      throw bad('flags must be JSON', 'flags');
    }
    const filter = filtersFromFlags(flags);
    const last = Number(q.query.get('last') ?? 0);
    if (!Number.isInteger(last) || last < 0) throw bad('last must be a non-negative integer', 'last');
    const since = timeSpec(q.query.get('since'), 'since');
    const sse = new SseStream<FlowsResponse>(res, 'flows');
    this.streams.add(sse as SseStream<unknown>);
    sse.onClose(() => this.streams.delete(sse as SseStream<unknown>));
    try {
      const stream = await this.flows.follow(filter, (line) => sse.push(line), {
        ...(last > 0 ? { last } : {}),
        ...(since ? { since } : {}),
      });
      sse.onClose(() => stream.close());
      sse.send('ready', { filter });
      void stream.done.then(
        (how) => {
          if (how === 'ended') sse.send('end', { message: 'the agent ended the stream' });
          sse.close();
        },
        (e) => {
          sse.send('failure', agentError(e).toBody().error);
          sse.close();
        },
      );
    } catch (e) {
      sse.send('failure', agentError(e).toBody().error);
      sse.close();
    }
  }

  private async watch(q: GatewayRequest, res: ServerResponse): Promise<void> {
    const kind = q.query.get('kind') ?? undefined;
    const filter = kind ? { kind: kind as never } : {};
    const sse = new SseStream<unknown>(res, 'events', { batchMs: 200 });
    this.streams.add(sse);
    sse.onClose(() => this.streams.delete(sse));
    try {
      const list = await this.agent.list(kind as never);
      sse.send('list', list);
      const stream = await this.agent.watch(filter, list.resourceVersion, (e) => sse.push(e));
      sse.onClose(() => stream.close());
      void stream.done.then(
        () => sse.close(),
        () => sse.close(),
      );
    } catch (e) {
      sse.send('failure', agentError(e).toBody().error);
      sse.close();
    }
  }

  close(): void {
    for (const s of [...this.streams]) s.close();
  }
}
