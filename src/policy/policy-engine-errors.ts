// Errors of the policy engine, with stable codes.
export class PolicyEngineError extends Error {
  constructor(
    readonly code: 'PORIN_ERR_UNKNOWN_ENDPOINT' | 'PORIN_ERR_BAD_QUERY',
    message: string,
  ) {
    super(message);
  }
}
