// The HTTP/1.1, HTTP/2 (h2c) and gRPC protocol handler of the L7 proxy.
import type { L7Handler } from '../l7-handler.js';
import { createHttpHandler, type HttpHandler } from './http-handler.js';

export { createHttpHandler, type HttpHandler } from './http-handler.js';
export { DEFAULT_HTTP_PROXY_OPTIONS, type HttpProxyOptions } from './options.js';

let shared: HttpHandler | undefined;

/** The HTTP handler with default limits (created on first use). */
export const handleHttp: L7Handler = (conn) => {
  shared ??= createHttpHandler();
  shared.handle(conn);
};
