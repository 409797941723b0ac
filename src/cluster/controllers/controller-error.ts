// Errors of the controllers, with stable codes.

export type ControllerErrorCode =
  | 'PORIN_ERR_SERVICE_CIDR'
  | 'PORIN_ERR_CLUSTER_IPS_EXHAUSTED'
  | 'PORIN_ERR_NODE_PORTS_EXHAUSTED'
  | 'PORIN_ERR_LB_POOL'
  | 'PORIN_ERR_LB_IPS_EXHAUSTED';

export class ControllerError extends Error {
  override readonly name = 'ControllerError';

  constructor(
    readonly code: ControllerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
