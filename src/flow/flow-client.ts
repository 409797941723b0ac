// FlowSource over the agent's HTTP API on its Unix socket (what `porin observe` reads from).
import { request as httpRequest } from 'node:http';
import { AgentClient } from '../api/agent-client.js';
import { ApiError, type ApiErrorCode } from '../api/api-error.js';
import type { FlowFilterSet, FlowsResponse, GetFlowsRequest } from './flow.js';
import type { FlowQueryOptions, FlowSource, FlowStream } from './flow-source.js';

function requestOf(filter: FlowFilterSet, opts: FlowQueryOptions, follow: boolean): GetFlowsRequest {
  const r: GetFlowsRequest = {};
  if (filter.whitelist?.length) r.whitelist = filter.whitelist;
  if (filter.blacklist?.length) r.blacklist = filter.blacklist;
  if (opts.first) {
    r.number = opts.first;
    r.first = true;
  } else if (opts.last) r.number = opts.last;
  if (opts.since) r.since = opts.since;
  if (opts.until) r.until = opts.until;
  if (follow) r.follow = true;
  return r;
}

export class HttpFlowSource implements FlowSource {
  private readonly client: AgentClient;

  constructor(
    readonly socketPath: string,
    opts: { timeoutMs?: number } = {},
  ) {
    this.client = new AgentClient(socketPath, opts);
  }

  async query(filter: FlowFilterSet, opts: FlowQueryOptions = {}): Promise<FlowsResponse[]> {
    const body = await this.client.request<{ items: FlowsResponse[] }>(
      'POST',
      '/v1/flows',
      requestOf(filter, opts, false),
    );
    return body.items;
  }

  follow(
    filter: FlowFilterSet,
    onResponse: (r: FlowsResponse) => void,
    opts: Pick<FlowQueryOptions, 'last' | 'since'> = {},
  ): Promise<FlowStream> {
    const payload = Buffer.from(JSON.stringify(requestOf(filter, opts, true)), 'utf8');
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        socketPath: this.socketPath,
        path: '/v1/flows/stream',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      });
      req.on('error', (e) => reject(connectionError(e, this.socketPath)));
      req.once('response', (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('end', () =>
            reject(errorFrom(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))),
          );
          return;
        }
        let closedByUs = false;
        let buffered = '';
        const done = new Promise<'closed' | 'ended'>((resolveDone, rejectDone) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl = buffered.indexOf('\n');
            while (nl >= 0) {
              const line = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              nl = buffered.indexOf('\n');
              if (line.trim() === '' || closedByUs) continue;
              try {
                onResponse(JSON.parse(line) as FlowsResponse);
              } catch (e) {
                req.destroy();
                rejectDone(
                  e instanceof SyntaxError
                    ? new ApiError(
                        'PORIN_ERR_AGENT_PROTOCOL',
                        'the Porin agent sent a flow line that is not JSON',
                        200,
                      )
                    : e,
                );
                return;
              }
            }
          });
          res.once('end', () => resolveDone(closedByUs ? 'closed' : 'ended'));
          res.once('close', () => resolveDone(closedByUs ? 'closed' : 'ended'));
          res.on('error', (e) => (closedByUs ? resolveDone('closed') : rejectDone(e)));
        });
        done.catch(() => undefined);
        resolve({
          close: () => {
            closedByUs = true;
            req.destroy();
          },
          done,
        });
      });
      req.end(payload);
    });
  }
}

function connectionError(e: Error, socketPath: string): ApiError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED')
    return new ApiError(
      'PORIN_ERR_AGENT_NOT_RUNNING',
      'the Porin agent is not running: start it with `porin up`',
      0,
      {
        socketPath,
      },
    );
  return new ApiError(
    'PORIN_ERR_AGENT_UNREACHABLE',
    `cannot talk to the Porin agent at ${socketPath}: ${e.message}`,
    0,
  );
}

function errorFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.code)
      return new ApiError(
        body.error.code as ApiErrorCode,
        body.error.message ?? `HTTP ${status}`,
        status,
        body.error.details,
      );
  } catch {
    // not JSON
  }
  return new ApiError('PORIN_ERR_AGENT_PROTOCOL', `the Porin agent answered HTTP ${status}`, status);
}
