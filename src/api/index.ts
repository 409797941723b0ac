// The agent's HTTP API on a Unix socket, and the typed client the CLI uses.
export {
  AGENT_NOT_RUNNING_MESSAGE,
  AgentClient,
  type AgentClientOptions,
  type WatchStream,
} from './agent-client.js';
export { ApiError, type ApiErrorCode, type ErrorBody, isApiError, toApiError } from './api-error.js';
export { ApiServer, type ApiServerOptions } from './api-server.js';
export * from './api-types.js';
export { readJsonBody, sendJson } from './http-json.js';
export { resolveKind } from './kind-names.js';
export type { ApiRequest, RouteHandler, RouteTable } from './route-handler.js';
