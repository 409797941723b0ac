// The agent API's flow routes: history (`/v1/flows`), live NDJSON streams (`/v1/flows/stream`) and status.
//
//   GET  /v1/flows?request=<GetFlowsRequest JSON>        → {"items": [GetFlowsResponse, …]}
//   GET  /v1/flows?whitelist=<[FlowFilter] JSON>&blacklist=…&number=20&first=true&since=…&until=…
//   POST /v1/flows            body: GetFlowsRequest        (the same, for long filters)
//   GET  /v1/flows/stream?…   (same parameters)          → application/x-ndjson: one GetFlowsResponse
//   POST /v1/flows/stream     body: GetFlowsRequest         per line, blank lines as heartbeats
//   GET  /v1/flows/status                               → ServerStatusResponse-like status
// A malformed request is a 400 PORIN_ERR_BAD_REQUEST whose details carry the flow error code and field path.
import type { ServerResponse } from 'node:http';
import { ApiError } from '../api/api-error.js';
import type { ApiRequest, RouteTable } from '../api/route-handler.js';
import type { FlowsResponse, GetFlowsRequest } from './flow.js';
import { FlowError } from './flow-error.js';
import { compileFilterSet } from './flow-filter.js';
import { type FollowHandle, validateFlowsRequest } from './flow-service.js';

/** What the routes need from the flow service (FlowService implements it). */
export interface FlowQueryService {
  query(req: GetFlowsRequest): FlowsResponse[];
  follow(req: GetFlowsRequest, onResponse: (r: FlowsResponse) => boolean | undefined): FollowHandle;
  status(): unknown;
}

export interface FlowRoutesOptions {
  /** Open streams, ended when the server closes (ApiServer.streams; taken from `api` when it has one). */
  streams?: Set<ServerResponse>;
  /** Milliseconds between heartbeat lines on streams (default 10 s). */
  heartbeatMs?: number;
}

function badRequest(e: unknown): unknown {
  if (e instanceof FlowError) {
    return new ApiError(
      'PORIN_ERR_BAD_REQUEST',
      e.message,
      400,
      { code: e.code, path: e.path },
      { cause: e },
    );
  }
  return e;
}

function parseJsonParam(req: ApiRequest, name: string): unknown {
  const raw = req.query.get(name);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new FlowError('PORIN_FLOW_REQUEST_INVALID', `not valid JSON: ${(e as Error).message}`, name);
  }
}

/** The GetFlowsRequest of a route call: the POST body, `?request=`, or separate query parameters. */
async function flowsRequest(req: ApiRequest): Promise<GetFlowsRequest> {
  if (req.method === 'POST') return validateFlowsRequest(await req.json());
  const whole = parseJsonParam(req, 'request');
  if (whole !== undefined) return validateFlowsRequest(whole);
  const r: Record<string, unknown> = {};
  const white = parseJsonParam(req, 'whitelist');
  const black = parseJsonParam(req, 'blacklist');
  if (white !== undefined) r.whitelist = white;
  if (black !== undefined) r.blacklist = black;
  const number = req.query.get('number');
  if (number !== null) r.number = Number(number);
  for (const k of ['first', 'follow'] as const) {
    const v = req.query.get(k);
    if (v !== null) r[k] = v === '' || v === 'true' || v === '1';
  }
  for (const k of ['since', 'until'] as const) {
    const v = req.query.get(k);
    if (v !== null) r[k] = v;
  }
  return validateFlowsRequest(r);
}

export function registerFlowRoutes(
  api: RouteTable & { streams?: Set<ServerResponse> },
  service: FlowQueryService,
  opts: FlowRoutesOptions = {},
): void {
  const streams = opts.streams ?? api.streams;
  const heartbeatMs = opts.heartbeatMs ?? 10_000;

  const history = async (req: ApiRequest) => {
    try {
      const r = await flowsRequest(req);
      return { items: service.query(r) };
    } catch (e) {
      throw badRequest(e);
    }
  };
  api.route('GET', '/v1/flows', history);
  api.route('POST', '/v1/flows', history);

  const stream = async (req: ApiRequest, res: ServerResponse) => {
    let r: GetFlowsRequest;
    try {
      r = await flowsRequest(req);
      compileFilterSet(r); // reject a bad filter before the 200 goes out
    } catch (e) {
      throw badRequest(e);
    }
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.flushHeaders();
    let handle: FollowHandle | undefined;
    const write = (line: FlowsResponse): boolean => {
      if (res.writableEnded || res.destroyed) return false;
      return res.write(`${JSON.stringify(line)}\n`);
    };
    res.on('drain', () => handle?.resume());
    handle = service.follow({ ...r, follow: true }, write);
    const heartbeat = setInterval(() => {
      if (!res.writableEnded && !res.destroyed) res.write('\n');
    }, heartbeatMs);
    streams?.add(res);
    const cleanup = () => {
      clearInterval(heartbeat);
      handle?.close();
      streams?.delete(res);
    };
    res.once('close', cleanup);
    // The request stream itself is destroyed once a POST body is read; the socket tells whether the client left.
    if (res.destroyed || req.raw.socket?.destroyed) cleanup();
    return undefined;
  };
  api.route('GET', '/v1/flows/stream', stream);
  api.route('POST', '/v1/flows/stream', stream);

  api.route('GET', '/v1/flows/status', () => service.status());
}
