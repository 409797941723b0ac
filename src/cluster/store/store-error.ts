// Errors of the object store, with stable codes (and the HTTP status the API maps each to).

export type StoreErrorCode =
  | 'PORIN_ERR_NOT_FOUND'
  | 'PORIN_ERR_CONFLICT'
  | 'PORIN_ERR_GONE'
  | 'PORIN_ERR_INVALID'
  | 'PORIN_ERR_STORE_LOCKED'
  | 'PORIN_ERR_STORE_CORRUPT'
  | 'PORIN_ERR_STORE_UNAVAILABLE';

const HTTP_STATUS: Record<StoreErrorCode, number> = {
  PORIN_ERR_NOT_FOUND: 404,
  PORIN_ERR_CONFLICT: 409,
  PORIN_ERR_GONE: 410,
  PORIN_ERR_INVALID: 422,
  PORIN_ERR_STORE_LOCKED: 503,
  PORIN_ERR_STORE_CORRUPT: 500,
  PORIN_ERR_STORE_UNAVAILABLE: 503,
};

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The HTTP status with the same meaning (410 Gone: the client must re-list). */
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
