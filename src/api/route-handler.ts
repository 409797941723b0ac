// What a route handler receives and returns, and the one method route modules need from the server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from './router.js';

export interface ApiRequest {
  method: string;
  path: string;
  params: Params;
  query: URLSearchParams;
  /** The body parsed as JSON (400 when it is not, 413 when too large). */
  json(): Promise<unknown>;
  raw: IncomingMessage;
}

/**
 * Returns the JSON body of a 200 response; or writes the response itself (streams, other statuses)
 * and returns undefined. Throwing an ApiError sends that error; anything else is a 500.
 */
export type RouteHandler = (req: ApiRequest, res: ServerResponse) => unknown | Promise<unknown>;

export interface RouteTable {
  route(method: string, path: string, handler: RouteHandler): void;
}
