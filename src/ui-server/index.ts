// The web UI's server: the built app, the page token and Origin checks, and the gateway to the agent's socket.
export { ApiGateway, filtersFromFlags } from './api-gateway.js';
export { inHostNetworkNamespace } from './network-namespace.js';
export { checkPolicy } from './policy-check.js';
export { allowedHosts, checkRequest, isLoopback, TOKEN_HEADER } from './request-guard.js';
export { SseStream } from './sse.js';
export { DEFAULT_UI_DIR, StaticFiles, TOKEN_PLACEHOLDER } from './static-files.js';
export { DEFAULT_UI_ADDRESS, DEFAULT_UI_PORT, UiServer, type UiServerOptions } from './ui-server.js';
