// Errors of the agent API, with stable codes and HTTP statuses; the same class on both sides of the socket.
import { StoreError, type StoreErrorCode } from '../cluster/store/index.js';

export type ApiErrorCode =
  | StoreErrorCode
  | 'PORIN_ERR_BAD_REQUEST'
  | 'PORIN_ERR_ROUTE_NOT_FOUND'
  | 'PORIN_ERR_METHOD_NOT_ALLOWED'
  | 'PORIN_ERR_PAYLOAD_TOO_LARGE'
  | 'PORIN_ERR_INTERNAL'
  | 'PORIN_ERR_SOCKET_IN_USE'
  | 'PORIN_ERR_AGENT_NOT_RUNNING'
  | 'PORIN_ERR_AGENT_UNREACHABLE'
  | 'PORIN_ERR_AGENT_PROTOCOL'
  | 'PORIN_ERR_TIMEOUT';

/** The body of every error response: `{"error": {"code", "message", "details"?}}`. */
export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The HTTP status (0 when no response was received). */
    readonly status = 500,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** Any thrown value as an ApiError: store errors keep their code; anything else is internal. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof StoreError) return new ApiError(e.code, e.message, e.httpStatus, undefined, { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return new ApiError('PORIN_ERR_INTERNAL', `internal error: ${message}`, 500, undefined, { cause: e });
}

export function isApiError(e: unknown, code?: ApiErrorCode): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}
