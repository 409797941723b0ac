// One client connection's way upstream on HTTP/1.1: a one-socket keep-alive agent that dials through the core.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { ProxiedConnection } from '../l7-handler.js';

type CreateConnection = (
  opts: unknown,
  cb: (err: Error | null, socket?: Socket) => void,
) => Socket | undefined;

/**
 * An agent with one socket: requests of one client connection go upstream one after another on one connection
 * (so responses come back in request order), and a new connection is dialled through `connectUpstream()` when
 * the server closed the previous one.
 */
export function upstreamAgent(conn: ProxiedConnection): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, scheduling: 'fifo' });
  const create: CreateConnection = (_opts, cb) => {
    conn.connectUpstream().then(
      (s) => cb(null, s.setNoDelay(true)),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    );
    return undefined;
  };
  (agent as unknown as { createConnection: CreateConnection }).createConnection = create;
  return agent;
}
