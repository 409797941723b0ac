// A request to the agent's socket whose answer goes to the page byte for byte (large graphs are not parsed and re-encoded).

import type { ServerResponse } from 'node:http';
import { request } from 'node:http';
import { ApiError } from '../api/api-error.js';

/** Resolves once the answer is piped; rejects (nothing sent yet) when the agent cannot be reached. */
export function pipeFromAgent(
  socketPath: string,
  method: string,
  path: string,
  body: string | undefined,
  res: ServerResponse,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = request(
      {
        socketPath,
        method,
        path,
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, {
          'content-type': up.headers['content-type'] ?? 'application/json; charset=utf-8',
          'cache-control': 'no-store',
          ...(up.headers['content-length'] ? { 'content-length': up.headers['content-length'] } : {}),
        });
        up.pipe(res);
        up.once('end', resolve);
        up.once('error', () => {
          res.destroy();
          resolve();
        });
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error('the agent did not answer within 120 s')));
    req.once('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      reject(
        code === 'ENOENT' || code === 'ECONNREFUSED'
          ? new ApiError(
              'PORIN_ERR_AGENT_NOT_RUNNING',
              'the Porin agent is not running: start it with `porin up`',
              503,
              { socketPath },
            )
          : new ApiError(
              'PORIN_ERR_AGENT_UNREACHABLE',
              `cannot talk to the Porin agent at ${socketPath}: ${e.message}`,
              503,
            ),
      );
    });
    req.end(payload);
  });
}
