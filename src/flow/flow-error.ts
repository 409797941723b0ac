// Errors of the flow pipeline, with stable codes; a filter or request error names the field path it is about.

export type FlowErrorCode =
  /** A FlowFilter is malformed (bad CIDR, selector, regex, port, enum name …). */
  | 'PORIN_FLOW_FILTER_INVALID'
  /** A flow request is malformed (bad number, since/until, shape). */
  | 'PORIN_FLOW_REQUEST_INVALID'
  /** A time (`--since 5m`, RFC 3339) cannot be parsed. */
  | 'PORIN_FLOW_TIME_INVALID'
  /** A flow does not fit the schema the store can keep. */
  | 'PORIN_FLOW_SCHEMA'
  /** The flow database cannot be opened or has an unknown schema version. */
  | 'PORIN_FLOW_STORE_OPEN'
  /** The flow store is closed. */
  | 'PORIN_FLOW_STORE_CLOSED';

export class FlowError extends Error {
  override readonly name = 'FlowError';

  constructor(
    readonly code: FlowErrorCode,
    message: string,
    /** Where in the input: `whitelist[0].source_ip[1]`. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${path}: ${message}` : message, options);
  }
}

export function isFlowError(e: unknown, code?: FlowErrorCode): e is FlowError {
  return e instanceof FlowError && (code === undefined || e.code === code);
}
